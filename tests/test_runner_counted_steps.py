"""A Runner running freely calls no listener a step: the tape counts its thread's gradient
calls (`tape_gradient.counted_threads`). Its count, loss, stop between two updates and the
refusal of a variable two loops train stay as they were while it heard every call; a
BackwardStepper ending a pass on its thread counts it too."""
import pytest

import tapeviz as tf
from dashboard_loops import wait_until
from tapeviz import events
from tapeviz.debugger import BackwardStepper, runner_gate
from tapeviz.tape_gradient import counted_threads

T = 10.0   # the longest any single wait may take


@pytest.fixture(autouse=True)
def tapeviz_alone(monkeypatch):
    """A session without tapeviz.torch (the suite's torch tests load it in this process):
    where it is loaded, a runner keeps listening, for a loop that trains a torch model too."""
    monkeypatch.setattr(runner_gate, "torch_adapter_loaded", lambda: False)


def loop(w, b, steps, losses, inside=None, stepped=False):
    """The lecture's loop: a tape a step, then two hand-written updates (`inside(step)`
    called between them); `stepped`: its odd steps' gradients stepped through by a
    BackwardStepper (a user looking at a backward pass inside the Runner), not drained by
    `tape.gradient`."""
    for step in range(steps):
        with tf.GradientTape() as tape:
            loss = (tf.constant(2.0) - (tf.constant(float(step % 3)) * w + b)) ** 2
        if stepped and step % 2:
            dw, db = BackwardStepper(tape, loss, [w, b]).run().result()
        else:
            dw, db = tape.gradient(loss, [w, b])
        losses.append(float(loss))
        w.assign_sub(0.01 * dw)
        if inside is not None:
            inside(step)
        b.assign_sub(0.01 * db)


def test_a_free_running_loop_is_counted_by_the_tape_with_no_listener(runners):
    losses = []
    gate_free = []
    runner = runners(loop, tf.Variable(0.5), tf.Variable(0.0), 10**6, losses)
    runner.start()
    assert wait_until(lambda: runner.step_count >= 3)
    # heard until its first step (the engine and the loop judged), then counted by the tape
    assert runner._on_gradient not in events.subscribers()
    assert runner._gate not in events.subscribers()
    gate_free.append(runner.step_count)
    runner.pause()
    assert runner.wait_paused(T)
    assert runner._on_gradient in events.subscribers()   # heard again while paused
    steps = runner.step_count
    assert steps >= gate_free[0] and abs(runner.last_loss - losses[steps - 1]) < 1e-6
    runner.resume()
    assert wait_until(lambda: runner.step_count > steps + 2)
    runner.stop()
    assert runner.join(T) and runner.state == "stopped"
    assert runner.step_count == len(losses) and runner.looped
    assert runner._ident not in counted_threads and not counted_threads


def test_a_stop_landing_on_a_gradient_call_counts_no_step(runners, monkeypatch):
    """Stop pressed while the loop's gradient call is told (here by a listener heard before
    the runner's, on step 5): the call raises and its gradients never reach the loop, so it is
    no step (was counted: 6 steps of 5 losses, a flake of the free-running test above when
    its stop landed there). The runner hears every call, as where tapeviz.torch is loaded."""
    monkeypatch.setattr(runner_gate, "torch_adapter_loaded", lambda: True)
    calls = []

    def stop_at_sixth_call(event):
        calls.append(event)
        if len(calls) == 6:
            runner.stop()

    losses = []
    runner = runners(loop, tf.Variable(0.5), tf.Variable(0.0), 10**6, losses)
    events.subscribe(stop_at_sixth_call, kinds=(events.GradientComputed,))
    try:
        runner.start()
        assert runner.join(T) and runner.state == "stopped"
    finally:
        events.unsubscribe(stop_at_sixth_call)
    assert len(calls) == 6 and len(losses) == 5
    assert runner.step_count == 5 and abs(runner.last_loss - losses[-1]) < 1e-6


def test_a_stop_between_two_updates_of_a_counted_step_lets_the_second_run(runners):
    w, b = tf.Variable(0.5), tf.Variable(0.0)
    seen = {}

    def stop_after_ws_update(step):
        if step == 5:   # asked from the loop's own thread: no race with the step's end
            seen["listening"] = runner._on_gradient in events.subscribers()
            seen["w"] = float(w.numpy())
            runner.stop()

    losses = []
    runner = runners(loop, w, b, 10**6, losses, stop_after_ws_update)
    runner.start()
    assert runner.join(T) and runner.state == "stopped"
    assert seen["listening"] is False   # the tape counted that step
    assert runner.step_count == 6 and len(losses) == 6
    # b took step 5's update too (was 0.0 + six steps of it), w none after step 5's
    twin_w, twin_b, twin_losses = tf.Variable(0.5), tf.Variable(0.0), []
    loop(twin_w, twin_b, 6, twin_losses)
    assert float(w.numpy()) == float(twin_w.numpy()) == seen["w"]
    assert float(b.numpy()) == float(twin_b.numpy())


def test_a_second_runner_makes_the_first_hear_its_calls_again(runners):
    first = runners(loop, tf.Variable(0.5), tf.Variable(0.0), 10**6, [])
    first.start()
    assert wait_until(lambda: first.step_count >= 2)
    assert first._on_gradient not in events.subscribers()
    second = runners(loop, tf.Variable(0.5), tf.Variable(0.0), 10**6, [])
    second.pause()
    second.start()
    assert second.wait_paused(T)
    # two loops run: each gradient call is heard, to refuse a variable both would train
    assert first._on_gradient in events.subscribers()
    second.stop()
    assert second.join(T)
    assert wait_until(lambda: first._on_gradient not in events.subscribers())
    steps = first.step_count
    assert wait_until(lambda: first.step_count > steps)


def test_a_backward_pass_stepped_through_in_the_loop_is_a_step_too(runners):
    losses = []
    runner = runners(loop, tf.Variable(0.5), tf.Variable(0.0), 8, losses, None, True)
    runner.start()
    assert runner.join(T) and runner.state == "finished"
    assert runner.step_count == 8 and runner.last_loss == losses[-1]   # (was 4: odd ones lost)
    assert runner._on_gradient not in events.subscribers()   # still counted with no listener


def test_a_loop_that_only_steps_its_passes_is_counted_by_the_stepper(runners):
    def only_stepped(w, steps):
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * BackwardStepper(tape, loss, w).run().result())

    runner = runners(only_stepped, tf.Variable(1.0), 5)
    runner.start()
    assert runner.join(T) and runner.step_count == 5 and runner.looped
    assert runner._on_gradient not in events.subscribers()


def test_a_stop_between_two_updates_of_a_stepped_step_lets_the_second_run(runners):
    w, b = tf.Variable(0.5), tf.Variable(0.0)

    def stop_after_ws_update(step):
        if step == 5:   # a step whose gradients the stepper gave
            runner.stop()

    losses = []
    runner = runners(loop, w, b, 10**6, losses, stop_after_ws_update, True)
    runner.start()
    assert runner.join(T) and runner.state == "stopped"
    assert runner.step_count == 6 and len(losses) == 6
    twin_w, twin_b = tf.Variable(0.5), tf.Variable(0.0)
    loop(twin_w, twin_b, 6, [])
    assert float(w.numpy()) == float(twin_w.numpy())
    assert float(b.numpy()) == float(twin_b.numpy())   # (b's step-5 update was cut off)
