"""Sampled losses over many classes (word2vec's): `tf.nn.nce_loss`, `tf.nn.sampled_softmax_loss`
and the log-uniform candidate sampler they draw negative classes with, by TF's rules.

The logits of each example's true classes and of the sampled ones are computed with tapeviz
ops (embedding lookups of the weight rows, a matmul), so the tape shows them and gradients
reach only the rows used. The candidates are drawn in numpy from tapeviz's one random state
(`tf.random.set_seed` repeats them) and enter like data, as the labels do: they and their
expected counts carry no gradient in TF either.
"""
from __future__ import annotations

import math

import numpy as np

from . import arguments
from .creation import constant
from .errors import InvalidArgumentError, ShapeError, describe
from .ops.gather import gather
from .ops.linalg import matmul
from .ops.math import log
from .ops.assign import cast
from .ops.random import generator
from .ops.reduce import reduce_sum
from .ops.shape import expand_dims, reshape
from .ops.join import concat

_LOWEST = float(np.finfo(np.float32).min)   # TF's weight for an accidental hit: -FLT_MAX


def _int_labels(op: str, labels, num_true: int, matrix: bool = True) -> np.ndarray:
    """The labels as int64 ids; `matrix`: of shape (batch, num_true), as TF's sampler and its
    accidental-hit check require (the loss alone takes them flat, as TF does)."""
    values = arguments.array_of(op, "labels", labels)
    if values.dtype.kind not in "iuf":   # float ids are cast, as TF casts them
        raise InvalidArgumentError(op, f"labels must hold class ids; got {describe(labels)}")
    if not matrix:
        return values.astype(np.int64).reshape(-1, num_true)
    if values.ndim != 2 or values.shape[1] != num_true:
        raise ShapeError(op, f"labels must have shape (batch, num_true) = (batch, {num_true}); "
                             f"got {values.shape}",
                         hint="one label per example: tf.reshape(labels, [-1, 1])")
    return values.astype(np.int64)


def _log_uniform_probability(classes, range_max: int):
    classes = np.asarray(classes, np.float64)
    return np.log((classes + 2.0) / (classes + 1.0)) / math.log(range_max + 1.0)


def _expected_count(probability, num_sampled: int, num_tries: int):
    if num_tries == num_sampled:
        return probability * num_sampled
    return -np.expm1(num_tries * np.log1p(-probability))


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """`num_sampled` class ids drawn from [0, range_max) with P(k) proportional to
    log((k + 2) / (k + 1)) (Zipf-like: small ids, the frequent words, are drawn most), and the
    expected counts of the true and sampled classes under that draw.

    >>> import tapeviz as tf
    >>> sampled, true_count, sampled_count = tf.random.log_uniform_candidate_sampler(
    ...     [[0], [3]], num_true=1, num_sampled=4, unique=True, range_max=10)
    >>> sampled.shape, true_count.shape, len(set(sampled.numpy().tolist()))
    (TensorShape([4]), TensorShape([2, 1]), 4)
    """
    op = "log_uniform_candidate_sampler"
    num_true = arguments.count(op, "num_true", num_true, minimum=1)
    num_sampled = arguments.count(op, "num_sampled", num_sampled, minimum=1)
    range_max = arguments.count(op, "range_max", range_max, minimum=1)
    unique = arguments.flag(op, "unique", unique)
    true = _int_labels(op, true_classes, num_true)
    if unique and num_sampled > range_max:
        raise InvalidArgumentError(op, f"a unique draw of num_sampled={num_sampled} classes "
                                       f"needs range_max >= num_sampled; got range_max="
                                       f"{range_max}")
    rng = generator(arguments.seed(op, seed))
    log_range = math.log(range_max + 1.0)
    sampled, seen, tries = [], set(), 0
    while len(sampled) < num_sampled:
        value = int(math.exp(rng.random() * log_range)) - 1
        tries += 1
        if unique and value in seen:
            continue
        seen.add(value)
        sampled.append(value)
    sampled = np.asarray(sampled, np.int64)
    true_count = _expected_count(_log_uniform_probability(true, range_max), num_sampled, tries)
    sampled_count = _expected_count(_log_uniform_probability(sampled, range_max), num_sampled,
                                    tries)
    return (constant(sampled), constant(true_count.astype(np.float32)),
            constant(sampled_count.astype(np.float32)))


