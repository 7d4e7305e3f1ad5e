"""Gradients that pile up across steps: `optimizer.zero_grad()` (or `w.grad.zero_()`) never
called, so torch's backward adds each pass's gradient to `.grad` and every update uses the
sum of all the passes so far, stale and ever larger. Read from what each recorded step of
another engine kept: the gradient each backward step sent a parameter (this pass's own) and
the parameter's `.grad` after the pass. Accumulating over a few passes before one update,
then zeroing, is meant: a `.grad` that still holds the pass before the last update is not.
TF's way of the same bug, `accum = [a + g for a, g in zip(accum, grads)]` applied every step
and never reset, is read from the step's own ops: the add of this step's gradient to what
the last step's add made, its sum read by the update (`summed_without_reset`).
"""
from __future__ import annotations

import functools
from operator import attrgetter

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .findings import Finding
from .numerics import _op_name, _where
from .op_index import role
from .summary import _array
from .variable_names import optimizer_in_code

MIN_STEPS = 3        # trained steps in a row, each holding the one before's gradient
TOLERANCE = 1e-3     # relative, of the gradients' norm
_ADDS = frozenset({"add"})   # the numpy engine's and torch's name of `a + g`
_op_names = attrgetter("op.name")


def sent_each_pass(step) -> dict:
    """{variable name: [the gradient each backward step sent it, in order]}, from its steps;
    a name two variables share (a GAN's generator and critic each with an `fc.weight`) left
    out: `.grad` by name cannot tell them apart (their shapes may differ: never summed)."""
    sent: dict = {}
    owners: dict = {}
    for backward in step.backward_steps:
        for tensor, grad in zip(backward.node.inputs, backward.input_grads):
            if grad is not None and type(tensor) is VariableRead:
                name = tensor.variable.name
                if owners.setdefault(name, tensor.variable) is not tensor.variable:
                    owners[name] = None
                sent.setdefault(name, []).append(np.asarray(grad._value, np.float64))
    return {name: grads for name, grads in sent.items() if owners[name] is not None}


def own_gradients(step) -> dict:
    """{variable name: the gradient this step's backward pass sent it}, summed in order."""
    return {name: functools.reduce(np.add, grads)
            for name, grads in sent_each_pass(step).items()}


def _flat(gradients: dict, names: list) -> np.ndarray:
    return np.concatenate([_array(gradients[name]).astype(np.float64).ravel()
                           for name in names])


def _carried_over(before, step) -> tuple | None:
    """(names, norm of .grad, norm of the pass's own) when `step`'s .grad is `before`'s plus
    its own pass's gradient (nothing zeroed it between), else None."""
    own = own_gradients(step)
    names = [n for n in own if n in step.variable_gradients and n in before.variable_gradients
             and _array(step.variable_gradients[n]).shape == own[n].shape
             == _array(before.variable_gradients[n]).shape]
    if not names:
        return None
    total, mine = _flat(step.variable_gradients, names), _flat(own, names)
    scale = float(np.linalg.norm(total))
    if not np.isfinite(scale):
        return None   # NaN/Inf compares with nothing: it says nothing of what was summed
    if scale == 0 or float(np.linalg.norm(total - mine)) <= TOLERANCE * scale:
        return None   # .grad is this pass's alone: zeroed before it
    earlier = _flat(before.variable_gradients, names)
    if float(np.linalg.norm(total - earlier - mine)) > TOLERANCE * scale:
        return None
    return names, scale, float(np.linalg.norm(mine))


def _update_in(step):
    """The first op of `step` that updated a parameter (an optimizer's step, `w -= ...`)."""
    return next((op.node for op in step.ops if op.node.op.kind == "update"
                 and op.node.inputs and type(op.node.inputs[0]) is VariableRead), None)


