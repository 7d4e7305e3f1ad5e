"""Variables cut off the gradient, a `diagnose` finding: read on the way to the loss, but
through an op that passes no gradient back (`tf.stop_gradient`, torch's `.detach()`) or
through a value that left the graph and came back as a new tensor (`.numpy()`, torch's
`.data`), so their gradient is None in every step and they never train. It names the
variables, the op and line that cut them (or the lines where the value left and came back)
and the fix; without it, the None-gradient finding could only say "not on the way to the
loss", and told the student to use the variable in the loss, which their code already does.

The numpy engine's candidates are the variables given to the gradient call that got None;
the torch adapter's gradient call is `loss.backward()`, given nothing, so its candidates are
the parameters the forward pass read and no step gave a gradient. Those are judged cut only
when a layer after the cut trains (a parameter of the same model, past the cut, got its
gradient): a target network's output detached for a loss, or a GAN's generator detached for
its critic's step, feeds no trained layer of its own model. A parameter its optimizer was
given and never had a gradient for (an encoder detached before a separate head) is judged cut
whichever model reads past the cut: the user meant it to train.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _op_name, _where

CUTS = frozenset({"stop_gradient", "detach"})   # ops whose VJP is no gradient at all
NO_GRADIENT = "no_gradient"   # a torch update's param: its optimizer's parameters with no .grad
_FIX = {"tf": "remove the tf.stop_gradient", "torch": "remove the .detach()"}
_KEEP = ("keep one only for a value that must not train, such as a target network's output "
         "or a GAN's fake batch in the discriminator's step")


def cut_off(none, nodes, recorded) -> tuple[list, set]:
    """(findings, the names they explain) for the variables given to the gradient call whose
    gradient was None in every step (`none`) and the torch parameters no step gave one, among
    the shown step's forward `nodes` and the `recorded` steps."""
    found, explained = cut_findings(none, nodes)
    if not nodes or engine_of(nodes[0].op) != "torch":
        return found, explained
    trained = [step for step in recorded if step.variable_gradients]
    if len(trained) >= 2:
        got = {name for step in trained for name in step.variable_gradients}
        optimized = [name for name in _optimized(trained) if name not in got]
        more, named = cut_findings(optimized, nodes)
        found, explained = found + more, explained | named
        more, named = cut_findings([name for name in _untrained_parameters(trained[-1], got)
                                    if name not in explained], nodes, got)
        found, explained = found + more, explained | named
    return found, explained


def _optimized(steps) -> dict:
    """The parameters an optimizer of `steps` was given that had no gradient when it stepped
    (its updates' `NO_GRADIENT`): meant to train, so a cut before them is a bug whichever
    model reads past it (a target network or a frozen backbone is given to no optimizer)."""
    names = {}
    for step in steps:
        for node in step.nodes:
            if node.op.kind == "update":
                names.update(dict.fromkeys((node.params or {}).get(NO_GRADIENT, ())))
    return names


def _untrained_parameters(step, got: set) -> list:
    """Names of the torch parameters `step`'s forward pass read that got no gradient in any
    step (`got`: those that did; torch's backward is given no variables, so no step lists
    them as None)."""
    names = {}
    for node in step.nodes:
        if node.phase != "forward" or engine_of(node.op) != "torch" or node.op.kind == "update":
            continue
        for tensor in node.inputs:
            if type(tensor) is VariableRead and tensor.variable.trainable and \
                    tensor.variable.name not in got:
                names[tensor.variable.name] = None
    return list(names)


