"""The element_spec of `Dataset.map`: TF traces the function once on its input's spec, so an
output size that depends on the input's values (`tf.range(x)`, `x[:n]` for a tensor `n`, a
`tf.fill` of a computed size) or on a size the input's spec leaves unknown (the batch axis
of `batch(32)` without `drop_remainder`, a generator's varying lengths) is None there.

tapeviz runs the function eagerly, so it finds the same by running it twice: on the first
element, and on a probe made from it, one longer along every axis the input's spec leaves
unknown and with other values (integers and floats plus one). An output axis whose size
differs between the two is None; a probe the function refuses (an index now out of range)
leaves the first element's spec. A size that depends on values but that the probe leaves
the same (a count of nonzero entries that adding one keeps) is missed.
"""
from __future__ import annotations

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
    probe = _probe(first, dataset.element_spec)
    try:
        with unrecorded():
            other = _s.to_element(_s.call_unpacked(map_func, probe), lists_are_tuples=True)
    except Exception:   # the function refuses the probe: the first element's spec stands
        return spec
    found, seen = _s.flatten(spec), _s.flatten(_s.spec_of(other))
    if len(found) != len(seen):
        return spec
    return _s.pack(spec, [_loosened(a, b) for a, b in zip(found, seen)])


def _probe(element, spec):
    """`element` with each tensor grown (`_grown`) by its component's spec."""
    leaves = _s.flatten(element)
    specs = _s.flatten_up_to(element, spec) or [None] * len(leaves)
    return _s.pack(element, [_grown(t, c) for t, c in zip(leaves, specs)])


def _grown(tensor, spec):
    """A tensor one longer along each axis its spec leaves unknown, its numbers plus one."""
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
    if array.dtype.kind in "iuf":
        array = array + array.dtype.type(1)
    return wrap(np.asarray(array))


def _loosened(spec, seen):
    """`spec` with None where `seen` (the probe's) has another size, or another rank."""
    if not isinstance(spec, _s.TensorSpec) or not isinstance(seen, _s.TensorSpec):
        return spec
    if spec.shape is UNKNOWN_SHAPE or seen.shape is UNKNOWN_SHAPE or \
            len(spec.shape) != len(seen.shape):
        return _s.TensorSpec(None, spec.dtype)
    return _s.TensorSpec([a if a == b else None for a, b in zip(spec.shape, seen.shape)],
                         spec.dtype)
