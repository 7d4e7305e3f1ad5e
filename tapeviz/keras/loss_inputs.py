"""The input checks Keras's loss functions share, and the warnings they give.

Each loss function converts `y_true` and `y_pred` (errors name which one), casts the
labels to the predictions' dtype, and fits their ranks as Keras does (a trailing 1
squeezed, or Keras 3's same rank). Mistakes TF computes silently are warned about from
the user's line: shapes that broadcast to something larger than either (labels (N,)
against predictions (N, 1)), logits given where probabilities are expected, arguments
given in the wrong order; an out-of-range class index gets a hint at the usual cause.
"""
from __future__ import annotations

import math

import numpy as np

from ..creation import convert_to_tensor
from ..string_values import math_refusal
from ..errors import InvalidArgumentError, OpError, ShapeError
from ..fpwarnings import warn_from_user_line
from ..ops.assign import cast
from ..ops.reduce import reduce_mean
from ..ops.shape import expand_dims, squeeze

EPSILON = 1e-7  # Keras's backend.epsilon()


def pred_and_true(y_true, y_pred):
    """Both as tensors, y_true cast to y_pred's dtype (as Keras casts it)."""
    y_pred = _as_tensor("y_pred", y_pred)
    y_true = _as_tensor("y_true", y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = cast(y_true, y_pred.dtype)
    return y_true, y_pred


def _mean_last(errors):
    """The mean over the last axis, float32 for int errors as Keras's ops.mean gives it (an
    int mean would truncate: mse([1, 2], [0, 0]) is 2.5, not 2)."""
    if not errors.dtype.is_floating:
        errors = cast(errors, "float32")
    return reduce_mean(errors, axis=-1)


def _as_tensor(name: str, value):
    """convert_to_tensor(value), an error naming the argument (y_true or y_pred) it was; text
    is refused (a loss computes on numbers: TF's first op on it has no string kernel)."""
    try:
        tensor = convert_to_tensor(value)
    except OpError as error:
        raise type(error)(error.op, f"{name}: {error.detail}", error.hint) from None
    refused = math_refusal(name, (tensor._value,))
    if refused is not None:
        raise refused
    return tensor


def _check_broadcast(loss: str, y_true, y_pred, warn: bool = True) -> None:
    """Refuse shapes that do not broadcast, naming `loss` (a metric too); `warn`: of shapes
    that broadcast to more than either."""
    try:
        out = np.broadcast_shapes(tuple(y_true.shape), tuple(y_pred.shape))
    except ValueError:
        raise ShapeError(loss, f"y_true and y_pred must have broadcastable shapes; got y_true "
                               f"{tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}") from None
    if warn and out != tuple(y_pred.shape) and out != tuple(y_true.shape):
        # the classic trap: labels (N,) against predictions (N, 1) broadcast to (N, N)
        warn_from_user_line(f"{loss}: y_true {tuple(y_true.shape)} and y_pred "
                            f"{tuple(y_pred.shape)} broadcast to {out}, larger than either; "
                            f"reshape one of them (the loss classes squeeze a trailing 1 for "
                            f"you)")


class LogitsAsProbabilitiesWarning(UserWarning):
    """A loss that expects probabilities (from_logits=False) was given values outside [0, 1]."""


def _check_probabilities(loss: str, y_pred, activation: str) -> None:
    """Warn from the user's line when y_pred, read as probabilities, holds a finite value
    outside [0, 1] among its first few: logits, clipped by the loss into a wrong loss,
    silently (the first 8 values settle it: no full scan on the training path)."""
    head = np.asarray(y_pred._value).flat[:8].tolist()
    if all(0.0 <= v <= 1.0 or not math.isfinite(v) for v in head):
        return   # (NaN and Inf are another bug: find_nan_origin's)
    side = "below 0" if min(head) < 0.0 else "above 1"   # one text a line: warned once there
    warn_from_user_line(
        f"{loss}: y_pred has values {side}: these are logits, not the probabilities this "
        f"loss expects with from_logits=False. It clips them to [1e-7, 1 - 1e-7], so the "
        f"model learns from a wrong loss, silently. Pass from_logits=True (the last layer "
        f"is Dense(k) with no activation), or end the model with "
        f"activation='{activation}'.", LogitsAsProbabilitiesWarning)


def squeeze_or_expand_dimensions(y_true, y_pred):
    """Keras's squeeze_or_expand_dimensions: drop a trailing 1 when the ranks differ by one."""
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        y_pred = squeeze(y_pred, [-1])
    elif diff == -1 and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, [-1])
    return y_true, y_pred


