"""Training that diverges: the loss grows geometrically step after step while the updates
are as large as the weights they change, found in a Recorder's steps before any NaN.

A learning rate too large for the loss's curvature makes every update overshoot: the
weights' distance to the minimum, and the loss, grow by a constant factor a step until
they overflow. Healthy training moves a weight by about a thousandth of its norm a step;
diverging training by about its whole norm or more.
"""
from __future__ import annotations

import math

import numpy as np

from .. import events
from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables
from .batch_sum import summed_over_batch
from .findings import Finding
from .norms import clip_fix
from .numerics import _where
from .optimizer_source import torch_optimizer_made_at
from .recorder import Recorder
from .variable_names import scope_reading


def _norm(value) -> float:
    value = np.asarray(value, np.float64)
    return float(np.sqrt(np.sum(value * value)))


class Update:
    """How one step changed one variable: its update op, and the sizes that matter."""

    def __init__(self, name, node, ratio, step_size):
        self.name = name              # the variable's name
        self.node = node              # the last update op (assign, assign_sub...) on it
        self.ratio = ratio            # |update| / |weight before|
        self.step_size = step_size    # |update| / |gradient| (the learning rate, for SGD)


def _update_node(step, name):
    found = None
    for rop in step.ops:
        node = rop.node
        if node.op.kind == "update" and node.inputs and type(node.inputs[0]) is VariableRead \
                and node.inputs[0].variable.name == name:
            found = node
    return found


def largest_update(step) -> Update | None:
    """The trained variable that the step's update changed most relative to its norm."""
    before, after, best = step.variables, step.variables_after, None
    for name, grad in step.variable_gradients.items():
        if name not in before or name not in after:
            continue
        weight = _norm(before[name])
        change = _norm(np.asarray(after[name], np.float64) - np.asarray(before[name]))
        if not (weight > 0 and math.isfinite(weight) and math.isfinite(change)):
            continue
        gradient = _norm(grad._value)
        update = Update(name, _update_node(step, name), change / weight,
                        change / gradient if gradient > 0 else math.nan)
        if best is None or update.ratio > best.ratio:
            best = update
    return best


def _finite_losses(steps) -> tuple[list, object]:
    """[(step, loss)] up to the first non-finite loss, and that step (or None)."""
    finite = []
    for step in steps:
        loss = step.loss
        if loss is None:
            continue
        if not math.isfinite(loss):
            return finite, step
        finite.append((step, loss))
    return finite, None


def _rising_runs(losses, growth: float, min_rises: int, update_ratio: float):
    """(start, evident, end, updates) of each run of at least `min_rises` consecutive loss
    rises that multiplies the loss by `growth` or more (at index `evident`, to its peak at
    `end`) while the updates change the weights by at least `update_ratio` of their norm
    (the median over the run; not checked when no update was recorded)."""
    start, i = 0, 1
    while i < len(losses):
        if not 0 < losses[i - 1][1] < losses[i][1]:
            start, i = i, i + 1
            continue
        if i - start < min_rises or losses[i][1] < growth * losses[start][1]:
            i += 1
            continue
        updates = [u for u in (largest_update(step) for step, _ in losses[start:i + 1]) if u]
        if updates and float(np.median([u.ratio for u in updates])) < update_ratio:
            i += 1
            continue   # the loss rose, but the weights barely moved (so far): noise
        end = i
        while end + 1 < len(losses) and losses[end + 1][1] > losses[end][1]:
            end += 1
        yield start, i, end, updates
        start, i = end + 1, end + 2


