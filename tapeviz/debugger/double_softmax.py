"""Probabilities given to a loss that applies softmax itself: `F.cross_entropy(F.softmax(z,
dim=1), y)`, or tf's `*softmax_cross_entropy_with_logits` of a softmax. The model then
trains on softmax(softmax(z)): the inner probabilities lie in [0, 1], so the loss can never
go below log(1 + (k - 1) / e) for k classes (1.46 for 10), its gradients shrink, and it
learns slowly, silently. The numpy engine also warns at the loss's call (logits_check.py);
this reads a recording's nodes, so it speaks for torch loops too.
"""
from __future__ import annotations

import math

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import CROSS_ENTROPIES, axes_of, made_through, role

_PASS_THROUGH = ("cast", "identity")   # ops that leave probabilities probabilities


def _logits_at(loss) -> tuple[int, int] | None:
    """(the argument holding the logits, the class axis) of a softmax cross-entropy op."""
    logits = 0 if engine_of(loss.op) == "torch" else 1   # torch's (input, target)
    if len(loss.inputs) <= logits:
        return None
    ndim = np.ndim(loss.inputs[logits]._value)
    if ndim == 0:
        return None
    axis = (1 if ndim > 1 else 0) if logits == 0 else loss.params.get("axis", -1) % ndim
    return logits, axis


def _softmax_before(nodes, position: int, argument: int):
    """The softmax node that made input `argument` of the node at `position`, through
    casts; or None."""
    return made_through(nodes, position, argument, ("softmax",),
                        lambda node: 0 if role(node.op) in _PASS_THROUGH else None, hops=3)


def softmax_given_as_logits(by_op: dict, nodes) -> list:
    """A Finding per softmax cross-entropy (among `by_op`, from `op_index.ops_named`) whose
    logits a softmax over the class axis made."""
    found = []
    for name in CROSS_ENTROPIES:
        for position, loss in by_op.get(name, ()):
            at = _logits_at(loss)
            softmax = _softmax_before(nodes, position, at[0]) if at is not None else None
            if softmax is None:
                continue
            ndim = np.ndim(softmax.output._value)
            if axes_of(softmax, ndim) != (at[1],):
                continue   # over another axis: batch_axis's finding, or not probabilities
            found.append(_finding(loss, softmax, np.shape(softmax.output._value)[at[1]]))
    return found


def _finding(loss, softmax, classes: int) -> Finding:
    floor = math.log(1 + (classes - 1) / math.e)
    if engine_of(loss.op) == "torch":
        applies, fix = ("log_softmax", "pass the logits: F.cross_entropy(logits, labels) with "
                        "no F.softmax before it (for probabilities you need elsewhere, "
                        "F.nll_loss(torch.log(probs), labels))")
    elif loss.scope.endswith("crossentropy"):   # in a Keras loss given from_logits=True
        applies, fix = ("softmax", "pass the logits (no softmax on the last layer: Dense(k) "
                        "with no activation), or keep the softmax and use from_logits=False")
    else:   # tf.nn's loss, which has no from_logits
        keras_loss = ("sparse_categorical_crossentropy" if loss.op.name.startswith("sparse")
                      else "categorical_crossentropy")
        applies, fix = ("softmax", f"pass the logits (no softmax before {loss.op.name}), or "
                        f"keep the softmax and use tf.keras.losses.{keras_loss}(labels, "
                        f"probabilities), which takes probabilities")
    message = (f"{loss.op.name} is given probabilities: its logits were made by "
               f"{softmax.op.name} at {_where(softmax.source)}, and {loss.op.name} applies "
               f"{applies} itself, so the model trains on softmax(softmax(z)): with "
               f"{classes} classes the loss can never go below {floor:.3g} "
               f"(log(1 + {classes - 1}/e)), its gradients shrink and it learns slowly, "
               f"silently; at {_where(loss.source)}; fix: {fix}")
    return Finding("double_softmax", message, loss, related=softmax.source)
