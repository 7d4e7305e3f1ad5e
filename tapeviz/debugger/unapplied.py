"""Gradients computed and never applied: `optimizer.apply_gradients(...)` (torch's
`optimizer.step()`) forgotten, so every step computes the same gradients again and the
weights, and the loss, never move. Nothing is wrong in any one step's values, so no other
check speaks. A torch loop that does call `optimizer.step()` (read from its text) and still
updates nothing steps an optimizer made for other parameters: a model made again after it,
or weights made without requires_grad while the data has it (a layer's op multiplies the
tensor that got the gradient by a kernel that got none); one that calls it before
`loss.backward()` finds no gradient to apply.
Judged over the recorded steps that computed gradients: non-zero ones in the last few, the
variables' values the same in the last as in the first, no update op in the last.
"""
from __future__ import annotations

import ast
from typing import NamedTuple

import numpy as np

from ..nonfinite import engine_of
from ..sourceinfo import SourceInfo
from ..variable import VariableRead
from .activations import describe_variables
from .findings import Finding
from .label_source import call_after, innermost_scope, own_nodes
from .numerics import _op_name, _where
from .op_index import WEIGHING, role
from .summary import _array

MIN_STEPS = 3
MIN_RUN_STEPS = 2   # a whole run's trained steps (none can still be waiting to apply)
_FIX = {"tf": ("tape.gradient", "apply them after tape.gradient: optimizer.apply_gradients("
               "zip(grads, model.trainable_variables)) (or w.assign_sub(lr * grad))"),
        "torch": ("loss.backward()", "call optimizer.step() after loss.backward()")}


def last_trained(steps, count: int = MIN_STEPS) -> list:
    """The last `count` (or fewer) of `steps` that computed variables' gradients, in order."""
    found = []
    for step in reversed(steps):
        if step.variable_gradients:
            found.append(step)
            if len(found) == count:
                break
    return found[::-1]


def _updates(step) -> bool:
    """Whether `step` ran an update that trains (`trains`), looked for from its end, where
    updates run."""
    return any(map(trains, reversed(step.nodes)))


def trains(node) -> bool:
    """Whether `node` is an update that trains its variable, an optimizer's or a step written
    by hand (`w -= lr * w.grad`): not a torch write of the variable alone, which sets it
    (`nn.init.constant_(bias, 0.5)` in the loop, recorded as an update of its one input)."""
    return node.op.kind == "update" and (len(node.op.input_names) > 1
                                         or engine_of(node.op) != "torch")


def _norm(gradients: dict) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(_array(g), dtype=np.float64)))
                             for g in gradients.values() if g is not None)))


def gradients_never_applied(steps, trained: list) -> list:
    """A Finding when at least MIN_STEPS steps computed variables' gradients, non-zero ones in
    the last MIN_STEPS, and the variables hold in the last what they held in the first of
    them, the last updating nothing (gradients accumulated over more micro-batches than were
    recorded, before one update, look the same: record a run longer than that); `trained`:
    `last_trained(steps)`."""
    if len(trained) < MIN_STEPS or _updates(trained[-1]):
        return []
    norms = [_norm(step.variable_gradients) for step in trained]
    if not all(norm > 0 and np.isfinite(norm) for norm in norms):
        return []
    last = trained[-1]
    first = next(step for step in steps if step.variable_gradients)
    before, now = _read_by_ops(first), last.variables
    remade = _remade(trained)   # (a new tensor each step: its value says nothing of updates)
    if not all(name in before and name in now and (name in remade or np.array_equal(
            before[name], now[name])) for name in last.variable_gradients):
        return []
    return _finding(trained, norms, f"in each of the last {len(trained)} steps", remade)


def _read_by_ops(step) -> dict:
    """Variable name -> its value when an op other than an update first read it in `step`:
    a model made in the step's first ops (torch's kaiming_uniform_ writing what torch.empty
    made) is read as its initialiser left it, not as the uninitialised memory it wrote."""
    first: dict = {}
    for node in step.nodes:
        if node.op.kind != "update":
            for tensor in node.inputs:
                if type(tensor) is VariableRead:
                    first.setdefault(tensor.variable.name, tensor._value)
    return first


def _remade(trained: list) -> dict:
    """{name: the last step's Variable} of the variables `trained` differentiated that are a
    new object in each of those steps (made inside the loop: `w = torch.randn(..., requires_grad=
    True)` each step while the optimizer holds the first)."""
    objects = [{v.name: v for v in step.gradient_sources} for step in trained]
    return {name: variable for name, variable in objects[-1].items()
            if len({id(step.get(name)) for step in objects}) == len(objects)
            and all(name in step for step in objects)}


def never_applied_in_run(steps, earlier: int) -> list:
    """A Finding when a whole run computed gradients and applied none: `steps` recorded from
    its first gradient call's return (where the first update would run) to its end, after
    `earlier` trained steps; at least MIN_RUN_STEPS trained in all, non-zero gradients in
    each recorded, no update op in any step. No accumulation waits past the run's end, so
    fewer steps than MIN_STEPS say it: the weights never moved."""
    trained = [step for step in steps if step.variable_gradients and len(step)]
    if not trained or len(trained) + earlier < MIN_RUN_STEPS or any(map(_updates, steps)):
        return []
    norms = [_norm(step.variable_gradients) for step in trained]
    if not all(norm > 0 and np.isfinite(norm) for norm in norms):
        return []
    return _finding(trained, norms, f"in each of the run's {len(trained) + earlier} steps")


