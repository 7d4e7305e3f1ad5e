"""Activations that stop gradients: ReLU layers that output only zeros (dead), and the
sigmoid/tanh ops of a stack whose small derivatives multiply into a vanishing gradient.

Both read forward nodes as dispatch made them (a tape's, or a recorded step's); nothing
here runs an op.
"""
from __future__ import annotations

import numpy as np

from ..tensor import VariableRead
from .findings import Finding
from .numerics import _where
from .summary import _array
from .why_none import path_nodes

RELUS = ("relu", "relu6")
WEIGHING = ("matmul", "conv2d", "multiply", "einsum", "tensordot")
SATURATING = {"sigmoid": lambda y: y * (1 - y), "tanh": lambda y: 1 - y * y}


def _variables_read(nodes) -> list:
    """The variables the nodes read, in order of first read."""
    found: dict = {}
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead:
                found.setdefault(id(tensor.variable), tensor.variable)
    return list(found.values())


def variable_order(nodes) -> list:
    """Variable names in the order the forward pass first read them (input side first)."""
    return [v.name for v in _variables_read(nodes)]


def _weighing(nodes, node) -> list:
    """The nodes that multiply `node`'s output by something (the next layer's kernel)."""
    return [n for n in nodes if id(node.output) in n.input_ids and n.op.name in WEIGHING]


def starved_variables(nodes, relu) -> list:
    """Names of the variables a dead `relu` leaves with no gradient: those it is computed
    from, and those multiplied by its zeros (the next layer's kernel)."""
    return [v.name for v in _variables_read(path_nodes(nodes, id(relu.output))
                                            + _weighing(nodes, relu))]


def _layer_of(node) -> str:
    return node.scope or "(no layer)"


def dead_relus(nodes, zero_gradients=None) -> list:
    """A Finding per ReLU op whose whole output is zero, naming the variables it starves.

    `zero_gradients`: names of variables whose gradient was seen to be exactly zero; given,
    only those are named as starved (the evidence), else every variable upstream of the
    ReLU and the ones that multiply its output.
    """
    found = []
    for node in nodes:
        if node.op.name not in RELUS or getattr(node, "phase", "forward") != "forward":
            continue
        out, pre = _array(node.output), _array(node.inputs[0])
        if out.size < 2 or out.dtype.kind != "f" or np.any(out):
            continue
        if not node.scope and not _weighing(nodes, node):
            continue   # not a layer's activation: a hinge loss at zero is no dead layer
        starved = starved_variables(nodes, node)
        if zero_gradients is not None:
            starved = [name for name in starved if name in zero_gradients]
        shape = "x".join(map(str, out.shape))
        message = (f"dead ReLU: {node.op.name} in layer {_layer_of(node)} outputs only zeros "
                   f"({shape} values: every unit, every example); its inputs are all <= 0 "
                   f"(largest {float(np.max(pre)):.3g}), so no gradient flows back through it")
        if starved:
            message += f" and {', '.join(starved)} never train"
        message += (f"; at {_where(node.source)}; hint: a large negative bias or weights "
                    f"(initialisation, or a learning rate that pushed them there) kill every "
                    f"unit: re-initialise the layer (bias 0), lower the learning rate, or use "
                    f"tf.nn.leaky_relu")
        found.append(Finding("dead_relu", message, node, variables=starved))
    return found


def saturating_ops(nodes) -> list:
    """[(node, mean local derivative)] for the forward sigmoid and tanh ops, in order."""
    found = []
    for node in nodes:
        derivative = SATURATING.get(node.op.name)
        if derivative is not None and getattr(node, "phase", "forward") == "forward":
            out = _array(node.output).astype(np.float64)
            if out.size:
                found.append((node, float(np.mean(derivative(out)))))
    return found


def describe_saturating(ops) -> str:
    """'8 sigmoid ops (local derivative 0.2 on average, at most 0.25) at file:line: text'."""
    names = sorted({node.op.name for node, _ in ops})
    mean = float(np.mean([d for _, d in ops]))
    limit = " at most 0.25," if names == ["sigmoid"] else ""
    lines = []
    for node, _ in ops:
        where = _where(node.source)
        if where not in lines:
            lines.append(where)
    return (f"{len(ops)} {'/'.join(names)} ops (each passes on its local derivative:{limit} "
            f"{mean:.2g} on average) at {'; '.join(lines)}")
