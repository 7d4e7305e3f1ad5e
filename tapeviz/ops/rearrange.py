"""`tf.slice`, `tf.roll` and `tf.meshgrid`: composites of the indexing, gather, reshape and
broadcast rows, so each gradient comes from the rows it is made of (a slice's goes back in
place, a roll's rolls back, a meshgrid's sums over the axes it was broadcast along)."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..convert import infer_array
from ..errors import InvalidArgumentError
from ..tensor import Tensor, wrap
from .axes import normalize_axis
from .gather import _gather
from .shape import broadcast_to, reshape
from .indexing import _getitem


def slice(input_, begin, size, name=None):   # noqa: A001 (TF's name)
    """The block of `input_` starting at `begin` with `size` (-1: to the end) on each axis.

    >>> import tapeviz as tf
    >>> tf.slice([[1, 2, 3], [4, 5, 6]], [0, 1], [2, -1]).numpy()
    array([[2, 3],
           [5, 6]], dtype=int32)
    """
    shape = arguments.shape_of("slice", "input_", input_)
    begin = arguments.int_list("slice", "begin", begin)
    size = arguments.int_list("slice", "size", size)
    if len(begin) != len(shape) or len(size) != len(shape):
        raise InvalidArgumentError("slice", f"begin and size must have one entry per axis of "
                                            f"input_ (shape {shape}); got begin={begin}, "
                                            f"size={size}")
    key = []
    for axis, (start, count, length) in enumerate(zip(begin, size, shape)):
        stop = length if count == -1 else start + count
        if not (0 <= start <= length and count >= -1 and stop <= length):
            raise InvalidArgumentError("slice", f"axis {axis}: begin {start} with size {count} "
                                                f"is outside its length {length} (input_ "
                                                f"shape {shape})")
        key.append(np.s_[start:stop])
    return _getitem(input_, key=tuple(key))


def roll(input, shift, axis, name=None):
    """`input` shifted by `shift` along `axis` (each pair of a list), wrapping around.

    >>> import tapeviz as tf
    >>> tf.roll([1, 2, 3, 4], shift=1, axis=0).numpy()
    array([4, 1, 2, 3], dtype=int32)
    """
    input = input if isinstance(input, Tensor) else wrap(infer_array(input, "roll"))
    shape = tuple(input.shape)
    shifts = arguments.int_list("roll", "shift", shift)
    axes = arguments.int_list("roll", "axis", axis)
    if len(shifts) != len(axes):
        raise InvalidArgumentError("roll", f"shift and axis must have as many entries; got "
                                           f"shift={shifts}, axis={axes}")
    total = {}
    for step, axis_ in zip(shifts, axes):   # repeated axes add their shifts, as TF's do
        axis_ = normalize_axis("roll", axis_, len(shape))
        total[axis_] = total.get(axis_, 0) + step
    for axis_, step in total.items():
        length = shape[axis_]
        if length:
            input = _gather(input, (np.arange(length) - step) % length, axis=axis_)
    return input


def meshgrid(*args, **kwargs):
    """Coordinate grids of the 1-D `args`: with indexing='xy' (the default) the first two
    axes are swapped, as in numpy and TF.

    >>> import tapeviz as tf
    >>> [g.numpy().tolist() for g in tf.meshgrid([1, 2, 3], [4, 5])]
    [[[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]]]
    """
    indexing = arguments.choice("meshgrid", "indexing", kwargs.pop("indexing", "xy"),
                                ("xy", "ij"))
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword argument {sorted(kwargs)[0]!r}")
    vectors = [arg if isinstance(arg, Tensor) else wrap(infer_array(arg, "meshgrid"))
               for arg in args]
    sizes = [int(np.prod(v.shape, dtype=np.int64)) for v in vectors]
    order = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:
        order[0], order[1] = 1, 0
    grid = [sizes[i] for i in order]
    grids = []
    for i, vector in enumerate(vectors):
        placed = [1] * len(vectors)
        placed[order.index(i)] = sizes[i]
        grids.append(broadcast_to(reshape(vector, placed), grid))
    return grids
