"""Clipping by norm: `tf.clip_by_norm`, `tf.clip_by_global_norm`, `tf.linalg.global_norm`.

Composites of ordinary ops under a name scope, as TF builds them, so the tape shows the
norm and the scale that shrank a gradient, and gradients flow through both (the global
norm too, as in TF). `tf.clip_by_value` is one op row, in `ops/math.py`.
"""
from __future__ import annotations

import numpy as np

from . import arguments
from .dispatch import name_scope
from .errors import DTypeError, InvalidArgumentError, KernelDTypeError, attr_words, bad_argument
from .creation import ones_like
from .ops.math import abs, maximum, sqrt, where
from .ops.assign import cast
from .ops.nn import l2_loss
from .ops.reduce import reduce_sum
from .ops.join import stack
from .tensor import Tensor, wrap


def _tensors(op: str, t_list) -> list:
    """`t_list` as a list of tensors and Nones (a lone tensor is refused, as TF refuses it)."""
    if isinstance(t_list, (Tensor, np.ndarray, str)) or not hasattr(t_list, "__iter__"):
        raise bad_argument(op, "t_list", "a list of tensors (e.g. the gradients from "
                           "tape.gradient)", t_list, DTypeError)
    return [None if t is None else arguments.tensor_of(op, f"t_list[{i}]", t)
            for i, t in enumerate(t_list)]


def global_norm(t_list, name=None) -> Tensor:
    """sqrt(sum of the squares of every value of every tensor in `t_list`); Nones skipped.

    >>> import tapeviz as tf
    >>> float(tf.linalg.global_norm([tf.constant([3.0]), tf.constant([4.0])]))
    5.0
    """
    values = [t for t in _tensors("global_norm", t_list) if t is not None]
    if not values:
        raise InvalidArgumentError("global_norm", "t_list holds no tensor (empty, or only None)")
    with name_scope("global_norm"):
        half_squares = stack([l2_loss(t) for t in values])
        return sqrt(reduce_sum(half_squares) * 2.0)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None) -> tuple:
    """Every tensor of `t_list` scaled by clip_norm / max(global_norm, clip_norm), and the
    global norm before clipping; Nones stay None. A NaN or inf norm makes every value NaN,
    and a negative clip_norm clips nothing, as in TF.

    >>> import tapeviz as tf
    >>> clipped, norm = tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 1.0)
    >>> [t.numpy().tolist() for t in clipped], float(norm)
    ([[0.6000000238418579], [0.800000011920929]], 5.0)
    """
    tensors = _tensors("clip_by_global_norm", t_list)
    with name_scope("clip_by_global_norm"):
        norm = global_norm(tensors) if use_norm is None else \
            arguments.tensor_of("clip_by_global_norm", "use_norm", use_norm)
        limit = _limit("clip_by_global_norm", clip_norm, norm.dtype)
        # TF's clip_norm * min(1 / norm, 1 / clip_norm), without 1 / 0 for all-zero gradients:
        # 1 (nothing clipped) for a negative clip_norm; + (norm - norm) makes an inf norm NaN,
        # as TF's does
        scale = where(limit < 0, ones_like(norm), limit / maximum(norm, abs(limit))) \
            + (norm - norm)
        clipped = [None if t is None else t * cast(scale, t.dtype) for t in tensors]
    return clipped, norm


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor:
    """`t` scaled so its L2 norm (over `axes`, all by default) is at most clip_norm (a
    negative clip_norm counts as 0, as in TF).

    >>> import tapeviz as tf
    >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy().round(2)
    array([0.6, 0.8], dtype=float32)
    """
    t = arguments.tensor_of("clip_by_norm", "t", t)
    if not t.dtype.is_floating:
        raise KernelDTypeError("clip_by_norm", f"t must be a float tensor; got dtype "
                                               f"{t.dtype.name}{attr_words(t.dtype.name)}",
                               hint="cast first: tf.cast(t, tf.float32)")
    with name_scope("clip_by_norm"):
        limit = maximum(_limit("clip_by_norm", clip_norm, t.dtype), 0.0)   # TF: a negative is 0
        squares = reduce_sum(t * t, axis=axes, keepdims=True)
        positive = squares > 0   # sqrt's gradient at 0 is inf: TF's guard
        norm = where(positive, sqrt(where(positive, squares, 1.0)), squares)
        return t * limit / maximum(norm, limit)


def _limit(op: str, clip_norm, dtype) -> Tensor:
    if isinstance(clip_norm, Tensor):
        return cast(clip_norm, dtype)
    value = arguments.number(op, "clip_norm", clip_norm)
    return wrap(np.asarray(value, dtype._np)[()])
