"""A regression that predicts the same value for every input and has stopped learning: its
loss flat at the targets' variance when that value is their mean (a model that learned only
the bias), or higher. Nothing fails; the loss looks like a plateau. Said when the cause is
seen too: a weight the prediction reads never given to tape.gradient (the gradient of the
wrong variable); updates that change nothing, a learning rate of 0, are `unmoved`'s finding
whatever the model predicts. Judged, as
`chance_loss` is, only when `diagnose` finds nothing else, on the last half (at most WINDOW)
of at least MIN_STEPS trained steps: the prediction and its targets read from the
subtraction whose difference is squared or made absolute, its spread over the window
against theirs. A correct regression early in training (the lecture's Huber loss) is no
finding: its loss still falls and its slope has moved.
"""
from __future__ import annotations

import numpy as np

from ..variable import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _op_name, _where
from .op_index import maker, role
from .output_range import _squared
from .summary import _array

MIN_STEPS = 20   # trained steps recorded before a plateau is judged
WINDOW = 50      # at most this many of the last steps are read
SPREAD = 0.01    # the predictions' spread under 1% of the targets': the same for every input
STALLED = 0.01   # the loss's last quarter within 1% of the quarter before: it stopped falling


def constant_prediction(steps) -> list:
    """A Finding when the last half of at least MIN_STEPS trained `steps` predicts the same
    value for every input, the loss stopped falling, and a weight the prediction reads
    was never given to tape.gradient."""
    trained = [step for step in steps if step.variable_gradients]
    if len(trained) < MIN_STEPS:
        return []
    nodes = [node for node in trained[-1].nodes if node.phase == "forward"]
    error = _regression_error(nodes)
    if error is None:
        return []
    untrained = _never_given(trained, nodes)   # (first: the last step's values, no loss)
    if not untrained:
        return []   # (every weight trains: the inputs may not predict the targets)
    window = trained[max(len(trained) // 2, len(trained) - WINDOW):]
    losses = [step.loss for step in window]
    half = len(window) // 2
    if None in losses or np.mean(losses[half:]) < (1 - STALLED) * np.mean(losses[:half]):
        return []   # (still falling)
    read = [_prediction_and_targets(step, *error) for step in window]
    if None in read:
        return []
    predicted = np.concatenate([prediction for prediction, _ in read])
    targets = np.concatenate([target for _, target in read])
    spread = float(np.std(targets))
    if spread == 0 or np.std(predicted) > SPREAD * spread:
        return []
    return [_finding(error[0], window, predicted, targets, untrained)]


def _regression_error(nodes):
    """(the subtraction of data from a prediction, or the other way round, whose difference
    is squared or made absolute; which of its inputs is the prediction), or None."""
    for position, node in enumerate(nodes):
        if role(node.op) == "subtract" and len(node.inputs) == 2 and _squared(nodes, position):
            for argument in (0, 1):
                if maker(nodes, position, argument) is not None and \
                        maker(nodes, position, 1 - argument) is None:
                    return node, argument
    return None


def _prediction_and_targets(step, error, argument: int):
    """(predictions, targets) flattened, from `step`'s run of the `error` op, or None."""
    node = next((node for node in step.nodes if node.op is error.op and node.source ==
                 error.source and node.phase == "forward"), None)
    if node is None:
        return None
    prediction, targets = np.broadcast_arrays(_array(node.inputs[argument]),
                                              _array(node.inputs[1 - argument]))
    return (prediction.astype(np.float64).ravel(), targets.astype(np.float64).ravel())


def _never_given(trained, nodes) -> list:
    """[(variable, its first reader)] of the trainable variables the forward pass reads that
    no gradient call of the `trained` steps was given."""
    given = {name for step in trained for name in step.variable_gradients}
    readers = {}   # name -> (variable, its first reader)
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead and tensor.variable.trainable and \
                    tensor.variable.name not in readers:
                readers[tensor.variable.name] = (tensor.variable, node)
    return [pair for name, pair in readers.items() if name not in given]


def _finding(error, window, predicted, targets, pairs) -> Finding:
    first, last = window[0], window[-1]
    nodes = [node for node in last.nodes if node.phase == "forward"]
    value, mean = float(np.mean(predicted)), float(np.mean(targets))
    spread = float(np.std(targets))
    at_mean = (f", the targets' mean: the loss of predicting it, {float(np.var(targets)):.4g} "
               f"for a squared error, is their variance" if abs(value - mean) < 0.1 * spread
               else f" (the targets' mean is {mean:.4g})")
    variables = describe_variables([variable for variable, _ in pairs], nodes)
    gradient_line = next((node.source for node in last.nodes if node.phase == "backward"),
                         None)
    reader = pairs[0][1]
    trained = describe_variables([v for v in _variables(last)], nodes)
    cause = (f"{variables} {'is' if len(pairs) == 1 else 'are'} read by "
             f"{_op_name(reader)} at {_where(reader.source)}, but never given to "
             f"tape.gradient (at {_where(gradient_line)}: only {trained}), so "
             f"{'it never trains' if len(pairs) == 1 else 'they never train'}; fix: give "
             f"tape.gradient and apply_gradients every weight the prediction reads")
    message = (f"the regression predicts the same value for every input: {value:.4g} over "
               f"steps {first.number}-{last.number} (spread {float(np.std(predicted)):.3g}, "
               f"the targets' {spread:.3g}){at_mean}, and the loss stopped falling (mean "
               f"{float(np.mean([s.loss for s in window])):.4g}): the model ignores its inputs; "
               f"{cause}; the prediction meets its targets in {_op_name(error)} at "
               f"{_where(error.source)}")
    return Finding("constant_prediction", message, reader, related=gradient_line,
                   variables=[variable.name for variable, _ in pairs])


def _variables(step) -> list:
    """The Variables `step`'s gradient call was given."""
    return [source for source in step.gradient_sources if hasattr(source, "trainable")]
