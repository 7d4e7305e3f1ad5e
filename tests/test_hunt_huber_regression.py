"""The lecture's robust regression (life expectancy against birth rate, outliers included)
written as a student writes it after the lecture, `import tapeviz as tf`, its Huber loss by
hand, under every tool. Planted bugs: the lecture's `tf.where(residual < delta, ...)`
written `residual > delta`, so residuals within delta get the linear piece (the loss goes
below zero) and the outliers the quadratic one (before: diagnose said nothing, the loss
falls); and the signed error compared with delta, so the outliers below the line weigh as
in a squared error (before: nothing said either)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from hunt_tools import found, paused_then_stopped, recorded_steps
from programs import line_of
from tf_program_tools import (nothing_left_around, ops_drawn, paused_by, recorded, runs_past,
                              stepped_gradients, stepped_to_the_end, trained_by_dashboard,
                              widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def huber(labels, predictions, delta=14.0, condition="right"):
    error = labels - predictions
    residual = tf.abs(error)
    small = 0.5 * tf.square(residual)
    large = delta * residual - 0.5 * delta ** 2
    if condition == "crossed":
        return tf.where(residual > delta, small, large)   # CROSSED
    if condition == "signed":
        return tf.where(error < delta, small, large)   # SIGNED
    return tf.where(residual < delta, small, large)   # HUBER


def birth_life(n=64, seed=0):
    rng = np.random.default_rng(seed)
    births = rng.uniform(1, 7, size=n).astype(np.float32)
    life = (85 - 6 * births + rng.normal(0, 3, size=n)).astype(np.float32)
    life[:3] += 40   # outliers both sides of the line
    life[3:6] -= 40
    return births, life


def regression(steps=3, condition="right"):
    births, life = birth_life()
    w, b = tf.Variable(0.0, name="weights"), tf.Variable(0.0, name="bias")
    optimizer = tf.keras.optimizers.SGD(0.01)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            predictions = w * births + b   # MODEL
            loss = tf.reduce_mean(huber(life, predictions, condition=condition))   # LOSS
        gradients = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(gradients, [w, b]))
        losses.append(float(loss))
    return losses


def test_the_regression_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    losses, rec = recorded(regression)
    assert len(rec.steps) == 3 and losses[-1] < losses[0]
    widget = widget_of(rec)
    try:
        assert "where" in ops_drawn(widget)
        stepped_to_the_end(widget)
        assert set(stepped_gradients(widget)) == {"weights", "bias"}
    finally:
        widget.close()
    assert find_nan_origin(rec.steps[-1]) is None
    runs_past(regression, op="conv2d")
    paused_at, hit = paused_by(regression, op="where")
    assert paused_at.source.lineno == hit.node.source.lineno == line_of(__file__, "# HUBER")
    many = recorded_steps(regression, steps=30)
    assert len(many.steps) == 30 and diagnose(many) == []
    assert paused_then_stopped(regression)[1] is not None
    shown = trained_by_dashboard(regression)
    assert shown["state"] == "finished" and shown["steps"] == 3 and shown["alerts"] == []


def test_a_huber_condition_the_wrong_way_round_is_said_at_the_where():
    """Before: no finding (the loss falls, 910 at step 5)."""
    rec = recorded_steps(regression, steps=5, condition="crossed")
    finding = found(diagnose(rec), "huber_branches_crossed")
    assert finding.source.lineno == line_of(__file__, "# CROSSED")
    assert finding.message.startswith(
        f"the Huber loss at tests/test_hunt_huber_regression.py:{line_of(__file__, '# CROSSED')}")
    assert "takes the wrong branch of where (delta 14)" in finding.message
    assert "12 of the 12 residuals within delta took the linear piece" in finding.message
    assert "(below zero for |r| < delta / 2: the smallest loss -90.2)" in finding.message
    assert "52 of the 52 beyond it took the quadratic 0.5 * r**2" in finding.message
    assert "the condition picks each piece where the other belongs" in finding.message
    assert "fix: tf.where(tf.abs(error) <= delta, " in finding.message
    shown = trained_by_dashboard(lambda: regression(condition="crossed"))
    assert [alert["kind"] for alert in shown["alerts"]] == ["huber_branches_crossed"]


def test_the_signed_error_compared_with_delta_is_said_with_the_outliers_below_the_line():
    """Before: no finding."""
    rec = recorded_steps(regression, steps=5, condition="signed")
    finding = found(diagnose(rec), "huber_branches_crossed")
    assert finding.source.lineno == line_of(__file__, "# SIGNED")
    assert "within delta" not in finding.message   # (|error| < delta took the right piece)
    assert "1 of the 63 beyond it took the quadratic" in finding.message
    assert "the condition compares the signed error, so residuals below -delta count as " \
           "within it: compare its absolute value" in finding.message


def test_keras_huber_and_a_right_where_under_the_built_in_are_no_finding():
    births, life = birth_life()
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.Huber(14.0)(life, w * births)
    assert diagnose(tape, loss) == []


def keras_huber(y_true, y_pred, delta=1.0):
    error = y_true - y_pred
    small, large = 0.5 * tf.square(error), delta * (tf.abs(error) - 0.5 * delta)
    return tf.where(tf.abs(error) > delta, small, large)   # COMPILED


def test_the_crossed_huber_given_to_compile_is_said_from_fits_steps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + rng.normal(0, 0.5, size=(128, 1))
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss=keras_huber)
    rec = recorded_steps(model.fit, x, y.astype(np.float32), batch_size=32, epochs=2,
                         verbose=0)
    finding = found(diagnose(rec), "huber_branches_crossed")
    assert finding.source.lineno == line_of(__file__, "# COMPILED")
    assert "takes the wrong branch of where (delta 1)" in finding.message
