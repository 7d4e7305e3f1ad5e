"""Gradients cleared between the gradient call and the update: torch's
`optimizer.zero_grad()` run after `loss.backward()` and before `optimizer.step()` (the step
finds every `.grad` None or zero and moves nothing), or the gradients tape.gradient returned
replaced before apply_gradients (`grads = [tf.zeros_like(g) for g in grads]`). The optimizer
runs and the loss never moves, as with a learning rate of 0 (`unmoved`), but the learning
rate is not to blame: the line that cleared them is. Read over the last trained steps: on
torch, the gradients each backward pass sent the parameters (its steps) against `.grad` when
the optimizer stepped; on the numpy engine, the values the update ops read at the update's
line against the gradients tape.gradient returned.
"""
from __future__ import annotations

import ast

import numpy as np

from ..nonfinite import engine_of
from ..sourceinfo import SourceInfo
from ..variable import VariableRead
from .accumulation import own_gradients
from .activations import describe_variables
from .findings import Finding
from .label_source import bound_before, call_after, innermost_scope
from .numerics import _where
from .summary import _array
from .unmoved import last_moved
from .variable_names import optimizer_in_code
from ..statements import parse_source

MIN_STEPS = 3   # trained steps in a row whose gradients the update did not get


def gradients_cleared(steps) -> list:
    """A Finding when, in each of the last MIN_STEPS steps that computed gradients, the
    update did not get them: cleared after the backward pass (torch), or replaced before
    apply_gradients by values that moved no weight (the numpy engine)."""
    passes = []   # looked for from the end: asking an old step its len() or its ops costs
    for step in reversed(steps):
        if step.variable_gradients or step.backward_steps:   # (torch's cleared: None)
            passes.insert(0, step)
            if len(passes) == MIN_STEPS:
                break
    if len(passes) < MIN_STEPS or not len(passes[-1]):
        return []   # (a Recorder stopped at its gradient call keeps no op of its last step)
    if engine_of(passes[-1].nodes[0].op) == "torch":
        return _cleared_after_backward(passes)
    return _replaced_before_update(passes)


def _norm(values) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(_array(v), dtype=np.float64)))
                             for v in values if v is not None)))


def _cleared_after_backward(passes: list) -> list:
    """torch: each pass sent its parameters non-zero gradients, and `.grad` held none of them
    (None or zero) when the step ended, at `optimizer.step()`."""
    for step in reversed(passes):   # (the last step first: a correct program's ends there)
        own = own_gradients(step) if step.backward_steps else None
        if not own or not 0 < _norm(own.values()) < np.inf:
            return []   # (a GradScaler's overflowed pass: the step it skips is no bug)
        held = step.variable_gradients
        if any(held.get(name) is not None and np.any(_array(held[name])) for name in own):
            return []
    step = passes[-1]
    own = own_gradients(step)
    loss = step.backward_steps[0].node
    ops = step.nodes
    after = ops[next((i for i, node in enumerate(ops) if node is loss), -1) + 1:]
    zeroed = next((node for node in after if node.op.kind == "update"
                   and node.op.name == "zero_"), None)
    stepped = next((node for node in after if node.op.kind == "update" and node.inputs
                    and type(node.inputs[0]) is VariableRead), None)
    backward = call_after("backward", loss.source)
    line = zeroed.source if zeroed is not None else call_after("zero_grad", backward)
    at = f" at {_where(line)}" if line is not None else ""
    held = "zero" if any(step.variable_gradients.get(name) is not None for name in own) \
        else "None"
    optimizer = optimizer_in_code(stepped)   # ('optimizer' when no update ran: no .grad)
    where = (f", so {optimizer}.step() at {_where(stepped.source)} moves nothing"
             if stepped is not None else f", so {optimizer}.step() moves nothing")
    names = describe_variables(_parameters(step, own), [n for n in ops if n.phase == "forward"])
    message = (f"the gradients are cleared before the update: {optimizer}.zero_grad(){at} "
               f"runs after loss.backward() and before {optimizer}.step(): in each of the last "
               f"{len(passes)} steps the backward pass gave {names} gradients (norm "
               f"{_norm(own.values()):.3g} in step {step.number}), but their .grad was {held} "
               f"when the optimizer stepped{where} and the model never learns{_losses(passes)}"
               f"; fix: call {optimizer}.zero_grad() before loss.backward() (at the start of "
               f"the step) or after {optimizer}.step()")
    return [Finding("gradients_cleared", message, zeroed or stepped or loss, source=line,
                    variables=list(own))]


