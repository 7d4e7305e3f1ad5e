"""Gradient ascent by a sign error: the updates move the weights along their gradient, up
the loss, as `w.assign_add(lr * g)` or `apply_gradients` of negated gradients do, and the
loss grows. To first order an update changes the loss by update · gradient: negative for
descent, positive here in most steps, the newest among them. A climb that moves only some
of the variables the loss reads (a GAN's generator, an input against a trained model) is
meant, and not said, nor is a torch optimizer's `maximize=True`. Only the last few steps
are looked at (the loss first, then their update ops, newest first: correct training is
done with after one step), so the cost does not grow with the recording.
"""
from __future__ import annotations

import re
from itertools import islice

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import _and, describe_variables, variable_order
from .divergence import optimizer_line
from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, role
from .variable_names import stands_for_one, unnamed

# 'w.assign_add(' -> w; torch's 'w += ', 'w.add_(', 'w.data += ', 'w.data.add_(' -> w (.data)
_RECEIVER = re.compile(
    r"([A-Za-z_][\w.]*?)(\.data)?(?:\.assign(?:_add|_sub)?\(|\s*[-+]=|\.(?:add|sub)_\()")

WINDOW = 8          # the last steps looked at
MIN_STEPS = 3       # steps with updates needed to say anything
UPHILL_SHARE = 0.75  # share of those whose update went uphill


def _moves(step) -> tuple[dict, set, set]:
    """({variable name: (its first update op, value before, value after)}, names of
    variables read as a layer's data, an image or input being optimised on purpose: an
    adversarial example or a feature visualisation climbs the loss by design; names of the
    trainable variables the step's other ops read)."""
    moves, inputs, read = {}, set(), set()
    for node in step.nodes:
        head = node.inputs[0] if node.inputs else None
        if node.op.kind != "update":
            read.update(t.variable.name for t in node.inputs
                        if type(t) is VariableRead and t.variable.trainable)
        if type(head) is not VariableRead:
            continue
        name = head.variable.name
        if node.op.kind == "update":
            first = moves.get(name)
            moves[name] = (node, head._value, node.output._value) if first is None else (
                first[0], first[1], node.output._value)
        elif role(node.op) in WEIGHING and type(node.inputs[1]) is VariableRead:
            inputs.add(name)
    return moves, inputs, read


def _uphill(step) -> tuple[dict, set] | None:
    """({variable name: (update op, update · gradient)} of the step's trained variables,
    the trainable variables its ops read), or None when it updated none."""
    moves, inputs, read = _moves(step)
    found = {}
    for name, grad in step.variable_gradients.items():
        if name in moves and name not in inputs:
            node, before, after = moves[name]
            delta = np.asarray(after, np.float64) - np.asarray(before, np.float64)
            found[name] = (node, float(np.sum(delta * np.asarray(grad._value, np.float64))))
    return (found, read) if found else None


def _receiver(node) -> str | None:
    """The variable as the update's own line names it ('w.assign_add(...)', 'w += ...',
    'w.data += ...': w)."""
    receiver = _RECEIVER.search(node.source.line) if node.source is not None else None
    return receiver.group(1) if receiver else None


def _through_data(node) -> bool:
    """Whether the update's line writes the parameter's `.data` (`p.data += lr * p.grad`)."""
    receiver = _RECEIVER.search(node.source.line) if node.source is not None else None
    return bool(receiver and receiver.group(2))


def _named(variables, moves: dict, nodes) -> str:
    """The climbing variables as the code names them; an unnamed one whose making was not
    seen (a torch tensor made before the recording) as its update's line names it, when
    that name stands for it alone (not `for p in params: p += ...`)."""
    by_line, others = [], []
    for variable in variables:
        update = moves[variable.name][0]
        receiver = _receiver(update)
        if unnamed(variable) and variable.made_at is None and receiver and \
                stands_for_one(receiver, update.source):
            by_line.append(receiver)
        else:
            others.append(variable)
    return _and(by_line + ([describe_variables(others, nodes)] if others else []))


def _torch_fix(node, by_optimizer: bool, w: str) -> str:
    if by_optimizer:
        return ("fix: the optimizer already subtracts lr * p.grad: call backward() on the loss "
                "itself, not its negative, and leave p.grad as backward() made it")
    written = f"{w}.data" if _through_data(node) else w
    if node.op.name == "sub_":
        if "alpha" in node.params:
            return f"fix: sub_ already subtracts: {written}.sub_({w}.grad, alpha=lr)"
        return f"fix: -= already subtracts: give it lr * {w}.grad, not its negative"
    if "alpha" in node.params:
        return f"fix: step against the gradient: {written}.add_({w}.grad, alpha=-lr)"
    guard = "" if written != w else " (inside torch.no_grad())"
    return f"fix: subtract the step: {written} -= lr * {w}.grad{guard}"


