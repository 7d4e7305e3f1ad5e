"""Shape ops: reshape, transpose, slicing, broadcasting, joining, splitting.

Rows see normalized static params (tuples of ints, slice keys); the public functions
take TensorFlow's signatures. Joining and splitting ops that TF defines as one kernel
with many outputs are written here as several single-output ops (one strided slice per
piece), so every node has exactly one output; ops joining many tensors take them as
separate positional inputs. Tiling and padding live in `pad.py`, gathering in `gather.py`.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import arguments, dtypes
from ..errors import InvalidArgumentError, ShapeError, bad_argument, describe
from ..tensor import wrap
from .axes import normalize_axes, normalize_axis
from .registry import defop
from . import reduce as _reduce




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
    return _reshape(tensor, shape=arguments.shape("reshape", "shape", shape, unknown=True))


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
    return _broadcast_to(input, shape=arguments.shape("broadcast_to", "shape", shape))


# ---- indexing ----------------------------------------------------------------------------
def _normalize_key(key) -> tuple:
    key = key if isinstance(key, tuple) else (key,)
    normalized = []
    for item in key:
        if isinstance(item, slice):
            item = slice(*(None if v is None else _index_value(v) for v in
                           (item.start, item.stop, item.step)))
        elif item is not None and item is not Ellipsis:
            item = _index_value(item)
        normalized.append(item)
    return tuple(normalized)


def _index_value(value) -> int:
    entries = arguments.int_entries(value)   # no bools: numpy reads x[True] as x[None]
    if entries is None or arguments.ndim(value) != 0:
        raise InvalidArgumentError(
            "getitem", f"indices must be ints, slices, `...` or tf.newaxis (use tf.gather or "
                       f"tf.boolean_mask for lists and masks); got {describe(value)}")
    return entries[0]


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


def _slice_assigned(variable, value, *, key):
    """`variable` with its slice `key` replaced by `value`, broadcast to the slice's shape as
    TF's ResourceStridedSliceAssign broadcasts it."""
    current = np.asarray(variable)
    try:
        target = current[key]
    except IndexError as exc:
        raise InvalidArgumentError("strided_slice_assign", f"{exc}; the variable has shape "
                                                           f"{current.shape}") from None
    try:
        value = np.broadcast_to(value, np.shape(target))
    except ValueError:
        raise ShapeError("strided_slice_assign", f"the value must broadcast to the slice's "
                                                 f"shape {np.shape(target)}; got shape "
                                                 f"{np.shape(value)}") from None
    new = current.copy()
    new[key] = value
    return new if new.ndim else new[()]


_assign_slice = defop("strided_slice_assign", _slice_assigned, kind="update", nondiff=True,
                      label="[ ]←", samples=((((4, 3), (3,)), {"key": (1,)}),),
                      doc="A variable's value with one slice replaced: v[key].assign(value).")


def assign_slice(variable, key, value):
    """The value `variable` takes from `variable[key].assign(value)`: one update op, so the
    debugger shows the slice's assignment as the variable's update."""
    return _assign_slice(variable, value, key=_normalize_key(key))


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """`input_[begin:end:strides]` per axis, with TF's bit masks (bit i is position i).

    `begin_mask`/`end_mask` ignore begin[i]/end[i] (slice from the start / to the end),
    `ellipsis_mask` puts `...` at i, `new_axis_mask` a new axis of length 1, and
    `shrink_axis_mask` takes the single index begin[i], dropping the axis.

    >>> import tapeviz as tf
    >>> tf.strided_slice([[1, 2, 3], [4, 5, 6]], [0, 1], [2, 3], [1, 1]).numpy()
    array([[2, 3],
           [5, 6]], dtype=int32)
    """
    begin = arguments.int_list("strided_slice", "begin", begin)
    end = arguments.int_list("strided_slice", "end", end)
    strides = (1,) * len(begin) if strides is None else \
        arguments.int_list("strided_slice", "strides", strides)
    begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask = (
        arguments.count("strided_slice", mask_name, mask) for mask_name, mask in
        (("begin_mask", begin_mask), ("end_mask", end_mask), ("ellipsis_mask", ellipsis_mask),
         ("new_axis_mask", new_axis_mask), ("shrink_axis_mask", shrink_axis_mask)))
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError("strided_slice", f"begin, end and strides must have the same "
                                   f"length; got {len(begin)}, {len(end)} and {len(strides)}")
    if 0 in strides:
        raise InvalidArgumentError("strided_slice",
                                   f"strides must be non-zero; got {list(strides)}")
    if int(ellipsis_mask).bit_count() > 1:
        raise InvalidArgumentError("strided_slice", f"at most one bit of ellipsis_mask may be set; "
                                   f"got {bin(ellipsis_mask)}")
    key = []
    for i, (start, stop, step) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(start)
        else:
            key.append(slice(None if begin_mask & bit else start,
                             None if end_mask & bit else stop, step))
    return _getitem(input_, key=tuple(key))


