"""A classifier's predictions taken by an argmax over the wrong axis: `tf.argmax(logits)`
(TF's default axis is 0, the examples) or torch's `logits.argmax()` (no dim: the index into
all the flattened values). Either gives no example's class; an accuracy computed from it
is near zero or chance, silently when the shapes happen to broadcast (TF: a batch of as many
examples as classes; torch: always, one index against every label). Told when the argmax
reads a layer's output with its examples on axis 0 (`batch_axis._examples_first`), in the
shown step or the last one recorded (an evaluation).
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .batch_axis import _examples_first
from .findings import Finding
from .numerics import _where


def argmax_over_examples(steps, nodes) -> list:
    """A Finding for the first argmax over a (examples, classes) layer output along axis 0,
    or over all of it flattened, among `nodes` (the shown step's forward nodes) and the last
    of `steps`'."""
    last = [node for node in steps[-1].nodes if node.phase == "forward"] if steps else []
    for among in (nodes, last):
        for position, node in enumerate(among):
            if node.op.name != "argmax" or not node.inputs:
                continue
            shape = np.shape(node.inputs[0]._value)
            flattened = _flattened(node)
            if len(shape) != 2 or shape[0] < 2 or not (flattened or _along_examples(node)):
                continue
            if _examples_first(among, position):
                return [_finding(node, shape, flattened)]
    return []


def _flattened(node) -> bool:
    """Whether torch's argmax `node` was given no dim: it flattens its input."""
    return engine_of(node.op) == "torch" and node.params.get(
        "dim", node.params.get("input 1")) is None


def _along_examples(node) -> bool:
    axis = node.params.get("axis") if engine_of(node.op) == "tf" else \
        node.params.get("dim", node.params.get("input 1"))
    return axis in (0, -2)


def _finding(node, shape, flattened: bool) -> Finding:
    examples, classes = shape
    if flattened:
        what = (f"argmax with no dim flattens the ({examples}, {classes}) logits: it gives one "
                f"index into all {examples * classes} values, not each example's class")
        fix = "logits.argmax(dim=1)"
    else:
        what = (f"argmax over axis 0 (TF's default) of the ({examples}, {classes}) logits runs "
                f"along the examples: it gives, for each of the {classes} classes, the example "
                f"that scores it highest, not each example's class")
        fix = "tf.argmax(logits, axis=1) (or axis=-1)"
    message = (f"{what} (at {_where(node.source)}), so an accuracy compared with the labels "
               f"from it measures nothing; fix: {fix}")
    return Finding("argmax_over_examples", message, node)
