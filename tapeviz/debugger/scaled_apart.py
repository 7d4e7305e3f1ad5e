"""Training and evaluated data scaled apart: one standardised (mean about 0, std about 1), the
other far from it. Most often the data standardised with the statistics of the other set
(`(x_train - x_test.mean(0)) / x_test.std(0)`: a pixel always 0 in the test images has std
~0 there and blows the training images up 1000x), or one set left unscaled (`/ 255` or the
standardisation forgotten on the test set). Done with numpy before tapeviz sees an op, it is
told only by what the model's first layer read: its input's mean and std over the last
trained steps against those of the evaluations after them. Data standardised with the test
set's own mean and std *as scalars* (one mean for all features) leaves both sets about 0/1,
since they come from one distribution: that leak is invisible here and is not claimed.
"""
from __future__ import annotations

import numpy as np

from ..variable import VariableRead
from .findings import Finding
from .numerics import _where
from .training_data import _first_layer, first_trained_layer

COUNTED = 8      # the last trained steps, and the last evaluations, whose data is read
APART = 10.0     # one set's std this many times the other's, or its mean this many stds off
STANDARD_MEAN = 0.25             # a standardised set: |mean| at most this,
STANDARD_STD = (0.5, 2.0)        # and its std within these


def scaled_apart(steps) -> list:
    """A Finding when the first layer read, in the last COUNTED trained `steps`, data
    standardised while the last COUNTED evaluations since training began read data far from
    it (APART), or the reverse."""
    trained = [step for step in steps if step.variable_gradients]
    if not trained:
        return []
    evaluations = [step for step in steps if not step.variable_gradients
                   and step.number > trained[0].number][-COUNTED:]
    trained = trained[-COUNTED:]
    train_layers = [layer for layer in map(first_trained_layer, trained) if layer is not None]
    eval_layers = [layer for layer in map(_first_layer, evaluations) if layer is not None]
    if train_layers:   # one layer's data: a GAN's generator run alone is not its critic judged
        kernel = _kernel(train_layers[-1])
        train_layers, eval_layers = ([layer for layer in layers if _kernel(layer) is kernel]
                                     for layers in (train_layers, eval_layers))
    if not train_layers or not eval_layers:
        return []
    shape = train_layers[0].inputs[0]._value.shape[1:]
    eval_layers = [layer for layer in eval_layers if layer.inputs[0]._value.shape[1:] == shape]
    if not eval_layers:
        return []
    train, evaluated = _statistics(train_layers), _statistics(eval_layers)
    if not (_standardised(train) or _standardised(evaluated)) or not _apart(train, evaluated):
        return []
    return [_finding(train, evaluated, train_layers[-1], eval_layers[-1], len(eval_layers),
                     (trained[0].number, trained[-1].number))]


def _kernel(layer):
    """The variable a first layer's op weighs its data by (its kernel), or None."""
    return next((tensor.variable for tensor in layer.inputs[1:]
                 if type(tensor) is VariableRead), None)


def _statistics(layers) -> tuple:
    """(mean, std) of the data the `layers` ops (a first layer's, one a step) read."""
    values = np.concatenate([np.asarray(layer.inputs[0]._value, np.float64).reshape(-1)
                             for layer in layers])
    values = values[np.isfinite(values)]
    return (float(values.mean()), float(values.std())) if values.size else (0.0, 0.0)


def _standardised(statistics) -> bool:
    mean, std = statistics
    return abs(mean) <= STANDARD_MEAN and STANDARD_STD[0] <= std <= STANDARD_STD[1]


def _apart(first, second) -> bool:
    (mean_a, std_a), (mean_b, std_b) = first, second
    smaller, larger = sorted((std_a, std_b))
    return larger >= APART * max(smaller, 1e-12) or \
        abs(mean_a - mean_b) >= APART * max(smaller, 1e-12)


def _finding(train, evaluated, train_layer, eval_layer, count, numbers) -> Finding:
    standard, other = ("evaluated", "training") if _standardised(evaluated) else \
        ("training", "evaluated")
    cause = ("standardised with the evaluated data's statistics (a feature nearly constant "
             "there, std ~0, blows the training data up), or left unscaled"
             if standard == "evaluated" else
             "left unscaled, standardised with other statistics than the training data's, "
             "or divided by the std of a feature constant in the training data (a pixel always "
             "0 there: std + 1e-7 makes it 1e7 times what the test set holds)")
    message = (f"the training and evaluated data are scaled apart: the first layer "
               f"({train_layer.op.name} at {_where(train_layer.source)}) read training data of "
               f"mean {train[0]:.3g}, std {train[1]:.3g} over steps {numbers[0]}-{numbers[1]}, and "
               f"in {'the evaluation' if count == 1 else f'the last {count} evaluations'} "
               f"({_where(eval_layer.source)}) data of mean {evaluated[0]:.3g}, std "
               f"{evaluated[1]:.3g}: the {standard} data is standardised, the {other} is not; "
               f"likely cause (not certain): the {other} data was {cause}; fix: compute the "
               f"mean and std on the training data alone, a constant feature's std taken as 1 "
               f"(mean = x_train.mean(axis=0); std = x_train.std(axis=0); std[std < 1e-6] = "
               f"1), and apply them to both sets")
    finding = Finding("scaled_apart", message, train_layer, eval_layer.source,
                      related=train_layer.source)
    finding.training_std = None if standard == "training" else train[1]
    return finding


def divergence_explained(findings: list) -> list:
    """`findings`, a divergence or loss leap among them told that the training data's own
    scale (a scaled_apart finding whose training side is not standardised) makes the
    updates overshoot: a smaller learning rate, their hint, would only slow it down."""
    scale = next((f.training_std for f in findings if f.kind == "scaled_apart"), None)
    if scale is not None:
        for finding in findings:
            if finding.kind in ("divergence", "loss_leap"):
                finding.message += (f"; here the training data's scale is the likelier cause "
                                    f"(std {scale:.3g}: see the scaled_apart finding): "
                                    f"standardise it before lowering the learning rate")
    return findings

