"""Training batches that each hold one class: data sorted by label and never shuffled (no
shuffle, `shuffle(1)`, a buffer far smaller than the dataset, or a shuffle of whole batches).
Every step then pulls the model toward the class of its batch, the loss jumps from batch
to batch and the model ends predicting the last classes it saw. Read from the labels the
last trained steps' classifier loss was given: batches of at least MIN_BATCH examples that
hold at most FEW classes each, one in most, three or more classes each the only one of some
batch (random batches of 32 from 10 classes hold about 10; imbalanced data's batches hold its
dominant class, the same one in each).
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .chance_loss import _logits_and_labels, logits_and_labels_of
from .findings import Finding
from .numerics import _where
from .op_index import CROSS_ENTROPIES, ops_named

COUNTED = 16     # the last trained steps whose labels are read
MIN_STEPS = 4
MIN_BATCH = 8
FEW = 2          # classes a batch holds, at most, in every counted step (one where a class
#                  ends and the next begins), and one in many of them
MEAN_CLASSES = 1.75   # classes a batch holds on average, at most: a class of 51 examples cut
#                       into batches of 32 (the digits sorted) gives 1.6


def batches_of_one_class(steps) -> list:
    """A Finding when each of the last COUNTED (at least MIN_STEPS) trained `steps` gave its
    classifier loss a batch of MIN_BATCH or more labels of at most FEW classes
    (MEAN_CLASSES on average), and three or more classes are each the only one of some batch."""
    trained = [step for step in steps if step.variable_gradients][-COUNTED:]
    if len(trained) < MIN_STEPS:
        return []
    loss = classifier_loss([node for node in trained[-1].nodes if node.phase == "forward"])
    if loss is None:
        return []
    at = _arguments(loss)
    return one_class_batches([(step.number, _labels(_logits_and_labels(step, loss, *at)))
                              for step in trained], loss)


def classifier_loss(nodes):
    """The first classifier loss (a cross-entropy over classes) among `nodes`, else None."""
    by_op = ops_named(nodes)
    return next((node for name in CROSS_ENTROPIES for _, node in by_op.get(name, ())), None)


def labels_given(loss):
    """The class labels (integers) classifier loss node `loss` was given, else None."""
    return _labels(logits_and_labels_of(loss, *_arguments(loss)))


def _arguments(loss) -> tuple:
    """(the logits' argument, the labels') of classifier loss node `loss`: torch's
    cross_entropy(logits, labels), TF's (labels, logits)."""
    return (0, 1) if engine_of(loss.op) == "torch" else (1, 0)


def _labels(read):
    return None if read is None else read[1]


def one_class_batches(given: list, loss) -> list:
    """The finding of `batches_of_one_class` from `given`, [(step number, the labels its
    classifier loss `loss` (the last step's) was given, or None)] of trained steps in order:
    the last COUNTED read (at least MIN_STEPS; the Dashboard's, kept a step at a time)."""
    given = given[-COUNTED:]
    if len(given) < MIN_STEPS:
        return []
    held = []
    for _, labels in given:
        if labels is None or labels.size < MIN_BATCH:
            return []
        classes = np.unique(labels)
        if classes.size > FEW:
            return []
        held.append(classes.tolist())
    union = sorted({label for classes in held for label in classes})
    alone = {classes[0] for classes in held if len(classes) == 1}
    if len(alone) < 3 or sum(len(classes) for classes in held) > MEAN_CLASSES * len(held):
        return []   # (data of one dominant class, imbalanced: its batches hold that one)
    first, last = given[0][0], given[-1][0]
    shown = ", ".join("/".join(map(str, classes)) for classes in held[:8])
    message = (f"each training batch holds examples of one class or two (their classes by "
               f"batch over steps {first}-{last}: {shown}{', ...' if len(held) > 8 else ''}; "
               f"{len(union)} classes in all), as given to {loss.op.name} at "
               f"{_where(loss.source)}: the data "
               f"is sorted by label and not shuffled (no shuffle, shuffle(1), a buffer far "
               f"smaller than the dataset, or a shuffle after batch), so each step pulls the "
               f"model toward one class and it ends predicting the last ones it saw; fix: "
               f"shuffle the examples before batching, with a buffer as large as the data: "
               f"dataset.shuffle(len(x)).batch(32) (torch: DataLoader(..., shuffle=True))")
    return [Finding("sorted_batches", message, loss)]
