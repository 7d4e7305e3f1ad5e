"""A loss summed over the batch where a mean was meant (`tf.reduce_sum` of the per-example
losses, a Keras loss or torch's given reduction='sum', `.sum()`): each update is then
batch-size times the mean's, as if the learning rate were that much larger. Nothing is wrong
in one step's values, so it is told only beside a finding that already blames a learning
rate too large (divergence, oscillation, a ReLU layer the updates killed): there it says
why the rate is too large and what to change. Read from the step's last forward ops when
such a finding is made; nothing runs per step.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .numerics import _where
from .op_index import axes_of, role

_FIX = {"tf": "average it (tf.reduce_mean, or the Keras loss's default reduction)",
        "torch": "average it (reduction='mean', torch's default, or .mean())"}


def summed_over_batch(step) -> str:
    """'; the loss sums over the batch of 32 (reduce_sum at <line>): ...' when `step`'s loss
    (its gradient call's target) was made by a sum over a batch of more than one example;
    else ''."""
    loss = _loss_node(step)
    if loss is not None and role(loss.op) == "reduce_mean" and loss.inputs:
        loss = _sum_before(step, loss) or loss   # `.sum(dim=0).mean()`: summed, then averaged
    if loss is None or not loss.inputs:         # over what is left (the outputs' columns)
        return ""
    shape = tuple(loss.inputs[0].shape)
    if not shape or shape[0] < 2:
        return ""
    if loss.params.get("reduction") == "sum":
        how = f"{loss.op.name} given reduction='sum'"
    elif role(loss.op) == "reduce_sum" and 0 in (axes_of(loss, len(shape)) or (0,)):
        how = loss.op.name
    else:
        return ""
    batch = shape[0]
    return (f"; the loss sums over the batch of {batch} ({how} at {_where(loss.source)}), so "
            f"each update is {batch}x the mean's, as if the learning rate were {batch}x: "
            f"{_FIX[engine_of(loss.op)]}, or divide the learning rate by {batch}")


def _sum_before(step, mean):
    """The sum over the batch axis whose output `mean` (the loss's op) averages, or None."""
    wanted = mean.input_ids[0]
    for rop in reversed(step.ops):
        node = rop.node
        if rop.phase == "forward" and node.output_id == wanted:
            shape = tuple(node.inputs[0].shape) if node.inputs else ()
            summed = role(node.op) == "reduce_sum" and shape \
                and 0 in (axes_of(node, len(shape)) or (0,))
            return node if summed else None
    return None


def _loss_node(step):
    """The last forward op of `step` whose output holds its loss, or None."""
    loss = step.loss
    if loss is None:
        return None
    for rop in reversed(step.ops):
        node = rop.node
        if rop.phase == "forward" and node.op.kind != "update":
            value = node.output._value
            if np.size(value) == 1 and float(np.asarray(value).reshape(())) == loss:
                return node
    return None
