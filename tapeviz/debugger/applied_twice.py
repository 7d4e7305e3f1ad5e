"""Gradients applied twice in one step: `optimizer.apply_gradients(...)` copied onto a second
line (torch's `optimizer.step()` called twice), so each step moves the weights by two updates
of the one gradient and the optimizer's step count advances twice (Adam's bias correction
and a learning-rate schedule read it). Nothing fails; training runs as at a learning rate
twice too large, with momentum counted twice. Seen in the last trained step as an
optimizer's update op (one in its name scope) run more than once on a variable the step's
gradient call differentiated for. A torch update holds the gradient it used (the adapter's
node: parameter before, gradient): `optimizer.step()` run again on a parameter with the
same gradient and no other op between (no forward or backward pass, so no new gradient) is
seen in the last steps whatever they are (the adapter files such a loop as one step with no
gradients: its steps end at a `.step()` no other follows in the iteration).
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _where
from .summary import _array

LOOKED = 3   # the last recorded steps looked at for a torch update run again

_CALL = {"tf": "optimizer.apply_gradients", "torch": "optimizer.step()"}


def applied_twice(trained: list, steps=()) -> list:
    """A Finding when the last of `trained` (`unapplied.last_trained`) ran one optimizer's
    update of a variable it computed the gradient of more than once, or one of the last
    LOOKED of the recorded `steps` ran a torch update again with the same gradient."""
    again = _same_gradient_again(steps)
    if again is not None:
        return [_finding(*again)]
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


def _same_gradient_again(steps):
    """(step, [[(parameter, its update node), ...] each parameter updated again]) of the last
    of the last LOOKED `steps` in which a torch optimizer's update of a parameter ran again
    with an equal gradient and nothing but updates in between, or None."""
    looked = steps[-LOOKED:]
    update = _last_update(looked[-1]) if looked else None
    if update is None or engine_of(update.op) != "torch":
        return None   # (the numpy engine's steps are told by their scopes)
    for step in [step for step in looked if len(step)][::-1]:
        since: dict = {}     # (parameter name, op name) -> its updates since the last other op
        repeated: dict = {}
        for node in step.nodes:
            if node.op.kind != "update":
                since.clear()   # (a forward or backward op: gradients may be new)
                continue
            if engine_of(node.op) != "torch" or len(node.inputs) < 2 or \
                    type(node.inputs[0]) is not VariableRead:
                continue
            key = (node.inputs[0].variable.name, node.op.name)
            earlier = since.setdefault(key, [])
            if earlier and np.array_equal(_array(earlier[-1][1].inputs[1]),
                                          _array(node.inputs[1])):
                repeated[key] = earlier
            earlier.append((node.inputs[0].variable, node))
        if repeated:
            return step, list(repeated.values())
    return None


def _last_update(step):
    """The last update op of `step` (looked for from its end, where updates run), or None."""
    return next((node for node in reversed(step.nodes) if node.op.kind == "update"), None)


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
