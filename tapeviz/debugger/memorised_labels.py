"""Labels shuffled apart from their inputs once, then memorised: the training loss falls and
the training batches are predicted far above chance, while every evaluation on held-out data
is right only as often as chance. `chance_loss` cannot see it (the loss left ln(classes));
the evaluations tell it: a model that learned anything from matching labels is right above
chance on examples it has not seen. Read from the recorded steps that computed no gradient
(evaluations: `model(test_x)` and its accuracy `argmax(logits) == labels`, or a loss on
held-out labels, model.fit's validation; each step's batches pooled) and the last trained
steps' classifier loss. Chance is what predictions
independent of the labels score: the sum over classes of the predicted share times the
labels' share.
"""
from __future__ import annotations

import math

import numpy as np

from ..nonfinite import engine_of
from .chance_loss import _logits_and_labels, logits_and_labels_of
from .findings import Finding
from .numerics import _where
from .op_index import CROSS_ENTROPIES, ops_named
from .summary import _array

MIN_EVALUATIONS = 3   # evaluations, each at chance: one alone may be an unlucky batch
MIN_EXAMPLES = 200    # evaluated examples in all: fewer cannot tell chance from a weak model
COUNTED = 8           # the last trained steps whose predictions are counted
ABOVE = 4.0           # training predictions this many standard errors above chance
WITHIN = 2.0          # each evaluation at most this many standard errors above chance
_COMPARISONS = ("equal", "eq")


def memorised_labels(steps) -> list:
    """A Finding when the last COUNTED trained `steps` predict their batches ABOVE standard
    errors over chance while the later half of the evaluations after training began (at
    least MIN_EVALUATIONS, MIN_EXAMPLES in all; the first ones may catch what the first
    steps memorised by luck) are each WITHIN standard errors of it."""
    trained = [step for step in steps if step.variable_gradients]
    if len(trained) < COUNTED:
        return []
    evaluations = [found for step in steps if not step.variable_gradients
                   and step.number > trained[0].number for found in _evaluated(step)]
    evaluations = evaluations[-max(MIN_EVALUATIONS, len(evaluations) // 2):]
    if len(evaluations) < MIN_EVALUATIONS or \
            sum(labels.size for _, labels, _ in evaluations) < MIN_EXAMPLES:
        return []
    by_op = ops_named([n for n in trained[-1].nodes if n.phase == "forward"])
    loss = next((node for name in CROSS_ENTROPIES for _, node in by_op.get(name, ())), None)
    if loss is None:
        return []
    labels_at, logits_at = (1, 0) if engine_of(loss.op) == "torch" else (0, 1)
    read = [_logits_and_labels(step, loss, logits_at, labels_at) for step in trained[-COUNTED:]]
    if None in read:
        return []
    train_right, train_chance = _right_and_chance(
        np.concatenate([logits.argmax(-1) for logits, _ in read]),
        np.concatenate([labels for _, labels in read]))
    if train_right <= _bound(train_chance, sum(labels.size for _, labels in read), ABOVE):
        return []
    scored = [(_right_and_chance(predicted, labels), labels.size)
              for predicted, labels, _ in evaluations]
    if any(right > _bound(chance, size, WITHIN) for (right, chance), size in scored):
        return []
    return [_finding(loss, trained[-COUNTED:], (train_right, train_chance), evaluations, scored)]


def _evaluated(step) -> list:
    """[(predicted classes, labels, the first op that compared them)] of `step` (an
    evaluation), its batches pooled: every `argmax(logits) == labels` it ran, else every
    classifier loss it gave logits and integer or one-hot labels (model.evaluate's, or
    fit's validation); [] when it ran neither."""
    nodes = [node for node in step.nodes if node.phase == "forward"]
    made = {node.output_id: node for node in nodes}
    compared = [(node, _argmax_against_labels(node, made)) for node in nodes
                if node.op.name in _COMPARISONS and len(node.inputs) == 2]
    compared = [(node, pair) for node, pair in compared if pair is not None]
    if not compared:
        for node in nodes:
            if node.op.name in CROSS_ENTROPIES:
                labels_at, logits_at = (1, 0) if engine_of(node.op) == "torch" else (0, 1)
                pair = logits_and_labels_of(node, logits_at, labels_at)
                if pair is not None:
                    compared.append((node, (pair[0].argmax(-1).reshape(-1), pair[1])))
    if not compared:
        return []
    return [(np.concatenate([pair[0] for _, pair in compared]),
             np.concatenate([pair[1] for _, pair in compared]), compared[0][0])]


def _argmax_against_labels(node, made: dict):
    """(predicted classes, labels) when comparison `node` reads an argmax over a model's
    classes, made in its step, and integer labels from outside; else None."""
    for at in (0, 1):
        argmax = made.get(node.input_ids[at])
        if argmax is None or argmax.op.name != "argmax" or \
                np.ndim(argmax.inputs[0]._value) != 2 or node.input_ids[1 - at] in made:
            continue
        predicted, labels = _array(node.inputs[at]), _array(node.inputs[1 - at])
        if labels.dtype.kind in "iu" and labels.shape == predicted.shape and labels.size:
            return predicted.reshape(-1), labels.reshape(-1).astype(np.int64)
    return None


def _right_and_chance(predicted, labels) -> tuple:
    """(the share of `predicted` equal to `labels`, that share expected of predictions
    independent of the labels: the sum over classes of their two shares' product)."""
    classes = int(max(predicted.max(initial=0), labels.max(initial=0))) + 1
    share = np.bincount(predicted.astype(np.int64), minlength=classes) / predicted.size
    chance = float(share @ (np.bincount(labels, minlength=classes) / labels.size))
    return float(np.mean(predicted == labels)), chance


def _bound(chance: float, size: int, errors: float) -> float:
    return chance + errors * math.sqrt(max(chance * (1.0 - chance), 1e-12) / size)


def _finding(loss, counted, train, evaluations, scored) -> Finding:
    first = evaluations[0]
    examples = sum(labels.size for _, labels, _ in evaluations)
    right = sum(r * size for (r, _), size in scored) / examples
    chance = sum(c * size for (_, c), size in scored) / examples
    seen = (f"over steps {counted[0].number}-{counted[-1].number} the model was right on "
            f"{train[0]:.0%} of its training batches (chance, predictions independent of the "
            f"labels: {train[1]:.0%}), while its last {len(evaluations)} evaluations "
            f"({first[2].op.name} at {_where(first[2].source)}) were right on {right:.1%} of "
            f"{examples} examples, as often as chance ({chance:.1%})")
    message = (f"the model memorises its training labels and learns nothing that holds on "
               f"held-out data: {seen}. Likely cause (not certain): the labels were shuffled "
               f"apart from their inputs (np.random.shuffle(y) alone, x and y shuffled "
               f"separately), so each example's label is another's and the model can only "
               f"memorise them, or the evaluation's labels are not its inputs'; the training "
               f"loss is {loss.op.name} at {_where(loss.source)}; fix: shuffle inputs and "
               f"labels with one permutation (p = rng.permutation(len(x)); x, y = x[p], y[p]); "
               f"check: look at a few inputs with their labels")
    return Finding("memorised_labels", message, loss, first[2].source, related=loss.source)
