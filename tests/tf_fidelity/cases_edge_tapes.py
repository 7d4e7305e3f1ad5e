"""Cases of GradientTape where students meet TF's rules: watch_accessed_variables=False with
and without watch, integer targets and sources (None, with TF's warning), what
unconnected_gradients='zero' gives through an integer or a non-differentiable op, lists
and nests of targets, stop_recording around part of a computation, a numpy array as a
source (a Python number's is GradientTape/hunt_gradient_of_python_number). Registered into
`cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case


def _not_watching_nothing_watched(tf, x):
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = tf.reduce_sum(w * x)
    return [tape.gradient(y, [w, x]), tape.watched_variables()]


def _not_watching_watch_variable(tf, x):
    w, v = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = tf.reduce_sum(w * x * v)
    return [tape.gradient(y, [w, v]), len(tape.watched_variables())]


def _integer_target(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x * 2.0, tf.int32)
    return tape.gradient(y, x)


def _integer_target_of_variable(tf):
    v = tf.Variable([1, 2])
    with tf.GradientTape() as tape:
        y = v * 3
    return tape.gradient(y, v)


def _integer_watched(tf):
    x = tf.constant([1, 2])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.float32) * 2.0
    return tape.gradient(y, x)


def _integer_path_zero(tf, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * x
        z = tf.cast(tf.argmax(x), tf.float32)
    return [tape.gradient(y, x), tape.gradient(z, x),
            tape.gradient(z, x, unconnected_gradients="zero")]


def _zero_for_variable(tf, x):
    w, unused = tf.Variable([1.0, 2.0]), tf.Variable([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * x)
    return tape.gradient(y, [w, unused], unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _zero_bad_value(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    return tape.gradient(y, x, unconnected_gradients="zeros")


def _list_targets_one_unconnected(tf, x):
    w = tf.Variable(5.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = x * x, tf.constant(2.0) * w
    return tape.gradient([a, b], [x, w])


def _nested_targets(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        targets = {"sq": x * x, "pair": [tf.sin(x), 3.0 * x]}
    return tape.gradient(targets, x)


def _targets_of_two_dtypes(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = x * x
        b = tf.cast(x, tf.float64) * 2.0
    return tape.gradient([a, b], x)


def _stop_recording_partial(tf, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            scale = tf.reduce_sum(x)
        y = x * scale
    return [tape.gradient(y, x), tape.gradient(scale, x)]


def _stop_recording_variable(tf):
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            a = v * v
        b = v * a
    return tape.gradient(b, v)


def _source_numpy(tf, x):
    array = np.array([1.0, 2.0], np.float32)
    with tf.GradientTape() as tape:
        y = x * array
    return tape.gradient(y, array)


def _gradient_through_assign(tf, x):
    v = tf.Variable([0.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        v.assign(x * 2.0)
        y = tf.reduce_sum(v * 1.0)
    return tape.gradient(y, [x, v])


def _not_trainable_variable(tf):
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    return tape.gradient(y, v)


def _not_trainable_watched(tf):
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = v * v
    return tape.gradient(y, v)


TAPES = {
    "not_watching_nothing_watched": (_not_watching_nothing_watched, (a32([3.0, 4.0]),)),
    "not_watching_watch_variable": (_not_watching_watch_variable, (a32([3.0, 4.0]),)),
    "integer_target": (_integer_target, (a32([1.5, 2.0]),)),
    "integer_target_of_variable": (_integer_target_of_variable, ()),
    "integer_watched": (_integer_watched, ()),
    "integer_path_zero": (_integer_path_zero, (a32([1.5, -2.0]),)),
    "zero_for_variable": (_zero_for_variable, (a32([3.0, 4.0]),)),
    "zero_bad_value": (_zero_bad_value, (a32([3.0]),)),
    "list_targets_one_unconnected": (_list_targets_one_unconnected, (a32([3.0]),)),
    "nested_targets": (_nested_targets, (a32([0.5, 1.0]),)),
    "targets_of_two_dtypes": (_targets_of_two_dtypes, (a32([0.5, 1.0]),)),
    "stop_recording_partial": (_stop_recording_partial, (a32([1.0, 2.0]),)),
    "stop_recording_variable": (_stop_recording_variable, ()),
    "source_numpy": (_source_numpy, (a32([3.0, 4.0]),)),
    "gradient_through_assign": (_gradient_through_assign, (a32([1.0, 2.0]),)),
    "not_trainable_variable": (_not_trainable_variable, ()),
    "not_trainable_watched": (_not_trainable_watched, ()),
}
for _name, (_fn, _inputs) in TAPES.items():
    add_case(f"GradientTape/edge_{_name}", _fn, *_inputs, grad=False, op="gradient")