def find_divergence(steps, growth: float = 10.0, min_rises: int = 3,
                    update_ratio: float = 0.1) -> Finding | None:
    """A loss that diverges: the first run of at least `min_rises` consecutive rises that
    multiplies the loss by `growth` or more while the updates change the weights by at least
    `update_ratio` of their norm, to a height the loss never had before (or then overflows).
    A run that only climbs back to heights the loss had before, under updates as large as
    the weights, is an oscillation (its finding when no run diverges): the learning rate is
    too large for the curvature, but the loss stays bounded.

    >>> import tapeviz as tf
    >>> from tapeviz.debugger import Recorder
    >>> w = tf.Variable([1.0, -1.0])
    >>> with Recorder() as rec:
    ...     for _ in range(5):
    ...         with tf.GradientTape() as tape:
    ...             loss = tf.reduce_sum(w * w)
    ...         _ = w.assign_sub(1.5 * tape.gradient(loss, w))   # w -> -2 w: overshoots
    >>> for part in find_divergence(rec.steps).message.split(";")[0].split(", "):
    ...     print(part)
    the training diverges: the loss grows x4 a step
    2 at step 1 -> 128 at step 4
    rising 4 steps in a row to 512 at step 5
    """
    losses, blown = _finite_losses(steps)
    bounded = []
    for start, evident, end, updates in _rising_runs(losses, growth, min_rises, update_ratio):
        higher_before = max((loss for _, loss in losses[:start]), default=0.0)
        if blown is None and losses[end][1] <= higher_before:
            if updates:   # (without the updates, noise in the losses cannot be told apart)
                bounded.append((start, evident, end, updates))
            continue
        finding = _finding(losses[start:end + 1], evident - start, blown, updates)
        finding.message = finding.message.replace("; hint:", _jump(losses, start) + "; hint:", 1)
        return finding
    return _oscillation(losses, bounded) if bounded else None


def _jump(losses, start: int, factor: float = 10.0) -> str:
    """'; the step size jumped ...' when the updates' step (|update| / |gradient|, the learning
    rate for plain SGD), constant before the run from `start`, grew `factor` times or more:
    a learning-rate schedule that jumps; else ''."""
    sizes = [(step, u.step_size) for step, _ in losses
             for u in [largest_update(step)] if u is not None and math.isfinite(u.step_size)]
    first = losses[start][0].index
    before = [size for step, size in sizes if step.index < first]
    if not before or max(before) > 1.01 * min(before):
        return ""   # no constant step before (Adam's, or momentum's, varies by itself)
    jumped = next(((step, size) for step, size in sizes if step.index >= first - 1
                   and size >= factor * float(np.median(before))), None)
    if jumped is None:
        return ""
    step, size = jumped
    usual = float(np.median(before))
    return (f"; the step size jumped x{size / usual:.3g} at step {step.number}, from "
            f"{usual:.3g}x the gradient to {size:.3g}x: the learning rate changed in the run "
            f"(a schedule whose values or boundaries are wrong?)")


def _finding(run, evident: int, blown, updates) -> Finding:
    (first, loss0), (last, loss1) = run[0], run[-1]
    seen_step, seen_loss = run[evident]
    rate = (seen_loss / loss0) ** (1 / evident)
    message = (f"the training diverges: the loss grows x{rate:.3g} a step, "
               f"{loss0:.4g} at step {first.number} -> {seen_loss:.4g} at step "
               f"{seen_step.number}")
    if len(run) - 1 > evident:
        message += f", rising {len(run) - 1} steps in a row to {loss1:.4g} at step {last.number}"
    if blown is not None:
        message += f", then {blown.loss} at step {blown.number}"
    node = None
    if updates:
        node, overshoot = _overshoot(updates, last)
        message += overshoot
    message += (f"; hint: the learning rate is too large for this loss: lower it (10x, "
                f"until the loss falls) or clip the gradients "
                f"({clip_fix(node, _model_scope(node, last))})"
                f"{summed_over_batch(last)}")
    return Finding("divergence", message, node, variables=[u.name for u in updates])


def _model_scope(update, step) -> str | None:
    """The layer scope of `step`'s first op that reads `update`'s variable: by it `clip_fix`
    names the model `update` trained (an update's own scope is its optimizer's)."""
    variable = getattr(update.inputs[0], "variable", None) if update and update.inputs else None
    return scope_reading(variable.name, step.nodes) if variable is not None else None


