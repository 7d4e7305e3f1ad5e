"""Making tensors: constant, convert_to_tensor, zeros, ones, fill, range, eye, ...

Constants are values, not ops (as in TF eager): they are not recorded on tapes.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from . import arguments
from . import dtypes as _dtypes
from .convert import infer_array, to_array
from .errors import (InvalidArgumentError, InvalidArgumentTypeError, ShapeError, allocation_error,
                     bad_argument, describe)
from .ops import assign as _assign
from .string_values import math_refusal, text_array
from .tensor import Tensor, wrap
from .variable import Variable

newaxis = None


def executing_eagerly() -> bool:
    """Always True: tapeviz only runs eagerly."""
    return True


def is_tensor(x) -> bool:
    """Whether `x` is a tensor (a Variable is one); numpy arrays and Python values are not.

    >>> import numpy as np, tapeviz as tf
    >>> tf.is_tensor(tf.constant(1.0)), tf.is_tensor(np.ones(2))
    (True, False)
    """
    return isinstance(x, Tensor)


def _np_dtype(op: str, dtype, name: str = "dtype"):
    dtype = arguments.dtype(op, name, dtype)
    return None if dtype is None else dtype._np


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A tensor holding `value` (copied), with TF's dtype inference.

    >>> import tapeviz as tf
    >>> print(tf.constant([[1, 2], [3, 4]]))
    tapeviz.Tensor(
    [[1 2]
     [3 4]], shape=(2, 2), dtype=int32)
    >>> tf.constant(["a", "b"]).numpy()   # text: a tf.string tensor of bytes, as TF's
    array([b'a', b'b'], dtype=object)
    """
    np_dtype = _np_dtype("constant", dtype)
    array = text_array(value, np_dtype, "constant")
    if array is None:
        array = _copied(to_array(value, np_dtype, "constant"), value)
    if shape is not None:
        shape = arguments.shape("constant", "shape", shape)
        if np.size(array) == 1:
            array = allocate("constant", np.full, shape, array.dtype,
                             np.asarray(array).reshape(()))
        elif np.size(array) == int(np.prod(shape, dtype=np.int64)):
            array = np.reshape(array, shape)
        else:
            raise InvalidArgumentTypeError("constant", f"a value of {np.size(array)} elements "
                                           f"does not fit shape {list(shape)}")
    return wrap(array)


def _copied(array, value):
    """`array`, copied when it is the caller's array or a view of one (tensors are immutable)."""
    if isinstance(array, np.ndarray) and (array is value or array.base is not None):
        return array.copy()
    return array


def allocate(op: str, make, shape: tuple, dtype, *args):
    """`make(shape, *args, dtype=dtype)`; a size no memory holds is an error naming the op,
    the shape and the bytes (a MemoryError stays one)."""
    try:
        return make(shape, *args, dtype=dtype)
    except MemoryError as exc:
        raise allocation_error(op, shape, dtype, exc) from exc
    except ValueError as exc:  # numpy's "array is too big" / "maximum allowed dimension"
        raise allocation_error(op, shape, dtype, exc) from exc


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """`value` as a tensor: tensors pass through, variables are read, the rest is converted."""
    if type(value) is Tensor and dtype is None and dtype_hint is None:   # (a loss's inputs)
        return value
    if isinstance(value, Variable):
        value = _assign.identity(value)
    dtype = _np_dtype("convert_to_tensor", dtype)
    hint = _np_dtype("convert_to_tensor", dtype_hint, "dtype_hint")
    text = text_array(value, dtype, "convert_to_tensor")
    if text is not None:
        return wrap(text)
    if isinstance(value, Tensor):
        return value if dtype is None else wrap(to_array(value, dtype, "convert_to_tensor"))
    if dtype is None and hint is not None:
        try:
            return wrap(to_array(value, hint, "convert_to_tensor"))
        except TypeError:
            pass
    return wrap(_copied(to_array(value, dtype, "convert_to_tensor"), value))


