"""A multi-class accuracy computed by a threshold: every class's score (a logit or a
probability) compared with a number such as 0.5, and the result matched element by element
with one-hot labels (`tf.equal(tf.cast(logits > 0.5, tf.float32), y_onehot)`, torch's
`((out > 0.5).float() == F.one_hot(y, C))`). Each example then counts once per class, and
all but one of those are the easy zeros: a model that predicts no class at all scores
(C-1)/C, 0.9 for ten classes, so the metric says little of the classifier. Told when the
labels are one-hot (one 1 a row) over at least three classes; a multi-label model (rows
with several 1s, or a sigmoid loss) thresholds rightly and is left alone. A binary
classifier's logits thresholded as probabilities (`logits > 0.5`, the tensor its
sigmoid-with-logits loss reads) are told too: 0.5 is a logit of probability 0.62, so the
examples between are counted as the wrong class (`logits_thresholded`).
"""
from __future__ import annotations

import numpy as np

from .findings import Finding
from .numerics import _where
from .op_index import BINARY_LOGIT_LOSSES, maker, role

_EQUAL = ("equal", "torch.eq")
_THRESHOLD = ("greater", "greater_equal", "less", "less_equal",
              "torch.gt", "torch.ge", "torch.lt", "torch.le")
LOOKED_BACK = 3   # steps read besides the shown one: a metric runs after the update
_CARRIES = ("cast", "identity", "torch.long", "torch.int", "torch.bool", "torch.type")


def thresholded_against_one_hot(steps, nodes) -> list:
    """A Finding for the first `equal` among `nodes` (the shown step's forward nodes) and
    the last LOOKED_BACK of `steps` (a Recorder stopped at a step's start ends with one
    that holds none of a step's forward ops, or only its updates) that matches a thresholded
    (examples, classes) score with one-hot labels of the same shape."""
    last = ([node for node in step.nodes if node.phase == "forward"]
            for step in reversed(steps[-LOOKED_BACK:]))
    for among in (nodes, *last):
        if any(role(node.op) in BINARY_LOGIT_LOSSES for node in among):
            continue   # a multi-label model: each class is its own yes or no
        for position, node in enumerate(among):
            if role(node.op) in _EQUAL and len(node.inputs) == 2:
                finding = _matched(among, position)
                if finding is not None:
                    return [finding]
    return []


def _matched(nodes, position: int):
    """The Finding for the `equal` at `position` when one operand is a thresholded score
    and the other one-hot labels of its shape, else None."""
    for argument in (0, 1):
        threshold = _threshold_behind(nodes, position, argument)
        if threshold is None:
            continue
        labels = np.asarray(nodes[position].inputs[1 - argument]._value)
        scores = np.asarray(threshold.inputs[0]._value)
        if scores.ndim == 2 and scores.shape[1] >= 3 and labels.shape == scores.shape \
                and _one_hot(labels):
            return _finding(nodes[position], threshold, scores, labels)
    return None


def _threshold_behind(nodes, position: int, argument: int, hops: int = 4):
    """The comparison with a number that made operand `argument` of the node at `position`,
    followed back through casts; None if none did."""
    for _ in range(hops):
        made = maker(nodes, position, argument)
        if made is None:
            return None
        position, node = made
        name = role(node.op)
        if name in _THRESHOLD:
            return node if _bound(node) is not None else None
        if name not in _CARRIES:
            return None
        argument = 0
    return None


def _bound(node):
    """The number a comparison `node` compares its first operand with, or None."""
    if len(node.inputs) > 1:
        value = np.asarray(node.inputs[1]._value)
    else:   # torch's `out > 0.5`: the number is a parameter
        value = np.asarray(node.params.get("other", np.nan))
    return float(value) if value.size == 1 and np.isfinite(value).all() else None


def _one_hot(labels: np.ndarray) -> bool:
    return labels.shape[0] >= 2 and bool(np.isin(labels, (0, 1)).all()) and \
        bool((labels.sum(axis=1) == 1).all())


def _finding(equal, threshold, scores: np.ndarray, labels: np.ndarray) -> Finding:
    examples, classes = scores.shape
    predicted = np.asarray(equal.output._value).astype(bool).mean()
    by_argmax = (scores.argmax(axis=1) == labels.argmax(axis=1)).mean()
    message = (f"the accuracy at {_where(equal.source)} matches each of the {classes} class "
               f"scores thresholded at {_bound(threshold):g} ({threshold.op.name} at "
               f"{_where(threshold.source)}) with the one-hot labels, element by element: "
               f"every example counts {classes} times, {classes - 1} of them the easy zeros, "
               f"so a model that predicts no class scores {classes - 1}/{classes} "
               f"({(classes - 1) / classes:.3f}); this batch of {examples}: {predicted:.3f} "
               f"so, {by_argmax:.3f} by each example's highest score. Fix: compare the "
               f"argmax, tf.argmax(logits, axis=1) == tf.argmax(labels, axis=1) (torch: "
               f"out.argmax(dim=1) == y)")
    return Finding("threshold_accuracy", message, equal, related=threshold.source)


def logits_thresholded(steps, nodes) -> list:
    """A Finding for the first comparison with a number between 0 and 1, among `nodes` (the
    shown step's forward nodes) and the last LOOKED_BACK of `steps`', of a value that holds
    negative numbers and has the shape of the logits a sigmoid-with-logits loss among them
    read: logits compared as if probabilities. (Shapes, not tensor ids: a Recorder's step
    run again on a look makes its tensors anew.)"""
    looked = [nodes, *([node for node in step.nodes if node.phase == "forward"]
                       for step in steps[-LOOKED_BACK:])]
    shapes = {np.shape(tensor._value) for among in looked for node in among
              if role(node.op) in BINARY_LOGIT_LOSSES for tensor in node.inputs
              if np.min(tensor._value, initial=0.0) < 0}
    if not shapes:
        return []
    for among in looked:
        for node in among:
            if role(node.op) in _THRESHOLD and node.inputs and \
                    np.shape(node.inputs[0]._value) in shapes and \
                    0 < (_bound(node) or 0) < 1 and np.min(node.inputs[0]._value) < 0:
                return [_logits_finding(node)]
    return []


def _logits_finding(node) -> Finding:
    bound = _bound(node)
    probability = 1 / (1 + np.exp(-bound))
    values = np.asarray(node.inputs[0]._value)
    between = int(np.count_nonzero((values > 0) & (values <= bound)))
    message = (f"{node.op.name} at {_where(node.source)} compares logits (shaped as those "
               f"a sigmoid-with-logits loss reads, values down to {values.min():.3g}) with "
               f"{bound:g} as if they were probabilities: a logit of {bound:g} is a "
               f"probability of {probability:.2f}, so an example predicted between 0.5 and "
               f"{probability:.2f} is counted as the other class ({between} of {values.size} "
               f"here). Fix: logits > 0, or tf.sigmoid(logits) > {bound:g} (torch: "
               f"torch.sigmoid(out) > {bound:g})")
    return Finding("logits_thresholded", message, node)
