"""Bugs a Runner's Dashboard must alert while the loop runs, as `diagnose(recorder)` would:
here, `apply_gradients` forgotten in a run of two or three steps (its opening Recorder, begun
after the first step, holds one or two: the check over steps needs three; a run that ended
with no update anywhere needs none to wait for)."""
import pytest

import tapeviz as tf
from tapeviz.viz.dashboard import Dashboard
from programs import marked_line

T = 30.0


@pytest.fixture
def dashboard():
    dash = Dashboard(show_tape=False)
    yield dash
    if dash.runner is not None:
        dash.runner.stop()
    dash.close()


def trained(dash, loop, steps):
    runner = dash.train(loop, steps)
    assert runner.join(T)
    dash._timer.join(T)   # its last turn diagnosed the ended run
    assert dash.error == "", dash.error
    return [alert for alert in dash.alerts if alert["kind"] == "gradients_not_applied"]


def forgetful_loop(steps):
    x = tf.constant([[1.0], [2.0], [3.0], [4.0]])
    w = tf.Variable([[0.5]], name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x @ w - 2.0 * x))  # NEVER APPLIED
        tape.gradient(loss, [w])


def accumulating_loop(steps, every=3):
    """Gradients summed over `every` micro-batches, then applied: meant."""
    x = tf.constant([[1.0], [2.0], [3.0], [4.0]])
    w = tf.Variable([[0.5]], name="w")
    optimizer = tf.keras.optimizers.SGD(0.01)
    total = None
    for step in range(1, steps + 1):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x @ w - 2.0 * x))
        [grad] = tape.gradient(loss, [w])
        total = grad if total is None else total + grad
        if step % every == 0:
            optimizer.apply_gradients([(total / every, w)])
            total = None


@pytest.mark.parametrize("steps", [2, 3])
def test_a_short_run_that_never_applies_its_gradients_is_alerted(dashboard, steps):
    [alert] = trained(dashboard, forgetful_loop, steps)   # was: no alert below 4 steps
    assert alert["message"].startswith(
        f"the gradients are never applied: tape.gradient computed the gradients of 1 "
        f"variable in each of the run's {steps} steps")
    assert marked_line(__file__, "NEVER APPLIED") in alert["message"]
    assert "fix: apply them after tape.gradient: optimizer.apply_gradients(" in alert["message"]


@pytest.mark.parametrize("steps", [2, 3, 6])
def test_a_short_run_that_applies_or_accumulates_then_applies_has_no_such_alert(dashboard,
                                                                               steps):
    every = min(steps, 3)
    assert trained(dashboard, lambda n: accumulating_loop(n, every), steps) == []
