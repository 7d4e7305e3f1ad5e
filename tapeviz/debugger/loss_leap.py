"""A loss that leaps a thousandfold in one step after an update that moved a weight by its
whole norm or more: a learning rate far too large (Adam(learning_rate=10), a slip for 1e-3),
whose first update throws the weights far past the minimum. The loss may fall back as the
units die or the optimizer's steps shrink, so it never climbs step after step as
`divergence` asks; the first leap is the finding. Read only when no divergence is found.
"""
from __future__ import annotations

import math

from ..nonfinite import engine_of
from .divergence import _finite_losses, _overshoot, largest_update
from .findings import Finding

LEAP = 1e3   # the loss multiplied in one step: no batch-to-batch noise does that
_LOWER = {"tf": "Adam's default 0.001, SGD's 0.01", "torch": "Adam's default 0.001"}


def loss_leap(steps) -> Finding | None:
    """The Finding for the first step whose loss is LEAP times its predecessor's, when that
    step's update changed a variable by at least its norm; else None."""
    losses, _ = _finite_losses(steps)
    for (before, low), (after, high) in zip(losses, losses[1:]):
        if not (0 < low and high >= LEAP * low and math.isfinite(high)):
            continue
        update = largest_update(before)
        if update is None or update.ratio < 1:
            continue   # (the weights barely moved: the data did it)
        node, overshoot = _overshoot([update], before)
        engine = engine_of(node.op) if node is not None else "tf"
        message = (f"the loss leaps x{high / low:.3g} in one step, {low:.4g} at step "
                   f"{before.number} -> {high:.4g} at step {after.number}{overshoot}; hint: the "
                   f"learning rate is far too large: one update threw the weights far past the "
                   f"minimum; lower it (by 10x or more, until the loss falls steadily: "
                   f"{_LOWER[engine]})")
        return Finding("loss_leap", message, node, variables=[update.name])
    return None
