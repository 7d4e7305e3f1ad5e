"""Indexing ops: `x[key]`, strided slices, a variable's slice assigned, and reverse.

`Tensor.__getitem__` and `tf.strided_slice` take numpy's and TF's keys and make one
`strided_slice` row with the key normalized (ints, slices, None, Ellipsis, boolean or
integer arrays); its VJP scatters the gradient back with `strided_slice_grad`.
`Variable[key].assign(x)` is one `strided_slice_assign` update. `_along` builds a key
that applies an index on one axis: joining, splitting and padding use it.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import (InvalidArgumentError, InvalidArgumentTypeError, ShapeError, bad_argument,
                      describe)
from ..tensor import Tensor
from .axes import normalize_axes
from .registry import defop


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
        raise InvalidArgumentTypeError(
            "getitem", f"indices must be ints, slices, `...` or tf.newaxis (use tf.gather or "
                       f"tf.boolean_mask for lists and masks); got {describe(value)}")
    return entries[0]


def _getitem_forward(x, *, key):
    try:
        item = x[key]
        # a string tensor's one element is bytes; as a tensor, a 0-d array of it
        return np.array(item, object) if type(item) is bytes else item
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
    """`tensor[key]` with numpy's basic indexing (what Tensor.__getitem__ runs); a bool
    tensor or array as the whole key is a boolean_mask, as in TF."""
    if _is_bool_mask(key):
        return boolean_mask(tensor, key)
    return _getitem(tensor, key=_normalize_key(key))


def _is_bool_mask(key) -> bool:
    return isinstance(key, (Tensor, np.ndarray)) and np.asarray(key).dtype == np.bool_


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


def _along(axis: int, item) -> tuple:
    """An indexing key applying `item` on `axis` (everything is taken on the axes before)."""
    return (slice(None),) * axis + (item,)


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

from .gather import boolean_mask  # noqa: E402  (gather's imports reach back here)