def _overshoot(updates, step) -> tuple:
    """(the update op, '; the updates overshoot: ...'): the update that changed its variable
    most, by how much, its line and where the optimizer's learning rate was set."""
    worst = max(updates, key=lambda u: u.ratio)
    node = worst.node
    what = "the update" if node is None else _update_op(node)
    said = (f"; the updates overshoot: {what} changed {_shown(worst, step)} by "
            f"{worst.ratio:.3g}x its norm in one step (healthy training: about 0.001)")
    if math.isfinite(worst.step_size):
        said += (f", a step of {worst.step_size:.3g}x the gradient (the learning rate, for "
                 f"plain SGD)")
    said += f"; at {_where(node.source if node is not None else None)}"
    made_at = optimizer_line(step)
    if made_at is not None:
        said += f"; the optimizer's learning rate was set at {_where(made_at)}"
    return node, said


def _update_op(node) -> str:
    """'assign_sub (in SGD)': the update op and its scope, less the optimizer's scope of the
    variable ('SGD/Variable_1'), which the message names as the code does."""
    name = node.inputs[0].variable.name
    scope = node.scope.removesuffix("/" + (name[:-2] if name.endswith(":0") else name))
    return node.op.name + (f" (in {scope})" if scope else "")


def _shown(update: Update, step) -> str:
    """The updated variable as the code names it: `w` for `w = tf.Variable(0.0)`, which TF
    names 'Variable:0'; a layer's 'dense/kernel'."""
    node = update.node
    if node is None:
        return update.name
    nodes = [rop.node for rop in step.ops if rop.phase == "forward"]
    return describe_variables([node.inputs[0].variable], nodes)


def _oscillation(losses, runs) -> Finding:
    """The finding for loss jumps of `runs` (each back to heights the loss had before):
    the first jump, how many, and the bounds the loss kept to."""
    start, evident, end, _ = runs[0]
    (first, loss0), (peak_step, peak) = losses[start], losses[end]
    low = min(losses, key=lambda pair: pair[1])
    high = max(losses, key=lambda pair: pair[1])
    updates = [u for *_, run_updates in runs for u in run_updates]
    jumps = f"; {len(runs)} such jumps" if len(runs) > 1 else ""
    message = (f"the training oscillates: the loss jumps x{peak / loss0:.3g} in "
               f"{end - start} steps, {loss0:.4g} at step {first.number} -> {peak:.4g} at "
               f"step {peak_step.number}, and falls back{jumps}, but it does not grow: it "
               f"stays between {low[1]:.4g} (step {low[0].number}) and {high[1]:.4g} (step "
               f"{high[0].number}) over {len(losses)} steps")
    node, overshoot = _overshoot(updates, losses[-1][0])
    message += (f"{overshoot}; hint: the learning rate is too large for the loss's curvature: "
                f"each update jumps past the minimum, so the loss bounces instead of settling "
                f"(it does not blow up); lower it (10x, until the loss falls steadily)"
                f"{summed_over_batch(losses[-1][0])}")
    return Finding("oscillation", message, node, variables=[u.name for u in updates])


def optimizer_line(step):
    """The user's line that made the optimizer whose updates `step` ran (where its learning
    rate was set): a Keras optimizer's, whose iteration count notes it, or a torch
    optimizer's, read from the source of its `step()` call; or None."""
    from ..keras.optimizers.base import optimizer_made_at   # keras imports the debugger
    for rop in step.ops:
        node = rop.node
        if node.op.kind == "update" and node.inputs and type(node.inputs[0]) is VariableRead:
            if engine_of(node.op) == "torch":
                return torch_optimizer_made_at(node.source)
            made_at = optimizer_made_at(node.inputs[0].variable)
            if made_at is not None:
                return made_at
    return None


def divergence_being_recorded() -> Finding | None:
    """The divergence in the finished steps of a Recorder recording now, if any: what
    check-numerics adds when it stops a run whose values overflowed after growing."""
    for callback in events.subscribers():
        recorder = getattr(callback, "__self__", None)
        if isinstance(recorder, Recorder) and recorder.recording:
            found = find_divergence(recorder.steps)
            if found is not None and found.kind == "divergence":
                return found
    return None
