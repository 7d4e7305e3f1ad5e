"""What an error says when an op's inputs have different dtypes: each input's dtype, the
name the user's line holds it by, where a float64 Variable was made, the cast that fixes
it, and TF's own words; and which class TF raises for it (`refusal_class`). Built only when
`dispatch_inputs.py` or an op's forward refuses the inputs, so nothing here is on an op's path.
"""
from __future__ import annotations

import sys

import numpy as np

from .dtypes import tf_name
from .errors import (CHECKED_IN_PYTHON, DTypeError, DTypeValueError,
                     in_tf_words, kernel_words, refusal_class)
from .sourceinfo import user_frame
from .tensor import Tensor

ALL = "all"  # Op.dtype_args value: every input shares one dtype (dispatch_inputs.py, registry)

def unconverted(op, index: int, error, expected, own) -> DTypeError:
    """`error` (a Python value, input `index` of `op`, that did not convert to the tensors'
    dtype `expected`; `own`: the dtype it converts to alone) said again naming the input,
    in TF's class and words: TF's add converts the value alone and its kernel refuses the
    dtype, truediv's wrapper compares the dtypes; other ops' wrappers convert it to the
    tensor's dtype and raise TypeError, in words much like tapeviz's."""
    name = op.input_names[index] if index < len(op.input_names) else f"input {index}"
    compared = op.name == "add" or op.name in CHECKED_IN_PYTHON
    if not compared or type(error) is not DTypeError or own is None:
        return type(error)(op.name, f"{name}: {error.detail}", error.hint)
    dtypes = (expected.name, own.name) if index else (own.name, expected.name)
    tf_words = kernel_words(op.name, index, *dtypes)
    return refusal_class(op.name)(op.name, f"{name}: {error.detail}{tf_words}", error.hint)


def mismatch(op, args, shared) -> DTypeError:
    dtypes = [(i, tf_name(a._value.dtype)) for i, a in enumerate(args)
              if isinstance(a, Tensor) and (shared is ALL or i in shared)]
    first = dtypes[0][1]
    refused = _first_refused(op, args, dtypes[0][0])
    if refused is not None:
        return refused
    made = _float64_variable_hint(args, [name for _, name in dtypes])
    if op.kind == "update" and len(dtypes) == 2:   # w.assign(...): said as the variable's
        value = "the new value" if op.name == "assign" else "the delta"
        tf_words = in_tf_words(f"Tensor conversion requested dtype {first} for Tensor with "
                               f"dtype {dtypes[1][1]}")
        return DTypeValueError(op.name, f"{value} must have the variable's dtype {first}; "
                                        f"got {dtypes[1][1]}{tf_words}",
                               hint=made or f"cast it first: tf.cast(value, tf.{first})")
    described = ", ".join(f"input {i} is {name}" for i, name in dtypes)
    index, other = next((i, name) for i, name in dtypes if name != first)
    rank = max(a._value.ndim for a in args if isinstance(a, Tensor))
    tf_words = kernel_words(op.name, index, first, other, rank)
    return refusal_class(op.name)(
        op.name, f"inputs must have the same dtype; got {described}{tf_words}",
        hint=made or _integer_among_floats_hint(op.name, dtypes, args)
        or f"cast to one dtype first, e.g. tf.cast(x, tf.{first})")


def _first_refused(op, args, index: int) -> DTypeError | None:
    """A binary kernel takes its dtype from its first input and refuses a dtype it has no
    kernel for before it compares the second's (tf.add(bools, ints): bool is not allowed, so
    no cast to bool helps): that refusal, found by the forward on the first input twice."""
    if not op.broadcasting or len(args) != 2:
        return None
    value = args[index]._value
    try:
        with np.errstate(all="ignore"):
            op.forward(value, value)
    except DTypeError as error:
        return refusal_class(op.name)(op.name, error.detail, error.hint)
    except Exception:   # (a forward that takes more than two arrays: no such refusal to find)
        return None
    return None


def _integer_among_floats_hint(op: str, dtypes: list, args) -> str | None:
    """Integers beside floats (labels read as int64 against a model's float32 output): cast
    the integers, since an integer cast of the floats would stop their gradient; each said
    by the name the user's line gives it, else by its place among the op's operands."""
    floats = [name for _, name in dtypes if name.startswith(("float", "bfloat"))]
    integers = [i for i, name in dtypes if name.startswith(("int", "uint"))]
    if not floats or not integers:
        return None
    names = [_user_name(args[i]) for i in integers]
    said = " and ".join(name or f"the {_ORDINALS.get(i, f'#{i}')} operand of {op}"
                        for i, name in zip(integers, names))
    return (f"cast {said} to {floats[0]}: tf.cast({names[0] or 'x'}, tf.{floats[0]}) "
            f"(casting the floats to an integer dtype would stop their gradient)")


_ORDINALS = {0: "first", 1: "second", 2: "third", 3: "fourth"}


def _user_name(tensor) -> str | None:
    """The name the user's frame (the innermost not tapeviz's) holds `tensor` by, a local or
    a global its code reads (a variable read: its variable), else None; read only for an
    error's hint."""
    frame = user_frame(sys._getframe(1))
    if frame is None:
        return None
    held = (tensor, getattr(tensor, "variable", tensor))
    names = [*frame.f_locals.items(), *((name, frame.f_globals.get(name))
                                        for name in frame.f_code.co_names)]
    return next((name for name, value in names
                 if any(value is obj for obj in held) and not name.startswith("_")), None)


def numpy_array_fix(name: str, own: np.dtype, wanted: np.dtype) -> str:
    """The fix for numpy array `name`, of dtype `own`, given with a tensor of dtype `wanted`,
    said by what the array holds: numpy makes floats float64 and integers int64 by default
    and both keep that dtype when converted."""
    convert = f"{name}.astype(np.{wanted.name}) or tf.cast({name}, tf.{wanted.name})"
    if own.kind in "iu":
        why = (f"np.array([1, 2]) holds integers ({own.name} here), and an array keeps its "
               f"dtype")
    elif own.kind == "b":
        why = "an array of True/False is bool and keeps its dtype"
    elif own == np.float64:
        why = "numpy float arrays are float64 by default and keep their dtype"
    else:
        why = f"numpy arrays keep their dtype ({own.name} here)"
    return f"{why}: convert {name} to {wanted.name} first, {convert}"


def _float64_variable_hint(args, names: list) -> str | None:
    """Where a float64 Variable among float32 inputs was made: tf.Variable(np.random.randn(..))
    keeps numpy's float64, the usual cause, and is fixed where it is made."""
    wanted = next((name for name in names if name in ("float32", "float16", "bfloat16")), None)
    for arg in args:
        made = getattr(arg, "made_at", None)
        if made is not None and arg._value.dtype == np.float64 and wanted is not None:
            return (f"Variable {arg.name!r} is float64, made at {made.location} (numpy values "
                    f"are float64 by default): make it {wanted} there, "
                    f"tf.Variable(value.astype(np.{wanted}))")
    return None
