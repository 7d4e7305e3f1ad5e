"""A line y = a * x + b fitted with two scalar Variables and plain SGD, as a student writes it
after the first eager lecture, `import tapeviz as tf`, under every tool. Planted bugs, of
dtypes: `a = tf.Variable(1)`, an int32 variable cast to float in the model, whose gradient is
None every step, so `a` never moves (before: diagnose said it was read 'but not on the way to
the loss' and to use it in the loss; now: it holds integers, with the line that made it and
the fix); and integer labels, tf.constant([0, 1, ...]), subtracted from float predictions
(refused, naming the op, both dtypes, the line and the cast: found as-is)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, why_none
from hunt_tools import found, paused_then_stopped, recorded_steps, trained_quietly
from programs import line_of
from tf_program_tools import (nothing_left_around, ops_drawn, paused_by, recorded, runs_past,
                              stepped_gradients, stepped_to_the_end, widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def points(n=32):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=n).astype(np.float32)
    return x, (1.5 * x - 0.5 + rng.normal(0, 0.1, size=n)).astype(np.float32)


def fit(steps=3, integer_slope=False):
    x, y = points()
    start = 1 if integer_slope else 1.0
    a = tf.Variable(start)   # SLOPE
    b = tf.Variable(0.0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            prediction = tf.cast(a, tf.float32) * x + b   # MODEL
            loss = tf.reduce_mean(tf.square(prediction - y))
        grad_a, grad_b = tape.gradient(loss, [a, b])
        if grad_a is not None:
            a.assign_sub(0.1 * grad_a)
        b.assign_sub(0.1 * grad_b)
    return tape, loss


def test_the_fit_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    _, rec = recorded(fit)
    assert len(rec.steps) == 3 and rec.steps[-1].loss < rec.steps[0].loss
    widget = widget_of(rec)
    try:
        assert ops_drawn(widget)[0] == "cast"
        stepped_to_the_end(widget)
        assert set(stepped_gradients(widget)) == {"a", "b"}
    finally:
        widget.close()
    runs_past(fit, op="conv2d")
    paused_at, _ = paused_by(fit, op="square")
    assert paused_at.source.lineno == line_of(__file__, "loss = tf.reduce_mean(tf.square(")
    assert diagnose(recorded_steps(fit, steps=20)) == []
    assert paused_then_stopped(fit) == ("cast", line_of(__file__, "# MODEL"))
    trained_quietly(fit)


def test_an_integer_variable_is_said_to_hold_integers_with_the_line_that_made_it():
    """Before: '... it is read by cast at ...: prediction = ..., but not on the way to the
    loss; fix: use it in the loss, or leave it out ...'."""
    rec = recorded_steps(fit, steps=3, integer_slope=True)
    finding = found(diagnose(rec), "none_gradient")
    assert finding.source.lineno == line_of(__file__, "# MODEL")
    assert "the gradient is None in all 3 steps, so it never trains: it holds integers " \
           f"(int32, made at tests/test_hunt_tf_dtypes.py:{line_of(__file__, '# SLOPE')}: " \
        in finding.message
    assert "gradients flow only to floating-point values, though cast at " in finding.message
    assert "not on the way to the loss" not in finding.message
    assert finding.message.endswith("fix: make it a float, tf.Variable(..., dtype=tf.float32) "
                                    "or a float initial value (1.0, not 1)")
    tape, loss = fit(steps=1, integer_slope=True)
    [a] = [v for v in tape.watched_variables() if v.dtype == tf.int32]
    assert why_none(tape, loss, a).kind == "integer_dtype"


def test_integer_labels_subtracted_from_predictions_are_refused_naming_the_cast():
    x, _ = points()
    w = tf.Variable(0.5)
    labels = tf.constant([0, 1] * 16)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        with tf.GradientTape():
            tf.reduce_mean(tf.square(w * x - labels))   # LABELS
    said = str(info.value)
    assert said.startswith("subtract: inputs must have the same dtype; got input 0 is "
                           "float32, input 1 is int32")
    assert f"test_hunt_tf_dtypes.py:{line_of(__file__, '# LABELS')}" in said
    assert "hint: cast labels to float32: tf.cast(labels, tf.float32)" in said
