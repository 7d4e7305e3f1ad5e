"""An optimizer made inside the training loop: each step's optimizer is new, so its state
(Adam's moment estimates, momentum) starts over every step and its step count is always 0:
Adam's every update is then lr * sign(gradient), whatever its betas, and a slot variable is
made per weight each step. Read from the update ops: for a Keras optimizer, each of the last
steps advanced a different step count, made at the same line, from 0; torch's update ops
carry no count, so a torch optimizer's are read by the signature of a first step
(`first_step`): every weight moved as only a new optimizer moves it, in each of the last
steps (an Adam's or Adagrad's by exactly lr; the line that made it read from the source of
its `step()` call). SGD without momentum keeps no state: made anew, it steps as before.
"""
from __future__ import annotations

import ast

from ..nonfinite import engine_of
from ..variable import VariableRead
from .findings import Finding
from .first_step import KINDS, is_first_step, keeps_state, moved
from .label_source import innermost_scope, own_nodes
from .numerics import _where
from .optimizer_source import torch_optimizer_made_at

MIN_STEPS = 3
_LOST = dict(KINDS.values())   # optimizer -> what it loses when made anew


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


def _keras_kind(count) -> tuple:
    """(the Keras optimizer whose step count `count` is, what it loses when made anew), in
    the words `first_step.KINDS` gives torch's."""
    from ..keras.optimizers.base import optimizer_class_of   # keras imports the debugger
    optimizer = optimizer_class_of(count) or "optimizer"
    lost = _LOST.get(optimizer, "its state starts over every step")
    if optimizer in ("Adam", "AdamW"):
        lost += " (each update is then lr * sign(gradient), whatever its betas)"
    return optimizer, lost


def optimizer_made_in_loop(trained: list) -> list:
    """A Finding when each of the last MIN_STEPS `trained` steps (`unapplied.last_trained`)
    was taken by a new stateful optimizer made at the same line (a new step count, from 0,
    and slot updates)."""
    trained = trained[-MIN_STEPS:]
    if len(trained) < MIN_STEPS:
        return []
    update = next((node for node in reversed(trained[-1].nodes) if node.op.kind == "update"),
                  None)
    if update is not None and engine_of(update.op) == "torch":
        return _torch_made_in_loop(trained)
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
    optimizer, lost = _keras_kind(counts[-1])
    message = (f"the optimizer is made anew in each step (a new {optimizer} took each of the "
               f"last {MIN_STEPS} steps, each its first): {lost}, and new slot variables are "
               f"made each step; made at {_where(made_at)}; fix: make the optimizer once, "
               f"before the loop")
    update = next(rop.node for rop in trained[-1].ops if rop.node.op.kind == "update")
    return [Finding("optimizer_in_loop", message, update, made_at)]


def _torch_made_in_loop(trained: list) -> list:
    """A Finding when each of `trained` (torch steps) moved every weight its optimizer
    updated as a new one's first step does (`first_step`): Adam, AdamW and Adagrad by lr
    times the sign of the gradient, SGD with momentum by lr times the gradient, RMSprop by
    that sign scaled by its alpha."""
    last = next((node for node in reversed(trained[-1].nodes) if node.op.kind == "update"),
                None)
    if last is None or not keeps_state(last) or not is_first_step(last):
        return []   # (a correct run's: one parameter's values compared)
    update = None
    for step in reversed(trained):
        updates = _updates_like(step, last.op.name)
        if not updates or not all(map(is_first_step, updates)):
            return []
        update = update or updates[0]
    made_at = torch_optimizer_made_at(update.source)
    if made_at is not None and not _inside_loop_of(made_at, update.source):
        return []   # (made once, before the loop: the signature is the gradients' doing)
    optimizer, lost = KINDS[update.op.name]
    message = (f"the optimizer is made anew in each step: in each of the last {len(trained)} "
               f"steps its {optimizer} {moved(update)}, as only a new {optimizer}'s first "
               f"step does: {lost}; made at "
               f"{_where(made_at) if made_at is not None else 'a line inside the loop'}; fix: "
               f"make the optimizer once, before the loop")
    return [Finding("optimizer_in_loop", message, update, made_at)]


def _updates_like(step, name: str) -> list:
    """The updates of op `name` in `step` (one per parameter the optimizer stepped)."""
    return [rop.node for rop in step.ops if rop.node.op.kind == "update"
            and rop.node.op.name == name and len(rop.node.inputs) == 2]


def _inside_loop_of(made_at, step_at) -> bool:
    """Whether the line `made_at` is inside a loop that also holds the line `step_at`."""
    _, scope = innermost_scope(step_at.filename, step_at.lineno)
    return scope is not None and any(
        isinstance(node, (ast.For, ast.While)) and node.lineno < made_at.lineno <= node.end_lineno
        and node.lineno < step_at.lineno <= node.end_lineno for node in own_nodes(scope))
