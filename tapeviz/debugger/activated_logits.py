"""An activation on a classifier's last layer before a loss that applies softmax itself:
`Dense(10, activation="relu")` (or sigmoid, tanh) under `from_logits=True` or tf.nn's
`*softmax_cross_entropy_with_logits` (torch's `F.cross_entropy`). A relu's logits cannot go
below 0, and where it cuts one the loss's gradient stops: that class's score stops learning
for that input, and a unit cut for every input never learns again. A sigmoid's or tanh's
logits are bounded, so the softmax can never be confident and the loss has a floor. The
model learns slowly, silently. Read from the loss op's logits, made by the activation.
"""
from __future__ import annotations

import math

import numpy as np

from ..nonfinite import engine_of
from .double_softmax import _logits_at
from .findings import Finding
from .numerics import _where
from .op_index import CROSS_ENTROPIES, made_through, role

# the activations, by the name of their op (torch's relu and tanh keep torch's names)
_BOUNDS = {"relu": (0.0, math.inf), "torch.relu": (0.0, math.inf),
           "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "torch.tanh": (-1.0, 1.0)}
_PASS_THROUGH = ("cast", "identity")


def activated_logits(by_op: dict, nodes) -> list:
    """A Finding per softmax cross-entropy (among `by_op`, from `op_index.ops_named`) whose
    logits a relu, sigmoid or tanh made."""
    found = []
    for name in CROSS_ENTROPIES:
        for position, loss in by_op.get(name, ()):
            at = _logits_at(loss)
            activation = made_through(nodes, position, at[0], tuple(_BOUNDS),
                                      lambda node: 0 if role(node.op) in _PASS_THROUGH
                                      else None, hops=3) if at is not None else None
            if activation is not None:
                found.append(_finding(loss, activation, np.shape(activation.output._value)[-1]))
    return found


def _finding(loss, activation, classes: int) -> Finding:
    kind = role(activation.op).removeprefix("torch.")
    low, high = _BOUNDS[kind]
    logits = np.asarray(activation.output._value)
    layer = f" in layer {activation.scope}" if activation.scope else ""
    if kind == "relu":
        cut = float(np.mean(logits <= 0.0))
        dead = int(np.sum(np.all(logits.reshape(-1, classes) <= 0.0, axis=0))) if \
            logits.ndim else 0
        effect = (f"they cannot go below 0, and where relu cut them ({cut:.0%} of them in this "
                  f"step) the loss's gradient stops, so that class's score stops learning for "
                  f"that input; a unit cut for every input never learns again ({dead} of "
                  f"{classes} are, in this batch)")
    else:
        floor = math.log(1 + (classes - 1) / math.exp(high - low))
        effect = (f"they lie between {low:g} and {high:g}, so the softmax can never be "
                  f"confident: with {classes} classes the loss can never go below "
                  f"{floor:.3g}, and its gradients shrink as {kind} saturates")
    fix = (f"no activation on the last layer (Dense({classes}), the raw scores: the loss "
           f"applies softmax itself)" if engine_of(loss.op) == "tf" else
           "no activation after the last layer (its nn.Linear's raw scores: cross_entropy "
           "applies log_softmax itself)")
    message = (f"{loss.op.name} applies softmax to logits made by {kind}{layer} at "
               f"{_where(activation.source)}, an activation on the last layer: {effect}; "
               f"the model learns slowly, silently; the loss at {_where(loss.source)}; "
               f"fix: {fix}")
    return Finding("activated_logits", message, activation, related=loss.source)
