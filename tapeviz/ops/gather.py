"""Indexing by integer arrays and masks: gather, its scatter-add gradient, boolean_mask, one_hot.

`gather` and `gather_grad` are each other's gradients (a gather's transpose adds the
upstream slices back at their indices, repeats summing), so nested tapes give
higher-order gradients. `boolean_mask` is a reshape and a gather, as in TF. Indices
out of range are an error, as on TF's CPU kernels, never a silent wrap-around.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import DTypeError, InvalidArgumentError, KernelDTypeError, ShapeError, bad_argument
from ..tensor import Tensor, wrap
from ..convert import infer_array
from .axes import normalize_axis
from .registry import defop
from .shape import reshape
from .join import stack


def _check_indices(op: str, indices, length: int, axis: int, shape: tuple) -> None:
    if indices.dtype.kind not in "iu":
        raise DTypeError(op, f"indices must be integers; got dtype {indices.dtype.name}")
    outside = (indices < 0) | (indices >= length)
    if np.any(outside):
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        position = str(list(where)) if where else ""
        raise InvalidArgumentError(op, f"indices{position} = {indices[where]} is not in "
                                       f"[0, {length}) (axis {axis} of params with shape {shape})")


def _gather_forward(params, indices, *, axis):
    _check_indices("gather", indices, params.shape[axis], axis, params.shape)
    return np.take(params, indices, axis=axis)


def _gather_grad_forward(grad, indices, *, shape, axis):
    """Zeros of `shape` with each slice of `grad` added at its index along `axis`."""
    out = np.zeros(shape, dtype=grad.dtype)
    batch = np.ndim(indices)
    slices = np.moveaxis(grad, range(axis, axis + batch), range(batch))
    np.add.at(np.moveaxis(out, axis, 0), indices, slices)  # a view: adds into `out`
    return out


_gather = defop("gather", _gather_forward, kind="shape", dtype_args=(0,),
                vjp=lambda g, ans, params, indices, *, axis:
                (_gather_grad(g, indices, shape=np.shape(params._value), axis=axis), None),
                samples=((((4, 3), np.array([[0, 3], [1, 1]])), {"axis": 0}),
                         (((2, 4, 3), np.array([2, 0, 2])), {"axis": 1}),
                         (((5,), np.array(3)), {"axis": 0})),
                doc="Slices of params at integer indices along an axis.")
_gather_grad = defop("gather_grad", _gather_grad_forward, kind="shape", dtype_args=(0,),
                     label="scatter+",
                     vjp=lambda g, ans, grad, indices, *, shape, axis:
                     (_gather(g, indices, axis=axis), None),
                     samples=((((2, 2, 3), np.array([[0, 3], [1, 1]])), {"shape": (4, 3),
                                                                          "axis": 0}),
                              (((2, 3, 3), np.array([2, 0, 2])), {"shape": (2, 4, 3),
                                                                  "axis": 1})),
                     doc="Zeros with slices added at indices (repeats add up): gather's "
                         "gradient.")


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of `params` along `axis` (0 when None) at integer `indices`.

    >>> import tapeviz as tf
    >>> tf.gather([[1, 2], [3, 4], [5, 6]], [2, 0]).numpy()
    array([[5, 6],
           [1, 2]], dtype=int32)
    """
    batch_dims = arguments.count("gather", "batch_dims", batch_dims, minimum=None)
    rank = arguments.rank_of("gather", "params", params)
    if rank == 0:
        raise InvalidArgumentError("gather", "params must have rank >= 1; got a scalar")
    if batch_dims == 0:
        return _gather(params, indices, axis=normalize_axis("gather", 0 if axis is None
                                                            else axis, rank))
    return _gather_batches(params, indices, axis, batch_dims, rank)


