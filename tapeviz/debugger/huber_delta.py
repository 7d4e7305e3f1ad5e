"""A Huber loss whose delta is in the wrong units: `huber(y, y_pred, delta=0.001)` on targets
in years (or a delta of 1 on prices in dollars). Every residual lies far beyond delta, so
the loss is delta * |residual| for every example, its gradient at most delta times the
input: each update is about lr x delta and the weights barely move, while nothing fails.
Read from the last trained steps' forward ops: the numpy engine's comparison of an `abs`
with delta that feeds the loss's `where` (Keras's huber, the lecture's own), torch's
`huber_loss` and its delta. The early steps of a correct fit (the lecture's delta=14 years
against residuals of ~60 at w = 0) stay within RATIO; a correct run reads one pass a step.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _op_name, _where
from .op_index import maker

RATIO = 100.0    # every residual this many deltas or more beyond it: no outlier rule, units
_BELOW = {"less": 0, "less_equal": 0, "greater": 1, "greater_equal": 1}   # the residual's side


def huber_delta_too_small(last_steps) -> list:
    """A Finding when in each of `last_steps` (the last trained ones, 3 or more) a Huber
    loss's every residual is RATIO times its delta or more."""
    if len(last_steps) < 3:
        return []
    last = _beyond_delta(last_steps[-1])   # (a correct run ends here)
    if last is None or any(_beyond_delta(step) is None for step in last_steps[:-1]):
        return []
    node, delta, residuals = last
    numbers = [step.number for step in last_steps]
    message = (f"the Huber loss's delta is {delta:.3g}, while every residual lies {RATIO:.0f}x "
               f"or more beyond it in each of the last {len(numbers)} steps (steps "
               f"{numbers[0]}-{numbers[-1]}; at step {numbers[-1]} the smallest "
               f"{residuals.min():.3g}, the median {np.median(residuals):.3g}), by "
               f"{_op_name(node)} at {_where(node.source)}: the loss is then delta * |residual| "
               f"for every example, whose gradient is at most delta ({delta:.3g}) times the "
               f"input, so every update is about the learning rate x {delta:.3g} and the "
               f"weights barely move; delta is in the targets' units (the residual beyond "
               f"which an example counts as an outlier); fix: a delta on the residuals' scale "
               f"(the lecture's 14.0 for years of life), or targets scaled to about 1")
    return [Finding("huber_delta_too_small", message, node)]


def _beyond_delta(step):
    """(the node, delta, the residuals) of `step`'s Huber loss whose residuals all lie RATIO
    deltas or more beyond it; None when there is none."""
    nodes = [node for node in step.nodes if node.phase == "forward"]
    for position, node in enumerate(nodes):
        name = node.op.name
        if engine_of(node.op) != "tf":
            if name != "huber_loss" or len(node.inputs) < 2:
                continue
            delta = float(node.params.get("delta", 1.0))
            residuals = np.abs(np.asarray(node.inputs[0]._value, dtype=np.float64)
                               - np.asarray(node.inputs[1]._value, dtype=np.float64))
        elif name in _BELOW and len(node.inputs) == 2:
            side = _BELOW[name]
            made = maker(nodes, position, side)
            threshold = np.asarray(node.inputs[1 - side]._value)
            if made is None or made[1].op.name != "abs" or threshold.size != 1:
                continue
            delta = float(threshold)
            residuals = np.asarray(node.inputs[side]._value, dtype=np.float64)
        else:
            continue
        if delta > 0 and residuals.size and residuals.min() >= RATIO * delta:
            return node, delta, residuals.ravel()
    return None
