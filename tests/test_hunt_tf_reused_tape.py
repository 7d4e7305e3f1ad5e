"""A linear fit whose student made one persistent GradientTape before the loop and enters it
each step, as a tape reused like an optimizer. The gradients stay right (each is taken from
its own loss), so the loss falls and nothing looks wrong, while the tape holds every step's
ops (16 more a step here). Before, nothing said it; now the second `with tape:` warns once,
at its line, with the fix. A new tape each step, and a persistent tape's several gradients
of one step, say nothing."""
import warnings

import numpy as np

import tapeviz as tf
from programs import line_of


def train(steps=5, reused=True):
    x = tf.constant(np.linspace(-1.0, 1.0, 8).astype(np.float32))
    y = 3.0 * x + 1.0
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    tape = tf.GradientTape(persistent=True)
    for _ in range(steps):
        if not reused:
            tape = tf.GradientTape(persistent=True)
        with tape:  # ENTER
            loss = tf.reduce_mean(tf.square(w * x + b - y))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.1 * dw)
        b.assign_sub(0.1 * db)
    return tape, float(loss)


def said(program, **kwargs):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = program(**kwargs)
    return result, [w for w in record if "persistent tape" in str(w.message)]


def test_a_persistent_tape_entered_each_step_is_said_once_at_its_line():
    (tape, loss), warned = said(train)
    [warning] = warned
    assert (warning.filename, warning.lineno) == (__file__, line_of(__file__, "# ENTER"))
    assert "entered again after its gradient was taken" in str(warning.message)
    assert "new tape each step" in str(warning.message)
    (fresh, fresh_loss), _ = said(train, reused=False)
    assert loss == fresh_loss   # (right gradients: the bug is only what the tape keeps)
    assert len(tape.nodes) == 5 * len(fresh.nodes)


def test_a_new_tape_each_step_says_nothing():
    assert said(train, reused=False)[1] == []


def test_a_persistent_tapes_several_gradients_and_two_blocks_before_them_say_nothing():
    def program():
        x = tf.Variable(2.0)
        tape = tf.GradientTape(persistent=True)
        with tape:
            y = x * x
        with tape:
            z = y * x
        return tape.gradient(y, x), tape.gradient(z, x)
    (dy, dz), warned = said(program)
    assert (float(dy), float(dz), warned) == (4.0, 12.0, [])
