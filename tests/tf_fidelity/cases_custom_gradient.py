"""Cases of `tf.custom_gradient`, from TF's "Advanced automatic differentiation" and custom
gradients guides and its docstring: a numerically stable log1pexp, gradient clipping in
the backward pass only, a gradient stopped for one input, the `variables=` contract and its
errors, a custom gradient inside a Keras layer, second order through one. Registered into
`cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case, f32


def _log1pexp(tf):
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad
    return log1pexp


def _stable_log1pexp(tf, x):
    log1pexp = _log1pexp(tf)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    return [y, tape.gradient(y, x), log1pexp.__name__]


def _naive_log1pexp(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.log(1 + tf.exp(x))
    return [y, tape.gradient(y, x)]


def _clip_gradients(tf, x):
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)
        return y, backward

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = clip_gradients(x * 3.0)
    return [out, tape.gradient(out, x)]


def _one_input_stopped(tf, x, y):
    @tf.custom_gradient
    def product(a, b):
        def grad(upstream):
            return upstream * b, None
        return a * b, grad

    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        out = product(x, y)
    return [out, tape.gradient(out, [x, y]),
            tape.gradient(out, [x, y], unconnected_gradients="zero")]


def _straight_through_round(tf, x):
    @tf.custom_gradient
    def round_straight_through(v):
        return tf.round(v), lambda dy: dy

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(round_straight_through(x) * x)
    return [out, tape.gradient(out, x)]


def _linear_poly(tf, x, with_variables=True, variable_grads=1):
    weights = tf.Variable([3.0, 2.0])

    @tf.custom_gradient
    def linear_poly(v):
        poly = weights[1] * v + weights[0]

        def grad_fn(dpoly, variables):
            grad_xs = dpoly * weights[1]
            dy_dw = dpoly * tf.stack([v ** 1, v ** 0])
            grad_vars = [tf.reduce_sum(tf.reshape(dy_dw, [2, -1]), axis=1)] * variable_grads
            return grad_xs, grad_vars

        def grad_fn_without(dpoly):
            return dpoly * weights[1]
        return poly, grad_fn if with_variables else grad_fn_without

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = linear_poly(x)
    return [out, tape.gradient(out, [x, weights])]


def _variables_received(tf, x):
    weights = tf.Variable([3.0, 2.0])
    seen = []

    @tf.custom_gradient
    def scaled(v):
        def grad_fn(dy, variables=None):
            seen.append([w is weights for w in variables])
            return dy * weights[0], [tf.zeros_like(weights)]
        return v * weights[0], grad_fn

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = scaled(x)
    grads = tape.gradient(out, [x, weights])
    return [out, grads, seen]


def _variable_as_argument(tf, x):
    w = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(v, scale):
        return v * scale, lambda dy: (dy * scale, tf.reduce_sum(dy * v))

    with tf.GradientTape() as tape:
        out = scaled(x, w)
    return [out, tape.gradient(out, w)]


def _too_many_gradients(tf, x):
    @tf.custom_gradient
    def double(v):
        return v * 2.0, lambda dy: (dy * 2.0, dy)

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = double(x)
    return tape.gradient(out, x)


def _keras_layer(tf, x):
    @tf.custom_gradient
    def clip_gradients(y):
        return y, lambda dy: tf.clip_by_norm(dy, 0.5)

    class ClippedDense(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(
                2, kernel_initializer=tf.constant_initializer(np.arange(6.0).reshape(3, 2)))

        def call(self, inputs):
            return clip_gradients(self.dense(inputs))

    layer = ClippedDense()
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(layer(x) ** 2)
    return [out, tape.gradient(out, layer.trainable_variables)]


def _second_order(tf, x):
    @tf.custom_gradient
    def cube(v):
        def grad(dy):
            return dy * 3.0 * v ** 2
        return v ** 3, grad

    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy_dx = inner.gradient(y, x)
    return [y, dy_dx, outer.gradient(dy_dx, x)]


def _second_order_nested(tf, x):
    @tf.custom_gradient
    def square(v):
        def first_order(dy):
            @tf.custom_gradient
            def first_order_custom(unused_v):
                def second_order_and_transpose(ddy):
                    return ddy * 2.0 * 5.0
                return 2.0 * v, second_order_and_transpose
            return dy * first_order_custom(v)
        return v * v, first_order

    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = square(x)
        dy_dx = inner.gradient(y, x)
    return [y, dy_dx, outer.gradient(dy_dx, x)]


def _output_gradients(tf, x):
    log1pexp = _log1pexp(tf)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    return tape.gradient(y, x, output_gradients=tf.constant([2.0, -1.0, 0.5]))


def _upstream_seen(tf, x):
    seen = []

    @tf.custom_gradient
    def spy(v):
        def grad(dy):
            seen.append(dy)
            return dy
        return v * 1.0, grad

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(spy(x) * tf.constant([1.0, 2.0, 3.0]))
    tape.gradient(out, x)
    return seen


def _two_results(tf, x):
    @tf.custom_gradient
    def doubled_and_tripled(v):
        return (v * 2.0, v * 3.0), lambda d2, d3: d2 * 2.0 + d3 * 3.0

    with tf.GradientTape() as tape:
        tape.watch(x)
        doubled, tripled = doubled_and_tripled(x)
        loss = tf.reduce_sum(doubled) + tf.reduce_sum(tripled)
    return [doubled, tripled, tape.gradient(loss, x)]


CUSTOM_GRADIENT = {
    "stable_log1pexp": (_stable_log1pexp, (a32([0.0, 100.0, -100.0, 1.5]),)),
    "naive_log1pexp_nan": (_naive_log1pexp, (a32([0.0, 100.0, -100.0, 1.5]),)),
    "clip_gradients": (_clip_gradients, (f32(3),)),
    "one_input_stopped": (_one_input_stopped, (f32(3), f32(3, seed=2))),
    "straight_through_round": (_straight_through_round, (a32([0.4, 1.6, -2.5]),)),
    "variables": (_linear_poly, (f32(3),)),
    "variables_missing_keyword": (lambda tf, x: _linear_poly(tf, x, with_variables=False),
                                  (f32(3),)),
    "variables_wrong_count": (lambda tf, x: _linear_poly(tf, x, variable_grads=2), (f32(3),)),
    "variables_received": (_variables_received, (f32(2),)),
    "variable_as_argument": (_variable_as_argument, (f32(3),)),
    "too_many_gradients": (_too_many_gradients, (f32(3),)),
    "keras_layer": (_keras_layer, (f32(2, 3),)),
    "second_order": (_second_order, (f32(3),)),
    "second_order_nested": (_second_order_nested, (f32(3),)),
    "output_gradients": (_output_gradients, (f32(3),)),
    "upstream_seen": (_upstream_seen, (f32(3),)),
    "two_results": (_two_results, (f32(3),)),
}
for _name, (_fn, _inputs) in CUSTOM_GRADIENT.items():
    add_case(f"custom_gradient/{_name}", _fn, *_inputs, grad=False)
# the harness's own persistent tape differentiates through the custom gradient too
add_case("custom_gradient/under_the_harness_tape",
         lambda tf, x: _log1pexp(tf)(x * 2.0), f32(4))
