"""Logits given to a Keras cross-entropy that expects probabilities: `from_logits=False`, its
default, on a model whose last layer has no softmax (or sigmoid). The loss clips y_pred to
[1e-7, 1 - 1e-7] before its log, so every logit above 1 counts as certain, every one below 0
as impossible, and each clipped value's gradient is zero: the model learns from a wrong
loss, silently. The loss warns at its call (keras/losses.py); this reads a recording's
ops, so the widget's and the dashboard's alerts say it, once, with the op that made them.
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter

import numpy as np

from .findings import Finding
from .numerics import _where
from .op_index import maker
from .summary import _array

EPSILON = 1e-7   # Keras's clip: [EPSILON, 1 - EPSILON]
ROUNDING = 1e-5  # how far a float32 softmax's probabilities may stray past 0 and 1
_ACTIVATION = {"binary_crossentropy": "sigmoid"}   # else softmax
_op_names = attrgetter("op.name")


def logits_given_as_probabilities(nodes) -> list:
    """A Finding per Keras cross-entropy among `nodes` (the shown step's forward ops) made
    with from_logits=False whose y_pred, at its clip, holds finite values outside [0, 1]."""
    found, said = [], set()
    for position in compress(range(len(nodes)), map("clip_by_value".__eq__,
                                                    map(_op_names, nodes))):
        clip = nodes[position]
        loss = clip.scope.rsplit("/", 1)[-1]
        made = maker(nodes, position)
        if not loss.endswith("crossentropy"):   # a loss object's scope names it; a function's
            loss = _functional_loss(nodes, position, made)
        if loss is None or (loss, clip.source) in said:
            continue
        if made is not None and made[1].op.name == "truediv" and made[1].scope == clip.scope:
            made = maker(nodes, made[0])   # categorical_crossentropy's y_pred / sum(y_pred)
        values = _array(clip.inputs[0] if made is None else made[1].output)
        values = values[np.isfinite(values)]
        if values.size and (values.min() < -ROUNDING or values.max() > 1.0 + ROUNDING):
            said.add((loss, clip.source))
            found.append(_finding(loss, clip, values, None if made is None else made[1]))
    return found


def _functional_loss(nodes, position: int, made) -> str | None:
    """The Keras cross-entropy whose clip of y_pred is `nodes[position]`, called as a function
    (no scope names it), read from its bounds and the ops after it: the log of the clipped
    value read by the sparse loss's op, or of y_pred / sum(y_pred) (categorical), or beside a
    log of 1 - y_pred (binary); None for any other clip."""
    clip = nodes[position]
    bounds = [float(_array(bound)) if _array(bound).size == 1 else None
              for bound in clip.inputs[1:3]]
    if None in bounds or not np.allclose(bounds, [EPSILON, 1.0 - EPSILON], rtol=1e-6, atol=0):
        return None   # (not Keras's clip)
    readers = [n for n in nodes[position + 1:] if clip.output_id in n.input_ids]
    logs = [n.output_id for n in readers if n.op.name == "log"]
    if not logs:
        return None
    if any(n.op.name == "sparse_softmax_cross_entropy_with_logits"
           and any(i in logs for i in n.input_ids) for n in nodes[position + 1:]):
        return "sparse_categorical_crossentropy"
    if made is not None and made[1].op.name == "truediv":
        return "categorical_crossentropy"
    if any(n.op.name == "subtract" for n in readers):
        return "binary_crossentropy"
    return None


def _finding(loss: str, clip, values, producer) -> Finding:
    made_by = ""
    if producer is not None:
        layer = f" in layer {producer.scope}" if producer.scope else ""
        made_by = f", made by {producer.op.name}{layer} at {_where(producer.source)}"
    shares = [(float(np.mean(values < EPSILON)), "impossible (0 or less)"),
              (float(np.mean(values > 1.0 - EPSILON)), "certain (1 or more)")]
    clipped = " and ".join(f"{share:.0%} as {what}" for share, what in shares if share)
    keras_class = "".join(word.title() for word in loss.split("_"))
    message = (f"{loss} is given logits where it expects probabilities (from_logits=False, "
               f"its default): y_pred holds values from {values.min():.3g} to "
               f"{values.max():.3g}{made_by}; it clips them to [1e-07, 1 - 1e-07] before its "
               f"log, so it counts {clipped}, each with a zero gradient, and the model "
               f"learns from a wrong loss, silently; at "
               f"{_where(clip.source)}; fix: {keras_class}(from_logits=True), or end the model "
               f"with activation='{_ACTIVATION.get(loss, 'softmax')}'")
    return Finding("logits_as_probabilities", message, clip,
                   related=None if producer is None else producer.source)
