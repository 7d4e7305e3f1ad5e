"""DType objects with TensorFlow's names and inference rules, thin over numpy dtypes.

Every tensor's dtype is one of the module constants below; they compare equal to the
matching numpy dtype, its type and its name, so `t.dtype == np.float32` holds.
"""
from __future__ import annotations

import functools
import numbers

import numpy as np

from .errors import DTypeError, describe


class DType:
    """A tensor element type: TensorFlow's name over a numpy dtype."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)
        self.as_numpy_dtype = self._np.type

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __eq__(self, other) -> bool:
        if isinstance(other, DType):
            return self._np == other._np
        try:
            return self._np == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:   # print(x.dtype), as TF prints it
        return f"<dtype: '{self.name}'>"


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name
half, double = float16, float64

_BY_NUMPY = {d._np: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool)}
_BY_NAME = {d.name: d for d in _BY_NUMPY.values()}
_BY_NAME.update(half=float16, double=float64, float=float32)   # TF's "float" is float32
ALL = tuple(_BY_NUMPY.values())
# TF's string: bytes in a numpy object array, as TF's .numpy() gives them; no op computes on
# them, only tf.data moves them (CsvDataset's text columns, batched, mapped through)
string = DType("string", np.object_)
_BY_NUMPY[string._np] = _BY_NAME["string"] = string


def as_dtype(value) -> DType:
    """Return the DType for a DType, numpy dtype, numpy type or name."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):   # TF's names only: numpy reads "float" as float64, "int" as int64
        if value in _BY_NAME:
            return _BY_NAME[value]
        raise DTypeError("as_dtype", f"expected a dtype ({', '.join(_BY_NAME)}); got "
                                     f"{describe(value)}")
    np_dtype = None
    if value is not None and not isinstance(value, (numbers.Number, np.ndarray)) \
            and not hasattr(value, "_value"):   # None, numbers, arrays, tensors are no dtypes
        try:
            np_dtype = np.dtype(value)
        except (TypeError, ValueError):
            pass
    if np_dtype not in _BY_NUMPY:
        raise DTypeError("as_dtype", f"expected a dtype ({', '.join(_BY_NAME)}); got "
                                     f"{describe(value)}")
    return _BY_NUMPY[np_dtype]


_WIDENED = "widened_from"   # a numpy dtype's metadata key: the engine's dtype it stands for


@functools.cache
def widened(name: str) -> np.dtype:
    """float32 standing for another engine's float dtype numpy lacks (torch's bfloat16): a
    copy viewed with it computes as float32 and is shown as `name` (`shown_name`)."""
    return np.dtype(np.float32, metadata={_WIDENED: name})


def shown_name(np_dtype: np.dtype, say_copy: bool = False) -> str:
    """A value's dtype as the debugger shows it: numpy's name, or the engine's for a widened
    copy ('bfloat16'; `say_copy`: 'bfloat16 (copied as float32)')."""
    engine = np_dtype.metadata and np_dtype.metadata.get(_WIDENED)
    if not engine:
        return tf_name(np_dtype)
    return f"{engine} (copied as {np_dtype.name})" if say_copy else engine


def tf_name(np_dtype: np.dtype) -> str:
    """A numpy dtype's name as TF's: 'string' for a string tensor's object arrays."""
    return string.name if np_dtype == string._np else np_dtype.name


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a numpy dtype (hot path: one dict lookup)."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        return as_dtype(np_dtype)


__all__ = ["DType", "as_dtype", "bool", "double", "float16", "float32", "float64", "half",
           "int16", "int32", "int64", "int8", "string", "uint8"]


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
