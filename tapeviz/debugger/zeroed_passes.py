"""Gradient accumulation undone: `optimizer.zero_grad()` inside the micro-batch loop, so each
backward pass clears the one before and `optimizer.step()` applies the last micro-batch's
gradient alone. Nothing fails and the loss still falls, slowly: each update sees one
micro-batch, divided by their count. Read from the last trained torch step: each parameter
was sent one gradient a pass, and its `.grad` at the update is the last of them, not their
sum. The lines are read from the loop's text: the `zero_grad(` inside a loop that calls
`.backward(` and not `.step(`."""
from __future__ import annotations

import ast

import numpy as np

from ..nonfinite import engine_of
from ..sourceinfo import SourceInfo
from .accumulation import sent_each_pass
from .findings import Finding
from .label_source import innermost_scope, own_nodes
from .numerics import _where
from .summary import _array

TOLERANCE = 1e-3     # relative, of .grad's norm


def _last_pass_alone(step) -> tuple | None:
    """(passes, norm of .grad, norm of the passes' sum) when every parameter sent a gradient
    by more than one pass holds, at the update, the last pass's alone; else None."""
    sent = {name: grads for name, grads in sent_each_pass(step).items() if len(grads) > 1
            and name in step.variable_gradients and step.variable_gradients[name] is not None
            and _array(step.variable_gradients[name]).shape == grads[-1].shape}
    if not sent or len({len(grads) for grads in sent.values()}) != 1:
        return None
    held = np.concatenate([_array(step.variable_gradients[n]).astype(np.float64).ravel()
                           for n in sent])
    last = np.concatenate([grads[-1].ravel() for grads in sent.values()])
    summed = np.concatenate([np.sum(grads, axis=0).ravel() for grads in sent.values()])
    scale = float(np.linalg.norm(held))
    if not np.isfinite(scale) or scale == 0 or \
            float(np.linalg.norm(held - last)) > TOLERANCE * scale or \
            float(np.linalg.norm(held - summed)) <= TOLERANCE * scale:
        return None
    return len(next(iter(sent.values()))), scale, float(np.linalg.norm(summed))


def _calls_to(loop, attribute: str) -> list:
    return [node for node in ast.walk(loop) if isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == attribute]


def _zeroed_in_loop(source) -> tuple | None:
    """(the zero_grad line, the loop's line) of a loop in the function holding `source` that
    calls zero_grad() and backward() and no step(); None when the text shows none."""
    if source is None:
        return None
    _, scope = innermost_scope(source.filename, source.lineno)
    if scope is None:
        return None
    for loop in own_nodes(scope):
        if isinstance(loop, (ast.For, ast.While)) and _calls_to(loop, "backward") and \
                not _calls_to(loop, "step"):
            zeroed = _calls_to(loop, "zero_grad")
            if zeroed:
                return zeroed[0].lineno, loop.lineno
    return None


def zeroed_between_passes(trained: list) -> list:
    """A Finding when the last of `trained` (steps that computed gradients) ran more than one
    backward pass and its update applied the last pass's gradient alone."""
    if not trained or not trained[-1].backward_steps:
        return []
    step = trained[-1]
    root = step.backward_steps[0].node   # the first pass's loss
    if engine_of(root.op) != "torch":
        return []
    found = _last_pass_alone(step)
    if found is None:
        return []
    passes, held, summed = found
    lines = _zeroed_in_loop(root.source)
    source = root.source if lines is None else \
        SourceInfo(root.source.filename, lines[0], root.source.function)
    by = (f"zero_grad() inside the loop at line {lines[1]}" if lines is not None
          else "a zeroing between the passes")
    message = (f"gradient accumulation undone: of the {passes} backward passes of step "
               f"{step.number} only the last one's gradient reached optimizer.step(), the "
               f"{passes - 1} before it cleared by {by} (.grad's norm {held:.3g}, the passes' "
               f"sum's {summed:.3g}), so each update sees one micro-batch; at "
               f"{_where(source)}; fix: call optimizer.zero_grad() once before the "
               f"micro-batch loop, loss.backward() for each micro-batch, and "
               f"optimizer.step() after the loop")
    return [Finding("zeroed_between_passes", message, root, source)]
