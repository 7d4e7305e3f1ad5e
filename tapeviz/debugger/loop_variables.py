"""A Variable made inside the training loop: each step differentiates a new variable made
at the same line, with the same shape, so every update is lost (the next step starts
from a fresh initial value) and an optimizer's state for it starts over. Read from what
each recorded step's gradient call was given (its sources), not from its ops.
"""
from __future__ import annotations

import re

import numpy as np

from ..variable import Variable, VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _where

MIN_STEPS = 3
_FIX = {"tf": "; fix: create the variable once, before the loop, and update it inside "
              "(assign_sub, or an optimizer's apply_gradients)",
        "torch": "; fix: make the tensor once, before the loop, and update it inside (with "
                 "torch.no_grad(): {w} -= lr * {w}.grad, or an optimizer made once, before "
                 "the loop, and its step())"}
_RENAMED = re.compile(r"(_\d+)?(:\d+)?$")   # 'w_3:0' -> 'w': the name a new one is given


def _key(variable) -> tuple:
    """What a variable made again by the same code has in common with the last one."""
    made = variable.made_at
    where = made if made is not None else _RENAMED.sub("", variable.name)
    return where, tuple(variable.shape), variable.dtype.name


def _by_key(step) -> dict:
    """{key: {id: variable}} of the trained Variables the step's gradient call was given."""
    here: dict = {}
    for source in step.gradient_sources:
        if isinstance(source, Variable) and source.trainable:   # a torch parameter too
            here.setdefault(_key(source), {})[id(source)] = source
    return here


def _made_each_step(steps) -> dict:
    """{key: [(step, its variables of that key)], oldest first} for the keys of the newest
    two steps whose variables were new objects in each of the last MIN_STEPS or more steps
    that had them. Read newest first: a variable kept from one step to the next ends its
    key's look, so correct training is read in two steps."""
    runs: dict = {}       # key -> [(step, {id: variable})], newest first
    going: set = set()    # keys whose variables were new in every step read so far
    for age, step in enumerate(reversed(steps)):
        here = _by_key(step)
        if age < 2:
            going.update(key for key in here if key not in runs)
            for key in here:
                runs.setdefault(key, [])
        for key in list(going):
            variables = here.get(key)
            if variables is None:
                continue   # (a step of another gradient call, e.g. a GAN's other model)
            if runs[key] and not runs[key][-1][1].keys().isdisjoint(variables):
                going.discard(key)   # the same variable as the step after: kept, not remade
            else:
                runs[key].append((step, variables))
        if not going and age >= 1:
            break
    return {key: [(step, list(variables.values())) for step, variables in reversed(run)]
            for key, run in runs.items() if len(run) >= MIN_STEPS}


def _start(step, variable):
    """The value `variable` had when `step` first read it, or None."""
    for node in step.nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead and tensor.variable is variable:
                return np.asarray(tensor._value, np.float64)
    return None


def _carried_over(runs) -> bool:
    """Whether the variables made at one line (`runs`: theirs by shape) start, step after
    step, where a gradient step from the step before's start leads (remade from the updated
    value, `w = tf.Variable(w - lr * g)`, which trains as assign_sub would) rather than from
    an initial value again (the same one: no change at all; or a new random draw: a change
    unrelated to the gradient, which a draw or two may still point down by chance)."""
    return all(_descends(runs, newer) for newer in range(-1, -min(map(len, runs)), -1))


def _descends(runs, newer: int) -> bool:
    """Whether the variables of step `newer` of the runs start down the gradient from those
    of the step before, judged on all of them at once (a layer's bias alone, one number,
    changes along its gradient one way or the other whatever it is)."""
    changes, grads = [], []
    for run in runs:
        (older_step, old), (newer_step, new) = run[newer - 1], run[newer]
        for before, after in zip(old, new):
            began, start = _start(older_step, before), _start(newer_step, after)
            grad = older_step.variable_gradients.get(before.name)
            if began is None or start is None or grad is None:
                return False
            changes.append((start - began).ravel())
            grads.append(np.asarray(grad._value, np.float64).ravel())
    change, grad = np.concatenate(changes), np.concatenate(grads)
    scale = np.linalg.norm(change) * np.linalg.norm(grad)
    return bool(scale > 0 and float(change @ grad) <= -0.5 * scale)


def _named_with_shape(variable) -> str:
    """'w (3x1)'; a variable said by a description ('the 3x4 variable Variable:0') has its
    shape in it already."""
    name = describe_variables([variable], ())
    return name if " " in name else f"{name} ({_shape(variable)})"


def _in_code(variable) -> str:
    name = describe_variables([variable], ())
    return name if name.isidentifier() else "w"


def _engine(variable) -> str:
    """Whose words the fix is in: a torch parameter is the adapter's Variable subclass."""
    return "tf" if type(variable) is Variable else "torch"


def _shape(variable) -> str:
    return "x".join(map(str, variable.shape)) or "scalar"


def _updated(steps, run) -> bool:
    """Whether the newest of `run`'s variables were updated in their step or the next (where
    a rebinding after the gradient call is recorded): written by an update op, or read by an
    op no tape kept (`w = w - lr * g`: that update is lost too). One only differentiated (a
    torch RNN's `h0 = torch.zeros(..., requires_grad=True)`, made each batch) loses nothing.
    """
    step, variables = run[-1]
    wanted = {id(v) for v in variables}
    at = next(i for i, recorded in enumerate(steps) if recorded is step)
    for recorded in steps[at:at + 2]:
        for rop in recorded.ops:
            node = rop.node
            if node.op.kind == "update":
                if node.inputs and type(node.inputs[0]) is VariableRead and \
                        id(node.inputs[0].variable) in wanted:
                    return True
            elif not rop.taped and node.phase == "forward" and any(
                    type(t) is VariableRead and id(t.variable) in wanted for t in node.inputs):
                return True
    return False


def _first_reader(nodes, variables):
    wanted = {id(v) for v in variables}
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead and id(tensor.variable) in wanted:
                return node
    return None


def variables_made_in_loop(steps, nodes) -> list:
    """A Finding per line that made a trained variable anew in each of the last steps
    (`nodes`: the shown step's, for the op that reads one)."""
    by_line: dict = {}
    for (where, _, _), run in _made_each_step(steps).items():
        by_line.setdefault(where, []).append(run)
    found = []
    for groups in by_line.values():
        if _carried_over(groups) or not any(_updated(steps, run) for run in groups):
            continue
        count = max(map(len, groups))
        latest = [v for run in groups for v in run[-1][1]]
        reader = _first_reader(nodes, latest)
        made = latest[0].made_at
        layer = "/" in latest[0].name
        if layer:   # a Keras model made in the loop: its layers' variables, by layer
            what = describe_variables(latest, nodes) + " are"
        else:
            what = ", ".join(map(_named_with_shape, latest)) + (
                " are" if len(latest) > 1 else " is")
        message = (f"{what} made inside the training loop, anew in each of the last "
                   f"{count} steps (a new variable each step), so each update is "
                   f"lost: the next step starts again from a fresh initial value, and an "
                   f"optimizer's state for it starts over; made at "
                   f"{_where(made) if made is not None else 'an unknown line'}")
        if reader is not None:
            message += f"; read by {reader.op.name} at {_where(reader.source)}"
        message += ("; fix: make the model (and its optimizer) once, before the loop"
                    if layer else _FIX[_engine(latest[0])].format(w=_in_code(latest[0])))
        found.append(Finding("variable_in_loop", message, reader, made,
                             variables=[v.name for v in latest]))
    return found
