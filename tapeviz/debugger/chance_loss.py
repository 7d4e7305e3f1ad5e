"""A classifier that trains and learns nothing: its cross-entropy stays at ln(classes), the
loss of a uniform guess, and its predictions are right as often as always guessing the
commonest label, while its weights move and its gradients do not vanish. The model then
learns only the classes' frequencies: what it does when the labels say nothing about the
inputs, most often labels shuffled apart from their images (`np.random.shuffle(y)`, x and y
shuffled by two Datasets). Never certain (a model that cannot see its inputs looks the
same), so said as the likely cause, with what was seen, and only when `diagnose` finds
nothing else. Read from the recorded steps' losses first (a number each), and the loss
op's logits and labels only when those sit at chance: at most ln(classes), at least a little
below ln(the classes the labels hold; fewer than the outputs, the model learns the others
never occur). Not found once the model has memorized its shuffled examples (the loss falls
further, its batches seen before are predicted above chance): nothing in the training steps
then tells it from a model that learned; an evaluation on held-out data does.
"""
from __future__ import annotations

import math

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .label_source import labels_made_at
from .numerics import _where
from .op_index import CROSS_ENTROPIES, ops_named
from .summary import _array

# trained steps recorded before a stall is judged (the last half is read): a correct model
# can sit at chance for its first tens of steps (the guide's CNN in torch, default init, Adam
# 1e-3 on the digits: until about step 50, its first epoch of 44 batches all at ln(10))
MIN_STEPS = 50
NEAR = 0.01      # the loss's mean at most 1% above ln(classes), 1% below ln(the classes
#                  its labels hold) (a correct model 2% below ln(10) may still be at chance)
MOVED = 0.05     # the weights moved by at least 5% of their norm over the recorded steps
WINDOW = 50      # at most this many of the last steps' losses are read
COUNTED = 16     # the last steps whose predictions are counted (their ops read: the dashboard
#                  asks each second)


