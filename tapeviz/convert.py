"""Turning Python values, numpy arrays and tensors into numpy arrays, by TensorFlow's rules.

Python float -> float32, Python int -> int32 (int64 when it does not fit), bool -> bool,
numpy arrays keep their dtype, nested lists work; what cannot be a tensor is refused naming
the op. An op's inputs, side by side (a Python value next to a tensor takes the tensor's
dtype; two tensors of different dtypes are an error), are dispatch_inputs.py's.
"""
from __future__ import annotations

import numpy as np

from .dtype_errors import kernel_words, numpy_array_fix, refusal_class
from .errors import DTypeError, DTypeValueError, InvalidArgumentError, OpError, in_tf_words
from .tensor import Tensor, wrap

_INT32 = np.iinfo(np.int32)
_INT64 = np.iinfo(np.int64)
_SUPPORTED_KINDS = "biuf"


def infer_array(value, op: str = "convert_to_tensor"):
    """The numpy value of `value` under TensorFlow's inference rules."""
    if isinstance(value, Tensor):
        return value._value
    if isinstance(value, (np.ndarray, np.generic)):
        array = value
    elif isinstance(value, bool):
        return np.bool_(value)
    elif isinstance(value, int):
        if _INT32.min <= value <= _INT32.max:
            return np.int32(value)
        if not _INT64.min <= value <= _INT64.max:
            raise _too_large(op, value)
        return np.int64(value)
    elif isinstance(value, float):
        return np.float32(value)
    else:
        array = _nested_to_array(value, op)
        if isinstance(value, (list, tuple)):
            if array.dtype == np.float64 and not _holds_float64(value):
                array = array.astype(np.float32)
            elif array.dtype == np.int64 and array.size and \
                    _INT32.min <= array.min() and array.max() <= _INT32.max:
                array = array.astype(np.int32)
    _check_numeric(array, value, op)
    return array


def to_array(value, dtype, op: str = "convert_to_tensor"):
    """`value` as a numpy value of `dtype` (a numpy dtype); lossy conversions raise."""
    if dtype is None:
        return infer_array(value, op)
    if isinstance(value, Tensor):
        array = value._value
        if array.dtype != dtype:
            wanted = np.dtype(dtype).name
            raise DTypeError(op, f"expected a tensor of dtype {wanted}; "
                             f"got a tensor of dtype {array.dtype.name}",
                             hint=f"convert it first: tapeviz.cast(x, tapeviz.{wanted})")
        return array
    if type(value) is int and not _INT64.min <= value <= _INT64.max \
            and np.dtype(dtype).kind == "f":   # 10**30 for a float tensor, as TF converts it
        try:
            return np.dtype(dtype).type(float(value))
        except OverflowError:
            raise _too_large(op, value) from None
    target = np.dtype(dtype)
    if target.kind == "O":   # a string tensor's: text converts, anything else is refused
        from .string_values import text_array   # (it imports this module)
        return text_array(value, target, op)
    source = value if isinstance(value, (np.ndarray, np.generic)) else _nested_to_array(value, op)
    _check_numeric(source, value, op)
    # TF never converts a Python float to an integer (not even 2.0); a numpy array, if whole;
    # an empty list holds no float ([] is float64 to numpy): tf.constant([], tf.int32) is fine
    lossy_float = source.size and source.dtype.kind == "f" and target.kind in "biu" and (
        not isinstance(value, (np.ndarray, np.generic)) or not np.all(np.mod(source, 1) == 0))
    number_as_bool = source.size and source.dtype.kind in "iuf" and target.kind == "b" \
        and not isinstance(value, np.ndarray)
    if lossy_float or number_as_bool:
        raise DTypeError(op, f"cannot convert {_short(value)} to a tensor of dtype {target.name}",
                         hint=f"TF never converts a float to an integer. If the {target.name} "
                              f"came from tf.Variable(1) or tf.constant(1), write 1.0 to make "
                              f"it float32; or cast: tf.cast(x, tf.float32)"
                         if lossy_float else None)
    if isinstance(value, (int, float, bool)) and target.kind in "iu":
        info = np.iinfo(target)
        if not info.min <= value <= info.max:
            raise DTypeError(op, f"{value} does not fit in dtype {target.name}")
    if source.dtype == target:
        return source
    return np.asarray(source, dtype=target) if source.ndim else target.type(source)