def _not_a_scheduler(receiver) -> bool:
    """Whether the receiver of a `.step()` in the loop's text is not a learning-rate scheduler
    by its name (`scheduler.step()`, `lr_sched.step()`: it updates no weight), as the text
    alone can tell."""
    return "sched" not in ast.unparse(receiver).lower()


def _stepped_before(backward) -> SourceInfo | None:
    """The line of the last `.step()` call (not a scheduler's) before the line of `backward`
    in its function, or None."""
    _, scope = innermost_scope(backward.filename, backward.lineno)
    lines = [node.lineno for node in own_nodes(scope) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", None) == "step" and node.lineno < backward.lineno
             and _not_a_scheduler(node.func.value)] if scope is not None else []
    return SourceInfo(backward.filename, max(lines), backward.function) if lines else None


class _Data(NamedTuple):
    name: str      # the data's name, as the code names it
    reader: object  # the layer's op that multiplies it by weights that are no parameters


def _data_given_grad(step) -> _Data | None:
    """The tensor `step` differentiated that a layer's op (x @ w, F.linear, conv2d) reads as
    its data, multiplying it by a kernel no gradient is asked for: requires_grad set on the
    data instead of the weights; or None."""
    gradients = step.variable_gradients
    for node in step.nodes:
        inputs = node.inputs
        if node.phase == "forward" and role(node.op) in WEIGHING and len(inputs) > 1 and \
                type(inputs[0]) is VariableRead and inputs[0].variable.name in gradients and \
                type(inputs[1]) is not VariableRead:
            return _Data(describe_variables([inputs[0].variable], [node]), node)
    return None


def _finding(trained: list, norms: list, when: str, remade: dict | None = None) -> list:
    """The finding for `trained` steps whose gradients (of norms `norms`) no update used."""
    last = trained[-1]
    loss = next((rop.node for rop in reversed(last.ops)
                 if rop.phase == "forward" and rop.grad is not None), None)
    if loss is None:
        return []
    call, fix = _FIX[engine_of(loss.op)]
    backward = call_after("backward", loss.source) if engine_of(loss.op) == "torch" else None
    stepped = call_after("step", backward, _not_a_scheduler)
    early = _stepped_before(backward) if backward is not None and stepped is None else None
    losses = [step.loss for step in trained]
    moved = (f" (the loss {losses[0]:.4g} at step {trained[0].number}, {losses[-1]:.4g} at "
             f"step {last.number}: only the batches differ)"
             if None not in losses and len(trained) > 1 else "")
    count = len(last.variable_gradients)
    what = f"variable{'s' if count > 1 else ''}"
    data = _data_given_grad(last) if stepped is not None else None
    if early is not None:   # (zero_grad() before it: it finds no .grad to apply)
        what = f"parameter{'s' if count > 1 else ''}"
        ran = (f"optimizer.step() at {_where(early)} runs before loss.backward() at "
               f"{_where(backward)}: when it steps, this step's gradients are not computed "
               f"yet and the last step's are cleared (zero_grad()): it updates nothing")
        fix = ("call optimizer.step() after loss.backward(): zero_grad(), the forward pass "
               "and the loss, backward(), then step()")
    elif stepped is None:
        ran = "no update op ran"
    elif data is not None:   # (the weights it multiplies do not require grad)
        what = f"tensor{'s' if count > 1 else ''}"
        ran = (f"optimizer.step() at {_where(stepped)} updated none of them: {data.name} is "
               f"the data, which {_op_name(data.reader)} at {_where(data.reader.source)} "
               f"multiplies by weights that do not require grad, so the gradient goes to the "
               f"data and the optimizer, holding the weights, has none to apply")
        fix = ("make the weights with requires_grad=True (w = torch.randn(..., "
               "requires_grad=True), or nn.Linear's parameters) and the data without")
    elif remade:   # (the loop makes them anew: the optimizer was given the first ones)
        what = f"parameter{'s' if count > 1 else ''}"
        names = ", ".join(remade)
        made = next((v.made_at for v in remade.values() if v.made_at is not None), None)
        ran = (f"optimizer.step() at {_where(stepped)} updated none of them: {names} "
               f"{'is' if len(remade) == 1 else 'are'} made anew in each step"
               + (f" (at {_where(made)})" if made is not None else "")
               + ", so the optimizer, given the first one before the loop, holds a tensor "
               "the loss no longer reads")
        fix = "make them once, before the loop, and the optimizer from those"
    else:   # (the optimizer's own parameters had no gradient: it stepped none of these)
        what = f"parameter{'s' if count > 1 else ''}"
        ran = (f"optimizer.step() at {_where(stepped)} updated none of them: the optimizer "
               f"holds other parameters, most likely those of a model made before this one "
               f"(the model made again after the optimizer, as when a notebook cell is run "
               f"again)")
        fix = ("make the optimizer after the model, from its parameters: optimizer = "
               "torch.optim.SGD(model.parameters(), lr=...) (or Adam)")
    message = (f"the gradients are never applied: {call} computed the gradients of {count} "
               f"{what} {when} (norm {norms[-1]:.3g} in step {last.number}), but {ran}, so "
               f"the weights never change and the model does not learn{moved}; the loss is "
               f"made at {_where(loss.source)}; fix: {fix}")
    return [Finding("gradients_not_applied", message, loss, source=early or loss.source,
                    variables=list(last.variable_gradients))]