def _parameters(step, names) -> list:
    """The Variables of `step` named `names`, in that order."""
    found = {tensor.variable.name: tensor.variable for node in step.nodes
             for tensor in node.inputs if type(tensor) is VariableRead}
    return [found[name] for name in names if name in found]


def _replaced_before_update(passes: list) -> list:
    """The numpy engine: each step's updates of the variables it differentiated read, at
    their line, no value of the gradients tape.gradient returned (non-zero), and changed no
    weight."""
    update = _update_given_other_values(passes[-1])   # (a correct program's ends here)
    if update is None or any(_update_given_other_values(step) is None for step in passes[:-1]):
        return []
    step = passes[-1]
    gradient_line = next(node.source for node in step.nodes if node.phase == "backward")
    replaced = _rebound_between(update.source, gradient_line)
    made = (f", made at {_where(replaced)}" if replaced is not None else
            f", made between {_where(gradient_line)} and the update")
    names = describe_variables(_parameters(step, step.variable_gradients),
                               [n for n in step.nodes if n.phase == "forward"])
    message = (f"the gradients are replaced before the update: tape.gradient at "
               f"{_where(gradient_line)} returned non-zero gradients (norm "
               f"{_norm(step.variable_gradients.values()):.3g} in step {step.number}), but "
               f"apply_gradients was given other values{made}; its update ({update.op.name} "
               f"at {_where(update.source)}) moved no weight: in each of the last "
               f"{len(passes)} steps {names} stayed the same, so the model never learns"
               f"{_losses(passes)}; fix: give apply_gradients the gradients tape.gradient "
               f"returned (the learning rate is not the cause)")
    return [Finding("gradients_cleared", message, update, source=replaced, related=update.source,
                    variables=list(step.variable_gradients))]


def _update_given_other_values(step):
    """The first update of a variable `step` differentiated, when every such update changed
    nothing and no op at their lines read a value equal to one of the step's gradients
    (non-zero ones), else None."""
    if last_moved(step):
        return None   # (a correct program's: its last update moved a weight)
    gradients = [_array(g) for g in step.variable_gradients.values() if g is not None]
    if not gradients or not _norm(gradients) > 0:
        return None
    updates = [node for node in step.nodes if node.op.kind == "update" and node.inputs
               and type(node.inputs[0]) is VariableRead
               and node.inputs[0].variable.name in step.variable_gradients]
    if not updates or any(not np.array_equal(node.inputs[0]._value, node.output._value)
                          for node in updates):
        return None
    lines = {(node.source.filename, node.source.lineno) for node in updates}
    for node in step.nodes:
        if node.phase != "forward" or node.source is None or \
                (node.source.filename, node.source.lineno) not in lines:
            continue
        for tensor in node.inputs:
            value = _array(tensor)
            if any(value.shape == g.shape and np.any(g) and np.array_equal(value, g)
                   for g in gradients):
                return None   # the optimizer read the tape's gradients: a learning rate of 0
    return updates[0]


def _rebound_between(update, gradient_line) -> SourceInfo | None:
    """The line, after `gradient_line` and before the update's call at `update` (its
    SourceInfo), that rebinds the name whose gradients the call applies
    (`apply_gradients(zip(grads, ...))`'s `grads`), or None when the text does not show it."""
    try:
        tree = parse_source(update.statement)
    except (SyntaxError, ValueError):
        return None
    name = next((call.args[0].args[0].id for call in ast.walk(tree)
                 if isinstance(call, ast.Call) and getattr(call.func, "attr", None)
                 == "apply_gradients" and call.args and isinstance(call.args[0], ast.Call)
                 and getattr(call.args[0].func, "id", None) == "zip" and call.args[0].args
                 and isinstance(call.args[0].args[0], ast.Name)), None)
    if name is None or update.filename != gradient_line.filename:
        return None
    _, scope = innermost_scope(update.filename, update.lineno)
    bound = bound_before(scope, name, update.lineno) if scope is not None else None
    if bound is None or bound.lineno <= gradient_line.lineno:
        return None
    return SourceInfo(update.filename, bound.lineno, update.function)


def _losses(passes: list) -> str:
    losses = [step.loss for step in passes]
    if None in losses:
        return ""
    if len(set(losses)) == 1:
        return f" (the loss stays at {losses[0]:.4g})"
    return (f" (the loss {losses[0]:.4g} at step {passes[0].number}, {losses[-1]:.4g} at step "
            f"{passes[-1].number}: only the batches differ)")