def converted_alone(op: str, x, y, symbol: str, names=("x", "y")) -> Tensor:
    """The non-tensor x of tf.add, tf.math.truediv and tf.matmul as a tensor, converted on its
    own, as their Python wrappers convert it (a numpy value keeps its dtype, 1 is int32, 1.5
    float32); y is then converted to x's dtype, so an x whose own dtype is not tensor y's is
    refused. (The operators `x + y`, `x / y`, `x @ y` convert x to y's dtype instead, as
    TF's do.) The op is given the tensor, so x is converted once."""
    x_name, y_name = names
    try:
        array = infer_array(x, op)
    except OpError as error:
        raise type(error)(op, f"{x_name}: {error.detail}", error.hint) from None
    if not isinstance(y, Tensor) or array.dtype == y._value.dtype:
        return wrap(array)
    own, wanted = array.dtype, y._value.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        what = f"a numpy {own.name} array of shape {np.shape(x)}" if np.ndim(x) else \
            f"a numpy {own.name} scalar"
        fix = numpy_array_fix(x_name, own, wanted)
    else:
        what = f"{_short(x)}, which converts to {own.name}"
        fix = f"convert {x_name} first: tf.constant({x_name}, tf.{wanted.name})"
    raise refusal_class(op)(
        op, f"{x_name} and {y_name} must have the same dtype; got {x_name}, {what}, and "
            f"{y_name}, a {wanted.name} tensor of shape {tuple(np.shape(y._value))}"
            f"{kernel_words(op, 1, own.name, wanted.name, max(np.ndim(x), y._value.ndim))}",
        hint=f"{fix} (`{x_name} {symbol} {y_name}` converts {x_name} to {y_name}'s dtype, as "
             f"TF's operator does)")


def _nested_to_array(value, op):
    try:
        array = np.asarray(value)
    # RuntimeError: an object's own __array__ refusing (a torch tensor that requires grad)
    except (ValueError, TypeError, RuntimeError) as exc:
        if "inhomogeneous" in str(exc):
            raise InvalidArgumentError(op, f"expected a tensor, number, array or nested list "
                                           f"of numbers with rows of one length; got a ragged "
                                           f"list {_short(value)}{in_tf_words(_NOT_RECTANGULAR)}",
                                       hint=_gradient_list_hint(value)) from None
        raise DTypeError(op, f"expected a tensor, number, array or nested list of numbers; "
                         f"got {_short(value)} ({exc})") from None
    except OverflowError:
        raise _too_large(op, value) from None
    if array.dtype.kind in "uO" and isinstance(value, (int, list, tuple)) \
            and _holds_huge_int(value):
        raise _too_large(op, value)
    return array


_NOT_RECTANGULAR = "Can't convert non-rectangular Python sequence to Tensor."


def _gradient_list_hint(value) -> str | None:
    """What a list of tensors of several shapes likely is: tape.gradient's, given whole."""
    if not (isinstance(value, (list, tuple)) and all(isinstance(v, Tensor) for v in value)):
        return None
    shapes = ", ".join(str(tuple(v.shape)) for v in value)
    return (f"it is a list of {len(value)} tensors of shapes {shapes}, as tape.gradient(loss, "
            f"[w, b]) returns for a list of variables: take one of them, grads[0] for the "
            f"first")


def _holds_huge_int(value) -> bool:
    """True when a Python int (in a nested list) is outside int64, TF's largest integer."""
    if isinstance(value, (list, tuple)):
        return any(_holds_huge_int(v) for v in value)
    return isinstance(value, int) and not _INT64.min <= value <= _INT64.max


def _too_large(op, value) -> InvalidArgumentError:
    return InvalidArgumentError(op, f"cannot convert {_short(value)} to a tensor: an integer "
                                    f"outside int64's range [-2**63, 2**63)",
                                hint="write it as a float (1e30) for a float tensor")


def _check_numeric(array, value, op):
    if array.dtype.kind not in _SUPPORTED_KINDS or array.dtype.itemsize > 8:
        # TF refuses an object of no tensor type with ValueError; a string makes a string
        # tensor there, which its ops refuse (InvalidArgumentError)
        cls = DTypeValueError if array.dtype.kind == "O" else DTypeError
        if array.dtype.kind == "c":
            raise cls(op, f"expected a tensor, number, array or nested list of real numbers; "
                          f"got {_short(value)}, complex: tapeviz's dtypes are floats, ints and "
                          f"bool", hint="keep the real and imaginary parts as two float tensors")
        if isinstance(value, np.ndarray):   # its repr, cut short, may not show the dtype
            raise cls(op, "expected a tensor, number, array or nested list of numbers; got a "
                          f"numpy array of dtype {array.dtype.name}, shape {array.shape}: "
                          f"{_short(value)}", hint=_object_array_hint(array))
        raise cls(op, "expected a tensor, number, array or nested list of numbers; "
                      f"got {_short(value)} of type {type(value).__name__}")


def _object_array_hint(array) -> str | None:
    """How to read an object array that holds numbers alone (np.array(rows, dtype=object))."""
    if array.dtype.kind != "O":
        return None
    try:
        np.asarray(array.tolist(), dtype=np.float32)
    except (ValueError, TypeError):
        return None
    return "it holds numbers alone: read it as floats first, np.asarray(x, dtype=np.float32)"


def _holds_float64(value) -> bool:
    """True when a nested list already holds float64 numpy values (they keep float64)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype == np.float64
    if isinstance(value, Tensor):
        return value._value.dtype == np.float64
    if isinstance(value, (list, tuple)):
        return any(_holds_float64(v) for v in value)
    return False


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