def _gather_batches(params, indices, axis, batch_dims: int, rank: int):
    """TF's gather with batch_dims: each batch element's params gathered at its own indices,
    stacked (ops that differentiate as they are)."""
    params = params if isinstance(params, Tensor) else wrap(infer_array(params, "gather"))
    indices = indices if isinstance(indices, Tensor) else wrap(infer_array(indices, "gather"))
    index_rank = np.ndim(indices._value)
    batch = batch_dims + index_rank if batch_dims < 0 else batch_dims
    if not 0 <= batch <= index_rank:
        raise InvalidArgumentError("gather", f"batch_dims must be in [-{index_rank}, "
                                             f"{index_rank}] (the rank of indices); got "
                                             f"{batch_dims}")
    axis = normalize_axis("gather", batch if axis is None else axis, rank)
    if batch > axis:
        raise InvalidArgumentError("gather", f"batch_dims ({batch}) must be at most axis "
                                             f"({axis})")
    if params.shape[:batch] != indices.shape[:batch]:
        raise ShapeError("gather", f"params and indices must share their first {batch} "
                                   f"(batch) dimensions; got params {tuple(params.shape)} and "
                                   f"indices {tuple(indices.shape)}")
    return _gather_each(params, indices, axis, batch)


def _gather_each(params, indices, axis: int, batch: int):
    if batch == 0:
        return _gather(params, indices, axis=axis)
    if params.shape[0] == 0:
        shape = params.shape[:axis] + indices.shape[batch:] + params.shape[axis + 1:]
        return wrap(np.zeros(shape, dtype=params._value.dtype))
    return stack([_gather_each(params[i], indices[i], axis - 1, batch - 1)
                  for i in range(params.shape[0])])


def boolean_mask(tensor, mask, axis=None, name=None):
    """The entries (or slices) of `tensor` where `mask` is true, flattened along `axis`.

    `mask`'s shape must equal `tensor`'s shape on the axes from `axis` (0 when None).

    >>> import tapeviz as tf
    >>> tf.boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True]).numpy()
    array([[1, 2],
           [5, 6]], dtype=int32)
    """
    # a numeric mask selects where it is non-zero, as TF's (its `where` of the mask) does
    mask = np.asarray(arguments.array_of("boolean_mask", "mask", mask))
    if mask.ndim == 0:
        raise InvalidArgumentError("boolean_mask", "mask must have rank >= 1; got a scalar")
    shape = arguments.shape_of("boolean_mask", "tensor", tensor)
    axis = normalize_axis("boolean_mask", 0 if axis is None else axis, len(shape))
    masked = shape[axis:axis + mask.ndim]
    if masked != mask.shape:
        raise ShapeError("boolean_mask", f"mask shape {mask.shape} must equal the tensor's "
                                         f"shape on axes {axis}..{axis + mask.ndim - 1}; got "
                                         f"{masked} (tensor shape {shape})")
    flat = reshape(tensor, shape[:axis] + (mask.size,) + shape[axis + mask.ndim:])
    return _gather(flat, np.flatnonzero(mask), axis=axis)


def _one_hot_forward(indices, *, depth, on_value, off_value, axis, dtype):
    if indices.dtype.kind not in "iu":
        raise KernelDTypeError("one_hot", f"indices must be integers; got dtype "
                                          f"{indices.dtype.name}")
    hits = np.moveaxis(np.expand_dims(indices, -1) == np.arange(depth), -1, axis)
    return np.where(hits, on_value, off_value).astype(dtype)


_one_hot = defop("one_hot", _one_hot_forward, nondiff=True, label="one-hot",
                 samples=(((np.array([0, 2, -1]),), {"depth": 3, "on_value": 1, "off_value": 0,
                                                      "axis": 1, "dtype": np.dtype(np.float32)}),),
                 doc="on_value where an index hits a position in range(depth), else off_value.")


