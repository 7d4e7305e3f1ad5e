"""The Recorder the Dashboard runs over a loop's first steps (for the findings only steps
show) holds whole steps: each recorded step its forward pass, its gradient call and the
updates after it. Before, it started at step 1's gradient call, so step 1's updates opened
step 2, and stopped at step 5's, its forward pass ending step 4's and its gradients a step of
their own, holding no op. `Recorder.start(ended_by=)` and `Recorder.stop(whole_steps=True)`
are how. The torch loop's case: tests/pytorch/test_dashboard_opening_steps_torch.py."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder
from tapeviz.errors import DTypeError
import dashboard_loops
from dashboard_loops import T, ManualClock

dashboards = dashboard_loops.dashboards   # the fixture its tests take


def custom_loop(steps):
    w = tf.Variable([1.0, 2.0], name="w")
    optimizer = tf.keras.optimizers.SGD(0.1)
    for i in range(steps):
        x = tf.constant([1.0, float(i)])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x * w)
        grads = tape.gradient(loss, [w])
        optimizer.apply_gradients(zip(grads, [w]))


def keras_fit(steps):
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((8 * steps, 4), dtype=np.float32)
    y = rng.integers(0, 3, 8 * steps)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)


def opening_steps(dashboards, program, steps):
    """The opening Recorder's steps after `program(steps)` ran under Dashboard.train (the
    clock never ticks: no diagnosis takes the Recorder away)."""
    dash = dashboards(show_tape=False, clock=ManualClock())
    runner = dash.train(program, steps)
    assert runner.join(T) and runner.error is None, runner.error
    opening = dash._opening
    if opening.recording:   # (a run shorter than the opening: the alerts' turn stops it so)
        opening.stop()
    return opening.steps


def assert_whole(step):
    """Its forward pass, its backward pass, then the optimizer's updates (SGD's assign_sub;
    fit's metrics update before the gradient call and read their results after)."""
    ops = [(node.phase, node.op.name) for node in step.nodes]
    phases = [phase for phase, _ in ops]
    assert step.loss is not None and step.variable_gradients, step
    assert phases[0] == "forward" and "backward" in phases, ops
    first_backward = phases.index("backward")
    last_backward = len(phases) - phases[::-1].index("backward")
    assert ("forward", "assign_sub") not in ops[:first_backward], ops
    assert ("forward", "assign_sub") in ops[last_backward:], ops


@pytest.mark.parametrize("program", [custom_loop, keras_fit])
def test_the_opening_recorder_holds_whole_steps_two_to_four(dashboards, program):
    first, *steps = opening_steps(dashboards, program, 7)
    # the first holds step 1's gradient call and its updates (its forward ran before)
    assert first.number == 1 and first.variable_gradients
    assert [node.phase for node in first.nodes if node.phase == "backward"] == []
    assert any(node.op.kind == "update" for node in first.nodes)
    assert [step.number for step in steps] == [2, 3, 4]   # before: 2, 3, 4, 5 (no op)
    for step in steps:
        assert_whole(step)   # before: step 2 began with step 1's updates


def test_a_run_shorter_than_the_opening_keeps_its_last_step_whole(dashboards):
    first, *steps = opening_steps(dashboards, custom_loop, 3)
    assert [step.number for step in steps] == [2, 3]
    for step in steps:
        assert_whole(step)


def test_a_recorder_stopped_whole_at_a_gradient_call_drops_that_step_and_its_gradients():
    w = tf.Variable(2.0, name="w")
    rec = Recorder()
    stop_at = []

    def on_gradient(event):
        if len(stop_at) == 2 and rec.recording:
            rec.stop(whole_steps=True)
        stop_at.append(event)

    events.subscribe(on_gradient, kinds=(events.GradientComputed,))
    try:
        rec.start()
        for _ in range(4):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
    finally:
        events.unsubscribe(on_gradient)
        rec.stop()
    assert [step.number for step in rec.steps] == [1, 2]   # before: a third, of no op
    for step in rec.steps:
        assert_whole(step)


def test_stop_refuses_a_whole_steps_that_is_no_flag():
    rec = Recorder().start()
    with pytest.raises(DTypeError, match="whole_steps"):
        rec.stop(whole_steps="yes")
    rec.stop()
