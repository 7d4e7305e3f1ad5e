"""pow's gradient in x is one op, pow_grad (TF's `grad * y * pow(x, y - 1)` fused): the same
bits as the four ops it replaced, one node for an outer tape, and still differentiable."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf


@pytest.mark.parametrize("x, y", [(np.float32(1.7), np.float32(2.0)),
                                  (np.array([0.5, 1.5, 3.0], np.float32), np.float32(-0.5))])
def test_the_gradient_has_the_bits_the_four_ops_gave(x, y):
    base = tf.Variable(x)
    with tf.GradientTape() as tape:
        out = base ** tf.constant(y)
    g = tape.gradient(out, base).numpy()
    expected = np.ones_like(x) * y * np.power(x, y - np.float32(1))
    assert g.dtype == np.float32 and np.array_equal(g, expected)


def test_a_broadcast_gradient_is_summed_to_the_bases_shape():
    base = tf.Variable(np.array([[0.5], [2.0]]))
    with tf.GradientTape() as tape:
        out = base ** tf.constant([1.5, 3.0], tf.float64)
    g = tape.gradient(out, base).numpy()
    x, y = np.array([[0.5], [2.0]]), np.array([1.5, 3.0])
    assert g.shape == (2, 1) and np.allclose(g, (y * x ** (y - 1)).sum(axis=1, keepdims=True))


def test_an_outer_tape_records_the_gradient_as_one_op():
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3.0
        dy = inner.gradient(y, x)
    backward = [node.op.name for node in outer.nodes if node.phase == "backward"]
    assert backward == ["pow_grad"]
    assert dy.numpy() == 27.0
    assert outer.gradient(dy, x).numpy() == 18.0   # d(3 x^2)/dx = 6 x


def test_third_order_through_nested_tapes():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x ** 4.0
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert (d1.numpy(), d2.numpy(), d3.numpy()) == (32.0, 48.0, 48.0)   # 4x³, 12x², 24x


def test_the_exponents_second_derivative_through_pow_grad():
    x, p = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** p
        dx = inner.gradient(y, x)   # p x^(p-1)
    d_dp = outer.gradient(dx, p)    # x^(p-1) (1 + p ln x)
    assert np.isclose(d_dp.numpy(), 4.0 * (1 + 3.0 * np.log(2.0)))
