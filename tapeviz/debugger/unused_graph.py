"""A model run with autograd recording whose result no backward pass reads, a `diagnose`
finding on the torch adapter's recordings: the evaluation loop written without
`torch.no_grad()`. Its forward pass builds autograd's graph (every activation kept for a
backward pass that never comes), so the evaluation takes more memory and time than it
needs; nothing fails and the figures are right, so nothing tells the student.

Read from the recorded ops: an op that autograd recorded (its output requires grad), read
a parameter that other steps train, got no gradient in its step, and whose output reaches
no op that did (a GAN's fake batch reaches its critic's loss through `.detach()`: read, on
purpose). Only finished steps after the first that trained are read: a step still running
has not had its backward pass yet, and a forward pass before training runs once. (The
numpy engine records only inside a GradientTape: no such waste.)
"""
from __future__ import annotations

from ..nonfinite import engine_of
from ..variable import VariableRead
from .findings import Finding
from .numerics import _where
from .variable_names import reached_name


def graph_never_differentiated(steps, nodes) -> list:
    """A Finding for the first recorded forward pass through trained parameters, with
    autograd recording, that no backward pass read (`nodes`: the shown step's, which say
    the engine)."""
    if not nodes or engine_of(nodes[0].op) != "torch":
        return []
    steps = [step for step in steps if step.complete]
    first = next((i for i, step in enumerate(steps) if step.variable_gradients), None)
    if first is None:
        return []   # a lone forward pass, recorded to look at the graph, is no waste
    trained = {name for step in steps for name in step.variable_gradients}
    found, where = [], []
    for step in steps[first + 1:]:   # (a forward before training, a look at its output's
        #                                shape, runs once: no waste to speak of)
        unused = _unused_ops(step, trained)
        if unused:
            found.append(unused)
            where.append(step)
    return [_finding(found[0], where)] if found else []


def _unused_ops(step, trained: set) -> list:
    """The step's forward ops that autograd recorded and no backward pass read, when one of
    them read a parameter that some step trained (named in `trained`: a parameter that never
    got a gradient is cut off, `cut_off`'s finding); [] otherwise."""
    ops = step.ops
    read = set()   # output ids read, directly or through other ops, by an op a backward
    #                pass reached
    for op in reversed(ops):
        node = op.node
        if op._grad is not None or node.output_id in read:
            read.update(node.input_ids)
    calls = _calls(ops)
    read_calls = {call for op, call in zip(ops, calls)
                  if op._grad is not None or op.node.output_id in read}
    unused = [op.node for op, call in zip(ops, calls)
              if op.taped and op._grad is None and op.phase == "forward"
              and op.node.op.kind != "update" and call not in read_calls]
    if any(type(tensor) is VariableRead and tensor.variable.name in trained
           for node in unused for tensor in node.inputs):
        return unused
    return []


def _calls(ops) -> list:
    """Each op's call, by the index of its first node: a torch call returning several
    tensors (an LSTM's output, h and c) is one node per tensor, `params["output"]` the
    later ones', and reading any of them (h alone, a classifier's) reads the call."""
    calls, first = [], 0
    for index, op in enumerate(ops):
        if not op.node.params.get("output"):
            first = index
        calls.append(first)
    return calls


def _finding(unused: list, steps: list) -> Finding:
    """The finding naming the parameters read, the first layer's line and the last op's."""
    names = list(dict.fromkeys(tensor.variable.name for node in unused for tensor in node.inputs
                               if type(tensor) is VariableRead and tensor.variable.trainable))
    first = next(node for node in unused if any(type(tensor) is VariableRead
                                                  and tensor.variable.trainable
                                                  for tensor in node.inputs))
    last = unused[-1]
    reads = (f"{first.op.name} at {_where(first.source)} reads "
             f"{_listed([reached_name(name, unused) for name in names])}")
    if last.source is not None and first.source is not None and \
            (last.source.filename, last.source.lineno) != (first.source.filename,
                                                          first.source.lineno):
        reads += f", up to {last.op.name} at {_where(last.source)}"
    numbers = [step.number for step in steps]
    when = (f"step {numbers[0]}" if len(numbers) == 1 else
            f"{len(numbers)} steps, from step {numbers[0]}")
    message = (f"a forward pass whose graph no backward pass reads ({when}): {reads}, outside "
               f"torch.no_grad(), so autograd records its graph ({len(unused)} ops, their "
               f"activations kept), but no gradient is taken of what it makes: memory and "
               f"time spent for nothing (an evaluation, most likely); fix: run it under "
               f"`with torch.no_grad():` (and model.eval() before it, model.train() after)")
    return Finding("graph_not_needed", message, last, variables=names)


def _listed(names: list) -> str:
    shown = names[:4] + ([f"{len(names) - 4} more"] if len(names) > 4 else [])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
