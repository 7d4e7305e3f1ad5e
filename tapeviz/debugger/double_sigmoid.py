"""Probabilities given to a loss that applies the sigmoid itself: torch's
`nn.BCEWithLogitsLoss()(torch.sigmoid(z), y)` after a model ending in `nn.Sigmoid()`, or
tf's `sigmoid_cross_entropy_with_logits` (a Keras BinaryCrossentropy given from_logits=True)
of a `Dense(1, activation="sigmoid")`. The binary twin of `double_softmax`: the model trains
on sigmoid(sigmoid(z)), which stays between 0.5 and 0.731, so every example is predicted
positive, a label 0 costs at least log 2 whatever the model learns, and the gradients
shrink: it learns slowly, silently. Read from the loss op's logits, made by a sigmoid.
"""
from __future__ import annotations

import math

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import BINARY_LOGIT_LOSSES, made_through, role

# ops that leave probabilities probabilities (a (N, 1) output squeezed to (N,))
_PASS_THROUGH = ("cast", "identity", "squeeze", "reshape", "torch.squeeze", "torch.view",
                 "torch.reshape", "torch.flatten")
_HIGHEST = 1 / (1 + math.exp(-1))   # sigmoid(1): what sigmoid(sigmoid(z)) stays below


def sigmoid_given_as_logits(by_op: dict, nodes) -> list:
    """A Finding per sigmoid cross-entropy (among `by_op`, from `op_index.ops_named`) whose
    logits a sigmoid made."""
    found = []
    for name in BINARY_LOGIT_LOSSES:
        for position, loss in by_op.get(name, ()):
            logits = 0 if engine_of(loss.op) == "torch" else 1   # torch's (input, target)
            sigmoid = made_through(nodes, position, logits, ("sigmoid",),
                                   lambda node: 0 if role(node.op) in _PASS_THROUGH else None,
                                   hops=3) if len(loss.inputs) > logits else None
            if sigmoid is not None:
                found.append(_finding(loss, sigmoid))
    return found


def _finding(loss, sigmoid) -> Finding:
    if engine_of(loss.op) == "torch":
        fix = ("pass the logits: no nn.Sigmoid (torch.sigmoid) before "
               "F.binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss), or keep the sigmoid "
               "and use nn.BCELoss")
    elif loss.scope.endswith("crossentropy"):   # in a Keras loss given from_logits=True
        fix = ("pass the logits (no sigmoid on the last layer: Dense(1) with no activation), "
               "or keep the sigmoid and use from_logits=False")
    else:   # tf.nn's loss, which has no from_logits
        fix = ("pass the logits (no sigmoid before sigmoid_cross_entropy_with_logits), or keep "
               "the sigmoid and use tf.keras.losses.binary_crossentropy(labels, probabilities)")
    message = (f"{loss.op.name} is given probabilities: its logits were made by "
               f"{sigmoid.op.name} at {_where(sigmoid.source)}, and {loss.op.name} applies the "
               f"sigmoid itself, so the model trains on sigmoid(sigmoid(z)), which stays "
               f"between 0.5 and {_HIGHEST:.3g}: every example is predicted positive, a label "
               f"0 costs at least {math.log(2):.3g} (log 2) whatever the model learns, and its "
               f"gradients shrink, so it learns slowly, silently; at {_where(loss.source)}; "
               f"fix: {fix}")
    return Finding("double_sigmoid", message, loss, related=sigmoid.source)
