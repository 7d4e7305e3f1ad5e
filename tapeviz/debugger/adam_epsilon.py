"""Adam's epsilon far larger than the gradients, a `diagnose` finding: Adam divides each
weight's averaged gradient by the root of its averaged square plus epsilon, so each weight
moves by about the learning rate whatever its gradient's scale. An epsilon meant to be
tiny (1e-8 in torch, 1e-7 in Keras) but given as 1, or a learning rate passed in its place,
outweighs that root: the update is then about lr * g / epsilon, plain SGD at a rate of
lr / epsilon, and the weights move many times slower than Adam would move them. Nothing
fails; the loss falls slowly.

Read from the update ops of the last trained steps (both engines' Adam steps carry their
epsilon as a parameter) and the steps' gradients; when epsilon is under EPSILON_LOOKED_AT
(every default) nothing else is read.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .divergence import optimizer_line
from .findings import Finding
from .numerics import _where
from .summary import _array

EPSILON_LOOKED_AT = 1e-3   # an epsilon this small never outweighs a gradient that trains
OUTWEIGHS = 10.0           # epsilon at least this many times every gradient's root mean square
_DEFAULT = {"tf": "1e-07 for tf.keras.optimizers.Adam", "torch": "eps=1e-08 for torch.optim.Adam"}


def _adam_update(step):
    """The step's last Adam update op (the numpy engine's or torch's), looked for from its
    end, where the updates run, or None."""
    for node in reversed(step.nodes):
        if node.op.kind == "update" and "adam" in node.op.name and (
                "eps" in node.params or "epsilon" in node.params):
            return node
    return None


def _epsilon(update) -> float:
    return update.params.get("eps", update.params.get("epsilon"))


def epsilon_outweighs_gradients(trained: list) -> list:
    """A Finding when in each of the `trained` steps (the last ones, `unapplied.last_trained`)
    an Adam update ran with an epsilon of at least EPSILON_LOOKED_AT and at least OUTWEIGHS
    times the root mean square of every variable's gradient."""
    last = _adam_update(trained[-1]) if trained else None
    if last is None or _epsilon(last) < EPSILON_LOOKED_AT:
        return []   # (every default: the last step's update alone is read)
    updates = [_adam_update(step) for step in trained[:-1]] + [last]
    if None in updates:
        return []
    epsilon = min(map(_epsilon, updates))
    if epsilon < EPSILON_LOOKED_AT:
        return []
    largest = None   # (root mean square, variable name, step)
    for step in trained:
        for name, gradient in step.variable_gradients.items():
            if gradient is None:
                continue
            value = _array(gradient).astype(np.float64)
            rms = float(np.sqrt(np.mean(value * value))) if value.size else 0.0
            if largest is None or rms > largest[0]:
                largest = (rms, name, step)
    if largest is None or not largest[0] * OUTWEIGHS <= epsilon:
        return []
    return [_finding(updates[-1], epsilon, largest, trained)]


def _finding(update, epsilon: float, largest: tuple, trained: list) -> Finding:
    rms, name, _ = largest
    engine = engine_of(update.op)
    made_at = optimizer_line(trained[-1])
    made = f", the optimizer made at {_where(made_at)}" if made_at is not None else ""
    rate = update.params.get("lr")
    slower = f"{epsilon / rms:.3g}" if rms > 0 else "infinitely many"
    sgd = (f"plain SGD at lr / epsilon = {rate / epsilon:.3g}" if rate is not None
           else "plain SGD at the learning rate divided by epsilon")
    first, last = trained[0].number, trained[-1].number
    steps = f"steps {first}-{last}" if first != last else f"step {first}"
    message = (f"Adam's epsilon is {epsilon:g} ({update.op.name} at {_where(update.source)}"
               f"{made}), far larger than the gradients: their root mean square is at most "
               f"{rms:.3g} ({name}, {steps}), so Adam's update lr * m / (sqrt(v) + epsilon) "
               f"is about lr * g / epsilon, {sgd}: the weights move at least {slower} times slower "
               f"than Adam's step of about lr; fix: leave epsilon at its default "
               f"({_DEFAULT[engine]}), or give the learning rate and epsilon by name, if one "
               f"was passed in the other's place")
    return Finding("adam_epsilon_large", message, update, related=made_at,
                   variables=list(trained[-1].variable_gradients))
