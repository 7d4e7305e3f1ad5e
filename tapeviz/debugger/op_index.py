"""The few ops the program checks read (softmaxes, reductions, layers' matmuls and convs),
found in one pass over a recording's nodes, and the op that made one of their inputs,
looked for backwards from its reader, so no check walks the whole recording again.

The checks speak the numpy engine's op names (`role`): the PyTorch adapter's ops are mapped
to them here, once (`linear` is a layer's matmul, `sum` a reduce_sum), with what differs
in their reading (`dim` for `axis`; a layer's weight is (out, in), its units first).
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead

WEIGHING = ("matmul", "conv2d")   # a Dense or Conv2D layer's op: data times a kernel
# the losses that apply softmax to their logits themselves (torch's cross_entropy by its name)
CROSS_ENTROPIES = ("sparse_softmax_cross_entropy_with_logits",
                   "softmax_cross_entropy_with_logits", "cross_entropy")
# the losses that apply the sigmoid to their logits themselves
BINARY_LOGIT_LOSSES = ("sigmoid_cross_entropy_with_logits", "binary_cross_entropy_with_logits")
LOOKED_AT = frozenset(WEIGHING + CROSS_ENTROPIES + BINARY_LOGIT_LOSSES + (
    "softmax", "log_softmax", "reduce_sum", "reduce_mean", "log", "reshape"))
# the torch adapter's op names for the numpy engine's ops the checks read
_AS_NUMPY_ENGINE = {
    "linear": "matmul", "matmul": "matmul", "mm": "matmul", "bmm": "matmul",
    "conv2d": "conv2d", "softmax": "softmax", "log_softmax": "log_softmax",
    "sum": "reduce_sum", "mean": "reduce_mean", "log": "log", "add": "add",
    "sub": "subtract", "subtract": "subtract", "mul": "multiply", "multiply": "multiply",
    "div": "truediv", "divide": "truediv", "true_divide": "truediv", "neg": "negative",
    "float": "cast", "double": "cast", "half": "cast", "to": "cast", "clone": "identity",
    "einsum": "einsum", "cross_entropy": "cross_entropy",
    "binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
    "tensordot": "tensordot", "sigmoid": "sigmoid", "reshape": "reshape", "view": "reshape"}
_UNITS_FIRST = frozenset({"linear", "conv1d", "conv2d", "conv3d"})   # torch's (out, in, ...)
_LOOKED_AT_NAMES = LOOKED_AT | {name for name, role in _AS_NUMPY_ENGINE.items()
                                if role in LOOKED_AT}
_op_names = attrgetter("op.name")


def role(op) -> str:
    """The numpy engine's name for what `op` computes ('matmul' for torch's `linear`); a
    torch op no check reads keeps its name, prefixed so that it matches none."""
    if engine_of(op) == "tf":
        return op.name
    return _AS_NUMPY_ENGINE.get(op.name) or "torch." + op.name


def axes_of(node, ndim: int) -> tuple | None:
    """The axes a softmax or reduction of a rank-`ndim` value works along, each in
    0..ndim-1 (`axis`, or torch's `dim`; torch's softmax without one picks as torch does);
    None for all of them."""
    if engine_of(node.op) == "tf":
        axis = node.params.get("axis")
    else:
        axis = node.params.get("dim")
        if axis is None and node.op.name in ("softmax", "log_softmax"):
            axis = 0 if ndim in (0, 1, 3) else 1   # torch's _get_softmax_dim, with a warning
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(int(a) % max(ndim, 1) for a in axes)


def ops_named(nodes) -> dict:
    """{role: [(position, node)]} for the ops whose `role` is in LOOKED_AT, in the order
    they ran."""
    found: dict = {}
    # the pass over every node runs in C (~60 ns a node); Python only for the few it finds
    for position in compress(range(len(nodes)), map(_LOOKED_AT_NAMES.__contains__,
                                                    map(_op_names, nodes))):
        node = nodes[position]
        name = role(node.op)
        if name in LOOKED_AT:
            found.setdefault(name, []).append((position, node))
    return found


def maker(nodes, position: int, argument: int = 0, reach: int = 64):
    """(position, node) of the op that made input `argument` of the node at `position`,
    looked for among the `reach` ops before it; None for data from outside (or too far)."""
    wanted = nodes[position].input_ids[argument]
    for before in range(position - 1, max(-1, position - 1 - reach), -1):
        if nodes[before].output_id == wanted:
            return before, nodes[before]
    return None


def made_through(nodes, position: int, argument: int, makers, follow, hops: int):
    """The node whose op's role is among `makers` that made input `argument` of the node at
    `position`, followed back at most `hops` ops through those for which `follow(node)` names
    the input to follow on (None ends the trail); None if none did."""
    for _ in range(hops):
        made = maker(nodes, position, argument)
        if made is None:
            return None
        position, node = made
        if role(node.op) in makers:
            return node
        argument = follow(node)
        if argument is None:
            return None
    return None


def kernel_of(node):
    """The Variable a layer's op multiplies by, as its second operand (x @ w, conv2d(x, k),
    torch's linear(x, weight)), or None."""
    if role(node.op) in WEIGHING and len(node.inputs) > 1 and \
            type(node.inputs[1]) is VariableRead:
        return node.inputs[1].variable
    return None


def units_last(node, value) -> np.ndarray:
    """The kernel `value` of a layer's op with its units (output features, filters) on the
    last axis, as the numpy engine keeps them (torch keeps them first: (out, in), OIHW)."""
    if engine_of(node.op) != "tf" and node.op.name in _UNITS_FIRST:
        return np.moveaxis(value, 0, -1)
    return value
