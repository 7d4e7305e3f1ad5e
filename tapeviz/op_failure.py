"""What numpy's error about an op's input becomes: an error that names the op, what it
expected and what it got (dispatch raises it from the user's line), keeping the values the
op was given for the debugger."""
from __future__ import annotations

import inspect
import re
from typing import NoReturn

import numpy as np

from .errors import (CHECKED_IN_PYTHON, DTypeError, InvalidArgumentError,
                     KernelDTypeError, OpError, ShapeError,
                     allocation_error, broadcast_words)
from .dtypes import shown_name
from .errors_keywords import keyword_refused
from .string_values import math_refusal
from .tensor import Tensor

# what numpy raises about its input (AxisError is a ValueError and an IndexError), and
# MemoryError, said again naming the op and the shape it could not allocate
INPUT_ERRORS = (ValueError, TypeError, ArithmeticError, IndexError, MemoryError)
# what an op's forward may raise that dispatch says again (raise_forward_failure); a RuntimeWarning
# is numpy's, under an "error" warnings filter
FORWARD_ERRORS = (OpError, RuntimeWarning) + INPUT_ERRORS


def raise_forward_failure(op, arrays, params, args, exc: BaseException) -> NoReturn:
    """Raise what dispatch says when `op`'s forward raised `exc` (one of FORWARD_ERRORS): the
    op's own check as it came, numpy's refusal or warning said naming the op; each keeps what
    the op was given. One place for every dispatch path (their `try` costs nothing until the
    op raises)."""
    if isinstance(exc, OpError):
        recast = type(exc) is DTypeError and op.name not in CHECKED_IN_PYTHON
        error = exc.recast(KernelDTypeError) if recast else exc   # a kernel's: TF's class
        error.input_values = arrays
        if op.kind == "update" and len(args) > 1 and _gradient_list(args[1]):
            count = len(args[1])
            error.with_hint(f"{op.name} was given a list of {count} tensor"
                            f"{'s' if count > 1 else ''}, as "
                            f"tape.gradient(loss, [w]) returns for a list of sources: pass "
                            f"one variable's own gradient, grads[0] (or tape.gradient(loss, w))")
        if recast:
            raise error from None   # the same error again: a traceback shows it once
        raise error
    if isinstance(exc, RuntimeWarning):
        from . import fpwarnings
        error = fpwarnings.as_error(op, arrays, exc, args)
    else:
        error = explain_failure(op, arrays, params, exc)
    raise error from exc


def _gradient_list(value) -> bool:
    """Whether an update's delta is a list of tensors, a gradient list given whole."""
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, Tensor) for v in value)


def explain_failure(op, arrays, params, exc) -> OpError:
    """The error to raise when numpy rejects the inputs, keeping what the op was given."""
    error = _explanation(op, arrays, params, exc)
    error.input_values = arrays
    return error


def _explanation(op, arrays, params, exc) -> OpError:
    """The op's own explanation of numpy's error if it has one, else numpy's message with
    the op's name and what came."""
    if isinstance(exc, MemoryError) or "array is too big" in str(exc):
        return allocation_error(op.name, getattr(exc, "shape", None),
                                getattr(exc, "dtype", None), exc,
                                f"its inputs {', '.join(_describe(a) for a in arrays)}, "
                                f"params {params}")
    if isinstance(exc, TypeError) and "unexpected keyword argument" in str(exc):
        return _keyword_refused(op, arrays, params, str(exc))
    refused = math_refusal(op.name, arrays)   # numpy's bytes arithmetic failing on text
    if refused is not None:
        return refused
    if op.explain is not None:
        explained = op.explain(*arrays, **params)
        if explained is not None:
            cls, message, hint = explained
            return cls(op.name, message, hint)
    got = ", ".join(_describe(a) for a in arrays)
    if op.broadcasting and "broadcast" in str(exc):
        tf_words = broadcast_words(op.name, [np.shape(a) for a in arrays])
        return ShapeError(op.name, f"operand shapes must broadcast together; got {got}{tf_words}")
    cls = DTypeError if isinstance(exc, TypeError) else InvalidArgumentError
    return cls(op.name, f"{exc}; got {got}" if got else str(exc))


def _keyword_refused(op, arrays, params: dict, said: str) -> OpError:
    """A keyword the op's function does not take (`tf.nn.relu(x, nmae='r')`), named with the
    one meant; was said as a dtype error in the forward's own words
    ('_kinds_only.<locals>.checked() got an unexpected keyword argument')."""
    word = re.search(r"keyword argument '(\w+)'", said)
    word = word.group(1) if word else said
    try:
        parameters = list(inspect.signature(op.forward).parameters.values())[len(arrays):]
    except (TypeError, ValueError):   # a numpy ufunc's forward: no signature to read
        parameters = []
    taken = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    taken.append("name")
    given = f"{word}={params[word]!r}" if word in params else word
    return keyword_refused(op.name, word, given, taken,
                           f"{op.name}() got an unexpected keyword argument {word!r}",
                           listed=f"{op.name}'s keyword arguments:", cutoff=0.6)


def _describe(array) -> str:
    return f"{shown_name(np.asarray(array).dtype)}{list(np.shape(array))}"


__all__ = ["explain_failure", "INPUT_ERRORS"]
