"""A Huber loss written by hand whose `where` picks the wrong branch: the lecture's
`tf.where(residual > delta, small, large)` for `residual < delta` (or the branches swapped
under the right condition, or the signed error compared where its absolute value is meant).
A Huber loss is 0.5 * r**2 inside delta and delta * |r| - 0.5 * delta**2 beyond it; with the
branches crossed, outliers weigh as in a squared error and residuals within delta get the
linear piece, below zero for |r| < delta / 2. The loss still falls and nothing fails.

Read from the shown step's forward ops: a `where` (either engine) whose condition compares a
residual with a scalar delta and whose two branches hold, element by element, those two
pieces of that residual; the finding counts the elements that got the other piece.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import maker
from .summary import _array

_COMPARISONS = frozenset({"less", "less_equal", "greater", "greater_equal",
                          "lt", "le", "gt", "ge"})   # (the latter torch's)
_MARGIN = 1e-3   # residuals this close to delta (relatively) take either piece
_FIX = {"tf": "tf.where(tf.abs(error) <= delta, 0.5 * tf.square(error), "
              "delta * tf.abs(error) - 0.5 * delta ** 2), or the built-in "
              "tf.keras.losses.Huber(delta)",
        "torch": "torch.where(error.abs() <= delta, 0.5 * error ** 2, "
                 "delta * (error.abs() - 0.5 * delta)), or the built-in "
                 "F.huber_loss(prediction, target, delta=delta)"}


def huber_branches_crossed(nodes) -> list:
    """A Finding for the first `where` among `nodes` (a step's forward ops) that computes a
    Huber loss with some residual given the other branch's piece."""
    for position, node in enumerate(nodes):
        if node.op.name != "where" or len(node.inputs) != 3:
            continue
        compared = _compared(nodes, position)
        if compared is None:
            continue
        residual, delta = compared
        crossed = _crossed(node, residual, delta)
        if crossed is not None:
            return [_finding(node, residual, delta, *crossed)]
    return []


def _compared(nodes, position):
    """(the residual, delta) that the condition of the `where` at `position` compares, when
    an op of the step made it from an array and one positive number; None otherwise."""
    made = maker(nodes, position, 0)
    if made is None or made[1].op.name not in _COMPARISONS:
        return None
    node = made[1]
    values = [_array(tensor) for tensor in node.inputs]
    if "other" in node.params:   # (torch's `error.abs() > delta`: the number a parameter)
        values.append(np.asarray(node.params["other"]))
    arrays = [v for v in values if v.size > 1]
    numbers = [v for v in values if v.size == 1]
    if len(arrays) != 1 or len(numbers) != 1 or not np.issubdtype(arrays[0].dtype, np.floating):
        return None
    delta = float(numbers[0])
    return (arrays[0].astype(np.float64), delta) if delta > 0 else None


def _crossed(node, residual, delta):
    """(residuals within delta given the linear piece, those beyond given the quadratic, the
    smallest loss) when the `where` node's branches are the two Huber pieces of `residual`
    and some residual got the other's; None otherwise."""
    shape = _array(node.output).shape
    try:
        size = np.broadcast_to(np.abs(residual), shape)
        first, second = (np.broadcast_to(_array(x).astype(np.float64), shape)
                         for x in node.inputs[1:])
    except ValueError:
        return None
    quadratic = 0.5 * size ** 2
    linear = delta * size - 0.5 * delta ** 2
    close = dict(rtol=1e-4, atol=1e-6 * delta ** 2)
    if np.allclose(first, quadratic, **close) and np.allclose(second, linear, **close):
        picked_quadratic = np.asarray(_array(node.inputs[0]), dtype=bool)
    elif np.allclose(first, linear, **close) and np.allclose(second, quadratic, **close):
        picked_quadratic = ~np.asarray(_array(node.inputs[0]), dtype=bool)
    else:
        return None
    picked_quadratic = np.broadcast_to(picked_quadratic, shape)
    within = size < delta * (1 - _MARGIN)
    beyond = size > delta * (1 + _MARGIN)
    inside_linear = int(np.count_nonzero(within & ~picked_quadratic))
    outside_quadratic = int(np.count_nonzero(beyond & picked_quadratic))
    if inside_linear + outside_quadratic == 0:
        return None
    return inside_linear, outside_quadratic, int(np.count_nonzero(within)), \
        int(np.count_nonzero(beyond)), float(np.min(_array(node.output)))


def _finding(node, residual, delta, inside_linear, outside_quadratic, within, beyond,
             lowest) -> Finding:
    engine = engine_of(node.op)
    parts = []
    if inside_linear:
        parts.append(f"{inside_linear} of the {within} residuals within delta took the linear "
                     f"piece delta * |r| - 0.5 * delta**2 (below zero for |r| < delta / 2: the "
                     f"smallest loss {lowest:.3g})")
    if outside_quadratic:
        parts.append(f"{outside_quadratic} of the {beyond} beyond it took the quadratic "
                     f"0.5 * r**2, so those outliers weigh as in a squared error")
    signed = bool(np.any(residual < 0))
    cause = ("the condition compares the signed error, so residuals below -delta count as "
             "within it: compare its absolute value" if signed and not inside_linear else
             "the condition picks each piece where the other belongs")
    message = (f"the Huber loss at {_where(node.source)} takes the wrong branch of {node.op.name} "
               f"(delta {delta:.3g}): {'; '.join(parts)}; a Huber loss is 0.5 * r**2 for "
               f"|r| <= delta and linear beyond: {cause}; fix: {_FIX[engine]}")
    return Finding("huber_branches_crossed", message, node)
