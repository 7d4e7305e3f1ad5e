"""Cases of tapes within tapes and of stop_recording, as TF 2.21 runs them: an outer tape
paused under an inner one, a tape entered again after (or inside) its block, and the
misuses TF refuses (stop_recording outside the block or twice, a tape entered while it
records). Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

from .cases import add_case


def _outer_paused_under_inner(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            with outer.stop_recording():
                y = x * x
            z = y * x
        first = inner.gradient(z, x)
        after = first * x   # recorded by the outer tape again
    return [z, first, outer.gradient(first, x), outer.gradient(after, x)]


def _inner_gradient_in_outer_block(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        first = inner.gradient(y, x)
    return [first, outer.gradient(first, x)]


def _entered_again_after_block(tf):
    x = tf.constant(3.0)
    tape = tf.GradientTape()
    with tape:
        tape.watch(x)
        y = x * x
    with tape:
        z = y * x
    return tape.gradient(z, x)


def _entered_inside_own_stop_recording(tf):
    x = tf.constant(3.0)
    tape = tf.GradientTape(persistent=True)
    with tape:
        tape.watch(x)
        with tape.stop_recording():
            y = x * x
            with tape:
                w = x * 2.0
        z = x * 5.0   # recorded: stop_recording's end started the tape again
    return [y, tape.gradient(w, x), tape.gradient(z, x)]


def _persistent_gradient_in_own_block(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        first = tape.gradient(y, x)   # recorded: its gradient is the second derivative
        z = y * x
    return [first, tape.gradient(z, x), tape.gradient(first, x)]


def _stop_recording_never_entered(tf):
    with tf.GradientTape().stop_recording():
        return tf.constant(1.0)


def _stop_recording_after_block(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with tape.stop_recording():
        return y * x


def _stop_recording_twice(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            with tape.stop_recording():
                return x * x


def _entered_while_recording(tf):
    tape = tf.GradientTape()
    with tape:
        with tape:
            return tf.constant(1.0)


TAPES = {
    "GradientTape/outer_paused_under_inner": _outer_paused_under_inner,
    "GradientTape/inner_gradient_in_outer_block": _inner_gradient_in_outer_block,
    "GradientTape/entered_again_after_block": _entered_again_after_block,
    "GradientTape/entered_inside_own_stop_recording": _entered_inside_own_stop_recording,
    "GradientTape/persistent_gradient_in_own_block": _persistent_gradient_in_own_block,
    "GradientTape/stop_recording_never_entered": _stop_recording_never_entered,
    "GradientTape/stop_recording_after_block": _stop_recording_after_block,
    "GradientTape/stop_recording_twice": _stop_recording_twice,
    "GradientTape/entered_while_recording": _entered_while_recording,
}
for _name, _fn in TAPES.items():
    add_case(_name, _fn, grad=False, op="stop_recording" if "stop_recording_" in _name
             else None)
