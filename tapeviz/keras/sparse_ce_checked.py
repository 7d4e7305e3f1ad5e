"""SparseCategoricalCrossentropy(from_logits=True)'s checks of its inputs' shapes and dtypes
made once per kind of input, as Dense and Conv2D check an input shape once per kernel shape.

A training loop gives the loss the same kinds of tensors every step: labels (N,) of int32
or int64 and float logits (N, C) of the loss's dtype. Once one call of those shapes and
dtypes has passed every check (`losses.sparse_categorical_crossentropy`'s argument, rank,
shape and dtype checks, and Loss.__call__'s conversions), a later call of the same kinds
runs only what depends on the values (the labels' range, the logits-as-probabilities check)
and the very ops the full call runs, in the same name scope: a tape, a listener, the
Recorder and the stepper see the same ops, inputs and values (tests/test_sparse_ce_checked.py).
"""
from __future__ import annotations

from ..dispatch import name_scope
from ..logits_check import check_softmax_logits
from ..ops.nn import sparse_softmax_cross_entropy
from ..ops.reduce import _mean as reduce_mean_row
from ..tensor import Tensor
from .loss_inputs import check_class_indices

_NAME = "sparse_categorical_crossentropy"
_NN_LOSS = "sparse_softmax_cross_entropy_with_logits"   # the tf.nn function's name and row's
_LABEL_DTYPES = ("int32", "int64")
# the reductions compute_weighted_loss makes a mean of, without sample weights
_MEANS = ("sum_over_batch_size", "auto", "mean", "mean_with_sample_weight")
KINDS_KEPT = 8   # kinds of call a loss remembers (a loop's batches: one or two)


def kind_of(loss, y_true, y_pred, sample_weight):
    """What makes a call of `loss` one whose checks hold for every call alike (the inputs'
    shapes and dtypes, the loss's settings), or None for a call outside the checked path
    (a Variable or non-tensor input, sample weights, ignore_class, probabilities, a label
    axis of 1, a cast either input would need, a reduction other than the mean)."""
    if type(y_true) is not Tensor or type(y_pred) is not Tensor or sample_weight is not None \
            or loss.ignore_class is not None or loss.reduction not in _MEANS:
        return None
    labels, logits = y_true._value, y_pred._value
    settings = loss._fn_kwargs
    if settings.get("from_logits") is not True or logits.ndim < 1 \
            or labels.shape != logits.shape[:-1] or labels.dtype.name not in _LABEL_DTYPES \
            or logits.dtype.name != loss._dtype:
        return None
    return labels.shape, labels.dtype, logits.shape, logits.dtype, loss.reduction, loss.name


def checked_call(loss, y_true, y_pred) -> Tensor:
    """The loss of a call whose kind (`kind_of`) passed every check before: the labels'
    range and the logits' look checked, then the full call's ops (the mean by its row:
    reduce_mean's checks of the axes are the kind's)."""
    with name_scope(loss.name):
        check_class_indices(_NAME, y_true._value, y_pred._value.shape[-1])
        check_softmax_logits(_NN_LOSS, y_pred)
        losses = sparse_softmax_cross_entropy(y_true, y_pred)
        return reduce_mean_row(losses, axis=None, keepdims=False)
