"""The static arguments of TF's functions (shapes, flags, dtypes, counts, numbers, choices),
checked in one place so every function refuses a bad one alike: naming the function, the
argument, what it expected and what came (axes are checked in `ops/axes.py`).

Called by the public wrappers before their op runs, never by dispatch: the hot path
pays nothing for them.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import dtypes as _dtypes
from .convert import infer_array, to_array
from .errors import DTypeError, InvalidArgumentError, OpError, bad_argument
from .errors_keywords import meant
from .tensor import Tensor, TensorShape, wrap

_INT64 = np.iinfo(np.int64)
_LOWEST, _HIGHEST = int(_INT64.min), int(_INT64.max)


def array_of(op: str, name: str, value, dtype=None):
    """The numpy value `value` has as the tensor argument `name` of `op` (of numpy `dtype`
    when given): for a wrapper that looks at its shape or dtype before its op runs (a bad
    value is refused naming both)."""
    if isinstance(value, Tensor) and dtype is None:
        return value._value
    try:
        return infer_array(value, op) if dtype is None else to_array(value, dtype, op)
    except OpError as error:
        raise type(error)(op, f"{name}: {error.detail}", error.hint) from None


def tensor_of(op: str, name: str, value) -> Tensor:
    """The tensor argument `name` of `op` as a tensor: itself, or `value` converted once
    (a composite's ops then get the tensor, not the value to convert again)."""
    return value if isinstance(value, Tensor) else wrap(array_of(op, name, value))


def rank_of(op: str, name: str, value) -> int:
    """The rank of the tensor argument `name` of `op` (see `array_of`)."""
    return np.ndim(array_of(op, name, value))


def shape_of(op: str, name: str, value) -> tuple:
    """The shape of the tensor argument `name` of `op` (see `array_of`)."""
    return tuple(np.shape(array_of(op, name, value)))


def ndim(value) -> int:
    """The rank of an argument, read without converting it (np.ndim would call a tensor's
    __array__, which a recording tape notes as its value leaving tapeviz)."""
    kind = type(value)
    if kind is int:
        return 0
    if kind is list or kind is tuple:
        return 1 + (ndim(value[0]) if value else 0)
    if isinstance(value, Tensor):
        return np.ndim(value._value)
    return np.ndim(value)


def int_entries(value) -> list | None:
    """The ints of an int, a flat list of ints or an integer tensor/array (any rank), or
    None when anything else came (bools, floats, strings, ints beyond int64, nesting)."""
    kind = type(value)   # the usual cases first: an int, a list of ints
    if kind is int:
        return [value] if _LOWEST <= value <= _HIGHEST else None
    if kind is list or kind is tuple:
        for v in value:
            if type(v) is not int or not _LOWEST <= v <= _HIGHEST:
                break
        else:
            return list(value)
    if isinstance(value, Tensor):
        value = value._value
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "iu":
            return None
        return np.reshape(value, -1).tolist()
    items = value if isinstance(value, (list, tuple)) else [value]
    entries = []
    for item in items:
        if isinstance(item, Tensor) or isinstance(item, (np.ndarray, np.generic)):
            inner = int_entries(item)
            if inner is None or ndim(item) != 0:
                return None
            entries.extend(inner)
        elif isinstance(item, numbers.Integral) and not isinstance(item, (bool, np.bool_)):
            if not _INT64.min <= int(item) <= _INT64.max:
                return None
            entries.append(int(item))
        else:
            return None
    return entries


def shape(op: str, name: str, value, unknown: bool = False) -> tuple:
    """A shape as a tuple of non-negative ints (one -1 allowed when `unknown`, as reshape's)."""
    entries = int_entries(value)
    if entries is None or ndim(value) > 1:
        raise bad_argument(op, name, _shape_expected(unknown), value, DTypeError)
    if min(entries, default=0) < (-1 if unknown else 0) or (unknown and entries.count(-1) > 1):
        raise bad_argument(op, name, _shape_expected(unknown), value, InvalidArgumentError)
    return tuple(entries)


def input_shape(op: str, name: str, value) -> tuple:
    """A Keras input shape without its batch axis: a tuple or list of dimensions (ints >= 0,
    None for a size known only when called); a bare int is refused as Keras 3 refuses it,
    with the tuple of one to write."""
    dims = list(value) if isinstance(value, (tuple, list, TensorShape)) else None
    if dims is None or not all(d is None or (isinstance(d, numbers.Integral)
                                             and not isinstance(d, bool) and d >= 0)
                               for d in dims):
        error = bad_argument(op, name, "a tuple of dimensions (ints >= 0, or None for any "
                                       "size), e.g. (28, 28, 1)", value)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            error.with_hint(f"one dimension is a tuple of one: {name}=({value},)")
        raise error
    return tuple(None if d is None else int(d) for d in dims)


def _shape_expected(unknown: bool) -> str:
    return "a list of non-negative ints" + (" (one may be -1)" if unknown else "")


def int_list(op: str, name: str, value) -> tuple:
    """A flat list of ints of any sign (perm, begin, end, strides)."""
    entries = int_entries(value)
    if entries is None or ndim(value) > 1:
        raise bad_argument(op, name, "an int or a list of ints", value, DTypeError)
    return tuple(entries)


def flag(op: str, name: str, value, default: bool | None = None) -> bool:
    """A bool flag: True, False, 0, 1, a numpy bool or a scalar bool tensor (never a string,
    whose truth would silently be True, nor a tensor of many values); None means `default`
    where TF takes None for it."""
    if value is True or value is False:   # the usual case, first
        return value
    if type(value) is int and value in (0, 1):   # keepdims=1, as older Keras code writes
        return bool(value)
    if value is None and default is not None:
        return default
    if isinstance(value, Tensor):
        value = value._value
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray)
                                               and value.dtype == np.bool_ and value.ndim == 0):
        return bool(value)
    raise bad_argument(op, name, "a bool (True or False)", value, DTypeError)


