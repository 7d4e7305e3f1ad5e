"""TF's string tensors from Python text: `tf.constant("text")`, `tf.constant(["a", "b"])`.

Their values are bytes in a numpy object array (str encoded as UTF-8), as TF's `.numpy()`
gives them; tf.string's DType is dtypes.string. Only what holds text is read here: a str,
bytes, a numpy array of str or bytes, or a nested list of them; numbers stay convert.py's.
"""
from __future__ import annotations

import numpy as np

from . import dtypes as _dtypes
from .convert import _NOT_RECTANGULAR
from .errors import (DTypeError, DTypeValueError, KernelDTypeError, attr_words, describe,
                     in_tf_words, tf_dtype)

_TEXT = (str, bytes)
_MIXED = "Can't convert Python sequence with mixed types to Tensor."
_STRING = _dtypes.string._np
# a Python or numpy number's exact type: never text, and what most constants are made of
_NUMBERS = frozenset({bool, int, float} | {kind for kind in np.sctypeDict.values()
                                            if issubclass(kind, (np.number, np.bool_))})


def text_array(value, dtype, op: str):
    """`value` as a string tensor's array when it holds text (None when it does not), checked
    against the dtype asked for (a numpy dtype or None) as TF checks it."""
    if type(value) in _NUMBERS and (dtype is None or dtype.kind != "O"):
        return None   # (decided by its type: the checks below cost a numpy scalar ~3.7k
        #                instructions, +39% of its tf.constant)
    if not _holds_text(value):
        if dtype is not None and dtype == _STRING and not hasattr(value, "_value"):
            if isinstance(value, (list, tuple)) and not np.size(value):   # [] of tf.string
                return np.empty(np.shape(value), object)
            raise _unconvertible(op, value, "string")
        return None
    if dtype is not None and dtype != _STRING:
        raise _unconvertible(op, value, _dtypes.from_numpy(np.dtype(dtype)).name)
    if isinstance(value, np.ndarray):
        leaves = list(value.flat)
        shape = value.shape
    else:
        leaves = []
        shape = _shape_of(value, leaves, op)
    array = np.empty(len(leaves), dtype=object)
    array[:] = [text.encode() if isinstance(text, str) else bytes(text) for text in leaves]
    return array.reshape(shape)


def _holds_text(value) -> bool:
    if isinstance(value, _TEXT):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "US"
    if isinstance(value, (list, tuple)) and value:
        return _holds_text(value[0])
    return False


def _shape_of(value, leaves: list, op: str) -> tuple:
    """The shape of a nested list of text, its leaves appended to `leaves` in order."""
    if isinstance(value, _TEXT):
        leaves.append(value)
        return ()
    if not isinstance(value, (list, tuple)):
        raise DTypeValueError(op, f"expected text or numbers, not both; got {describe(value)} "
                                  f"among text" + in_tf_words(_MIXED))
    shapes = {_shape_of(item, leaves, op) for item in value}
    if len(shapes) > 1:
        raise DTypeValueError(op, "expected rows of text of one length; got a ragged list"
                              + in_tf_words(_NOT_RECTANGULAR))
    return (len(value),) + (shapes.pop() if shapes else ())


def _unconvertible(op: str, value, dtype_name: str) -> DTypeError:
    tf_name = "float" if dtype_name == "float32" else dtype_name
    return DTypeError(op, f"cannot convert {describe(value)} to a tensor of dtype {dtype_name}"
                          + in_tf_words(f"Cannot convert {value!r:.60} to EagerTensor of dtype "
                                        f"{tf_name}"),
                      hint="write it as text ('1') for a tf.string tensor"
                      if dtype_name == "string" else _TEXT_HINT)


def is_text(array) -> bool:
    """Whether an op's input array is a string tensor's (bytes in an object array)."""
    return getattr(array, "dtype", None) == _STRING


# ops TF has no string kernel of whose numpy forward would compute on bytes (tf.less would
# order them): dispatch_inputs refuses a string input of these on its conversion path, where
# every string tensor's inputs go, so their forwards stay numpy's own
NO_TEXT_KERNEL: set = set()


def math_refusal(op_name: str, arrays) -> DTypeError | None:
    """What an op computing on numbers says when given a string tensor, as TF's kernels
    refuse the dtype by name; None when no input is one."""
    text = next((array for array in arrays if is_text(array)), None)
    if text is None:
        return None
    return KernelDTypeError(op_name, f"expected numeric tensors; got {_shown(text)}"
                                     + attr_words("string"), hint=_TEXT_HINT)


def _shown(text) -> str:
    """A string tensor's array as an error names it: the dtype and the texts, cut short."""
    texts = repr(text.tolist())
    return f"a string tensor (tf.string) {texts if len(texts) <= 60 else texts[:57] + '...'}"


_TEXT_HINT = ("a tf.string tensor holds text: compare it (==, tf.equal), reshape, concat or "
              "gather it; for numbers written as text, parse them in Python "
              "(float(t.numpy())): tf.strings.to_number is TensorFlow's, not tapeviz's")


def text_cast_refusal(text, dtype) -> DTypeError:
    """tf.cast of a string tensor to a number dtype: TF's Cast has no such kernel (its
    UnimplementedError; tapeviz's a TypeError and InvalidArgumentError both)."""
    name = _dtypes.from_numpy(np.dtype(dtype)).name
    return KernelDTypeError("cast", f"expected a number tensor to cast to {name}; got "
                                    f"{_shown(text)}" + in_tf_words(
                                        f"Cast string to {tf_dtype(name)} is not supported"),
                            hint=_TEXT_HINT)


def text_update_refusal(op_name: str, text) -> DTypeError:
    """assign_add or assign_sub of a string variable: TF registers no kernel of either for
    tf.string (an InvalidArgumentError; tapeviz's a TypeError too)."""
    kernel = "AssignAddVariableOp" if op_name == "assign_add" else "AssignSubVariableOp"
    return KernelDTypeError(op_name, f"expected a variable of numbers; got {_shown(text)}"
                                     + in_tf_words(f"No OpKernel was registered to support Op "
                                                   f"'{kernel}' used by {{{{node {kernel}}}}} "
                                                   f"with these attrs: [dtype=DT_STRING]"),
                            hint="a string variable is assigned whole: v.assign(v + 'text')")
