"""A training loss that is not one number: `tf.reduce_mean(sq, axis=1)` keeping the batch
axis, or a Keras loss function's per-example losses given to `tape.gradient` as they are.
The gradient is then of their sum, N times that of their mean, so the learning rate is in
effect N times the one set and the run diverges with no op at fault; the recorded loss is
no number, so nothing else that reads the loss curve sees it. Judged on the first step that
trained: its target is the last forward op the backward pass reached (every op it reached
ran before the target).
"""
from __future__ import annotations

import math

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where

_REDUCTIONS = frozenset({"reduce_mean", "reduce_sum"})


def non_scalar_loss(steps) -> list:
    """A Finding when the first recorded step that updated variables took the gradient of a
    target of more than one value."""
    step = next((step for step in steps if step.variable_gradients), None)
    if step is None or step.loss is not None or not step.variables_after:
        return []   # (a loss of one value is a number: the step's ops are not looked at)
    target = next((rop.node for rop in reversed(step.ops)
                   if rop.phase == "forward" and rop.grad is not None), None)
    return _finding(target, f" in step {step.number}")


def non_scalar_target(target, nodes) -> list:
    """A Finding when `target`, the tensor a tape is shown with (its loss), is more than one
    value; `nodes`: the tape's forward nodes, where the op that made it is found."""
    size = getattr(getattr(target, "_value", None), "size", 1)
    if size <= 1:
        return []
    return _finding(next((node for node in reversed(nodes) if node.output is target), None))


def _finding(target, when: str = "") -> list:
    """[the finding] for `target`, the node that made the loss, when its output is more than
    one value; [] otherwise (and for torch, whose backward() refuses one itself)."""
    if target is None or engine_of(target.op) != "tf":
        return []
    shape = tuple(target.output._value.shape)
    size = math.prod(shape)
    if size <= 1:
        return []
    made = f"made by {target.op.name}"
    axis = target.params.get("axis") if target.op.name in _REDUCTIONS else None
    if axis is not None:
        axis = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
        made += (f" over axis={axis} of a "
                 f"{tuple(target.inputs[0]._value.shape)}, which left the other axes")
    message = (f"the loss given to tape.gradient{when} is not one number: "
               f"shape {shape}, {size} values, {made}, at {_where(target.source)}; "
               f"tape.gradient differentiates their sum, so every gradient is {size}x that "
               f"of their mean and the learning rate is in effect {size}x the one set (the "
               f"updates overshoot and the loss is no number to watch); fix: reduce it to "
               f"one number over every axis, e.g. tf.reduce_mean(...) with no axis (a Keras "
               f"loss function returns one loss per example: take their mean, or use its "
               f"class, e.g. tf.keras.losses.MeanSquaredError())")
    return [Finding("non_scalar_loss", message, target)]