def _rate_fix(step) -> str | None:
    """The fix when the Keras optimizer whose updates `step` ran has a negative learning
    rate (its rate now, read through the step count the recording keeps)."""
    from ..keras.optimizers.step_counts import optimizer_learning_rate  # keras imports us
    for rop in step.ops:
        node = rop.node
        if node.op.kind == "update" and node.inputs and type(node.inputs[0]) is VariableRead:
            rate = optimizer_learning_rate(node.inputs[0].variable)
            if rate is not None:
                made_at = optimizer_line(step)
                where = f", set at {_where(made_at)}" if made_at is not None else ""
                return None if rate >= 0 else (
                    f"fix: the learning rate is negative ({rate:g}{where}), and the optimizer "
                    f"already subtracts learning_rate * the gradient: give it a positive one, "
                    f"learning_rate={-rate:g}")
    return None


def _fix(node, by_optimizer: bool, name: str) -> str:
    """The fix in the words of the update that went uphill; `name`: the variable in code."""
    op = node.op.name
    w = _receiver(node) or (name if name.isidentifier() else "w")
    if engine_of(node.op) == "torch":
        return _torch_fix(node, by_optimizer, w)
    if by_optimizer:
        return ("fix: the optimizer already subtracts learning_rate * the gradient it is "
                "given: pass tape.gradient's gradients as they are, not negated")
    if op == "assign_add":
        return f"fix: subtract the step: {w}.assign_sub(learning_rate * grad)"
    if op == "assign_sub":
        return ("fix: assign_sub already subtracts: give it learning_rate * grad, not its "
                "negative")
    return f"fix: step against the gradient: {w}.{op}({w} - learning_rate * grad)"


def find_ascent(steps) -> Finding | None:
    """A Finding when, over the last steps, the loss rose and most updates went uphill."""
    window = list(islice((s for s in reversed(steps) if s.variable_gradients
                          and s.loss is not None and np.isfinite(s.loss)), WINDOW))[::-1]
    if len(window) < MIN_STEPS or window[-1].loss <= window[0].loss:
        return None
    judged, uphill = 0, []   # newest first: correct training stops at its last step
    for step in reversed(window):
        moved = _uphill(step)
        if moved is None:
            continue
        judged += 1
        if sum(dot for _, dot in moved[0].values()) > 0:
            uphill.append((step, moved))
        elif not uphill or judged - len(uphill) > (1 - UPHILL_SHARE) * len(window):
            return None   # the newest update went downhill, or too many did: no sign error
    if judged < MIN_STEPS or len(uphill) < UPHILL_SHARE * judged:
        return None
    step, (found, read) = uphill[0]
    first_read = {name: i for i, name in enumerate(variable_order(step.nodes))}
    climbing = sorted((name for name, (_, dot) in found.items() if dot > 0),
                      key=lambda name: first_read.get(name, len(first_read)))
    node = found[climbing[0]][0]
    if node.params.get("maximize"):
        return None   # torch.optim's maximize=True: the climb is asked for
    by_optimizer = bool(node.scope) and (engine_of(node.op) == "torch"   # its optimizer's name
                                         or optimizer_line(step) is not None)
    # a climb with only some of the loss's variables is meant: a GAN's generator on the
    # discriminator's loss, an input optimised against a trained model
    if not read <= set(climbing):
        return None
    first, last = window[0], window[-1]
    variables = {v.name: v for v in step.gradient_sources if hasattr(v, "made_at")}
    known = [variables[name] for name in climbing if name in variables]
    named = _named(known, found, step.nodes) if known else ", ".join(climbing)
    in_code = _named(known[:1], found, step.nodes) if known else climbing[0]
    message = (f"the updates move {named} along the gradient, uphill "
               f"(update · gradient > 0 in {len(uphill)} of {judged} steps), and the loss "
               f"rose from {first.loss:.4g} at step {first.number} to {last.loss:.4g} at step "
               f"{last.number}; {node.op.name} at {_where(node.source)}; "
               f"{by_optimizer and _rate_fix(step) or _fix(node, by_optimizer, in_code)}")
    return Finding("gradient_ascent", message, node, variables=climbing)
