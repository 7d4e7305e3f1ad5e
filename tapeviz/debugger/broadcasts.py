"""Accidental outer products, a `diagnose` finding: an elementwise op that broadcast operands
which all grew (a (4,) against a (4, 1): 16 values from 4 + 4), on the way to the loss, with
the op, the user's line and, for a trailing axis of 1, the squeeze that fixes it. torch's
elementwise losses (`nn.MSELoss()(pred, y)` of a (N, 1) against a (N,)) broadcast inside
the loss, whose output is already reduced: their inputs' shapes are judged alone.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _op_name, _where


_shape = operator.attrgetter("_value.shape")   # a tensor's shape (its numpy value's)
# torch's losses that broadcast the prediction against the target (torch only warns); the
# numpy engine's Keras losses squeeze a trailing axis of 1 first, as TensorFlow's do
_PAIRWISE_LOSSES = frozenset({"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"})


def _outer_broadcast(shapes: tuple, out_shape: tuple) -> bool:
    """Whether an elementwise op broadcast operands of `shapes` to `out_shape` with every
    operand smaller than the result (a matmul's given as its batch axes alone: (200, 1) @
    (1, 8), a layer on one feature, is none)."""
    try:
        if np.broadcast_shapes(*shapes) != out_shape:
            return False
    except ValueError:
        return False
    size = math.prod(out_shape)
    return size > 1 and all(math.prod(shape) < size for shape in shapes)


def _broadcast(shapes: tuple) -> tuple | None:
    """The shape `shapes` broadcast to, or None where they do not (torch raised then)."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def outer_broadcasts(nodes) -> list:
    """Outer-product broadcasts among `nodes`; each distinct set of shapes is judged once
    (a long tape repeats a few), and each op's line with its shapes is said once (a loop
    runs it again: one mistake)."""
    found, verdicts, said = [], {}, set()
    for node in nodes:
        pairwise = node.op.name in _PAIRWISE_LOSSES and engine_of(node.op) == "torch"
        if not (pairwise or getattr(node.op, "broadcasting", False)) or len(node.inputs) < 2:
            continue
        shapes = tuple(map(_shape, node.inputs[:2] if pairwise else node.inputs))
        out_shape = _broadcast(shapes) if pairwise else _shape(node.output)
        if node.op.kind == "linalg":   # a matmul broadcasts its batch axes alone
            shapes, out_shape = tuple(shape[:-2] for shape in shapes), out_shape[:-2]
        verdict = verdicts.get((shapes, out_shape))
        if verdict is None:
            verdict = verdicts[shapes, out_shape] = _outer_broadcast(shapes, out_shape)
        where = (node.op.name, shapes, out_shape, node.source and (node.source.filename,
                                                                   node.source.lineno))
        if verdict and where not in said:
            said.add(where)
            found.append(Finding("outer_broadcast", _broadcast_message(node, shapes, out_shape,
                                                                       pairwise), node))
    return found


def _broadcast_message(node, shapes: tuple, out_shape: tuple, pairwise: bool) -> str:
    sizes = [math.prod(shape) for shape in shapes]
    # a loss of every prediction against every target is least at the targets' mean
    meaning = (": every prediction is compared with every target, so the model learns to "
               "predict the targets' mean for every input" if pairwise else "")
    message = (f"{_op_name(node)} broadcast {' and '.join(map(str, shapes))} to {out_shape}: "
               f"both operands grew ({math.prod(out_shape)} values from "
               f"{' + '.join(map(str, sizes))}), an outer product{meaning}; at "
               f"{_where(node.source)}")
    ordered = sorted(shapes, key=len)
    if len(ordered) == 2 and ordered[1] == ordered[0] + (1,):
        squeeze = {"tf": "tf.squeeze the", "torch": ".squeeze(-1) the"}[engine_of(node.op)]
        message += (f"; hint: {ordered[0]} against {ordered[1]}: reshape one so they "
                    f"match, e.g. {squeeze} {ordered[1]} operand")
    return message
