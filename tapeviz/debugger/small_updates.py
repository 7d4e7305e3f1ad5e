"""A learning rate far too small, a `diagnose` finding: the updates move the weights, but by
less than a millionth of the gradient (SGD(1e-9), Adam(lr=1e-8)), so the loss cannot move:
nothing fails, each step looks normal, and the loss only moves with the batches. (A learning
rate of 0, or one so small that no float32 weight changes at all, is `unmoved`'s finding;
one a schedule shrank there after the first steps trained, `decayed_rate`'s.)

Judged over at least MIN_STEPS recorded steps that computed gradients, finite and non-zero,
each with updates: in every step the updates' size over the gradient's (what SGD's learning
rate is) is under RATE, and the loss change the updates could make to first order (at most
the gradient's norm times the update's, summed over the steps) is under LOSS_SHARE of the
loss. A converged model has small gradients but moves at its learning rate, so it keeps its
rate; a model with huge gradients at a tiny learning rate moves its loss, so it keeps its
share. A correct program ends at the last step's first update looked at: its rate.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables
from .decayed_rate import learning_rate_decayed
from .divergence import optimizer_line
from .findings import Finding
from .numerics import _where
from .summary import _array
from .unmoved import MIN_STEPS, LEARNING_RATE_FIX, updates_walked

RATE = 1e-6         # an update under a millionth of the gradient: no model trains at that
LOSS_SHARE = 1e-4   # what the updates could change the loss by, of the loss, in all steps


def updates_too_small(steps) -> list:
    """A Finding when at least MIN_STEPS of the recorded `steps` trained and in each the
    updates were under RATE of the gradient and could not move the loss (see the module)."""
    last = next((step for step in reversed(steps) if step.variable_gradients and len(step)),
                None)   # (looked for from the end: asking every step its len() replays)
    if last is None or not _slow_last_update(last):
        return []
    trained = [step for step in steps if step.variable_gradients]
    trained = trained[:trained.index(last) + 1]
    if len(trained) < MIN_STEPS:
        return []
    rates, norms, reach, losses = [], [], 0.0, []
    for step in trained:
        updates, before, after = updates_walked(step)
        gradient = _norm(step.variable_gradients.values())
        moved = _norm(after[name] - before[name] for name in updates if name in before)
        if not updates or not gradient > 0 or not np.isfinite(gradient) or step.loss is None:
            return []
        rates.append(moved / gradient)
        norms.append(gradient)
        reach += moved * gradient
        losses.append(step.loss)
    if max(rates) >= RATE:   # (slow at the end, not all along: a schedule's doing?)
        return learning_rate_decayed(trained, rates, norms, RATE, updates)
    loss = float(np.mean(np.abs(losses)))
    if not reach < LOSS_SHARE * loss:
        return []
    return [_finding(trained, updates, max(rates), reach, losses)]


def _slow_last_update(step) -> bool:
    """Whether the last update of a differentiated variable in `step` moved it by less than
    RATE of its gradient (the early way out for a correct program)."""
    gradients = step.variable_gradients
    for node in reversed(step.nodes):
        inputs = node.inputs
        if node.op.kind == "update" and inputs and type(inputs[0]) is VariableRead and \
                gradients.get(inputs[0].variable.name) is not None:
            gradient = np.ravel(_array(gradients[inputs[0].variable.name]))
            moved = np.ravel(node.output._value - inputs[0]._value)
            # (squared norms by vdot, no square root: this runs on every correct program)
            return bool(np.vdot(moved, moved) < RATE * RATE * np.vdot(gradient, gradient))
    return False


def _norm(arrays) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(_array(a), dtype=np.float64)))
                             for a in arrays if a is not None)))


def _how_it_moved(losses: list, first, last) -> str:
    if len({f"{loss:.4g}" for loss in losses}) == 1:
        return f"it stays at {losses[0]:.4g} in every step"
    return (f"it moves only with the batches: {losses[0]:.4g} at step {first.number}, "
            f"{losses[-1]:.4g} at step {last.number}")


def _finding(trained: list, updates: dict, rate: float, reach: float, losses: list) -> Finding:
    first, last = trained[0], trained[-1]
    variables = [variable for variable, _ in updates.values()]
    update = next(iter(updates.values()))[1]
    made_at = optimizer_line(last)
    made = f"; the optimizer made at {_where(made_at)}" if made_at is not None else ""
    said = describe_variables(variables, [n for n in last.nodes if n.phase == "forward"])
    message = (f"the learning rate is far too small: in steps {first.number}-{last.number} "
               f"({len(trained)} steps) the updates of {said} are at most {rate:.2g} times "
               f"the gradient ({update.op.name} at {_where(update.source)}{made}), so the "
               f"loss cannot move: to first order by at most {reach:.2g} in all those steps, "
               f"against a loss of {np.mean(losses):.4g} ({_how_it_moved(losses, first, last)}"
               f"); fix: {LEARNING_RATE_FIX[engine_of(update.op)]}")
    return Finding("learning_rate_too_small", message, update, related=made_at,
                   variables=[variable.name for variable in variables])