def accumulated_gradients(steps) -> list:
    """A Finding when, in each of the last MIN_STEPS trained steps, `.grad` held the step
    before's gradient plus its own though the step before updated the parameters with it."""
    trained = [s for s in steps if s.variable_gradients and s.backward_steps][-MIN_STEPS:]
    if len(trained) < MIN_STEPS:
        return []
    if any(_update_in(before) is None for before in trained[:-1]):
        return []   # passes summed before one update: an accumulation on purpose
    carried = [_carried_over(before, step) for before, step in zip(trained, trained[1:])]
    if any(found is None for found in carried):
        return []
    step = trained[-1]
    update = _update_in(step)
    if update is None:
        return []
    names, total, own = carried[-1]
    by_optimizer = update.op.name.endswith("_step")   # adam_step, sgd_step: optimizer.step()
    torch_step = by_optimizer and engine_of(update.op) == "torch"
    optimizer = optimizer_in_code(update) if torch_step else "optimizer"
    fix = (f"call {optimizer}.zero_grad() in each step, before loss.backward()" if by_optimizer
           else "zero each gradient after its update: w.grad.zero_() (or w.grad = None)")
    updated_by = (f"the optimizer's update ({optimizer}.step())" if torch_step   # (no adam_step
                  else update.op.name)                                          # to a torch user)
    message = (f"gradients pile up: .grad is never zeroed, so each backward pass adds to the "
               f"last (in each of the last {len(carried)} steps .grad held the step before's "
               f"gradient plus its own) and every update uses the sum of all the passes so "
               f"far: at step {step.number} the gradient's norm is {total:.3g}, this pass's "
               f"own {own:.3g}; {updated_by} at {_where(update.source)}; fix: {fix}")
    return [Finding("accumulated_gradients", message, update, variables=names)]


def _sums_applied(step) -> dict:
    """{(line, variable name): the add} of `step`'s forward adds of the step's gradient of a
    variable to another value (`a + g`) whose sum an update reads, itself or through one op
    (SGD's `lr * sum`)."""
    nodes = step.nodes
    if _ADDS.isdisjoint(map(_op_names, nodes)):
        return {}   # no add ran (the scan runs in C): a correct step's usual case
    names = {id(g): name for name, g in step.variable_gradients.items() if g is not None}
    adds = [n for n in nodes if n.phase == "forward" and role(n.op) == "add"
            and len(n.inputs) == 2 and any(id(t) in names for t in n.inputs)]
    if not adds:
        return {}
    read = {id(t) for n in nodes if n.op.kind == "update" for t in n.inputs}
    read |= {id(t) for n in nodes if id(n.output) in read for t in n.inputs}
    return {(n.source, names[next(id(t) for t in n.inputs if id(t) in names)]): n
            for n in adds if id(n.output) in read}


def summed_without_reset(steps) -> list:
    """A Finding when, in each of the last MIN_STEPS trained steps, the update applied the sum
    of the step's gradient and the sum the step before applied (never reset to zero): the
    step size grows with every step."""
    trained = [s for s in steps if s.variable_gradients][-MIN_STEPS:]
    if len(trained) < MIN_STEPS:
        return []
    last = _sums_applied(trained[-1])
    if not last:
        return []
    sums = [_sums_applied(step) for step in trained[:-1]] + [last]
    for key, add in sums[-1].items():
        if all(_continues(before.get(key), now.get(key), step)
               for before, now, step in zip(sums, sums[1:], trained[1:])):
            return [_summed_finding(add, key[1], trained)]
    return []


def _continues(before, add, step) -> bool:
    """Whether `add` (in `step`) added the step's gradient to a non-zero sum equal to what
    `before`, the same line's add a step earlier, made."""
    if before is None or add is None:
        return False
    gradients = {id(g) for g in step.variable_gradients.values() if g is not None}
    running = next((t for t in add.inputs if id(t) not in gradients), None)
    if running is None:
        return False
    value, last = _array(running), _array(before.output)
    return value.shape == last.shape and bool(np.any(value)) and np.array_equal(value, last)


def _summed_finding(add, name: str, trained: list) -> Finding:
    step = trained[-1]
    total = float(np.linalg.norm(_array(add.output).astype(np.float64)))
    own = float(np.linalg.norm(_array(step.variable_gradients[name]).astype(np.float64)))
    reset = {"tf": "accum = [tf.zeros_like(v) for v in model.trainable_variables]",
             "torch": "accum = [torch.zeros_like(p) for p in model.parameters()]"}
    message = (f"gradients pile up: the gradients are summed across steps and never reset, "
               f"and the sum is applied every step (in each of the last {len(trained)} steps, "
               f"the {_op_name(add)} op added the step's gradient of "
               f"{name.removesuffix(':0')} to the sum applied the step before), so every "
               f"update uses all the gradients so far and the step "
               f"grows with each: at step {step.number} the applied sum's norm is "
               f"{total:.3g}, this step's gradient {own:.3g}; the sum is made at "
               f"{_where(add.source)}; fix: apply this step's gradients (grads), or, to "
               f"accumulate over k steps, apply the sum every k steps and then reset it "
               f"({reset[engine_of(add.op)]})")
    return Finding("accumulated_gradients", message, add, variables=[name])
