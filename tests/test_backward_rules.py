"""The backward pass calls a no-params node's VJP rules itself (backward.py, `op.rule_pair`,
`op.vjp_whole`): what it computes and skips must be what `op.input_grads` does."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.ops.registry import defop


def _unneeded(g, ans, *inputs, **params):
    raise AssertionError("the rule of an input that needs no gradient ran")


scaled_sum = defop("scaled_sum_for_test", lambda x, y, *, scale=1.0: (x + y) * scale,
                   (lambda g, ans, x, y, *, scale=1.0: g * scale, _unneeded),
                   broadcasting=True, register=False)
tripled = defop("tripled_for_test", lambda x: x * 3, lambda g, ans, x: (g * 3.0,),
                register=False)
sum_of_three = defop("sum_of_three_for_test", lambda x, y, z: x + y + z,
                     (lambda g, ans, x, y, z: g, _unneeded, _unneeded), register=False)


@pytest.mark.parametrize("params", [{}, {"scale": 2.0}])
def test_a_rule_of_an_input_that_needs_no_gradient_is_not_run(params):
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = scaled_sum(x, tf.constant([3.0, 4.0]), **params)
    assert tape.nodes[-1].params == params   # (with params: through op.input_grads)
    grad = tape.gradient(y, x)
    np.testing.assert_array_equal(grad.numpy(), np.full(2, params.get("scale", 1.0), np.float32))
    assert tripled.vjp_whole is not None and scaled_sum.rule_pair is not None


def test_the_rules_called_directly_give_what_input_grads_gives():
    x = tf.Variable(0.5)
    with tf.GradientTape(persistent=True) as tape:
        y = tripled(tf.sin(x) * x)
    direct = tape.gradient(y, x)
    node = tape.nodes[-1]
    via_input_grads = tripled.input_grads(tf.constant(1.0), node.output, node.inputs, {}, None)
    assert float(via_input_grads[0]) == 3.0
    assert direct.dtype == tf.float32
    assert direct.numpy() == np.float32(3.0) * (np.cos(np.float32(0.5)) * np.float32(0.5)
                                                + np.sin(np.float32(0.5)))


def test_an_op_of_three_inputs_keeps_input_grads():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = sum_of_three(x, tf.constant(2.0), tf.constant(3.0))
    assert sum_of_three.rule_pair is None
    assert float(tape.gradient(y, x)) == 1.0