def loss_at_chance(steps) -> list:
    """A Finding when the last half (at most WINDOW) of at least MIN_STEPS trained `steps`
    (recorded steps) has a mean loss within NEAR of ln(classes) of the last one's classifier
    loss, predictions right no more often than chance, and weights that moved by MOVED of
    their norm."""
    if len(steps) < MIN_STEPS:
        return []
    last = next((step for step in reversed(steps) if step.variable_gradients), None)
    by_op = ops_named(last.nodes) if last is not None else {}
    loss = next((node for name in CROSS_ENTROPIES for _, node in by_op.get(name, ())
                 if node.phase == "forward"), None)
    if loss is None:
        return []   # (no classifier: a regression ends here)
    labels_at, logits_at = (1, 0) if engine_of(loss.op) == "torch" else (0, 1)
    classes = np.shape(loss.inputs[logits_at]._value)[-1:]
    trained = [step for step in steps if step.variable_gradients]
    if not classes or classes[0] < 3 or len(trained) < MIN_STEPS:
        return []
    window = trained[max(len(trained) // 2, len(trained) - WINDOW):]
    losses = [step.loss for step in window]
    mean = float(np.mean(losses)) if None not in losses else math.inf
    if not _near_chance(mean, classes[0], _occurring(loss, labels_at, classes[0])):
        return []   # (the last batch's labels: a class it lacks only widens this look)
    counted = window[-COUNTED:]
    read = [_logits_and_labels(step, loss, logits_at, labels_at) for step in counted]
    if None in read:
        return []
    predicted = np.concatenate([logits.argmax(-1) for logits, _ in read])
    labels = np.concatenate([labels for _, labels in read])
    occurring = min(max(2, np.unique(labels).size), classes[0])
    if not _near_chance(mean, classes[0], occurring):
        return []
    right = float(np.mean(predicted == labels))
    chance = float(np.bincount(labels).max()) / labels.size   # always the commonest label
    if right > chance + 2.0 * math.sqrt(chance * (1.0 - chance) / labels.size):
        return []
    moved = _moved(trained[0], trained[-1])
    if moved < MOVED:
        return []
    first = _logits_and_labels(trained[0], loss, logits_at, labels_at)
    return [_finding(loss, window, counted[0], mean, (classes[0], occurring), right,
                     chance, moved, trained[0], _spread(first[0]) if first else None,
                     _spread(read[-1][0]))]


def _near_chance(mean: float, classes: int, occurring: int) -> bool:
    """Whether a mean loss of `mean` is that of a model that learned at most the labels'
    frequencies: at most ln(`classes`), a uniform guess, and at least ln(`occurring`), one
    among the classes the labels hold (the model learns the others never occur)."""
    return (1.0 - NEAR) * math.log(occurring) <= mean <= (1.0 + NEAR) * math.log(classes)


def _occurring(loss, labels_at: int, classes: int) -> int:
    """How many of `classes` the labels the `loss` op was given (its last run) hold: a model
    that learns only the labels' frequencies learns that the others never occur, and its
    loss goes down to ln(that many)."""
    labels = _array(loss.inputs[labels_at])
    if labels.ndim and labels.dtype.kind in "iu":
        held = np.unique(labels).size
    else:   # one-hot, or a distribution: the classes it puts weight on
        held = int(np.count_nonzero(labels.reshape(-1, classes).sum(0)))
    return min(max(2, held), classes)


def _logits_and_labels(step, loss, logits_at: int, labels_at: int):
    """(logits, class labels as integers) of `step`'s run of the `loss` op (same op, same
    line), or None."""
    node = next((node for node in step.nodes if node.op is loss.op and node.source ==
                 loss.source and node.phase == "forward"), None)
    return None if node is None else logits_and_labels_of(node, logits_at, labels_at)


def logits_and_labels_of(node, logits_at: int, labels_at: int):
    """(logits, class labels as integers) that classifier loss `node` was given, or None."""
    logits, labels = (_array(node.inputs[logits_at]), _array(node.inputs[labels_at]))
    if labels.ndim == logits.ndim:   # one-hot (or a distribution): its likeliest class
        labels = labels.argmax(-1)
    if labels.shape != logits.shape[:-1] or labels.dtype.kind not in "iu" or \
            labels.size == 0 or labels.min() < 0:   # (torch's ignore_index, -100)
        return None
    return logits, labels.reshape(-1)


def _moved(first, last) -> float:
    """How far the trained variables moved from before `first` step to after `last`, as a
    fraction of their norm then."""
    before, after = first.variables, last.variables_after
    names = [name for name in last.variable_gradients if name in before and name in after]
    weight = sum(float(np.sum(np.square(before[name], dtype=np.float64))) for name in names)
    change = sum(float(np.sum(np.square(np.asarray(after[name], np.float64) - before[name])))
                 for name in names)
    return math.sqrt(change / weight) if weight > 0 else 0.0


def _spread(logits) -> float:
    """The logits' spread across the classes: their standard deviation, averaged over rows."""
    return float(np.mean(np.std(logits.reshape(-1, logits.shape[-1]), axis=-1)))


def _gradient_norm(step) -> float:
    return math.sqrt(sum(float(np.sum(np.square(_array(g), dtype=np.float64)))
                         for g in step.variable_gradients.values() if g is not None))


def _guess(classes: int, occurring: int) -> str:
    """'ln(10) = 2.303 being the loss of a uniform guess over 10 classes', or, when the
    labels hold fewer, that among those."""
    if occurring == classes:
        return (f"ln({classes}) = {math.log(classes):.4g} being the loss of a uniform guess "
                f"over {classes} classes")
    return (f"ln({occurring}) = {math.log(occurring):.4g} being the loss of a uniform guess "
            f"among the {occurring} classes its labels hold (of {classes} outputs; at most "
            f"ln({classes}) = {math.log(classes):.4g})")


def _finding(loss, window, counted_from, mean, classes, right, chance, moved, start,
             spread_then, spread_now) -> Finding:
    last = window[-1]
    torch = engine_of(loss.op) == "torch"
    labels_line = labels_made_at(loss.source, torch)
    spread = ""
    if spread_then is not None:
        spread = (f"; the logits' spread across the classes went from {spread_then:.3g} at "
                  f"step {start.number} to {spread_now:.3g}")
        if spread_now < spread_then:
            spread += ": the model gives every input about the same answer"
    where = (f"the labels come from {_where(labels_line)}; the loss is {loss.op.name} at "
             f"{_where(loss.source)}" if labels_line is not None else
             f"the labels are given to {loss.op.name} at {_where(loss.source)}")
    message = (f"the loss stays at chance: its mean over steps {window[0].number}-{last.number} "
               f"is {mean:.4g}, {_guess(*classes)}, and the predictions were right "
               f"{right:.1%} of the time over steps {counted_from.number}-{last.number} (always "
               f"the commonest label: {chance:.1%}), "
               f"while the weights moved ({moved:.0%} of their norm since step {start.number}) "
               f"and the gradients did not vanish (norm {_gradient_norm(start):.3g} at step "
               f"{start.number}, {_gradient_norm(last):.3g} at step {last.number}){spread}. "
               f"The model learns nothing from its inputs, as when the labels say nothing "
               f"about them; likely cause (not certain): the labels were shuffled apart from "
               f"their inputs (x and y shuffled separately, np.random.shuffle(y) alone) or "
               f"paired with the wrong ones; {where}; check: look at a few inputs with their "
               f"labels (a model that cannot see its inputs looks the same)")
    return Finding("loss_at_chance", message, loss, labels_line,
                   related=loss.source if labels_line is not None else None)
