"""Gradients applied twice in one step: `optimizer.apply_gradients(...)` copied onto a second
line (torch's `optimizer.step()` called twice), so each step moves the weights by two updates
of the one gradient and the optimizer's step count advances twice (Adam's bias correction
and a learning-rate schedule read it). Nothing fails; training runs as at a learning rate
twice too large, with momentum counted twice. Seen in the last trained step as an
optimizer's update op (one in its name scope) run more than once on a variable the step's
gradient call differentiated for.
"""
from __future__ import annotations

from ..nonfinite import engine_of
from ..tensor import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _where

_CALL = {"tf": "optimizer.apply_gradients", "torch": "optimizer.step()"}


def applied_twice(trained: list) -> list:
    """A Finding when the last of `trained` (`unapplied.last_trained`) ran one optimizer's
    update of a variable it computed the gradient of more than once."""
    if not trained:
        return []
    step = trained[-1]
    updates: dict = {}   # (variable name, op name, optimizer) -> [(variable, update node)]
    for node in step.nodes:
        if node.op.kind != "update" or not node.scope or not node.inputs or \
                type(node.inputs[0]) is not VariableRead:
            continue
        variable = node.inputs[0].variable
        if variable.name in step.variable_gradients:
            key = (variable.name, node.op.name, node.scope.split("/")[0])
            updates.setdefault(key, []).append((variable, node))
    repeated = [pairs for pairs in updates.values() if len(pairs) > 1]
    if not repeated:
        return []
    return [_finding(step, repeated)]


def _finding(step, repeated: list) -> Finding:
    first = repeated[0]
    update, again = first[0][1], first[1][1]
    times = len(first)
    said = "twice" if times == 2 else f"{times} times"
    engine = engine_of(update.op)
    call = _CALL[engine]
    nodes = [node for node in step.nodes if node.phase == "forward"]
    variables = [pairs[0][0] for pairs in repeated]
    if update.source == again.source:
        where = (f"{times} times by the one line {_where(update.source)} (run in a loop, or "
                 f"given the same variable {times} times)")
        fix = f"call {call} once per gradient call, with each variable once"
    else:
        where = f"at {_where(update.source)} and again at {_where(again.source)}"
        fix = f"delete the second {call} (at {_where(again.source)})"
    count = (" and optimizer.iterations advanced by as many (Adam's bias correction and a "
             "learning-rate schedule read it)" if engine == "tf" else "")
    message = (f"the gradients are applied {said} in step {step.number}: "
               f"{describe_variables(variables, nodes)} got {times} updates each from "
               f"{update.op.name} ({call} {where}) for the one gradient computed, so each step "
               f"moves the weights {said} as far as it should{count}; fix: {fix}")
    return Finding("applied_twice", message, again, related=update.source,
                   variables=[variable.name for variable in variables])
