"""A learning rate decayed to almost nothing, a `diagnose` finding: the first steps trained,
the last ones move the weights by less than a millionth of the gradient, because a schedule
shrank the rate step after step (torch's `StepLR(step_size=1, gamma=0.1)` stepped every
batch, where the student meant every epoch; Keras's `ExponentialDecay(0.1, decay_steps=1,
decay_rate=0.1)`). Nothing fails, the loss just stops moving. Read by `small_updates` from
the rates it measured (each step's update size over its gradient's) when the last steps are
slow but an earlier one was not: the rate fell at least FALL times. The torch optimizer's own
`lr` is read from its update ops; the schedule's line from the source: a name stepped
(`scheduler.step()`) and made by a call of a learning-rate schedule.
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
_SCHEDULE_WORDS = ("lr_scheduler", "schedules", "Scheduler", "LR", "Decay", "Annealing")


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
    """In the function of `source` (the optimizer's `step()` call, or the line that made a
    Keras optimizer), the line of `name.step()` on a name bound by a call of a learning-rate
    schedule (`stepped`: torch's `StepLR(...)`, or a parameter named for one, `scheduler`,
    in a helper given it), or the line binding such a name (Keras's
    `ExponentialDecay(...)`, which the optimizer reads itself); None when there is none."""
    if source is None:
        return None
    _, scope = innermost_scope(source.filename, source.lineno)
    if scope is None:
        return None
    made = {target.id: node.lineno for node in own_nodes(scope)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and any(word in ast.unparse(node.value.func) for word in _SCHEDULE_WORDS)
            for target in node.targets if isinstance(target, ast.Name)}
    if stepped and not isinstance(scope, ast.Module):   # a helper given one: `scheduler`
        made.update((argument.arg, scope.lineno) for argument in ast.walk(scope.args)
                    if isinstance(argument, ast.arg) and "sched" in argument.arg.lower())
    lines = sorted(node.lineno for node in own_nodes(scope) if isinstance(node, ast.Call)
                   and isinstance(node.func, ast.Attribute) and node.func.attr == "step"
                   and isinstance(node.func.value, ast.Name) and node.func.value.id in made) \
        if stepped else sorted(made.values())
    return SourceInfo(source.filename, lines[0], source.function) if lines else None