def same_rank(y_true, y_pred):
    """Keras 3's squeeze_or_expand_to_same_rank, applied first by its mean_squared_error,
    mean_absolute_error, huber, log_cosh and cosine_similarity: labels (N,) against outputs
    (N, 1) are compared row by row, as (N, 1) and (N, 1), not broadcast to (N, N)."""
    y_true, y_pred = pred_and_true(y_true, y_pred)
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        return (expand_dims(y_true, -1), y_pred) if y_true.ndim == 1 else \
            (y_true, squeeze(y_pred, [-1]))
    if diff == -1 and y_true.shape[-1] == 1:
        return (y_true, expand_dims(y_pred, -1)) if y_pred.ndim == 1 else \
            (squeeze(y_true, [-1]), y_pred)
    return y_true, y_pred


def _check_swapped_one_hot(loss: str, y_true, y_pred) -> None:
    """Warn from the user's line when y_pred's first row is exactly one-hot and y_true's is
    not: `loss(predictions, labels)`, which TF computes silently (~16 a row) and trains the
    wrong way; one row is read, no scan on the training path. Soft labels of two nonzero
    values over three or more classes (smoothed, or mixed up from two) are labels: a
    prediction saturated to one-hot beside them is the model's, not swapped."""
    if y_pred.ndim == 0 or y_pred.shape[-1] == 0 or y_pred._value.size == 0:
        return
    pred = y_pred._value.reshape(-1, y_pred.shape[-1])[0]
    true = y_true._value.reshape(-1, y_true.shape[-1])[0]
    if np.count_nonzero(pred == 1) == 1 and np.count_nonzero(pred) == 1 \
            and not np.all((true == 0) | (true == 1)) \
            and (true.size <= 2 or np.unique(true[true != 0]).size > 2):
        warn_from_user_line(f"{loss}: the arguments look swapped: y_pred is exactly one-hot, as "
                            f"labels are, and y_true is not, as predictions are. Keras losses "
                            f"take (y_true, y_pred), labels first: loss(labels, predictions).")


def check_class_indices(name: str, labels, classes: int) -> None:
    """Refuse class indices outside [0, classes) or not whole (a float label is rounded
    only to be compared), naming the loss, the range that came and the usual cause.
    Integer labels take one pass: read unsigned, a negative one is past any class count."""
    if not labels.size:
        return
    if labels.dtype.kind == "i":
        wrong = labels.view(f"u{labels.dtype.itemsize}").max() >= classes
    else:
        wrong = labels.min() < 0 or labels.max() >= classes or labels.dtype.kind == "f" \
            and np.any(labels != np.round(labels))
    if wrong:
        raise InvalidArgumentError(name, f"y_true must hold integer class indices in [0, "
                                         f"{classes}) for y_pred's {classes} classes; got "
                                         f"values from {labels.min()} to {labels.max()}",
                                   hint=_label_range_hint(labels, classes))


def _label_range_hint(labels, classes: int) -> str | None:
    """The usual cause of class indices out of range: labels counted from 1, or a last layer
    with fewer units than classes (a one-unit layer given labels 1 has too few, not 1-based
    labels: subtracting 1 would leave one class)."""
    if np.any(labels != np.round(labels)) or labels.min() < 0:
        return None
    if classes > 1 and labels.min() >= 1 and labels.max() == classes:
        return f"the labels look 1-based (1 to {classes}): subtract 1, y - 1"
    top = int(labels.max())
    return f"the model gives {classes} classes: labels up to {top} need a last layer of " \
           f"{top + 1} units, Dense({top + 1})"
