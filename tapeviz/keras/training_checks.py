"""What compile, fit and evaluate refuse before they run (a class for an instance,
validation data without labels, a dataset batched twice), and the hint fit adds to a loss's
shape error when a Dense layer was fed images: newcomers' mistakes named at the call."""
from __future__ import annotations

import numpy as np

from ..errors import DTypeValueError, InvalidArgumentError, ShapeError, bad_argument, describe
from ..tensor import Tensor
from .data_adapter import is_dataset, length, to_numpy, unpack_x_y_sample_weight


def refuse_class(argument: str, value, kind: str) -> None:
    """An optimizer class where compile wants an instance (`optimizer=Adam`), refused as in
    Keras 3 (which makes a loss or metric class given it with the class's defaults)."""
    if isinstance(value, type):
        raise bad_argument("compile", argument, f"{kind}: an instance or a name", value,
                           DTypeValueError).with_hint(f"that is the class: make one of it, "
                                                 f"{value.__name__}()")


def checked_validation_data(data, x_train=None):
    """`fit`'s validation_data as a Dataset or (x, y, sample_weight), refused before the
    first epoch rather than after it (float examples of another last axis than `x_train`'s
    too: the model would have trained an epoch before validation refused them)."""
    if is_dataset(data):
        return data
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        came = describe(data) if not isinstance(data, (tuple, list)) else \
            f"a {type(data).__name__} of {len(data)}: " + ", ".join(map(describe, data[:4]))
        raise InvalidArgumentError("fit", "validation_data must be a Dataset, or a tuple "
                                          "(x_val, y_val) or (x_val, y_val, val_sample_weight); "
                                          f"got {came}",
                                   hint="pass the labels too: validation_data=(x_val, y_val)")
    x, y, weight = unpack_x_y_sample_weight(tuple(data))
    if y is None:   # (x_val, None): a model whose losses are its own (add_loss), as in Keras
        return x, y, weight
    samples, labels = length(to_numpy(x)), length(to_numpy(y))
    if samples != labels:
        raise ShapeError("fit", f"validation_data: x_val has {samples} samples but y_val has "
                                f"{labels}; make sure both contain the same number of samples")
    given, trained = _float_shape(x), _float_shape(x_train)
    if given and trained and len(given) == len(trained) and given[-1] != trained[-1]:
        raise ShapeError("fit", f"validation_data: each example of x_val has shape "
                                f"{given[1:]} but each of x has {trained[1:]}; got x_val of "
                                f"shape {given} and x of shape {trained}",
                         hint="validate on data made as the training data was (the same "
                              "features, reshaping and scaling)")
    return x, y, weight


def _float_shape(x) -> tuple:
    """The shape of a float array or tensor of examples, whose last axis a model's Dense or
    convolution reads whatever its other axes (images of other sizes, sequences of other
    lengths; token ids of any length); () for anything else."""
    array = x._value if isinstance(x, Tensor) else x
    if not isinstance(array, np.ndarray) or array.ndim < 2 or array.dtype.kind != "f":
        return ()
    return array.shape


def unflattened_hint(model, y_pred) -> str | None:
    """Why a loss refused `y_pred` when a Dense layer was fed images: Dense acts on the last
    axis only, so the model's output kept the input's other axes."""
    from .layers import Dense
    if not isinstance(y_pred, Tensor) or y_pred.ndim <= 2:
        return None
    for layer in getattr(model, "layers", []):
        shape = getattr(layer, "_input_shape", None)
        if isinstance(layer, Dense) and shape is not None and len(shape) > 2:
            return (f'layer "{layer.name}" (Dense) was given inputs of shape {shape}: Dense acts '
                    f"on the last axis only, so the model's output kept the other axes, "
                    f"{tuple(y_pred.shape)}; put a Flatten() layer before it (or "
                    f"GlobalAveragePooling2D() after convolutions)")
    return None


def refuse_extra_batch_axis(model, caller: str, data) -> None:
    """A Dataset batched twice yields batches of batches: one axis more than the model's
    declared input (`input_shape=`, an Input) before the input's own, which Flatten would fold
    into the features. One axis more after them (images (28, 28, 1) for an input (28, 28)) is
    not that: Keras 3 squeezes it and fits."""
    expected = getattr(model, "_declared_input", None)
    x = data[0] if isinstance(data, tuple) else data
    if expected is None or not isinstance(x, Tensor) or x.ndim != len(expected) + 1 \
            or not all(want is None or want == got
                       for want, got in zip(expected[1:], x.shape[2:])):
        return
    raise ShapeError(caller, f"the dataset yields x of shape {tuple(x.shape)}, one axis more "
                             f"than the model's input {expected}",
                     hint="a dataset batched twice (ds.batch(8).batch(8)) yields batches of "
                          "batches: call .batch() once")
