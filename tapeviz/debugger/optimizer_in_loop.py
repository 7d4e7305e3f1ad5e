"""A Keras optimizer made inside the training loop: each step's optimizer is new, so its
state (Adam's moment estimates, momentum) starts over every step and its step count is
always 0: Adam's every update is then lr * sign(gradient), whatever its betas, and a slot
variable is made per weight each step. Read from the update ops: each of the last steps
advanced a different step count, made at the same line, from 0.
"""
from __future__ import annotations

from ..variable import VariableRead
from .findings import Finding
from .numerics import _where

MIN_STEPS = 3


def _fresh_count(step):
    """(the step count variable advanced from 0 in `step`, the step's updates of optimizer
    state (slots: non-trainable, not the count)), or None when no count advanced from 0.
    Read from the step's end, where apply_gradients advances its count last."""
    from ..keras.optimizers.base import optimizer_made_at   # keras imports the debugger
    count, slots = None, 0
    for node in reversed(step.nodes):
        if node.op.kind != "update" or not node.inputs or type(node.inputs[0]) is not VariableRead:
            continue
        variable = node.inputs[0].variable
        if optimizer_made_at(variable) is not None:
            if node.inputs[0]._value != 0:
                return None   # an optimizer that stepped before
            count = variable
        elif not variable.trainable:
            slots += 1
    return None if count is None else (count, slots)


def optimizer_made_in_loop(trained: list) -> list:
    """A Finding when each of the last MIN_STEPS `trained` steps (`unapplied.last_trained`)
    was taken by a new stateful optimizer made at the same line (a new step count, from 0,
    and slot updates)."""
    trained = trained[-MIN_STEPS:]
    if len(trained) < MIN_STEPS:
        return []
    last = _fresh_count(trained[-1])
    if last is None or not last[1]:
        return []
    fresh = [_fresh_count(step) for step in trained[:-1]] + [last]
    if any(found is None or not found[1] for found in fresh):
        return []
    counts = [count for count, _ in fresh]
    if len({id(count) for count in counts}) < MIN_STEPS or \
            len({count.made_at for count in counts}) != 1:
        return []
    made_at = counts[-1].made_at
    message = (f"the optimizer is made anew in each step (a new one took each of the last "
               f"{MIN_STEPS} steps, each its first): its state starts over every step (Adam's "
               f"every update is then lr * sign(gradient), whatever its betas; momentum never "
               f"builds up), and new slot variables are made each step; made at "
               f"{_where(made_at)}; fix: make the optimizer once, before the loop")
    update = next(rop.node for rop in trained[-1].ops if rop.node.op.kind == "update")
    return [Finding("optimizer_in_loop", message, update, made_at)]
