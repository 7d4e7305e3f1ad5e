"""An epoch's loss as the plain mean of its batches' losses, `tf.reduce_mean(losses)` after a
loop whose last batch is smaller (200 examples in batches of 64: 64, 64, 64, 8). Each batch's
loss is already a mean over its examples, so averaging them again weighs the last batch's
8 examples as much as 64: the figure reported is not the loss over the epoch's examples.
Read from the ops after the last training update (the last step's tail, or a last step that
computed no gradient): a mean over a vector whose values are the losses of the trained steps
before them, in order, whose batches (their first layer's rows) are not all one size. A
correct run ends at its last step's update, or at one comparison of a vector with the steps'
losses.
"""
from __future__ import annotations

import numpy as np

from .findings import Finding
from .numerics import _where
from .op_index import role
from .training_data import first_trained_layer


def mean_of_uneven_batch_means(steps) -> list:
    """A Finding when the recording's closing ops average, with equal weights, the losses of
    the trained steps before them whose batches differ in size."""
    if len(steps) < 2:
        return []
    closing, trained = _closing_ops(steps)
    for node in closing:
        if node.phase != "forward" or role(node.op) != "reduce_mean" or not node.inputs:
            continue
        values = np.asarray(node.inputs[0]._value, dtype=np.float64)
        if values.ndim != 1 or not 2 <= len(values) <= len(trained):
            continue
        averaged = trained[len(trained) - len(values):]
        losses = [step.loss for step in averaged]
        if None in losses or not np.allclose(values, losses, rtol=1e-6):
            continue
        layers = [first_trained_layer(step) for step in averaged]
        if None in layers:
            return []
        sizes = [len(layer.inputs[0]._value) for layer in layers]
        if len(set(sizes)) == 1:
            return []
        weighted = float(np.dot(values, sizes) / sum(sizes))
        message = (f"{node.op.name} at {_where(node.source)} averages the losses of steps "
                   f"{averaged[0].number}-{averaged[-1].number} alike, while their batches "
                   f"hold {_sizes(sizes)} examples: each loss is already its batch's mean, so "
                   f"the {sizes[-1] if sizes[-1] != max(sizes) else min(sizes)} examples of "
                   f"the smaller batch weigh as much as {max(sizes)}: it gives "
                   f"{float(values.mean()):.4g}, where the loss over the {sum(sizes)} examples "
                   f"is {weighted:.4g}; fix: weigh each batch's loss by its size: "
                   f"sum(loss * batch_size) / number of examples (or drop_remainder=True in "
                   f"batch, so that every batch holds as many)")
        return [Finding("mean_of_batch_means", message, node)]
    return []


def _closing_ops(steps) -> tuple:
    """(the ops after the last training update, the trained steps before them): the last
    step when it computed no gradient, else the ops after its last update, which the
    Recorder leaves in the last step when the recording stops (sorting.py)."""
    last = steps[-1]
    if not last.variable_gradients:
        return last.nodes, steps[:-1]
    updates = [i for i, node in enumerate(last.nodes) if node.op.kind == "update"]
    return (last.nodes[updates[-1] + 1:] if updates else []), steps


def _sizes(sizes: list) -> str:
    """'64, 64, 64 and 8' (the first 3 and the last of a longer list: '64, 64, 64, ... and 8')."""
    shown = [str(size) for size in sizes]
    if len(shown) > 4:
        shown = shown[:3] + ["..."] + shown[-1:]
    return ", ".join(shown[:-1]) + " and " + shown[-1]
