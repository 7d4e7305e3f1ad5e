"""Data standardised by its own statistics where the model is evaluated: `x_test - mean(x_test)`
(over its examples), or each batch by its own mean at inference, fed to the model. Its
inputs then differ from what it trained on, and each prediction depends on the other
examples evaluated with it (a batch of one is all zeros). Seen only where the statistics
are taken with tapeviz ops inside the recording, in a step that computes no gradient after
steps that trained: a mean over the examples' axis of data from outside, subtracted from
that data, on its way to a layer's matmul or convolution (a metric's centred labels, which
no layer reads, are not said). Standardised with numpy before the recording, it is not seen.
"""
from __future__ import annotations

import numpy as np

from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, axes_of, kernel_of, maker, role

HOPS = 8   # ops followed from the subtraction to the layer that reads it


def standardised_by_own_statistics(steps) -> list:
    """A Finding when the last of `steps`, an evaluation after training steps, fed a layer
    data centred by its own mean over the examples."""
    if not steps or steps[-1].variable_gradients or \
            not any(step.variable_gradients for step in steps[:-1]):
        return []
    step = steps[-1]
    nodes = [rop.node for rop in step.ops if rop.phase == "forward"]
    for position, node in enumerate(nodes):
        if role(node.op) != "reduce_mean" or not _over_examples(node) or \
                not _data(nodes, position):
            continue
        centred = _subtraction_of(nodes, position)
        if centred is not None:
            layer = _layer_reading(nodes, centred)
            if layer is not None:
                return [_finding(step, node, nodes[centred], layer)]
    return []


def _data(nodes, position: int) -> bool:
    """Whether what the node at `position` reads came from outside (or only cast there)."""
    made = maker(nodes, position)
    return made is None or role(made[1].op) in ("cast", "identity") and \
        maker(nodes, made[0]) is None


def _over_examples(node) -> bool:
    """Whether reduce_mean `node` averages a batch of at least two examples over axis 0."""
    shape = node.inputs[0]._value.shape
    if len(shape) < 2 or shape[0] < 2:
        return False
    axes = axes_of(node, len(shape))
    return axes is None or 0 in axes


def _subtraction_of(nodes, position: int):
    """The position of a `subtract` of the mean at `position` from the very data it averaged
    (the data as its first operand: the same tensor, or the same values converted again from
    numpy), else None."""
    reduced, mean = nodes[position].inputs[0], nodes[position].output_id
    for later in range(position + 1, min(len(nodes), position + 1 + HOPS)):
        node = nodes[later]
        if role(node.op) == "subtract" and node.input_ids[1] == mean:
            data = node.inputs[0]
            if data is reduced or np.array_equal(data._value, reduced._value):
                return later
    return None


def _layer_reading(nodes, position: int):
    """The first layer op (a matmul or convolution by a Variable) that reads, within HOPS
    ops, what the node at `position` made; else None."""
    reached = {nodes[position].output_id}
    for node in nodes[position + 1:position + 1 + 4 * HOPS]:
        if reached.isdisjoint(node.input_ids):
            continue
        if role(node.op) in WEIGHING and kernel_of(node) is not None:
            return node
        reached.add(node.output_id)
    return None


def _finding(step, mean, centred, layer) -> Finding:
    count = mean.inputs[0]._value.shape[0]
    where = f" in layer {layer.scope}" if layer.scope else ""
    subtracted = ("there" if centred.source == mean.source else
                  f"at {_where(centred.source)}")
    message = (f"step {step.number} computed no gradient (an evaluation) on data centred by "
               f"its own statistics: reduce_mean over its {count} examples at "
               f"{_where(mean.source)}, subtracted {subtracted}, then read by "
               f"{layer.op.name}{where}: the model sees inputs scaled unlike its training "
               f"data, and each prediction depends on the other examples evaluated with it "
               f"(one alone is all zeros); fix: standardise with the training data's "
               f"statistics, computed once (mean = x_train.mean(axis=0), std = "
               f"x_train.std(axis=0)), or a tf.keras.layers.Normalization adapted on the "
               f"training data")
    return Finding("own_statistics", message, mean)
