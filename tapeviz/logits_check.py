"""Probabilities given where logits are expected: a softmax (or sigmoid) output passed to a
loss that applies softmax (sigmoid) itself, as `from_logits=True` and the
`tf.nn.*_cross_entropy_with_logits` losses do.

The model then trains on softmax(softmax(z)): its gradients shrink, it learns slowly or
stalls, and nothing fails. Keras warns when the tensor was made by a Softmax; here each of
those losses checks its logits' values, a cheap range check first (real logits are rarely
all in [0, 1]: their first few values settle most calls), then whether each row sums to 1,
and names the softmax's line and layer when a recording tape holds the op that made them.
"""
from __future__ import annotations

import numpy as np

from .fpwarnings import warn_from_user_line
from .threadstate import local

# ops that pass a tensor's values on unchanged in meaning: followed back to the softmax
_PASS_THROUGH = frozenset({"identity", "reshape", "cast", "broadcast_to", "clip_by_value"})


class ProbabilitiesAsLogitsWarning(UserWarning):
    """A loss that expects logits was given probabilities (a softmax or sigmoid output)."""


def _head_in_unit_interval(values) -> bool:
    """Whether the first few values lie in [0, 1]: real logits mostly fail here (~0.3 us)."""
    if values.dtype.kind != "f" or values.size == 0:
        return False
    return all(0.0 <= value <= 1.0 for value in values.flat[:8].tolist())


def _in_unit_interval(values) -> bool:
    return _head_in_unit_interval(values) and values.min() >= 0 and values.max() <= 1


def _producer(tensor, names):
    """The recorded node, among the tapes recording on this thread, whose op (one of
    `names`) made `tensor`, following pass-through ops back; or None."""
    for tape in reversed(local.state.tapes):
        made = {id(node.output): node for node in tape.nodes}
        node = made.get(id(tensor))
        while node is not None and node.op.name in _PASS_THROUGH and node.inputs:
            node = made.get(id(node.inputs[0]))
        if node is not None and node.op.name in names:
            return node
    return None


def _made_by(node, guess: str) -> str:
    """', the output of softmax (layer <scope>) at <line>', or the `guess` when no
    recording tape holds the op that made them."""
    if node is None or node.source is None:
        return guess
    layer = f" (layer {node.scope})" if node.scope else ""
    return f", the output of {node.op.name}{layer} at {node.source}"


def check_softmax_logits(loss: str, logits, axis: int = -1) -> None:
    """Warn from the user's line when `logits` look like a softmax's output: every value in
    [0, 1] and each row along `axis` summing to 1."""
    values = np.asarray(getattr(logits, "_value", logits))
    if values.ndim == 0 or values.shape[axis] < 2 or not _head_in_unit_interval(values):
        return
    tolerance = 1e-3 if values.dtype.itemsize <= 4 else 1e-6
    first_row = values[tuple(slice(None) if i == axis % values.ndim else 0
                             for i in range(values.ndim))]
    if abs(float(first_row.sum()) - 1.0) > tolerance or not _in_unit_interval(values) \
            or not np.allclose(values.sum(axis=axis), 1.0, rtol=0.0, atol=tolerance):
        return
    made_by = _made_by(_producer(logits, ("softmax",)), ", as a softmax makes them")
    warn_from_user_line(
        f"{loss}: the logits look like probabilities: all {values.size} values are in [0, 1] "
        f"and each row sums to 1{made_by}. This loss applies softmax itself, so the "
        f"model trains on softmax(softmax(z)): its gradients shrink and it learns slowly, "
        f"silently. Pass the logits (no softmax on the last layer: Dense(k) with no "
        f"activation), or keep the softmax and give the probabilities to a loss that takes "
        f"them (a Keras loss with from_logits=False; tf.nn's losses take logits only).",
        ProbabilitiesAsLogitsWarning)


def check_sigmoid_logits(loss: str, logits) -> None:
    """Warn from the user's line when `logits` were made by a sigmoid (values in [0, 1]
    alone are no sign here: one logit per class, with no row to sum)."""
    values = np.asarray(getattr(logits, "_value", logits))
    if not _in_unit_interval(values) or not local.state.tapes:
        return
    node = _producer(logits, ("sigmoid",))
    if node is not None:
        warn_from_user_line(
            f"{loss}: the logits are probabilities{_made_by(node, '')}. This loss applies sigmoid "
            f"itself, so the model trains on sigmoid(sigmoid(z)), stuck between 0.5 and 0.73: "
            f"it learns slowly, silently. Pass the logits (no sigmoid on the last layer), or "
            f"keep the sigmoid and give the probabilities to a loss that takes them (a Keras "
            f"loss with from_logits=False; tf.nn's losses take logits only).",
            ProbabilitiesAsLogitsWarning)
