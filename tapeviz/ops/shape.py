"""Shape ops: reshape, transpose, slicing, broadcasting, joining, splitting, tiling, padding.

Rows see normalized static params (tuples of ints, slice keys); the public functions
take TensorFlow's signatures. Joining and splitting ops that TF defines as one kernel
with many outputs are written here as several single-output ops (one strided slice per
piece), so every node has exactly one output; ops joining many tensors take them as
separate positional inputs. Gathering lives in `gather.py`.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import InvalidArgumentError, ShapeError
from ..tensor import wrap
from .axes import normalize_axes, normalize_axis
from .registry import defop
from . import reduce as _reduce


def _static_shape(op: str, shape, what: str = "shape") -> tuple:
    """A shape-like argument (list, tuple, tensor) as a flat tuple of Python ints."""
    try:
        values = np.asarray(shape).reshape(-1).tolist()
    except (TypeError, ValueError):
        values = None
    if values is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise InvalidArgumentError(op, f"{what} must be a list of ints; got {shape!r}")
    return tuple(values)


# ---- reshape and friends -------------------------------------------------------------------
def _reshape_explain(x, *, shape):
    size = int(np.size(x))
    return ShapeError, (f"cannot reshape a tensor of shape {tuple(np.shape(x))} ({size} values) "
                        f"to shape {list(shape)}"), None


_reshape = defop("reshape", lambda x, *, shape: np.reshape(x, shape), kind="shape",
                 vjp=lambda g, ans, x, *, shape: (_reshape(g, shape=np.shape(x._value)),),
                 explain=_reshape_explain, samples=((((2, 3),), {"shape": (3, 2)}),
                                                   (((2, 3),), {"shape": (-1,)})),
                 doc="The same values in a new shape (one dimension may be -1).")


def reshape(tensor, shape, name=None):
    """`tensor`'s values laid out in `shape`; one entry may be -1.

    >>> import tapeviz as tf
    >>> tf.reshape(tf.range(6), [2, -1]).shape
    TensorShape([2, 3])
    """
    return _reshape(tensor, shape=_static_shape("reshape", shape))


_transpose = defop("transpose", lambda x, *, perm: np.transpose(x, perm), kind="shape",
                   vjp=lambda g, ans, x, *, perm: (_transpose(g, perm=tuple(np.argsort(perm))),),
                   samples=((((2, 3, 4),), {"perm": (2, 0, 1)}),),
                   doc="Axes permuted by perm.")


def transpose(a, perm=None, conjugate=False, name=None):
    """`a` with its axes permuted (reversed when perm is None)."""
    rank = np.ndim(a)
    perm = tuple(range(rank))[::-1] if perm is None else _static_shape("transpose", perm)
    if sorted(p % max(rank, 1) for p in perm) != list(range(rank)) or len(perm) != rank:
        raise InvalidArgumentError("transpose", f"perm must be a permutation of "
                                   f"0..{rank - 1} for a tensor of rank {rank}; got {list(perm)}")
    return _transpose(a, perm=tuple(p % rank for p in perm))


def expand_dims(input, axis, name=None):
    """`input` with a new axis of length 1 at `axis` (negative counts from the end)."""
    rank = np.ndim(input)
    axis = normalize_axis("expand_dims", axis, rank + 1)
    shape = list(np.shape(input))
    shape.insert(axis, 1)
    return _reshape(input, shape=tuple(shape))


def squeeze(input, axis=None, name=None):
    """`input` without its length-1 axes (only those in `axis`, when given)."""
    shape = np.shape(input)
    axes = normalize_axes("squeeze", axis, len(shape))
    if axes is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    for a in axes:
        if shape[a] != 1:
            raise InvalidArgumentError("squeeze", f"can only squeeze axes of length 1; axis {a} "
                                       f"has length {shape[a]} in shape {tuple(shape)}")
    return _reshape(input, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


# ---- broadcasting --------------------------------------------------------------------------
def unbroadcast(grad, shape: tuple):
    """Sum `grad` over the axes that broadcasting added or stretched to reach `shape`."""
    extra = grad.ndim - len(shape)
    grad_shape = np.shape(grad._value)
    axes = list(range(extra)) + [extra + i for i, n in enumerate(shape)
                                 if n == 1 and grad_shape[extra + i] != 1]
    if axes:
        grad = _reduce.reduce_sum(grad, axis=axes)
    return _reshape(grad, shape=tuple(shape)) if tuple(grad.shape) != tuple(shape) else grad


def _broadcast_explain(x, *, shape):
    return ShapeError, (f"cannot broadcast a tensor of shape {tuple(np.shape(x))} to shape "
                        f"{list(shape)}"), None


_broadcast_to = defop("broadcast_to", lambda x, *, shape: np.broadcast_to(x, shape),
                      kind="shape", explain=_broadcast_explain,
                      vjp=lambda g, ans, x, *, shape: (unbroadcast(g, np.shape(x._value)),),
                      samples=((((3,),), {"shape": (2, 3)}), (((2, 1),), {"shape": (2, 4)})),
                      doc="`input` repeated along axes so that it has `shape`.")


def broadcast_to(input, shape, name=None):
    """`input` broadcast to `shape` with numpy's rules."""
    return _broadcast_to(input, shape=_static_shape("broadcast_to", shape))


# ---- indexing ----------------------------------------------------------------------------
def _normalize_key(key) -> tuple:
    from ..tensor import Tensor
    key = key if isinstance(key, tuple) else (key,)
    normalized = []
    for item in key:
        if isinstance(item, Tensor):
            item = item.__index__()
        if isinstance(item, slice):
            item = slice(*(None if v is None else _index_value(v) for v in
                           (item.start, item.stop, item.step)))
        elif item is not None and item is not Ellipsis:
            item = _index_value(item)
        normalized.append(item)
    return tuple(normalized)


def _index_value(value) -> int:
    try:
        return int(value.__index__())
    except (AttributeError, TypeError):
        raise InvalidArgumentError(
            "getitem", f"indices must be ints, slices, `...` or tf.newaxis (use tf.gather or "
                       f"tf.boolean_mask for lists and masks); got {value!r}") from None


def _getitem_forward(x, *, key):
    try:
        return x[key]
    except IndexError as exc:
        raise InvalidArgumentError("getitem", f"{exc}; the tensor has shape "
                                   f"{tuple(np.shape(x))}") from None


def _getitem_grad_forward(g, *, shape, key):
    full = np.zeros(shape, dtype=np.asarray(g).dtype)
    full[key] = g
    return full


_getitem = defop("strided_slice", _getitem_forward, kind="shape", label="[ ]",
                 vjp=lambda g, ans, x, *, key:
                 (_getitem_grad(g, shape=np.shape(x._value), key=key),),
                 samples=((((4, 3),), {"key": (slice(1, None, 2), 0)}),
                          (((2, 3, 4),), {"key": (Ellipsis, None, slice(None, None, -1))})),
                 doc="Basic indexing: ints, slices with steps, `...`, newaxis.")
_getitem_grad = defop("strided_slice_grad", _getitem_grad_forward, kind="shape", label="[ ]ᵀ",
                      vjp=lambda g, ans, x, *, shape, key: (_getitem(g, key=key),),
                      samples=((((2,),), {"shape": (4, 3), "key": (slice(1, None, 2), 0)}),),
                      doc="Zeros of `shape` with the sliced gradient put back in place.")


def getitem(tensor, key):
    """`tensor[key]` with numpy's basic indexing (what Tensor.__getitem__ runs)."""
    return _getitem(tensor, key=_normalize_key(key))
