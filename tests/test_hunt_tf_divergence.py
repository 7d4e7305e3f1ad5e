"""A Keras Dense regression on features three times the scale it was tuned for, trained by
plain SGD at a learning rate 2.3 / the largest curvature: the error grows about x1.3 a step
from the start, the loss overflows to inf at step 158 and turns NaN at step 330, as a
student's run does a few hundred steps in. Found as-is, pinned here: diagnose names the
step and op where inf was born and the divergence with the optimizer's and the rate's
lines, with the whole history kept; under a byte budget too small for the early steps it
says the birth may lie among the dropped ones; break_on(nan=True) stops the Runner at the
op that overflowed; the dashboard alerts; and a loss computed after the tape's block is
warned of at tape.gradient and refused at apply_gradients, both naming the loss's line."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose, find_nan_origin
from hunt_tools import found, recorded_steps
from programs import line_of
from tf_program_tools import nothing_left_around, paused_by, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

RATE = 0.0878   # 2.3 / the largest eigenvalue of the loss's Hessian on x * 3 (26.2)


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], np.float32) + 0.5).astype(np.float32)
    return x * 3.0, y   # (features on three times the scale the rate was tuned for)


def regression(steps=400, rate=RATE):
    x, y = data()
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, kernel_initializer="zeros")])
    optimizer = tf.keras.optimizers.SGD(rate)   # RATE
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x)[:, 0] - y))   # LOSS
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))   # UPDATE
        losses.append(float(loss))
    return losses


def loss_after_the_tape(steps=1):
    x, y = data()
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.01)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            prediction = model(x)[:, 0]
        loss = tf.reduce_mean(tf.square(prediction - y))   # AFTER
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))   # APPLY


def test_the_overflow_and_the_divergence_are_said_with_their_steps_and_lines():
    rec = recorded_steps(regression)
    losses = [step.loss for step in rec.steps]
    assert len(losses) == 400 and np.isinf(losses[157]) and np.isnan(losses[329])
    findings = diagnose(rec)
    assert [f.kind for f in findings][:2] == ["divergence", "nan"]   # the cause first (was:
    nan = found(findings, "nan")                   # the overflow, pointing to a finding after)
    assert nan.source.lineno == line_of(__file__, "# LOSS")
    assert nan.message.startswith("reduce_mean produced inf in the forward pass at op 6 of "
                                  "step 158")
    assert "the result overflowed float32" in nan.message
    assert nan.message.endswith("the loss was diverging before: see the divergence finding")
    divergence = found(findings, "divergence")
    assert divergence.source.lineno == line_of(__file__, "# UPDATE")
    assert "then inf at step 158" in divergence.message
    assert f"the optimizer's learning rate was set at tests/test_hunt_tf_divergence.py:" \
           f"{line_of(__file__, '# RATE')}" in divergence.message


def test_under_a_budget_that_dropped_the_birth_the_dropped_steps_are_said():
    with Recorder(max_bytes=200_000) as rec, pytest.warns(UserWarning, match="Recorder dropped"):
        regression()
    assert rec.dropped.steps > 300
    nan = found(diagnose(rec), "nan")
    assert f"{rec.dropped.steps} older step(s) were dropped to keep the Recorder's byte " \
           f"budget and it may have been born there: raise Recorder(max_bytes=...)" \
           in nan.message
    origin = find_nan_origin(rec.last_step)
    assert "from the variable 'dense/kernel' (no op made it)" in str(origin)


def test_a_breakpoint_on_nan_stops_at_the_op_that_overflowed_and_the_dashboard_alerts():
    paused_at, hit = paused_by(regression, nan=True)
    assert (hit.node.op.name, paused_at.source.lineno) == ("reduce_mean",
                                                          line_of(__file__, "# LOSS"))
    shown = trained_by_dashboard(lambda: regression(steps=200))
    assert shown["state"] == "finished" and shown["steps"] == 200
    assert {"nan", "divergence"} <= {alert["kind"] for alert in shown["alerts"]}


def test_a_loss_computed_after_the_tape_block_is_refused_at_the_update_naming_its_line():
    with pytest.raises(ValueError) as info, \
            pytest.warns(UserWarning, match="every gradient is None: the target .made at "
                                            "tests/test_hunt_tf_divergence.py"):
        loss_after_the_tape()
    said = str(info.value)
    assert said.startswith("SGD.apply_gradients: no gradients provided for any variable (all "
                           "are None)")
    assert f"\n  at tests/test_hunt_tf_divergence.py:{line_of(__file__, '# APPLY')}" in said
    assert f"(made at tests/test_hunt_tf_divergence.py:{line_of(__file__, '# AFTER')}:" in said
    assert "it was computed outside the `with tape:` block" in said
