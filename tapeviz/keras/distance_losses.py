"""Keras's losses that measure y_pred against y_true other than by squared error or
cross-entropy: hinge margins, KL divergence, log-cosh and cosine similarity (Keras 3's
formulas, written with tapeviz ops so tapes differentiate them)."""
from __future__ import annotations

import math

from ..ops.math import clip_by_value, log, maximum, minimum, rsqrt, softplus, square
from ..ops.assign import cast
from ..ops.compare import equal, logical_or
from ..ops.reduce import reduce_all, reduce_mean, reduce_sum
from .loss_inputs import EPSILON, pred_and_true, same_rank
from .losses import LossFunctionWrapper

__all__ = ["CosineSimilarity", "Hinge", "KLDivergence", "LogCosh", "cosine_similarity", "hinge",
           "kl_divergence", "log_cosh"]   # tf.keras.losses names the functions kld and logcosh


def hinge(y_true, y_pred):
    """mean(maximum(1 - y_true * y_pred, 0), axis=-1); 0/1 labels are read as -1/1.

    >>> import tapeviz as tf
    >>> tf.keras.losses.hinge([[0.0, 1.0]], [[0.5, 0.5]]).numpy()   # labels -1, 1: (1.5 + 0.5) / 2
    array([1.], dtype=float32)
    """
    y_true, y_pred = pred_and_true(y_true, y_pred)
    if bool(reduce_all(logical_or(equal(y_true, 0.0), equal(y_true, 1.0)))):
        y_true = 2.0 * y_true - 1.0
    return reduce_mean(maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [1e-7, 1] first."""
    y_true, y_pred = pred_and_true(y_true, y_pred)
    y_true = clip_by_value(y_true, EPSILON, 1.0)
    y_pred = clip_by_value(y_pred, EPSILON, 1.0)
    return reduce_sum(y_true * log(y_true / y_pred), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed as x + softplus(-2x) - log 2."""
    y_true, y_pred = same_rank(y_true, y_pred)
    error = y_pred - y_true
    return reduce_mean(error + softplus(error * -2.0) - math.log(2.0), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 when they point alike."""
    y_true, y_pred = same_rank(y_true, y_pred)
    return -reduce_sum(_normalized(y_true, axis) * _normalized(y_pred, axis), axis=axis)


def _normalized(x, axis):
    """x / its L2 norm along axis, as Keras's ops.normalize (a zero vector stays zero)."""
    inverse_norm = rsqrt(reduce_sum(square(x), axis=axis, keepdims=True))
    return x * minimum(inverse_norm, cast(1.0 / EPSILON, x.dtype))


class Hinge(LossFunctionWrapper):
    """The hinge loss: mean of max(1 - y_true * y_pred, 0) over the last axis."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge",
                 dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of y_pred from y_true, over the last axis."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence",
                 dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class LogCosh(LossFunctionWrapper):
    """log(cosh(error)), mean over the last axis: squared error near 0, absolute far away."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh",
                 dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along `axis`."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)
