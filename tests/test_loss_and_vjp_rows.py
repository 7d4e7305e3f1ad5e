"""The Keras sparse loss and the reductions' VJPs call registry rows straight, skipping the
public functions' argument checks: what a tape records (ops, params, values) and what a
user is warned of stay what the public functions give."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.logits_check import ProbabilitiesAsLogitsWarning

RNG = np.random.default_rng(0)


def _recorded(tape) -> list:
    return [(node.op.name, node.params) for node in tape.nodes]


def test_keras_sparse_loss_records_what_tf_nns_function_records():
    logits = tf.constant(RNG.standard_normal((6, 4)).astype(np.float32))
    labels = tf.constant(np.array([0, 3, 1, 1, 2, 0]))
    with tf.GradientTape() as keras_tape:
        keras_tape.watch(logits)
        keras_loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
            labels, logits)
    with tf.GradientTape() as nn_tape:
        nn_tape.watch(logits)
        nn_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    assert _recorded(keras_tape) == _recorded(nn_tape)
    assert keras_loss.numpy().tobytes() == nn_loss.numpy().tobytes()
    assert keras_tape.gradient(keras_loss, logits).numpy().tobytes() == \
        nn_tape.gradient(nn_loss, logits).numpy().tobytes()


def test_keras_sparse_loss_given_probabilities_warns_under_tf_nns_name():
    probabilities = tf.nn.softmax(tf.constant(RNG.standard_normal((5, 3)).astype(np.float32)))
    with pytest.warns(ProbabilitiesAsLogitsWarning,
                      match="^sparse_softmax_cross_entropy_with_logits: the logits look like"):
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
            tf.constant([0, 1, 2, 0, 1]), probabilities)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProbabilitiesAsLogitsWarning)
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
            tf.constant([0, 1, 2, 0, 1]), probabilities * 3.0 - 1.0)


def test_keras_sparse_loss_of_integer_predictions_still_refuses_them():
    with pytest.raises(TypeError, match="logits must be a floating tensor"):
        tf.keras.losses.sparse_categorical_crossentropy([0, 1], tf.constant([[1, 2], [3, 4]]),
                                                        from_logits=True)


@pytest.mark.parametrize("reduction", [tf.reduce_mean, tf.reduce_sum])
def test_a_reductions_vjp_records_the_rows_and_shapes_the_public_functions_would(reduction):
    """An outer tape over the inner gradient sees reshape and broadcast_to with shapes of
    Python ints in tuples, as tf.reshape and tf.broadcast_to record them, and gives the
    second derivative through them: z = sum(y**2), y = reduction(x**2, axis=1)."""
    x = tf.Variable(RNG.standard_normal((3, 4)).astype(np.float32))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = reduction(x * x, axis=1)
            z = tf.reduce_sum(y * y)
        g = inner.gradient(z, x)
    rows = {name: params for name, params in _recorded(outer)
            if name in ("reshape", "broadcast_to")}
    with tf.GradientTape() as public:
        public.watch(y)
        tf.broadcast_to(tf.reshape(y, [3, 1]), [3, 4])
    assert rows == dict(_recorded(public))
    assert all(type(entry) is int for params in rows.values() for entry in params["shape"])
    values, count = x.numpy(), 1.0 if reduction is tf.reduce_sum else 4.0
    rows_y, rows_s = (values ** 2).sum(1, keepdims=True) / count, values.sum(1, keepdims=True)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(),
                               4 * (2 * values * rows_s / count ** 2 + rows_y / count),
                               rtol=1e-5)


def test_sparse_cross_entropys_vjp_reshapes_g_as_expand_dims_does():
    logits = tf.Variable(RNG.standard_normal((4, 3)).astype(np.float32))
    labels = tf.constant(np.array([2, 0, 1, 1]))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
            total = tf.reduce_sum(losses * losses)
        inner.gradient(total, logits)
    reshapes = [params for name, params in _recorded(outer) if name == "reshape"]
    with tf.GradientTape() as public:
        public.watch(losses)
        tf.expand_dims(losses, -1)
    assert reshapes == [params for _, params in _recorded(public)]