def _value_dtype(name: str, value, hint):
    """The dtype TF gives an on/off value: `hint` (one_hot's dtype) for a Python number
    that converts to it without loss of kind (2 to float32, not 1.0 to int32), else its own."""
    if hint is not None and hint.kind in {int: "iufc", float: "fc", bool: "b"}.get(
            type(value), ""):
        return hint
    return np.asarray(arguments.array_of("one_hot", name, value)).dtype


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """A new axis of length `depth` (last by default): `on_value` at each index, else `off_value`.

    Indices outside [0, depth) give all-`off_value` rows. The dtype defaults to the
    values' dtype when given, else float32. No gradient flows through it.

    >>> import tapeviz as tf
    >>> tf.one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    given = [(name, value) for name, value in (("on_value", on_value), ("off_value", off_value))
             if value is not None]
    for name, value in given:
        if np.ndim(arguments.array_of("one_hot", name, value)):
            raise bad_argument("one_hot", name, "a scalar", value, InvalidArgumentError)
    dtype = None if dtype is None else arguments.dtype("one_hot", "dtype", dtype)._np
    kinds = {name: _value_dtype(name, value, dtype) for name, value in given}
    for name, kind in kinds.items():
        if dtype is not None and kind != dtype:
            raise DTypeError("one_hot", f"dtype {kind.name} of {name} does not match dtype "
                                        f"parameter {dtype.name}")
    if len(kinds) == 2 and kinds["on_value"] != kinds["off_value"]:
        raise DTypeError("one_hot", f"dtype {kinds['on_value'].name} of on_value does not "
                                    f"match dtype {kinds['off_value'].name} of off_value",
                         hint="give both of one dtype: on_value=1.0, off_value=0.0 (float32), "
                              "or 1 and 0 (int32)")
    if dtype is None:
        dtype = next(iter(kinds.values()), np.dtype(np.float32))
    depth = arguments.count("one_hot", "depth", depth)
    values = [np.asarray(v if v is not None else default).item()
              for v, default in ((on_value, 1), (off_value, 0))]
    rank = arguments.rank_of("one_hot", "indices", indices)
    normalized = normalize_axis("one_hot", -1 if axis is None else axis, rank + 1)
    if axis is not None and np.ndim(axis) == 0 and int(axis) < -1:
        raise InvalidArgumentError("one_hot", f"axis must be -1 or in [0, {rank}] (TF takes no "
                                              f"other negative axis); got {axis}")
    return _one_hot(indices, depth=depth, on_value=values[0], off_value=values[1],
                    axis=normalized, dtype=dtype)


def gather_nd(params, indices, batch_dims=0, name=None):
    """The slices of `params` each last axis of `indices` names: indices of shape (..., k)
    index the first k axes (after `batch_dims` axes both share).

    >>> import tapeviz as tf
    >>> tf.gather_nd([[1, 2], [3, 4]], [[1, 0], [0, 1]]).numpy()
    array([3, 2], dtype=int32)
    """
    params = params if isinstance(params, Tensor) else wrap(infer_array(params, "gather_nd"))
    indices = np.asarray(arguments.array_of("gather_nd", "indices", indices))
    batch = arguments.count("gather_nd", "batch_dims", batch_dims)
    shape = tuple(params.shape)
    if indices.dtype.kind not in "iu":
        raise KernelDTypeError("gather_nd", f"indices must be integers; got dtype "
                                            f"{indices.dtype.name}")
    depth = indices.shape[-1] if indices.ndim else None
    if depth is None or indices.ndim <= batch or batch + depth > len(shape) \
            or indices.shape[:batch] != shape[:batch]:
        raise ShapeError("gather_nd", f"indices of shape (..., k) must index params' first k "
                                      f"axes after its {batch} batch axes, which both share; "
                                      f"got params {shape} and indices {indices.shape}")
    batches, indexed = shape[:batch], shape[batch:batch + depth]
    outside = np.any((indices < 0) | (indices >= np.array(indexed, dtype=np.int64)), axis=-1)
    if np.any(outside):
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        raise InvalidArgumentError("gather_nd", f"indices{list(where)} = "
                                                f"{indices[where].tolist()} does not index into "
                                                f"params of shape {shape}")
    linear = np.zeros(indices.shape[:-1], dtype=np.int64)
    for axis, length in enumerate(indexed):
        linear = linear * length + indices[..., axis]
    if batch:
        batch_index = np.arange(int(np.prod(batches, dtype=np.int64))).reshape(
            batches + (1,) * (indices.ndim - 1 - batch))
        linear = linear + batch_index * int(np.prod(indexed, dtype=np.int64))
    flat = reshape(params, (int(np.prod(batches + indexed, dtype=np.int64)),)
                   + shape[batch + depth:])
    return _gather(flat, linear, axis=0)