# ---- joining and splitting -----------------------------------------------------------------
def _along(axis: int, item) -> tuple:
    """An indexing key applying `item` on `axis` (everything is taken on the axes before)."""
    return (slice(None),) * axis + (item,)


def check_same_shapes(op: str, shapes: list, axis: int | None = None) -> None:
    """All shapes equal (ignoring `axis`, when given), else a ShapeError naming two of them."""
    def trimmed(shape):
        return shape[:axis] + shape[axis + 1:] if axis is not None else shape
    for i, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(shapes[0]) or trimmed(shape) != trimmed(shapes[0]):
            rule = "the same shape" if axis is None else f"the same shape except on axis {axis}"
            raise ShapeError(op, f"all inputs must have {rule}; got {shapes[0]} and {shape} "
                                 f"(inputs 0 and {i})")


def _concat_vjp(g, ans, *values, axis):
    bounds = np.cumsum([0] + [np.shape(v._value)[axis] for v in values]).tolist()
    return [_getitem(g, key=_along(axis, slice(start, stop)))
            for start, stop in itertools.pairwise(bounds)]


_concat = defop("concat", lambda *values, axis: np.concatenate(values, axis=axis), _concat_vjp,
                kind="shape", inputs=(),
                samples=((((2, 3), (2, 1), (2, 2)), {"axis": 1}),
                         (((1, 3), (2, 3)), {"axis": 0}), (((2, 3),), {"axis": 0})),
                doc="Tensors joined along an existing axis.")
_stack = defop("stack", lambda *values, axis: np.stack(values, axis=axis), kind="shape",
               vjp=lambda g, ans, *values, axis:
               [_getitem(g, key=_along(axis, i)) for i in range(len(values))],
               inputs=(),
               samples=((((2, 3), (2, 3), (2, 3)), {"axis": 2}), (((), ()), {"axis": 0}),
                        (((2, 3),), {"axis": 0})),
               doc="Tensors of one shape joined along a new axis.")


def tensor_list(op: str, values, name: str = "values") -> tuple:
    """concat's, stack's and add_n's `values` (a non-empty list of tensors; a lone tensor is
    a list of one for concat, its slices along axis 0 for the others, as in TF) and their
    shapes."""
    from ..tensor import Tensor
    if isinstance(values, Tensor) and (op == "concat" or np.ndim(values._value)):
        values = [values] if op == "concat" else list(values)
    if not isinstance(values, (list, tuple)):
        rows = "" if op == "concat" else " (or a tensor of rank >= 1: its rows)"
        raise bad_argument(op, name, f"a list of tensors{rows}", values)
    if not values:
        raise InvalidArgumentError(op, "expected a non-empty list of tensors; got []",
                                   hint="a list filled in a loop that ran no times?")
    shapes = [arguments.shape_of(op, f"{name}[{i}]", v) for i, v in enumerate(values)]
    return list(values), shapes


def concat(values, axis, name=None):
    """`values` joined along `axis` (negative counts from the end); other axes must match.

    >>> import tapeviz as tf
    >>> tf.concat([[[1, 2]], [[3, 4]]], axis=-1).numpy()
    array([[1, 2, 3, 4]], dtype=int32)
    """
    values, shapes = tensor_list("concat", values)
    if not shapes[0]:
        raise InvalidArgumentError("concat", "cannot concatenate scalars (shape ())",
                                   hint="tf.stack joins scalars into a vector")
    axis = normalize_axis("concat", axis, len(shapes[0]))
    check_same_shapes("concat", shapes, axis)
    return _concat(*values, axis=axis)


