"""A softmax over the steps of a sequence, not its classes: `tf.nn.softmax(logits, axis=1)` (or
torch's `F.softmax(logits, dim=1)`) on a (batch, steps, classes) output of a layer whose
units, the classes, lie on the last axis. Each class is normalised across a sequence's steps,
so a step's probabilities do not sum to 1 and the loss built on them trains the model to
pick a step for each class. Nothing fails (axis 1 is a 2-D model's class axis, the habit).
The classes are the last axis when the value comes, through a few elementwise ops and the
reshapes a Dense layer makes of a 3-D input, from a layer's x @ w."""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .batch_axis import _kernel_first
from .findings import Finding
from .numerics import _where
from .op_index import axes_of, maker, role

_ALONG = ("add", "bias_add", "subtract", "multiply", "truediv", "identity", "cast", "reshape")


def _units_last(nodes, position: int, hops: int = 6) -> bool:
    """Whether the value the softmax at `position` reads comes from a layer's x @ w whose
    units are its last axis (the same size), following each op's first made input."""
    classes = np.shape(nodes[position].inputs[0]._value)[-1]
    for _ in range(hops):
        made = next((m for m in (maker(nodes, position, argument) for argument in
                                 range(len(nodes[position].inputs))) if m is not None), None)
        if made is None:
            return False
        position, source = made
        name = role(source.op)
        if name == "matmul":   # x @ w: w a variable's read (Dense's 3-D tensordot reshapes it)
            kernel = _kernel_first(source)
            return (kernel is False or kernel is None and _weight(nodes, position, 1)
                    and type(source.inputs[0]) is not VariableRead) \
                and np.shape(source.output._value)[-1] == classes
        if name not in _ALONG:
            return False
    return False


def _weight(nodes, position: int, argument: int, hops: int = 4) -> bool:
    """Whether input `argument` of the node at `position` is a variable's read, or one
    reshaped, transposed or cast (tensordot's kernel)."""
    for _ in range(hops):
        if type(nodes[position].inputs[argument]) is VariableRead:
            return True
        made = maker(nodes, position, argument)
        if made is None or role(made[1].op) not in ("reshape", "transpose", "cast", "identity"):
            return False
        position, argument = made[0], 0
    return False


def _finding(node) -> Finding:
    value = np.asarray(node.output._value, np.float64)
    axis = axes_of(node, value.ndim)[0]
    sums = value.sum(axis=-1)
    name, shape = node.op.name, value.shape
    if engine_of(node.op) == "tf":
        where, fix = f"axis {axis}", f"tf.nn.{name}(logits) (axis=-1, the default)"
    else:
        where, fix = f"dim {axis}", f"F.{name}(logits, dim=-1)"
    message = (f"{name} over {where} of {shape}, the {shape[axis]} steps of each sequence, "
               f"while its {shape[-1]} classes, the units of the layer that made it, lie on "
               f"the last axis: each class is normalised across the steps, so a step's "
               f"probabilities do not sum to 1 (they sum to {sums.min():.3g} to "
               f"{sums.max():.3g} here) and the model learns which step a class goes to, not "
               f"which class a step is; at {_where(node.source)}; fix: normalise over the "
               f"classes, the last axis: {fix}")
    return Finding("softmax_axis", message, node)


def softmax_over_steps(nodes) -> list:
    """A Finding per softmax/log_softmax over a middle axis of a rank-3+ value whose last
    axis holds a layer's units."""
    found = []
    for position, node in enumerate(nodes):
        if role(node.op) not in ("softmax", "log_softmax") or not node.inputs:
            continue
        ndim = np.ndim(node.inputs[0]._value)
        axes = axes_of(node, ndim) if ndim >= 3 else None
        if axes is not None and len(axes) == 1 and 0 < axes[0] < ndim - 1 and \
                _units_last(nodes, position):
            found.append(_finding(node))
    return found