def zeros(shape, dtype=_dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with zeros (empty texts for tf.string, as TF's)."""
    shape, np_dtype = arguments.shape("zeros", "shape", shape), _np_dtype("zeros", dtype)
    if np_dtype == _dtypes.string._np:
        return wrap(allocate("zeros", np.full, shape, np_dtype, b""))
    return wrap(allocate("zeros", np.zeros, shape, np_dtype))


def ones(shape, dtype=_dtypes.float32, name=None) -> Tensor:
    """A tensor of `shape` filled with ones."""
    return wrap(allocate("ones", np.ones, arguments.shape("ones", "shape", shape),
                         _np_dtype("ones", dtype)))


def zeros_like(input, dtype=None, name=None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of `input`."""
    array = arguments.array_of("zeros_like", "input", input)
    np_dtype = _np_dtype("zeros_like", dtype)
    if (array.dtype if np_dtype is None else np_dtype) == _dtypes.string._np:
        return wrap(np.full_like(array, b"", dtype=object))
    return wrap(np.zeros_like(array, dtype=np_dtype))


def ones_like(input, dtype=None, name=None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of `input`."""
    array = arguments.array_of("ones_like", "input", input)
    refused = math_refusal("ones_like", (array,))   # TF's OnesLike has no string kernel
    if refused is not None:
        raise refused
    return wrap(np.ones_like(array, dtype=_np_dtype("ones_like", dtype)))


def fill(dims, value, name=None) -> Tensor:
    """A tensor of shape `dims` filled with the scalar `value` (whose dtype it takes)."""
    scalar = arguments.array_of("fill", "value", value)
    if np.ndim(scalar):
        raise InvalidArgumentError("fill", f"value must be a scalar; got {describe(value)}",
                                   hint="tf.broadcast_to(value, dims) repeats a tensor")
    return wrap(allocate("fill", np.full, arguments.shape("fill", "dims", dims),
                         scalar.dtype, scalar))


def range(start, limit=None, delta=1, dtype=None, name="range") -> Tensor:  # noqa: A001
    """Numbers from start (inclusive) to limit (exclusive) by delta, as tf.range.

    >>> import tapeviz as tf
    >>> tf.range(3).numpy()
    array([0, 1, 2], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    for argument, value in (("start", start), ("limit", limit), ("delta", delta)):
        if not math.isfinite(arguments.number("range", argument, value)):
            raise bad_argument("range", argument, "a finite number", value,
                               InvalidArgumentError)
    values = [infer_array(v, "range") for v in (start, limit, delta)]
    if dtype is None:
        kinds = {np.asarray(v).dtype for v in values}
        dtype = builtins.max(kinds, key=lambda d: (d.kind == "f", d.itemsize))
    else:
        dtype = _np_dtype("range", dtype)
    if float(values[2]) == 0:
        raise InvalidArgumentError("range", "delta must not be 0")
    start, limit, delta = (np.asarray(v).item() for v in values)
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):   # TF refuses both
        sign, order = ("> 0", "<=") if delta > 0 else ("< 0", ">=")
        raise InvalidArgumentError(
            "range", f"start must be {order} limit when delta {sign}; got start {start}, limit "
                     f"{limit}, delta {delta}",
            hint=f"count down with a negative delta: tf.range({start}, {limit}, -1)"
            if delta > 0 else f"count up with a positive delta: tf.range({start}, {limit}, 1)")
    length = math.ceil((limit - start) / delta)
    return wrap(allocate("range", lambda shape, dtype: np.arange(start, limit, delta,
                                                                 dtype=dtype), (length,), dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32, name=None) -> Tensor:
    """An identity matrix (or a batch of them)."""
    rows = arguments.count("eye", "num_rows", num_rows)
    columns = rows if num_columns is None else arguments.count("eye", "num_columns", num_columns)
    dtype = _np_dtype("eye", dtype)
    batch = () if batch_shape is None else arguments.shape("eye", "batch_shape", batch_shape)
    matrix = allocate("eye", lambda shape, dtype: np.eye(rows, columns, dtype=dtype),
                      (rows, columns), dtype)
    if batch:
        matrix = allocate("eye", lambda shape, dtype: np.broadcast_to(matrix, shape).copy(),
                          batch + matrix.shape, dtype)
    return wrap(matrix)


def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """`num` evenly spaced values from `start` to `stop`, both included, as tf.linspace.

    Integer ends give float64, as in TF; `start` and `stop` may be tensors of one
    (broadcast) shape, and the new axis of length `num` goes at `axis`. It is made of
    ops, so it differentiates with respect to `start` and `stop`.

    >>> import tapeviz as tf
    >>> tf.linspace(-2, 2, 5).numpy()
    array([-2., -1.,  0.,  1.,  2.])
    """
    from .ops import indexing as _indexing, join as _join, shape as _s
    count = arguments.count("linspace", "num", num)
    start = convert_to_tensor(start)
    refused = math_refusal("linspace", (start._value,))   # TF's LinSpace has no string kernel
    if refused is not None:
        raise refused
    if not (isinstance(stop, Tensor) and stop.dtype == start.dtype):
        stop = convert_to_tensor(stop, dtype=start.dtype)  # as TF: stop takes start's dtype
    end_dtype = start.dtype if start.dtype.is_floating else _dtypes.float64
    start, stop = _assign.cast(start, end_dtype), _assign.cast(stop, end_dtype)
    try:
        shape = np.broadcast_shapes(tuple(start.shape), tuple(stop.shape))
    except ValueError:
        raise bad_argument("linspace", "stop", f"a shape that broadcasts with start's "
                           f"{tuple(start.shape)}", stop, ShapeError) from None
    rank = len(shape) + 1
    position = arguments.number("linspace", "axis", axis)
    if not -rank <= position < rank or position != int(position):
        raise bad_argument("linspace", "axis", f"an int in [{-rank}, {rank})", axis,
                           InvalidArgumentError)
    position = int(position) % rank
    start = _s.expand_dims(_s.broadcast_to(start, shape), position)
    stop = _s.expand_dims(_s.broadcast_to(stop, shape), position)
    if count <= 1:  # as TF: both ends stay connected (zero gradients), sliced to `count`
        ends = _join.concat([start, stop], position)
        end = list(ends.shape)
        end[position] = count
        return _indexing.strided_slice(ends, [0] * rank, end)
    index_shape = [1] * rank
    index_shape[position] = count - 2
    steps = constant(np.arange(1, count - 1).reshape(index_shape), dtype=end_dtype)
    middle = start + steps * ((stop - start) / (count - 1))
    return _join.concat([start, middle, stop], position)