def stack(values, axis=0, name=None):
    """Tensors of one shape joined along a new axis at `axis`.

    >>> import tapeviz as tf
    >>> tf.stack([[1, 2], [3, 4]], axis=1).numpy()
    array([[1, 3],
           [2, 4]], dtype=int32)
    """
    values, shapes = tensor_list("stack", values)
    check_same_shapes("stack", shapes)
    return _stack(*values, axis=normalize_axis("stack", axis, len(shapes[0]) + 1))


def reverse(tensor, axis, name=None):
    """`tensor` with the order of its entries reversed along each axis in the list `axis`
    (a strided slice with step -1 there).

    >>> import tapeviz as tf
    >>> tf.reverse([[1, 2, 3], [4, 5, 6]], axis=[1]).numpy()
    array([[3, 2, 1],
           [6, 5, 4]], dtype=int32)
    """
    rank = arguments.rank_of("reverse", "tensor", tensor)
    if arguments.ndim(axis) != 1:
        raise bad_argument("reverse", "axis", "a list of ints (tf.reverse(x, [1]))", axis)
    axes = normalize_axes("reverse", axis, rank)
    return _getitem(tensor, key=tuple(slice(None, None, -1) if i in axes else slice(None)
                                      for i in range(rank)))


def _axis_of_nonscalar(op: str, value, axis) -> tuple:
    """`value`'s shape and `axis` normalized against it; scalars have no axis to split."""
    shape = arguments.shape_of(op, "value", value)
    if not shape:
        raise InvalidArgumentError(op, "expected a tensor of rank >= 1; got a scalar")
    return shape, normalize_axis(op, axis, len(shape))


def unstack(value, num=None, axis=0, name=None):
    """The slices of `value` along `axis`, as a list of tensors (one op each).

    >>> import tapeviz as tf
    >>> [t.numpy().tolist() for t in tf.unstack([[1, 2], [3, 4]], axis=1)]
    [[1, 3], [2, 4]]
    """
    shape, axis = _axis_of_nonscalar("unstack", value, axis)
    if num is not None and arguments.count("unstack", "num", num) != shape[axis]:
        raise ShapeError("unstack", f"num={num} does not match the length {shape[axis]} of "
                                    f"axis {axis} in shape {shape}")
    return [_getitem(value, key=_along(axis, i)) for i in range(shape[axis])]


def _split_sizes(spec, length: int, axis: int) -> list:
    """Piece lengths from split's `num_or_size_splits`: a count, or sizes with one -1 allowed."""
    given = arguments.int_list("split", "num_or_size_splits", spec)
    if arguments.ndim(spec) == 0:
        (count,) = given
        if count <= 0 or length % count:
            quotient, remainder = divmod(length, max(count, 1))
            sizes = [quotient + 1] * remainder + [quotient] * (count - remainder)
            hint = f"pass sizes instead, e.g. {sizes}" if 0 < count <= length else None
            raise ShapeError("split", f"cannot split axis {axis} of length {length} into {count} "
                                      f"equal pieces", hint=hint)
        return [length // count] * count
    values = list(given)
    if any(v < -1 for v in values) or values.count(-1) > 1:
        raise InvalidArgumentError("split", f"sizes must be non-negative, with at most one -1; "
                                            f"got {values}")
    if -1 in values:
        values[values.index(-1)] = length - (sum(values) + 1)
    if sum(values) != length or min(values, default=0) < 0:
        raise ShapeError("split", f"sizes must sum to {length} (the length of axis {axis}); "
                                  f"got {list(given)}")
    return values


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """`value` cut along `axis` into equal pieces (given a count) or pieces of given sizes.

    >>> import tapeviz as tf
    >>> [t.numpy().tolist() for t in tf.split([1, 2, 3, 4, 5], [2, -1])]
    [[1, 2], [3, 4, 5]]
    """
    shape, axis = _axis_of_nonscalar("split", value, axis)
    sizes = _split_sizes(num_or_size_splits, shape[axis], axis)
    bounds = np.cumsum([0] + sizes).tolist()
    return [_getitem(value, key=_along(axis, slice(start, stop)))
            for start, stop in itertools.pairwise(bounds)]


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
