"""What `Dataset.padded_batch` does to one batch: each component padded to one shape (the
largest in the batch per axis, or the shape asked for), then stacked, as tf.data pads."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import InvalidArgumentError
from ..tensor import Tensor, wrap
from . import structure as _s


def padded_stack(elements: list, padded_shapes, padding_values):
    """`elements` padded per component to `padded_shapes` (None: the batch's largest) with
    `padding_values` (None: zeros), then stacked into one batch element."""
    columns = [_s.flatten(e) for e in elements]
    count = len(columns[0])
    shapes = _per_component(padded_shapes, elements[0], count, "padded_shapes")
    fills = _per_component(padding_values, elements[0], count, "padding_values")
    stacked = []
    for j in range(count):
        values = [column[j]._value for column in columns]
        ranks = {np.ndim(v) for v in values}
        if len(ranks) > 1:
            raise InvalidArgumentError("padded_batch", f"component {j} has elements of ranks "
                                                       f"{sorted(ranks)}; padding needs one rank")
        target = _target_shape(j, values, shapes[j])
        fill = 0 if fills[j] is None else fills[j]
        fill = fill._value if isinstance(fill, Tensor) else fill
        out = np.full((len(values), *target), fill, dtype=values[0].dtype)
        for k, value in enumerate(values):
            out[(k, *(slice(0, n) for n in np.shape(value)))] = value
        stacked.append(wrap(out))
    return _s.pack(elements[0], stacked)


def refuse_unknown_rank(element_spec) -> None:
    """TF's refusal to pad a component of any rank (from_generator's without output_shapes)
    to the batch's largest: it cannot tell along which axes."""
    for j, spec in enumerate(_s.flatten(element_spec)):
        if spec.shape is _s.UNKNOWN_SHAPE:
            raise InvalidArgumentError(
                "padded_batch", f"You must provide `padded_shapes` argument because component "
                f"{j} has unknown rank (its element_spec says shape=<unknown>, as "
                f"from_generator's without output_shapes)",
                hint="pass padded_shapes (None for an axis padded to the batch's largest: "
                     "padded_shapes=[None] for sequences), or output_shapes to from_generator")


def padded_spec(element_spec, padded_shapes, size):
    """The TensorSpec structure of a padded batch, as TF states it: the batch axis `size`
    (None unless every batch is full), then each component's padded shape where one was asked
    (None or -1: unknown), else its own shape."""
    specs = _s.flatten(element_spec)
    shapes = _per_component(padded_shapes, element_spec, len(specs), "padded_shapes")
    padded = []
    for spec, asked in zip(specs, shapes):
        dims = tuple(spec.shape) if asked is None else tuple(
            None if n is None or n == -1 else n
            for n in (asked.as_list() if hasattr(asked, "as_list") else asked))
        padded.append(_s.TensorSpec((size, *dims), spec.dtype))
    return _s.pack(element_spec, padded)


def _per_component(value, template, count: int, name: str) -> list:
    """`value` as one entry per component: None for all, one value for all (padding), or
    the element's structure holding one entry per component."""
    if value is None:
        return [None] * count
    if name == "padding_values" and not isinstance(value, (tuple, dict)):
        return [value] * count
    if count == 1 and not isinstance(template, (tuple, dict)):
        return [value]   # one component: the shape (a list) is its padded shape
    leaves = _s.flatten_up_to(template, value)
    if leaves is None or len(leaves) != count:
        raise InvalidArgumentError("padded_batch", f"{name} must match the element's structure "
                                                   f"({count} components); got {value!r}")
    return leaves


def _target_shape(component: int, values: list, asked) -> tuple:
    largest = tuple(max(sizes) for sizes in zip(*(np.shape(v) for v in values)))
    if asked is None:
        return largest
    asked = [None if n is None or n == -1 else n for n in (
        asked.as_list() if hasattr(asked, "as_list") else list(asked))]
    if len(asked) != len(largest):
        raise InvalidArgumentError("padded_batch", f"padded_shapes for component {component} has "
                                                   f"rank {len(asked)}; its elements have rank "
                                                   f"{len(largest)}")
    target = []
    for axis, (want, have) in enumerate(zip(asked, largest)):
        if want is None:
            target.append(have)
            continue
        want = arguments.count("padded_batch", "padded_shapes", want)
        if have > want:
            raise InvalidArgumentError(
                "padded_batch", f"component {component} has an element of size {have} along "
                                f"axis {axis}, larger than its padded shape {want}")
        target.append(want)
    return tuple(target)
