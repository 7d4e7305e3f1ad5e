"""Updates that change nothing: a learning rate of 0 (`SGD(0.0)`, `Adam(learning_rate=0)`), or
one too small to change a float32 weight. The optimizer runs, the gradients are not zero,
and every weight holds after the last recorded update exactly what it held before the first;
the loss stays where it started (up to the batches). Nothing fails and nothing looks wrong
in any one step: a randomly initialised model predicts something different for each input,
so no constant prediction shows it either. Judged over at least STILL_STEPS recorded steps that
computed gradients, the last of which ran update ops (none at all is `unapplied`'s finding).
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables
from .divergence import optimizer_line
from .findings import Finding
from .numerics import _where
from .summary import _array

MIN_STEPS = 5   # trained steps recorded before updates too small to move the loss are judged
STILL_STEPS = 3   # ... before weights that hold exactly still are: the Dashboard's opening
#                   holds 3 (weights equal to the bit after 3 updates of non-zero gradients)
LEARNING_RATE_FIX = {
    "tf": "a learning rate that moves the weights (Adam's default 0.001; SGD's 0.01)",
    "torch": "a learning rate that moves the weights (torch.optim.Adam's default lr=0.001; "
             "lr=0.01 for SGD)"}


def updates_that_change_nothing(steps) -> list:
    """A Finding when at least STILL_STEPS of the recorded `steps` computed gradients, non-zero
    and finite in each, the last ran updates of the variables it differentiated, and each of
    them holds after the last step what it held before the first. A correct program ends at
    the last step's last update, looked for from its end: it changed a weight."""
    last = next((step for step in reversed(steps) if step.variable_gradients and len(step)),
                None)   # (a Recorder stopped at its gradient call keeps no op of that step)
    if last is None or last_moved(last):
        return []
    trained = [step for step in steps if step.variable_gradients]
    trained = trained[:trained.index(last) + 1]
    if len(trained) < STILL_STEPS:
        return []
    first = trained[0]
    updates, before, after = updates_walked(last)
    names = list(last.variable_gradients)
    if not updates or not _same(before, after, names):
        return []
    if not _same(first.variables, after, names):
        return []
    norms = [_norm(step.variable_gradients) for step in trained]
    if not all(norm > 0 and np.isfinite(norm) for norm in norms):
        return []
    return [_finding(trained, updates, norms[-1])]


def last_moved(step) -> bool:
    """Whether `step`'s last update of a variable it differentiated changed its value."""
    gradients = step.variable_gradients
    for node in reversed(step.nodes):
        inputs = node.inputs
        if node.op.kind == "update" and inputs and type(inputs[0]) is VariableRead and \
                inputs[0].variable.name in gradients:
            return not np.array_equal(inputs[0]._value, node.output._value)
    return False


# torch's update-kind ops that write the parameters' .grad, not the parameters
_GRADIENT_CLIPS = frozenset({"clip_grad_norm_", "clip_grad_value_"})


def updates_walked(step) -> tuple:
    """({variable name: (the variable, its first update node)} of `step`'s updates of the
    variables it differentiated (an optimizer's step count is not one of them), {name: the
    value first read}, {name: the value after its last update}), in one pass."""
    updates, before, after = {}, {}, {}
    gradients = step.variable_gradients
    for node in step.nodes:
        inputs = node.inputs
        if node.op.kind == "update" and inputs and type(inputs[0]) is VariableRead \
                and node.op.name not in _GRADIENT_CLIPS:
            variable = inputs[0].variable
            after[variable.name] = node.output._value
            if variable.name in gradients and variable.name not in updates:
                updates[variable.name] = (variable, node)
        for tensor in inputs:
            if type(tensor) is VariableRead:
                before.setdefault(tensor.variable.name, tensor._value)
    return updates, before, after


def _same(before: dict, after: dict, names: list) -> bool:
    """Whether each of `names` holds in `after` exactly what it held in `before`."""
    return all(name in before and name in after and np.array_equal(before[name], after[name])
               for name in names)


def _norm(gradients: dict) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(_array(g), dtype=np.float64)))
                             for g in gradients.values() if g is not None)))


def _finding(trained: list, updates: dict, norm: float) -> Finding:
    first, last = trained[0], trained[-1]
    variables = [variable for variable, _ in updates.values()]
    update = next(iter(updates.values()))[1]
    nodes = [node for node in last.nodes if node.phase == "forward"]
    losses = [step.loss for step in trained]
    if None in losses:
        loss = ""
    elif len(set(losses)) == 1:
        loss = f"; the loss stays at its first value, {losses[0]:.4g}, in every step"
    else:
        loss = (f"; the loss moves only with the batches ({losses[0]:.4g} at step "
                f"{first.number}, {losses[-1]:.4g} at step {last.number})")
    made_at = optimizer_line(last)
    made = f" (the optimizer made at {_where(made_at)})" if made_at is not None else ""
    said = describe_variables(variables, nodes)
    message = (f"the updates change nothing: {said} "
               f"{'is' if len(variables) == 1 else 'are'} the same after step {last.number}'s "
               f"updates as before step {first.number}'s ({len(trained)} steps), though the "
               f"gradients are not zero (norm {norm:.3g} in step {last.number}; "
               f"{update.op.name} at {_where(update.source)}): a learning rate of 0{made}, or "
               f"one too small to change a float32 weight, so the model never learns{loss}; "
               f"fix: {LEARNING_RATE_FIX[engine_of(update.op)]}")
    return Finding("updates_change_nothing", message, update, related=made_at,
                   variables=[variable.name for variable in variables])
