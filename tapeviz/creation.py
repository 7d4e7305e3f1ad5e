"""Making tensors: constant, convert_to_tensor, zeros, ones, fill, range, eye, ...

Constants are values, not ops (as in TF eager): they are not recorded on tapes.
"""
from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dtypes
from .convert import infer_array, to_array
from .errors import InvalidArgumentError
from .ops import math as _m
from .tensor import Tensor, Variable, wrap

newaxis = None


def executing_eagerly() -> bool:
    """Always True: tapeviz only runs eagerly."""
    return True


def _np_dtype(dtype):
    return None if dtype is None else _dtypes.as_dtype(dtype)._np


def _shape_arg(op: str, shape) -> tuple:
    values = np.asarray(shape).reshape(-1).tolist() if not isinstance(shape, int) else [shape]
    if not all(isinstance(v, int) and v >= 0 for v in values):
        raise InvalidArgumentError(op, f"shape must be a list of non-negative ints; got {shape!r}")
    return tuple(values)


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A tensor holding `value` (copied), with TF's dtype inference.

    >>> import tapeviz as tf
    >>> print(tf.constant([[1, 2], [3, 4]]))
    tapeviz.Tensor(
    [[1 2]
     [3 4]], shape=(2, 2), dtype=int32)
    """
    array = to_array(value, _np_dtype(dtype), "constant")
    if isinstance(array, np.ndarray):
        array = array.copy() if array is value or array.base is not None else array
    if shape is not None:
        shape = _shape_arg("constant", shape)
        if np.size(array) == 1:
            array = np.full(shape, np.asarray(array).reshape(()), dtype=array.dtype)
        elif np.size(array) == int(np.prod(shape, dtype=np.int64)):
            array = np.reshape(array, shape)
        else:
            raise InvalidArgumentError("constant", f"a value of {np.size(array)} elements "
                                       f"does not fit shape {list(shape)}")
    return wrap(array)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """`value` as a tensor: tensors pass through, variables are read, the rest is converted."""
    if isinstance(value, Variable):
        value = _m.identity(value)
    if isinstance(value, Tensor):
        return value if dtype is None else wrap(to_array(value, _np_dtype(dtype),
                                                         "convert_to_tensor"))
    if dtype is None and dtype_hint is not None:
        try:
            return wrap(to_array(value, _np_dtype(dtype_hint), "convert_to_tensor"))
        except TypeError:
            pass
    return constant(value, dtype)


def zeros(shape, dtype=_dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with zeros."""
    return wrap(np.zeros(_shape_arg("zeros", shape), dtype=_np_dtype(dtype)))


def ones(shape, dtype=_dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with ones."""
    return wrap(np.ones(_shape_arg("ones", shape), dtype=_np_dtype(dtype)))


def zeros_like(input, dtype=None, name=None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of `input`."""
    return wrap(np.zeros_like(infer_array(input, "zeros_like"), dtype=_np_dtype(dtype)))


def ones_like(input, dtype=None, name=None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of `input`."""
    return wrap(np.ones_like(infer_array(input, "ones_like"), dtype=_np_dtype(dtype)))


def fill(dims, value, name=None) -> Tensor:
    """A tensor of shape `dims` filled with `value` (whose dtype it takes)."""
    scalar = infer_array(value, "fill")
    return wrap(np.full(_shape_arg("fill", dims), scalar, dtype=np.asarray(scalar).dtype))


def range(start, limit=None, delta=1, dtype=None, name="range") -> Tensor:  # noqa: A001
    """Numbers from start (inclusive) to limit (exclusive) by delta, as tf.range.

    >>> import tapeviz as tf
    >>> tf.range(3).numpy()
    array([0, 1, 2], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    values = [infer_array(v, "range") for v in (start, limit, delta)]
    if dtype is None:
        kinds = {np.asarray(v).dtype for v in values}
        dtype = builtins.max(kinds, key=lambda d: (d.kind == "f", d.itemsize))
    else:
        dtype = _np_dtype(dtype)
    if float(values[2]) == 0:
        raise InvalidArgumentError("range", "delta must not be 0")
    return wrap(np.arange(*(np.asarray(v).item() for v in values), dtype=dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32, name=None) -> Tensor:
    """An identity matrix (or a batch of them)."""
    matrix = np.eye(num_rows, num_columns, dtype=_np_dtype(dtype))
    if batch_shape is not None:
        matrix = np.broadcast_to(matrix, _shape_arg("eye", batch_shape) + matrix.shape).copy()
    return wrap(matrix)
