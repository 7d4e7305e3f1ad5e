"""Variables that never train, for `diagnose`: a gradient None in every recorded step (the
variable off the way to the loss, or made with trainable=False and so never watched) or
exactly zero in every step (a masked path, a constant input; a dead ReLU's finding names its
own), each with the op that read it and its line.
"""
from __future__ import annotations

import numpy as np

from ..variable import Variable, VariableRead
from .activations import describe_variables
from .findings import Finding
from .history import RecordedStep
from .norms import grad_items
from .numerics import _op_name, _where
from .saturated_clip import clip_finding, saturated_clip_after
from .step_function import step_function_after
from .summary import _array
from .variable_names import reached_name
from .zero_weights import zero_weights


def always_zero(history, variables, min_steps: int) -> tuple[list, list, int]:
    """(names whose gradient is None in every step, (name, size) of those exactly zero in
    every step, steps looked at); nothing below `min_steps` steps. A recorded step whose loss
    is NaN/Inf is not looked at: its zeros say where the NaN went (ReLU passes no gradient
    to NaN), which the NaN's finding tells, not that a variable never trains."""
    history = [step for step in history if not _lost(step)]
    steps = [dict(grad_items(step, variables)) for step in history]
    first = next((i for i, step in enumerate(steps) if step), None)
    steps = [step for step in steps if step]   # (an evaluation's or model.fit's last: none)
    if len(steps) < min_steps:
        return [], [], len(steps)
    none, zero = [], []
    for name in _with_none(history[first], steps[0]):   # (a name missing later: None there)
        grads = [s.get(name) for s in steps]
        if all(g is None for g in grads):
            none.append(name)
        elif all(g is not None and not np.any(_array(g)) for g in grads):
            zero.append((name, _array(grads[0]).size))
    return none, zero, len(steps)


def _lost(step) -> bool:
    """Whether `step` is a recorded step whose loss is NaN or Inf."""
    loss = step.loss if isinstance(step, RecordedStep) else None
    return loss is not None and not np.isfinite(loss)


def _with_none(step, gradients: dict) -> dict:
    """A recorded step's `gradients` with None for each trained Variable its gradient call
    was given that got none (a step keeps only the gradients that came)."""
    if isinstance(step, RecordedStep):
        for source in step.gradient_sources:
            if isinstance(source, Variable) and (source.trainable or "/" not in source.name):
                gradients.setdefault(source.name, None)   # (a layer's moving mean: no)
    return gradients


def _first_read(nodes, name):
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead and tensor.variable.name == name:
                return node
    return None


def _reading(nodes, recorded, name) -> list:
    """`nodes`, or when no op of theirs but an update reads variable `name` (the shown step
    holds no op, or only its updates: a Recorder stopped inside a step), the forward ops of
    the last recorded step that does, to name the op that read it."""
    steps = ([n for n in step.nodes if n.phase == "forward"] for step in reversed(recorded))
    for candidate in (nodes, *steps):
        reader = _first_read([n for n in candidate if n.op.kind != "update"], name)
        if reader is not None:
            return candidate
    return nodes


def zero_findings(none, zero, count, nodes, explained, recorded=()) -> list:
    given = {v.name: v for step in recorded[-1:] for v in step.gradient_sources
             if isinstance(v, Variable)}   # the variables themselves, to name as code does
    found = [_none_finding(name, count, nodes, given.get(name)) for name in none]
    if zero:
        nodes = _reading(nodes, recorded, zero[0][0])
    zero = [(name, size) for name, size in zero if name not in explained]
    stalled = zero_weights(zero, nodes, count, recorded)
    if stalled:
        return found + stalled
    clipped = {}   # a clip holding all it gets at its bounds -> the variables it cuts off
    for name, size in zero:
        if name in explained:
            continue   # a dead ReLU's finding names it, with the op to blame
        reader = _first_read(nodes, name)
        clip = saturated_clip_after(nodes, reader) if reader is not None else None
        if clip is not None:
            clipped.setdefault(clip, []).append(name)
            continue
        step = step_function_after(nodes, reader) if reader is not None else None
        if step is not None:
            found.append(Finding("zero_gradient", f"{reached_name(name, nodes)}: the "
                                 f"gradient is exactly zero in "
                                 f"all {count} steps ({size} values each): it never trains: "
                                 f"its way to the loss goes through {_op_name(step)} at "
                                 f"{_where(step.source)}, a step function, whose derivative "
                                 f"is zero, so no gradient passes back; fix: keep the values "
                                 f"continuous up to the loss ({_op_name(step)} only what you "
                                 f"report, not what you train on)", step, variables=[name]))
            continue
        where = (f"; read by {_op_name(reader)} at {_where(reader.source)}"
                 if reader is not None else "")
        found.append(Finding("zero_gradient", f"{reached_name(name, nodes)}: the gradient "
                             f"is exactly zero in all "
                             f"{count} steps ({size} values each): it never "
                             f"trains (dead ReLUs, a masked path, or a constant input){where}",
                             reader, variables=[name]))
    return found + [clip_finding(clip, sorted(names, key=lambda name: nodes.index(
        _first_read(nodes, name))), count, nodes) for clip, names in clipped.items()]


def _none_finding(name: str, count: int, nodes, variable=None) -> Finding:
    """A variable (`variable`, where known) whose gradient was None in every step, named as
    the code names it, with the op that read it (read, but off the way to the loss) or that
    no op read it."""
    reader = _first_read(nodes, name)
    shown = reached_name(name, nodes) if variable is None else \
        describe_variables([variable], nodes)
    why = ("no op of the step read it: the loss does not use it" if reader is None else
           f"it is read by {_op_name(reader)} at {_where(reader.source)}, but not on the way to "
           f"the loss")
    if variable is not None and not variable.dtype.is_floating:   # tf.Variable(1): int32
        made = f", made at {_where(variable.made_at)}" if variable.made_at is not None else ""
        read = (f", though {_op_name(reader)} at {_where(reader.source)} reads it on the way "
                f"to the loss" if reader is not None else "")
        return Finding("none_gradient", f"{shown}: the gradient is None in all {count} steps, "
                       f"so it never trains: it holds integers ({variable.dtype.name}{made}), "
                       f"and gradients flow only to floating-point values{read}; fix: make it "
                       f"a float, tf.Variable(..., dtype=tf.float32) or a float initial value "
                       f"(1.0, not 1)", reader, variables=[name])
    if variable is not None and not variable.trainable:
        watch = shown if shown.isidentifier() else "the variable"
        return Finding("none_gradient", f"{shown}: the gradient is None in all {count} steps, "
                       f"so it never trains: it was made with trainable=False at "
                       f"{_where(variable.made_at)}, so the tape does not watch it; fix: drop "
                       f"trainable=False (or tape.watch({watch}) in the tape)", reader,
                       variables=[name])
    return Finding("none_gradient", f"{shown}: the gradient is None in all {count} steps, so it "
                   f"never trains: {why}; fix: use it in the loss, or leave it out of the "
                   f"variables given to tape.gradient (why_none(tape, loss, variable), right "
                   f"after tape.gradient, says why)", reader, variables=[name])


def zero_names(gradients, variables) -> set | None:
    if gradients is None:
        return None
    return {name for name, g in grad_items(gradients, variables)
            if g is not None and not np.any(_array(g))}