def cut_findings(names, nodes, trained=frozenset()) -> tuple[list, set]:
    """(a Finding per cut, the names it explains) for the variables `names`, whose gradient
    was None in every step, among the forward `nodes` of a step; `trained`: the names that got
    a gradient, given for torch's candidates (a trained layer past the cut is then required)."""
    if not names:
        return [], set()
    readers, made = {}, {}
    for position, node in enumerate(nodes):
        made[node.output_id] = position
        for input_id in node.input_ids:
            readers.setdefault(input_id, []).append(position)
    cuts = {}   # (cut position, came-back position or None) -> [Variable]
    for name in names:
        first = _reads(nodes, name)
        if not first:
            continue
        variable = next(t.variable for t in nodes[first[0]].inputs
                        if type(t) is VariableRead and t.variable.name == name)
        below = _downstream(nodes, first, readers)
        cut = _cut(nodes, below, made, readers)
        if cut is None or (trained and not _trains_past(nodes, cut, readers, trained, name)):
            continue
        cuts.setdefault(cut, []).append(variable)
    found = [_finding(nodes, cut, variables) for cut, variables in cuts.items()]
    return found, {v.name for variables in cuts.values() for v in variables}


def _reads(nodes, name: str) -> list:
    return [position for position, node in enumerate(nodes)
            if any(type(t) is VariableRead and t.variable.name == name for t in node.inputs)]


def _downstream(nodes, start: list, readers: dict) -> list:
    """The positions of the ops computed from the ops at `start` (and those), in order."""
    seen, todo = set(start), list(start)
    while todo:
        for reader in readers.get(nodes[todo.pop()].output_id, ()):
            if reader not in seen:
                seen.add(reader)
                todo.append(reader)
    return sorted(seen)


def _cut(nodes, below: list, made: dict, readers: dict):
    """(the position of the first cutting op among `below`, None), or, with no such op,
    (the op whose output left the graph, the first later op that read an equal value no op
    made), or None."""
    for position in below:
        if nodes[position].op.name in CUTS:
            return position, None
    for position in below:
        left = nodes[position]
        if left.output_id in readers:
            continue   # (read by a later op: it did not leave here)
        value = left.output._value
        for later in range(position + 1, len(nodes)):
            node = nodes[later]
            if any(input_id not in made and type(t) is not VariableRead and
                   _same_value(t._value, value)
                   for input_id, t in zip(node.input_ids, node.inputs)):
                return position, later
    return None


def _same_value(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.size > 1 and np.array_equal(a, b)


def _trains_past(nodes, cut: tuple, readers: dict, trained, name: str) -> bool:
    """Whether an op past the cut reads a parameter that got a gradient, of the same model
    (the first part of its layer path) as the cut parameter `name`."""
    root = _root(nodes[_reads(nodes, name)[0]])
    for position in _downstream(nodes, [cut[1] if cut[1] is not None else cut[0]], readers):
        node = nodes[position]
        if _root(node) == root and any(type(t) is VariableRead and t.variable.name in trained
                                       for t in node.inputs):
            return True
    return False


def _root(node) -> str:
    return (node.scope or "").split("/", 1)[0]


def _finding(nodes, cut: tuple, variables: list) -> Finding:
    position, back = cut
    node = nodes[position]
    engine = engine_of(node.op)
    said = describe_variables(variables, nodes)
    they = "it never trains" if len(variables) == 1 else "they never train"
    head = f"{said}: the gradient is None in every step, so {they}: "
    if back is None:
        message = (f"{head}the loss reads {'it' if len(variables) == 1 else 'them'} only "
                   f"through {_op_name(node)} at {_where(node.source)}, which passes no "
                   f"gradient back; fix: {_FIX[engine]} ({_KEEP})")
        return Finding("gradient_cut", message, node, variables=[v.name for v in variables])
    reader = nodes[back]
    taken = ".numpy() or float()" if engine == "tf" else ".data, .numpy() or .item()"
    message = (f"{head}the value {_op_name(node)} made from "
               f"{'it' if len(variables) == 1 else 'them'} at {_where(node.source)} left the "
               f"graph and came back as a new tensor, read by {_op_name(reader)} at "
               f"{_where(reader.source)}: a value taken out ({taken}) and made a tensor again "
               f"carries no gradient; fix: give {_op_name(node)}'s output itself to the "
               f"next op")
    return Finding("gradient_cut", message, reader, related=node.source,
                   variables=[v.name for v in variables])
