"""The element_spec of `Dataset.map`: TF traces the function once on its input's spec, so an
output size that depends on the input's values (`tf.range(x)`, `x[:n]` for a tensor `n`, a
`tf.fill` of a computed size, a `boolean_mask`, `tf.where`, `tf.unique`) or on a size the
input's spec leaves unknown (the batch axis of `batch(32)` without `drop_remainder`, a
generator's varying lengths) is None there.

tapeviz runs the function eagerly, so it finds the same by running it on the first element
and on probes made from it, each one longer along every axis the input's spec leaves
unknown and with other values: its numbers plus one, all zeros, and large numbers of
alternating sign (small ones for integers, which may size an array). An output axis whose
size differs between the first run and any probe's is None; a probe the function refuses
(an index now out of range) is not counted. A size that depends on values in a way none of
the probes changes (a mask of exactly 7 < x < 8) is still missed.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..dispatch import unrecorded
from ..tensor import UNKNOWN_SHAPE, Tensor, wrap
from . import structure as _s


def mapped_spec(map_func, dataset):
    """The spec of `dataset.map(map_func)`'s elements, as TF's trace would give it; raises
    as element_spec does for an empty dataset."""
    first = next(iter(dataset._start()), None)
    if first is None:
        raise ValueError("element_spec: the dataset is empty, so its spec is unknown")
    spec = _s.spec_of(_s.to_element(_s.call_unpacked(map_func, first), lists_are_tuples=True))
    found = _s.flatten(spec)
    for values in (_plus_one, _zeros, _far_apart):
        try:   # a probe's edge values (log of 0) are not the user's: no warning of them
            with unrecorded(), warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                other = _s.to_element(_s.call_unpacked(
                    map_func, _probe(first, dataset.element_spec, values)),
                    lists_are_tuples=True)
        except Exception:   # the function refuses this probe: the others decide
            continue
        seen = _s.flatten(_s.spec_of(other))
        if len(found) == len(seen):
            found = [_s.loosened(a, b) for a, b in zip(found, seen)]
    return _s.pack(spec, found)


def _probe(element, spec, values):
    """`element` with each tensor grown (`_grown`) by its component's spec, its numbers
    made `values(array)`."""
    leaves = _s.flatten(element)
    specs = _s.flatten_up_to(element, spec) or [None] * len(leaves)
    return _s.pack(element, [_grown(t, c, values) for t, c in zip(leaves, specs)])


def _grown(tensor, spec, values):
    """A tensor one longer along each axis its spec leaves unknown, its numbers `values`."""
    if not isinstance(tensor, Tensor):
        return tensor
    array = tensor._value
    shape = getattr(spec, "shape", None)
    if shape is not None:
        unknown = range(array.ndim) if shape is UNKNOWN_SHAPE else [
            axis for axis, size in enumerate(shape) if size is None]
        for axis in unknown:
            if axis < array.ndim:
                edge = array.take([-1], axis=axis) if array.shape[axis] else \
                    np.zeros_like(array, shape=array.shape[:axis] + (1,) + array.shape[axis + 1:])
                array = np.concatenate([array, edge], axis=axis)
    if array.dtype.kind in "biuf":
        array = values(array)
    return wrap(np.asarray(array))


def _plus_one(array):
    return ~array if array.dtype.kind == "b" else array + array.dtype.type(1)


def _zeros(array):
    return np.zeros_like(array)


def _far_apart(array):
    """Alternating signs, growing: 1e3, -2e3, ... for floats; 0, 1, 0, ... for integers and
    booleans (an integer may be a size: tf.range(x), tf.fill)."""
    index = np.arange(array.size).reshape(array.shape)
    if array.dtype.kind == "f":
        return ((index + 1) * 1000.0 * np.where(index % 2, -1.0, 1.0)).astype(array.dtype)
    return (index % 2).astype(array.dtype)