def dtype(op: str, name: str, value, optional: bool = True):
    """A DType from a DType, a numpy dtype or type, or a name; None stays None when optional."""
    if value is None and optional:
        return None
    if isinstance(value, Tensor) or isinstance(value, np.ndarray):
        raise bad_argument(op, name, "a dtype such as tf.float32", value, DTypeError)
    try:
        return _dtypes.as_dtype(value)
    except TypeError:
        names = [d.name for d in _dtypes.ALL]
        error = bad_argument(op, name, f"a dtype ({', '.join(names)})", value, DTypeError)
        close = meant(value, names, cutoff=0.6) if isinstance(value, str) else None
        raise (error.with_hint(f"did you mean {close!r}?") if close else error) from None


def count(op: str, name: str, value, minimum: int | None = 0) -> int:
    """An int >= `minimum` (any int when None): a Python or numpy int or a scalar integer
    tensor, never a bool."""
    expected = "an int" if minimum is None else f"an int >= {minimum}"
    entries = int_entries(value)
    if entries is None or ndim(value) != 0:
        raise bad_argument(op, name, expected, value, DTypeError)
    if minimum is not None and entries[0] < minimum:
        raise bad_argument(op, name, expected, value, InvalidArgumentError)
    return entries[0]


def seed(op: str, value) -> int | None:
    """A random seed: None, or an int within int64 (TF's seeds are int64)."""
    if value is None:
        return None
    entries = int_entries(value)
    if entries is None or ndim(value) != 0:
        raise bad_argument(op, "seed", "None or an int", value, DTypeError)
    return entries[0]


def number(op: str, name: str, value) -> float:
    """A finite or infinite real scalar: a Python or numpy number or a scalar tensor, not a
    bool (True where a number belongs is nearly always a slip)."""
    array = value._value if isinstance(value, Tensor) else value
    if isinstance(array, (bool, np.bool_)) or not (
            isinstance(array, numbers.Real) or (isinstance(array, np.ndarray) and array.ndim == 0
                                                and array.dtype.kind in "iuf")):
        raise bad_argument(op, name, "a number", value, DTypeError)
    result = float(array)
    if math.isnan(result):
        raise bad_argument(op, name, "a number (not NaN)", value, InvalidArgumentError)
    return result


def choice(op: str, name: str, value, options: tuple, upper: bool = False) -> str:
    """One of the strings `options` (compared upper-cased when `upper`)."""
    if isinstance(value, str):
        key = value.upper() if upper else value
        if key in options:
            return key
    raise bad_argument(op, name, "one of " + ", ".join(repr(o) for o in options), value,
                       InvalidArgumentError if isinstance(value, str) else DTypeError)


def function(op: str, name: str, value):
    """A function argument (map's map_func): refused when it is not callable, a ValueError
    as TF raises, when the call is made rather than when the first element is read."""
    if callable(value):
        return value
    raise bad_argument(op, name, "a callable", value, InvalidArgumentError)


def name(op: str, value) -> str | None:
    """A name argument: None or a string."""
    if value is None or isinstance(value, str):
        return value
    raise bad_argument(op, "name", "a string", value, DTypeError)
