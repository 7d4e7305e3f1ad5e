"""The few ops the program checks read (softmaxes, reductions, layers' matmuls and convs),
found in one pass over a recording's nodes, and the op that made one of their inputs,
looked for backwards from its reader, so no check walks the whole recording again.
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter

from ..nonfinite import engine_of
from ..tensor import VariableRead

WEIGHING = ("matmul", "conv2d")   # a Dense or Conv2D layer's op: data times a kernel
LOOKED_AT = frozenset(WEIGHING + ("softmax", "log_softmax", "reduce_sum", "reduce_mean"))
_op_names = attrgetter("op.name")


def ops_named(nodes) -> dict:
    """{op name: [(position, node)]} for the tapeviz ops in LOOKED_AT (not the PyTorch
    adapter's of the same name: NCHW, `dim`), in the order they ran."""
    found: dict = {}
    # the pass over every node runs in C (~60 ns a node); Python only for the few it finds
    for position in compress(range(len(nodes)), map(LOOKED_AT.__contains__,
                                                    map(_op_names, nodes))):
        node = nodes[position]
        if engine_of(node.op) == "tf":   # the checks speak TF's layouts and words
            found.setdefault(node.op.name, []).append((position, node))
    return found


def maker(nodes, position: int, argument: int = 0, reach: int = 64):
    """(position, node) of the op that made input `argument` of the node at `position`,
    looked for among the `reach` ops before it; None for data from outside (or too far)."""
    wanted = nodes[position].input_ids[argument]
    for before in range(position - 1, max(-1, position - 1 - reach), -1):
        if nodes[before].output_id == wanted:
            return before, nodes[before]
    return None


def kernel_of(node):
    """The Variable a layer's op multiplies by, as its second operand (x @ w, conv2d(x, k)),
    or None."""
    if node.op.name in WEIGHING and len(node.inputs) > 1 and type(node.inputs[1]) is VariableRead:
        return node.inputs[1].variable
    return None
