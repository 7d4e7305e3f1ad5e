"""torch's `F.nll_loss` (`nn.NLLLoss`) given what is not log-probabilities: a model's raw
logits (`log_softmax` forgotten) or softmax's probabilities (their log forgotten). nll_loss
takes `-input[label]` as it is, so on logits the model lowers the loss without bound by
raising the label's logit (the loss goes below 0, which no cross-entropy can), and on
probabilities it learns from `-p` instead of `-log p`; nothing fails. Read from the shown
step's nll_loss ops: log-probabilities are at most 0, each row's exponentials summing to 1
(a log_softmax's along the wrong axis are none, but no logits either: `batch_axis` says it).
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter

import numpy as np

from .findings import Finding
from .numerics import _where
from .op_index import maker, role
from .summary import _array

TOLERANCE = 1e-3   # how far a float32 row's logsumexp may stray from 0
_op_names = attrgetter("op.name")


def nll_given_no_log_probabilities(nodes) -> list:
    """A Finding for the first nll_loss among `nodes` (the shown step's forward ops) whose
    input rows are not log-probabilities."""
    for position in compress(range(len(nodes)), map("nll_loss".__eq__, map(_op_names, nodes))):
        loss = nodes[position]
        if loss.phase != "forward" or not loss.inputs:
            continue
        values = np.asarray(_array(loss.inputs[0]), np.float64)
        if values.ndim < 2 or not values.size or not np.all(np.isfinite(values)):
            continue
        top = values.max(axis=1, keepdims=True)
        sums = top + np.log(np.exp(values - top).sum(axis=1, keepdims=True))
        if values.max() <= TOLERANCE and np.all(np.abs(sums) <= TOLERANCE):
            continue
        made = maker(nodes, position)
        if made is not None and role(made[1].op) == "log_softmax":
            continue   # log-probabilities along another axis: batch_axis's finding
        return [_finding(loss, values, None if made is None else made[1])]
    return []


def _finding(loss, values, producer) -> Finding:
    probabilities = bool(values.min() >= 0 and np.allclose(values.sum(axis=1), 1, atol=1e-3))
    made_by = ""
    if producer is not None:
        layer = f" in layer {producer.scope}" if producer.scope else ""
        made_by = f", made by {producer.op.name}{layer} at {_where(producer.source)}"
    if probabilities:
        given = "probabilities (each row sums to 1)"
        effect = ("learns from -p instead of -log(p): its gradients do not grow as p nears 0, "
                  "so a confident mistake costs little")
        fix = ("F.nll_loss(torch.log(probs + 1e-7), labels), or better F.cross_entropy("
               "logits, labels) on the logits before the softmax")
    else:
        given = f"logits (values from {values.min():.3g} to {values.max():.3g})"
        effect = ("takes -input[label] as the loss, so the model lowers it without bound by "
                  "raising the label's logit (the loss goes below 0, which no cross-entropy "
                  "can) instead of learning the classes")
        fix = ("F.cross_entropy(logits, labels), which applies log_softmax itself, or "
               "F.nll_loss(F.log_softmax(logits, dim=1), labels)")
    message = (f"nll_loss is given {given} where it expects log-probabilities (at most 0, "
               f"each row's exponentials summing to 1){made_by}: it {effect}; at "
               f"{_where(loss.source)}; fix: {fix}")
    return Finding("nll_of_no_log_probabilities", message, loss,
                   related=None if producer is None else producer.source)
