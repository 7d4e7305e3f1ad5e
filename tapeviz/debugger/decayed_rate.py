"""A learning rate decayed to almost nothing, a `diagnose` finding: the first steps trained,
the last ones move the weights by less than a millionth of the gradient, because a schedule
shrank the rate step after step (torch's `StepLR(step_size=1, gamma=0.1)` stepped every
batch, where the student meant every epoch; Keras's `ExponentialDecay(0.1, decay_steps=1,
decay_rate=0.1)`). Nothing fails, the loss just stops moving. Read by `small_updates` from
the rates it measured (each step's update size over its gradient's) when the last steps are
slow but an earlier one was not: the rate fell at least FALL times. The torch optimizer's own
`lr` is read from its update ops; the schedule's line from the source, by what it is, not by
its name: torch's, another object stepped beside the optimizer (`s.step()`); Keras's, what
the optimizer was given as its learning rate (a schedule's or a function's binding).
"""
from __future__ import annotations

import ast

from ..nonfinite import engine_of
from .activations import describe_variables
from .divergence import optimizer_line
from .findings import Finding
from .label_source import innermost_scope, own_nodes
from .numerics import _where
from ..sourceinfo import SourceInfo

FALL = 1e3        # the rate fell at least this many times from its best step
MIN_SLOW = 3      # slow steps at the end before the rate is said to have decayed
KEPT = 1e-2       # the slow steps' gradient norms, at least, of the largest


def learning_rate_decayed(trained: list, rates: list, norms: list, slow: float,
                          updates: dict) -> list:
    """A Finding when the last MIN_SLOW or more of `trained` (steps, in order) updated at
    `rates` (update over gradient) under `slow`, and an earlier one at FALL times their
    largest or more, while their gradients' `norms` stayed at least KEPT of the largest (a
    model that converged has tiny gradients whose updates round away in float32: no
    schedule's doing); `updates`: the last step's {name: (variable, its update node)}."""
    tail = 0
    while tail < len(rates) and rates[-1 - tail] < slow:
        tail += 1
    if tail < MIN_SLOW or tail == len(rates):
        return []
    best = max(range(len(rates) - tail), key=rates.__getitem__)
    if rates[best] < FALL * max(rates[-tail:]) or min(norms[-tail:]) < KEPT * max(norms):
        return []
    first, last = trained[-tail], trained[-1]
    variables = [variable for variable, _ in updates.values()]
    update = next(iter(updates.values()))[1]
    said = describe_variables(variables, [n for n in last.nodes if n.phase == "forward"])
    lr = _torch_lr(trained[best], last)
    made_at = optimizer_line(last)
    torch = engine_of(update.op) == "torch"
    schedule = _schedule_line(update.source if torch else made_at, stepped=torch)
    if schedule is not None:
        cause = f"a schedule shrinks it: {_where(schedule)}"
    elif made_at is not None:
        cause = f"the optimizer, and its schedule, made at {_where(made_at)}"
    else:
        cause = "a schedule shrinks it"
    message = (f"the learning rate decayed to almost nothing: the updates of {said} were "
               f"{rates[best]:.2g} times the gradient at step {trained[best].number}, and at "
               f"most {max(rates[-tail:]):.2g} times it in steps {first.number}-{last.number} "
               f"({tail} steps), so the model stopped training there (the loss "
               f"{first.loss:.4g} at step {first.number}, {last.loss:.4g} at step "
               f"{last.number}); {lr}{cause}; fix: step a per-epoch schedule once an epoch, "
               f"not once a batch, or make it decay slower (a decay factor nearer 1, more "
               f"steps between decays)")
    return [Finding("learning_rate_decayed", message, update,
                    related=schedule if schedule is not None else made_at,
                    variables=[variable.name for variable in variables])]


def _torch_lr(best, last) -> str:
    """"the optimizer's lr fell from 0.1 at step 1 to 1e-12 at step 12: " from the torch
    update ops' params, or '' (the numpy engine's updates carry no learning rate)."""
    rates = [next((node.params.get("lr") for node in step.nodes if node.op.kind == "update"
                   and isinstance(node.params.get("lr"), float)), None) for step in (best, last)]
    if None in rates:
        return ""
    return (f"the optimizer's lr fell from {rates[0]:.2g} at step {best.number} to "
            f"{rates[1]:.2g} at step {last.number}: ")


def _schedule_line(source, stepped: bool) -> SourceInfo | None:
    """The schedule found by what it is, in the function of `source`: (`stepped`, torch) the
    first `name.step()` there on another name than the optimizer's whose `step()` is at
    `source` (`scaler.step(optimizer)`, given the optimizer, is not one); else (Keras, at the
    line that made the optimizer) the line binding the name given as its learning rate (an
    assignment or a `def`), or that line itself for a schedule made inline; None when the
    rate given is a number or there is no such call."""
    if source is None:
        return None
    module, scope = innermost_scope(source.filename, source.lineno)
    if scope is None:
        return None
    calls = [node for node in own_nodes(scope) if isinstance(node, ast.Call)]
    lines = _stepped_lines(calls, source.lineno) if stepped else \
        _rate_lines(module, scope, calls, source.lineno)
    return SourceInfo(source.filename, min(lines), source.function) if lines else None


def _stepped_lines(calls: list, optimizer_at: int) -> list:
    """The lines of `name.step()` calls among `calls` on a name other than the optimizer's
    (the receiver of the `step()` call at line `optimizer_at`) and not given it."""
    stepped = [call for call in calls if isinstance(call.func, ast.Attribute)
               and call.func.attr == "step" and isinstance(call.func.value, ast.Name)]
    optimizers = {call.func.value.id for call in stepped if call.lineno == optimizer_at}
    return [call.lineno for call in stepped if call.func.value.id not in optimizers
            and not any(isinstance(argument, ast.Name) and argument.id in optimizers
                        for argument in call.args)]


def _rate_lines(module, scope, calls: list, optimizer_at: int) -> list:
    """The line binding what the optimizer made at line `optimizer_at` (among `calls`) was
    given as its learning rate, first positional or `learning_rate=`: a name's assignment in
    `scope` or `def` in `module`, or that line for a call made inline."""
    made = min((call for call in calls if call.lineno == optimizer_at),
               key=lambda call: call.col_offset, default=None)   # (the outermost call)
    if made is None:
        return []
    rate = next((keyword.value for keyword in made.keywords
                 if keyword.arg == "learning_rate"), made.args[0] if made.args else None)
    if isinstance(rate, (ast.Call, ast.Lambda)):
        return [optimizer_at]
    if not isinstance(rate, ast.Name):
        return []   # (a number: whatever shrank it was not given to the optimizer)
    return [node.lineno for node in ast.walk(module) if isinstance(node, ast.FunctionDef)
            and node.name == rate.id] + \
        [node.lineno for node in own_nodes(scope) if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == rate.id for target in node.targets)]