def _sampled_logits(op, weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                    sampled_values, remove_accidental_hits, seed):
    """The logits of the true classes and of the sampled ones, each less the log of its
    expected count, and the labels that go with them (1/num_true for each true class)."""
    num_true = arguments.count(op, "num_true", num_true, minimum=1)
    num_sampled = arguments.count(op, "num_sampled", num_sampled, minimum=1)
    num_classes = arguments.count(op, "num_classes", num_classes, minimum=1)
    true = _int_labels(op, labels, num_true,
                       matrix=sampled_values is None or remove_accidental_hits)
    inputs = arguments.tensor_of(op, "inputs", inputs)
    if isinstance(weights, (list, tuple)) and len(weights) == 1:
        weights = weights[0]   # TF's sharded form, one shard
    weights = arguments.tensor_of(op, "weights", weights)
    biases = arguments.tensor_of(op, "biases", biases)
    if inputs.ndim != 2 or weights.ndim != 2 or inputs.shape[1] != weights.shape[1] \
            or inputs.shape[0] != true.shape[0]:
        raise ShapeError(op, f"inputs must be (batch, dim), weights (num_classes, dim) and "
                             f"labels (batch, num_true); got inputs {tuple(inputs.shape)}, "
                             f"weights {tuple(weights.shape)}, labels {true.shape}",
                         hint="weights holds one row per class: shape (num_classes, dim)")
    if biases.ndim != 1 or biases.shape[0] != weights.shape[0]:
        raise ShapeError(op, f"biases must hold one value per class, shape ({weights.shape[0]},) "
                             f"as weights' rows; got {tuple(biases.shape)}")
    if true.size and (true.min() < 0 or true.max() >= weights.shape[0]):
        raise InvalidArgumentError(op, f"labels must be class ids in [0, {weights.shape[0]}) "
                                       f"(weights' rows); got values from {true.min()} to "
                                       f"{true.max()}")
    if sampled_values is None and num_classes > weights.shape[0]:
        raise InvalidArgumentError(op, f"num_classes={num_classes} but weights has "
                                       f"{weights.shape[0]} rows (one per class): a sampled "
                                       f"class from {weights.shape[0]} to {num_classes - 1} "
                                       f"would have no row",
                                   hint="num_classes is the vocabulary size: weights' first "
                                        "dimension")
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(true, num_true, num_sampled, True,
                                                       num_classes, seed)
    if not isinstance(sampled_values, (list, tuple)) or len(sampled_values) != 3:
        raise InvalidArgumentError(op, f"sampled_values must be the sampler's three tensors "
                                       f"(sampled, true_expected_count, "
                                       f"sampled_expected_count); got "
                                       f"{describe(sampled_values)}")
    sampled, true_count, sampled_count = (arguments.tensor_of(op, "sampled_values", v)
                                          for v in sampled_values)
    ids = concat([constant(true.reshape(-1)), cast(sampled, "int64")], 0)
    rows, row_biases = gather(weights, ids), gather(biases, ids)
    if rows.dtype != inputs.dtype:
        rows, row_biases = cast(rows, inputs.dtype), cast(row_biases, inputs.dtype)
    count = true.size
    true_rows = reshape(rows[:count], [-1, num_true, int(weights.shape[1])])
    true_logits = reduce_sum(expand_dims(inputs, 1) * true_rows, axis=-1) \
        + reshape(row_biases[:count], [-1, num_true])
    sampled_logits = matmul(inputs, rows[count:], transpose_b=True) + row_biases[count:]
    if remove_accidental_hits:
        hits = true[:, :, None] == np.asarray(sampled.numpy())[None, None, :]
        if hits.any():   # a sampled class that is the example's own: its logit made -FLT_MAX
            sampled_logits = sampled_logits + constant(
                np.where(hits.any(axis=1), _LOWEST, 0.0).astype(inputs.dtype.name))
    true_logits = true_logits - log(cast(true_count, inputs.dtype))
    sampled_logits = sampled_logits - log(cast(sampled_count, inputs.dtype))
    labels_out = np.concatenate([np.full(true.shape, 1.0 / num_true),
                                 np.zeros((true.shape[0], int(sampled.shape[0])))], axis=1)
    return concat([true_logits, sampled_logits], 1), constant(
        labels_out.astype(inputs.dtype.name))


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, name="nce_loss"):
    """Noise-contrastive estimation: per example, the sigmoid cross-entropy of its true
    classes (label 1) and `num_sampled` sampled classes (label 0), summed (word2vec's loss).

    >>> import tapeviz as tf
    >>> weights, biases = tf.Variable(tf.zeros([50, 4])), tf.Variable(tf.zeros([50]))
    >>> tf.nn.nce_loss(weights, biases, [[1], [7]], tf.ones([2, 4]), 5, 50).shape
    TensorShape([2])
    """
    from .nn import sigmoid_cross_entropy_with_logits
    logits, targets = _sampled_logits("nce_loss", weights, biases, labels, inputs, num_sampled,
                                      num_classes, num_true, sampled_values,
                                      remove_accidental_hits, None)
    return reduce_sum(sigmoid_cross_entropy_with_logits(labels=targets, logits=logits), axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, seed=None,
                         name="sampled_softmax_loss"):
    """The softmax cross-entropy over each example's true classes and `num_sampled` sampled
    ones: a cheap estimate of the full softmax loss over `num_classes` classes."""
    from .nn import softmax_cross_entropy_with_logits
    logits, targets = _sampled_logits("sampled_softmax_loss", weights, biases, labels, inputs,
                                      num_sampled, num_classes, num_true, sampled_values,
                                      remove_accidental_hits, seed)
    return softmax_cross_entropy_with_logits(labels=targets, logits=logits)
