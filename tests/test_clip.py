"""tf.clip_by_norm, tf.clip_by_global_norm, tf.linalg.global_norm and tf.norm: values as TF
computes them (also checked against TF in tests/tf_fidelity), gradients through the norm,
and bad arguments named."""
import warnings

import numpy as np
import pytest

import tapeviz as tf


def test_clip_by_global_norm_scales_every_tensor_by_one_factor_and_keeps_nones():
    a, b = tf.constant([3.0, 0.0]), tf.constant([[4.0]])
    clipped, norm = tf.clip_by_global_norm([a, None, b], 2.5)
    assert float(norm) == 5.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 0.0])
    np.testing.assert_allclose(clipped[2].numpy(), [[2.0]])
    unclipped, _ = tf.clip_by_global_norm([a, b], 10.0)
    np.testing.assert_allclose(unclipped[0].numpy(), a.numpy())


def test_all_zero_gradients_clip_to_zeros_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clipped, norm = tf.clip_by_global_norm([tf.zeros([3])], 1.0)
    assert float(norm) == 0.0 and clipped[0].numpy().tolist() == [0.0, 0.0, 0.0]


def test_an_infinite_global_norm_makes_every_value_nan_as_in_tf():
    with pytest.warns(RuntimeWarning):   # inf - inf, said from this line
        clipped, norm = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isinf(float(norm)) and np.isnan(clipped[0].numpy()).all()


def test_the_gradient_flows_through_the_global_norm():
    w = tf.Variable([3.0, 4.0])
    with tf.GradientTape() as tape:
        clipped, _ = tf.clip_by_global_norm([w * 1.0], 1.0)
        loss = tf.reduce_sum(clipped[0])
    # d/dw sum(w / |w|) = 1/|w| - w * sum(w) / |w|^3
    expected = 1 / 5 - np.array([3.0, 4.0]) * 7 / 125
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), expected, rtol=1e-6)


def test_clip_by_norm_over_axes_and_its_zero_row():
    x = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(tf.clip_by_norm(x, 1.0, axes=[1]).numpy(),
                               [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_norm(x, 1.0, axes=[1]))
    assert np.isfinite(tape.gradient(y, x).numpy()).all()   # TF's guard at a zero norm


def test_norm_orders_axes_and_keepdims():
    x = tf.constant([[1.0, -2.0], [-3.0, 4.0]])
    assert np.isclose(float(tf.norm(x)), np.sqrt(30.0))
    np.testing.assert_allclose(tf.norm(x, axis=1).numpy(), [np.sqrt(5.0), 5.0], rtol=1e-6)
    assert tf.norm(x, ord=1).numpy() == 10.0
    np.testing.assert_array_equal(tf.norm(x, ord=np.inf, axis=0).numpy(), [3.0, 4.0])
    assert tf.norm(x, ord=1, axis=[0, 1]).numpy() == 6.0   # the largest column sum
    assert tf.norm(x, ord=np.inf, axis=[0, 1]).numpy() == 7.0   # the largest row sum
    assert np.isclose(float(tf.norm(x, ord=3)), 100.0 ** (1 / 3))
    assert tf.norm(x, axis=[0, 1], keepdims=True).shape == (1, 1)
    assert tf.linalg.norm is tf.norm


def test_bad_arguments_are_named():
    with pytest.raises(tf.DTypeError, match="clip_by_global_norm: t_list must be a list of "
                                            "tensors"):
        tf.clip_by_global_norm(tf.ones([2]), 1.0)
    with pytest.raises(tf.InvalidArgumentError, match="global_norm: t_list holds no tensor"):
        tf.linalg.global_norm([None])
    with pytest.raises(tf.InvalidArgumentError, match=r"norm: ord must be .* \(tapeviz does not "
                                                      r"cover the spectral norm"):
        tf.norm(tf.ones([2, 2]), ord=2, axis=[0, 1])
    with pytest.raises(tf.DTypeError, match="clip_by_norm: t must be a float tensor"):
        tf.clip_by_norm(tf.constant([1, 2]), 1.0)


def test_tf_function_runs_the_function_eagerly_every_call():
    calls = []

    @tf.function
    def step(x):
        calls.append(1)
        return x * 2.0

    @tf.function(jit_compile=True, reduce_retracing=True)
    def other(x):
        return x + 1.0

    assert float(step(tf.constant(1.0))) == 2.0 and float(step(tf.constant(2.0))) == 4.0
    assert len(calls) == 2 and float(other(1.0)) == 2.0
    with pytest.raises(tf.DTypeError, match="function: func must be a function"):
        tf.function(3)



def test_tf_function_refuses_an_input_signature_that_is_not_a_list_as_tf_does():
    spec = [tf.TensorSpec([None], tf.float32)]
    assert float(tf.function(input_signature=spec)(lambda x: x[0])(tf.ones([2]))) == 1.0
    for decorate in (lambda f: tf.function(f, input_signature=3),
                     lambda f: tf.function(input_signature=3)(f)):
        with pytest.raises(tf.DTypeError, match="function: input_signature must be a list or "
                                                "tuple of tf.TensorSpec"):
            decorate(lambda x: x)
