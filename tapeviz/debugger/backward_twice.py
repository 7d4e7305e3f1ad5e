"""One loss differentiated twice a step, a `diagnose` finding on the torch adapter's recordings:
`loss.backward(retain_graph=True)` then `loss.backward()` again (a line copied, or a
backward in a helper and in the loop). Each pass adds its gradient to `.grad`, so the
optimizer steps with twice the loss's gradient: SGD as at twice its learning rate, and every
step runs its backward pass twice. Nothing fails: retain_graph=True silences the error
torch gives for a second pass.

Seen in the last trained step's backward steps: a pass starts at an op no op before it in
the pass read (the loss); the same loss op, or the same op on the same inputs, starting two
passes is the bug. (Two losses through one graph, a GAN's or a multi-task model's, start at
two ops; gradient accumulation over micro-batches at one op a batch.) The lines of the two
calls are read from the loop's text where the ops do not say them.
"""
from __future__ import annotations

import ast

from ..nonfinite import engine_of
from ..sourceinfo import SourceInfo
from .findings import Finding
from .label_source import innermost_scope, own_nodes
from .numerics import _op_name, _where


def backward_twice(trained: list) -> list:
    """A Finding when the last of `trained` (the steps that computed gradients) started two
    backward passes at the same torch loss: one op, or one op on the same inputs (the
    expression written again in the second call, `(a + b).backward()`)."""
    if not trained:
        return []
    started, reached = {}, set()   # pass start's key -> its node; output ids the pass reaches
    read = _read_in_forward(trained[-1])
    for backward in trained[-1].backward_steps:
        node = backward.node
        if engine_of(node.op) != "torch":
            return []
        if node.output_id not in reached and node.output_id not in read:   # a new pass
            key = (node.op.name, node.input_ids)
            if key in started:
                return [_finding(started[key], node, trained[-1])]
            started[key], reached = node, set()
        reached.update(node.input_ids)
    return []


def _read_in_forward(step) -> set:
    """The output ids the step's taped forward ops read: no loss. (A gradient penalty's
    `autograd.grad(..., create_graph=True)` makes its pass part of the loss's graph, and the
    loss's pass steps through the critic's ops again from an op inside it, `tanh`.)"""
    return {i for op in step.ops if op.taped and op.phase == "forward"
            for i in op.node.input_ids}


def _calls(source) -> list:
    """The lines from the loss's line `source` on, in its function, that call `.backward(`."""
    _, scope = innermost_scope(source.filename, source.lineno)
    if scope is None:
        return []
    return sorted(node.lineno for node in own_nodes(scope) if isinstance(node, ast.Call)
                  and getattr(node.func, "attr", None) == "backward"
                  and node.lineno >= source.lineno)


def _finding(first, again, step) -> Finding:
    """The finding, at the second pass's call: the line of its loss op when that is the
    call's own (`(a + b).backward()`), else the second `.backward(` the loop's text shows."""
    if first.source is not None and again.source is not None and \
            first.source.lineno != again.source.lineno:
        calls = (first.source, again.source)
    else:
        lines = _calls(first.source) if first.source is not None else []
        calls = tuple(SourceInfo(first.source.filename, line, first.source.function)
                      for line in lines[:2]) if len(lines) >= 2 else None
    where = (f": loss.backward() at line {calls[0].lineno} and again at {_where(calls[1])}"
             if calls is not None else "")
    message = (f"the loss is differentiated twice in step {step.number}: backward ran twice "
               f"from {_op_name(first)} at {_where(first.source)}{where}; each pass adds its "
               f"gradient to .grad, so the optimizer steps with twice the loss's gradient (SGD "
               f"as at twice its learning rate) and every step runs its backward pass twice; "
               f"fix: call loss.backward() once a step (retain_graph=True only keeps the graph "
               f"for a second pass, of another loss through it)")
    return Finding("backward_twice", message, again,
                   source=calls[1] if calls is not None else None, related=first.source)
