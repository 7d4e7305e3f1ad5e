"""Shape ops: reshape, transpose, expand_dims, squeeze, broadcasting, static facts.

Rows see normalized static params (tuples of ints); the public functions take
TensorFlow's signatures. Indexing and slicing live in `indexing.py`, joining and
splitting in `join.py`, tiling and padding in `pad.py`, gathering in `gather.py`.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import arguments, dtypes
from ..errors import InvalidArgumentError, ShapeError, in_tf_words, incompatible_shapes
from ..tensor import wrap
from .axes import normalize_axes, normalize_axis
from .conv_taps import strided_view
from .registry import defop
from . import reduce as _reduce




# ---- reshape and friends -------------------------------------------------------------------
def _reshape_explain(x, *, shape):
    size = int(np.size(x))
    return ShapeError, (f"cannot reshape a tensor of shape {tuple(np.shape(x))} ({size} values) "
                        f"to shape {list(shape)}{in_tf_words(_reshape_tf_phrase(size, shape))}"), \
        None


def _reshape_tf_phrase(size: int, shape) -> str:
    """What TF's Reshape kernel says of `shape` for `size` values."""
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    asked = f"requires a multiple of {known}" if -1 in shape and known else f"has {known}"
    return f"Input to reshape is a tensor with {size} values, but the requested shape {asked}"


# the array's own method: np.reshape's Python wrapper costs as much as the view on a VJP's
# gradient (the same view, the same errors)
_reshape = defop("reshape", lambda x, *, shape: x.reshape(shape), kind="shape",
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
    shape = arguments.shape("reshape", "shape", shape, unknown=True)
    if 0 in shape and -1 in shape:   # numpy cannot infer that -1; TF's Reshape does
        shape = _empty_unknown(arguments.shape_of("reshape", "tensor", tensor), shape)
    return _reshape(tensor, shape=shape)


def _empty_unknown(given: tuple, shape: tuple) -> tuple:
    """`shape`'s -1 beside a 0 as TF's Reshape infers it: the tensor's non-zero lengths'
    product over the shape's, so [-1, 0] of a (0, 3) is (3, 0); left -1 (refused by the
    row) where that does not divide. Checked here, not in the row, which VJPs call too."""
    have = int(np.prod([n for n in given if n], dtype=np.int64))
    want = int(np.prod([n for n in shape if n not in (0, -1)], dtype=np.int64))
    if have % want:
        return shape
    return tuple(have // want if n == -1 else n for n in shape)


_transpose = defop("transpose", lambda x, *, perm: np.transpose(x, perm), kind="shape",
                   vjp=lambda g, ans, x, *, perm: (_transpose(g, perm=tuple(np.argsort(perm))),),
                   samples=((((2, 3, 4),), {"perm": (2, 0, 1)}),),
                   doc="Axes permuted by perm.")


def transpose(a, perm=None, conjugate=False, name=None):
    """`a` with its axes permuted (reversed when perm is None)."""
    rank = arguments.rank_of("transpose", "a", a)
    perm = tuple(range(rank))[::-1] if perm is None else arguments.int_list("transpose", "perm",
                                                                            perm)
    if len(perm) != rank or any(not -rank <= p < rank for p in perm) \
            or sorted(p % rank for p in perm) != list(range(rank)):
        raise InvalidArgumentError("transpose", f"perm must be a permutation of "
                                   f"0..{rank - 1} for a tensor of rank {rank}; got {list(perm)}")
    return _transpose(a, perm=tuple(p % rank for p in perm))


def expand_dims(input, axis, name=None):
    """`input` with a new axis of length 1 at `axis` (negative counts from the end)."""
    rank = arguments.rank_of("expand_dims", "input", input)
    axis = normalize_axis("expand_dims", axis, rank + 1)
    shape = list(np.shape(input))
    shape.insert(axis, 1)
    return _reshape(input, shape=tuple(shape))


def squeeze(input, axis=None, name=None):
    """`input` without its length-1 axes (only those in `axis`, when given)."""
    shape = arguments.shape_of("squeeze", "input", input)
    if not shape and axis is not None:
        raise InvalidArgumentError("squeeze", f"a scalar has no axis {axis!r} to squeeze")
    axes = normalize_axes("squeeze", axis, len(shape))
    if not axes:   # None, or TF's empty list: every length-1 axis
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
                        f"{list(shape)}{incompatible_shapes(np.shape(x), shape)}"), None


def _broadcast_forward(x, *, shape):
    """np.broadcast_to's read-only view, made from strides looked up per shapes (0 on its
    axes of length 1, as numpy's): np.broadcast_to finds them with an iterator, ~6 us of its
    ~9 a call (the reductions' VJPs: twice a CNN step)."""
    if type(x) is np.ndarray and x.size and type(shape) is tuple:
        strides = _broadcast_strides(x.shape, x.strides, shape)
        if strides is not None:
            return strided_view(x, shape, strides)
    return np.broadcast_to(x, shape)


@functools.lru_cache(maxsize=64)
def _broadcast_strides(have: tuple, strides: tuple, shape: tuple):
    """The strides that lay an array of shape `have` (and `strides`) out as `shape`, or None
    where numpy's rules refuse it or `shape` is empty (np.broadcast_to then says why)."""
    extra = len(shape) - len(have)
    tail = shape[extra:]
    if extra < 0 or min(shape, default=1) < 1 \
            or any(n != m and n != 1 for n, m in zip(have, tail)):
        return None
    return (0,) * extra + tuple(0 if n == 1 else s for n, s in zip(have, strides))


_broadcast_to = defop("broadcast_to", _broadcast_forward,
                      kind="shape", explain=_broadcast_explain,
                      vjp=lambda g, ans, x, *, shape: (unbroadcast(g, np.shape(x._value)),),
                      samples=((((3,),), {"shape": (2, 3)}), (((2, 1),), {"shape": (2, 4)})),
                      doc="`input` repeated along axes so that it has `shape`.")


def broadcast_to(input, shape, name=None):
    """`input` broadcast to `shape` with numpy's rules."""
    return _broadcast_to(input, shape=arguments.shape("broadcast_to", "shape", shape))


# ---- static facts: constants, as TF eager computes them without an op ----------------------
def shape(input, out_type=dtypes.int32, name=None):
    """The shape of `input` as a 1-D integer tensor.

    >>> import tapeviz as tf
    >>> tf.shape(tf.zeros([2, 3])).numpy()
    array([2, 3], dtype=int32)
    """
    return wrap(np.array(arguments.shape_of("shape", "input", input),
                         dtype=_index_type("shape", out_type)))


def size(input, out_type=dtypes.int32, name=None):
    """The number of elements of `input`, as a scalar of `out_type` (any dtype: TF casts the
    count, where tf.shape takes int32 or int64 only)."""
    dtype = arguments.dtype("size", "out_type", out_type, optional=False)
    return wrap(dtype._np.type(np.size(arguments.array_of("size", "input", input))))


def rank(input, name=None):
    """The number of axes of `input`, as a scalar int32 tensor."""
    return wrap(np.int32(arguments.rank_of("rank", "input", input)))


def _index_type(op: str, out_type) -> np.dtype:
    dtype = arguments.dtype(op, "out_type", out_type, optional=False)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise InvalidArgumentError(op, f"out_type must be tf.int32 or tf.int64; got {dtype!r}")
    return dtype._np
