"""Runner: a real Keras training loop paused, stepped, resumed and stopped from the caller.

Tests wait for states and events, never for an amount of wall time: "the loop halts" is read
off the training thread's stack. Every wait has a timeout, so a broken gate fails a test
instead of hanging the suite.
"""
import sys
import threading

import numpy as np
import pytest

import tapeviz as tf
from dashboard_loops import wait_until
from tapeviz import events
from tapeviz.backward import BackwardStep
from tapeviz.debugger import Runner, RunnerStopped
from tapeviz.dispatch import Node

T = 10.0  # the longest any single wait may take
LONG = 100_000  # steps: a loop that only ends when stopped

_rng = np.random.default_rng(0)
X = _rng.normal(size=(16, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)


def make_model():
    """A seeded model, built here (on the caller's thread) so its random init is repeatable."""
    tf.random.set_seed(7)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    model(X[:1])
    return model


def train(model, steps, losses=None, flags=None, log=False):
    """A manual GradientTape loop; returns the final weights."""
    optimizer = tf.keras.optimizers.SGD(0.05)
    try:
        for step in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(X) - Y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            if losses is not None:
                losses.append(float(loss))
            if log:
                print(f"step {step} loss {float(loss):.4f}")
    except RunnerStopped as exc:
        if flags is not None:
            flags["caught"] = exc
        raise
    finally:
        if flags is not None:  # ops still work here: the stop is raised once
            flags["finally"] = float(tf.reduce_sum(model.trainable_variables[0]))
    return [w.numpy() for w in model.weights]


def parked_in_gate(runner):
    """Whether the training thread is blocked in the runner's gate (inside `Runner._wait`)."""
    frame = sys._current_frames().get(runner.thread_ident)
    while frame is not None:
        if frame.f_code is Runner._wait.__code__:
            return True
        frame = frame.f_back
    return False


@pytest.fixture
def runner_events():
    """Record (thread id, event) for every event, from every thread."""
    seen = []
    callback = events.subscribe(lambda event: seen.append((threading.get_ident(), event)))
    yield seen
    events.unsubscribe(callback)


def paused_long_runner(runners, min_steps=2):
    runner = runners(train, make_model(), LONG).start()
    assert wait_until(lambda: runner.step_count >= min_steps)
    runner.pause()
    assert runner.wait_paused(T)
    return runner


def test_pause_lands_on_an_op_and_training_halts(runners):
    runner = paused_long_runner(runners)
    assert runner.state == "paused"
    point = runner.paused_at
    assert isinstance(point.node, Node) and point.kind == "op"
    assert point.phase in ("forward", "backward") and point.op_name == point.node.op.name
    assert point.source is not None and point.source.filename.endswith("test_runner.py")
    steps, ops = runner.step_count, runner.op_count
    assert parked_in_gate(runner)
    _ = tf.reduce_sum(tf.constant([1.0, 2.0]) * 2.0)   # the caller's ops do not wake it
    assert parked_in_gate(runner)
    assert (runner.step_count, runner.op_count, runner.paused_at) == (steps, ops, point)
    runner.resume()
    assert runner.state == "running" and runner.paused_at is None
    assert wait_until(lambda: runner.step_count > steps)
    runner.stop()
    assert runner.join(T) and runner.state == "stopped" and runner.error is None


def test_caller_computes_with_tapeviz_while_runner_is_paused(runners):
    runner = paused_long_runner(runners)
    ops = runner.op_count
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:  # main-thread ops go through dispatch too: not gated
        y = tf.reduce_sum(x * x * 3.0)
    assert tape.gradient(y, x).numpy().tolist() == [6.0, 12.0]
    output = runner.paused_at.node.output
    assert np.isfinite(tf.reduce_sum(output).numpy())
    assert runner.state == "paused" and runner.op_count == ops


def test_step_op_advances_exactly_one_op_of_the_runner_thread(runners, runner_events):
    runner = paused_long_runner(runners)

    def runner_ops():
        return [e for tid, e in list(runner_events)
                if tid == runner._thread.ident and isinstance(e, events.OpExecuted)]

    phases = set()
    for _ in range(300):  # long enough to cross from forward ops into backward ones
        before = len(runner_ops())
        runner.step_op()
        assert runner.wait_paused(T)
        after = runner_ops()
        assert len(after) == before + 1
        assert runner.paused_at.node is after[-1].node
        assert runner.paused_at.op_count == runner.op_count
        phases.add(runner.paused_at.phase)
    assert phases == {"forward", "backward"}


@pytest.mark.parametrize("step, kind", [("step_op", events.OpExecuted),
                                        ("step_vjp", events.VJPApplied)])
def test_two_steps_asked_at_once_run_two(runners, runner_events, step, kind):
    """Step pressed twice before the first step lands (a double click) runs two, as a
    debugger's Step does, not one."""
    runner = paused_long_runner(runners)

    def heard():
        return sum(1 for tid, event in list(runner_events)
                   if tid == runner.thread_ident and type(event) is kind)

    getattr(runner, step)()
    assert runner.wait_paused(T)
    before = heard()
    getattr(runner, step)()
    getattr(runner, step)()
    assert runner.wait_paused(T)
    assert heard() == before + 2


def test_step_vjp_pauses_just_after_a_backward_step(runners, runner_events):
    runner = paused_long_runner(runners)
    for _ in range(3):
        runner.step_vjp()
        assert runner.wait_paused(T)
        point = runner.paused_at
        assert point.kind == "vjp" and point.phase == "backward"
        assert isinstance(point.step, BackwardStep) and point.node is point.step.node
        last = [e for tid, e in list(runner_events) if tid == runner._thread.ident][-1]
        assert isinstance(last, events.VJPApplied) and last.step is point.step
    runner.resume()
    runner.pause(at="vjp")  # from running, too
    assert runner.wait_paused(T) and runner.paused_at.kind == "vjp"


def test_resume_finishes_with_the_same_weights_as_without_the_runner(runners):
    expected_losses = []
    expected = train(make_model(), 5, expected_losses)

    losses = []
    runner = runners(train, make_model(), 5, losses)
    runner.pause()  # lands on the very first op
    runner.start()
    assert runner.wait_paused(T) and runner.paused_at.op_count == 1
    for _ in range(7):
        runner.step_op()
        assert runner.wait_paused(T)
        _ = tf.constant([1.0, 2.0]) * 2.0  # the caller computes meanwhile (nothing random)
    runner.step_vjp()
    assert runner.wait_paused(T)
    runner.resume()
    assert runner.join(T) and runner.state == "finished"
    assert len(runner.result) == len(expected)
    for got, want in zip(runner.result, expected):
        np.testing.assert_array_equal(got, want)
    assert losses == expected_losses
    assert runner.step_count == 5 and runner.last_loss == expected_losses[-1]


def test_stop_raises_runner_stopped_inside_the_running_loop(runners):
    flags = {}
    runner = runners(train, make_model(), LONG, flags=flags).start()
    assert wait_until(lambda: runner.step_count >= 1)
    runner.stop()
    assert runner.join(T)
    assert runner.state == "stopped" and runner.error is None and runner.result is None
    assert isinstance(flags["caught"], RunnerStopped) and "stopped" in str(flags["caught"])
    assert np.isfinite(flags["finally"])  # the finally block ran, and its ops too


def test_stop_on_a_paused_runner_wakes_it_and_raises_inside_the_loop(runners):
    flags = {}
    runner = runners(train, make_model(), LONG, flags=flags).start()
    runner.pause()
    assert runner.wait_paused(T)
    runner.stop()
    assert runner.join(T) and runner.state == "stopped"
    assert isinstance(flags["caught"], RunnerStopped) and "finally" in flags
    assert runner.paused_at is None


def test_an_error_in_the_loop_is_kept_and_reraised_by_join(runners):
    def failing(model):
        train(model, 2)
        return model(np.ones((2, 5), np.float32))  # wrong input width: a ShapeError-ish failure

    runner = runners(failing, make_model()).start()
    with pytest.raises(tf.errors.ShapeError) as caught:
        runner.join(T)
    assert runner.state == "failed" and caught.value is runner.error
    assert runner.step_count == 2
    with pytest.raises(type(runner.error)):
        runner.raise_error()

    def boom():
        raise KeyError("boom")

    runner = runners(boom).start()
    with pytest.raises(KeyError, match="boom"):
        runner.join(T)
    assert runner.state == "failed"


def test_prints_from_the_loop_reach_the_callers_stdout(runners, capsys):
    runner = runners(train, make_model(), 3, log=True).start()
    assert runner.join(T)
    out = capsys.readouterr().out
    assert [line.split(" loss")[0] for line in out.splitlines()] == ["step 0", "step 1",
                                                                     "step 2"]


def test_state_transitions_and_misuse(runners):
    runner = runners(train, make_model(), 3)
    assert runner.state == "idle" and runner.step_count == 0 and runner.last_loss is None
    with pytest.raises(RuntimeError, match="never started"):
        runner.join(T)
    runner.pause()
    runner.start()
    assert runner.state in ("running", "paused")  # the loop may have paused already
    assert runner.wait_paused(T) and runner.state == "paused" and runner.op_count == 1
    runner.step_op()  # "running" at once, so wait_paused waits for the *next* pause
    assert runner.wait_paused(T) and runner.op_count == 2
    runner.resume()
    assert runner.join(T) and runner.state == "finished"
    assert not runner.wait_paused(T)  # returns at once: it has ended
    runner.pause()
    runner.stop()  # no-ops once ended
    assert runner.state == "finished"
    with pytest.raises(RuntimeError, match="runs its training function once") as caught:
        runner.start()
    assert caught.value.source.lineno == sys._getframe().f_lineno - 1   # the student's line
    assert "make a new one" in str(caught.value)
    with pytest.raises(ValueError, match="'op' or 'vjp'; got 'forward'") as caught:
        runner.pause(at="forward")
    assert caught.value.source.lineno == sys._getframe().f_lineno - 1
    # stepping or resuming a loop that ended does nothing, and says so from the user's line
    for act in (runner.step_op, runner.step_vjp, runner.resume):
        with pytest.warns(RuntimeWarning, match="has finished: there is no loop left") as said:
            act()
        assert said[0].filename == __file__

    never = runners(train, make_model(), 3)
    never.stop()
    assert never.state == "stopped" and never.join(T)


def test_join_with_a_timeout_returns_false_while_paused(runners):
    runner = paused_long_runner(runners, min_steps=0)
    assert runner.join(0.05) is False and runner.state == "paused"


def test_context_manager_stops_and_joins(runners):
    flags = {}
    runner = runners(train, make_model(), LONG, flags=flags)
    with runner as same:
        assert same is runner and runner.state in ("running", "paused")
        assert wait_until(lambda: runner.step_count >= 1)
    assert runner.state == "stopped" and not runner._thread.is_alive()
    assert "finally" in flags


@pytest.mark.parametrize("outcome", ["finished", "stopped", "failed"])
def test_the_gate_unsubscribes_when_the_thread_ends(runners, outcome):
    def loop():
        if outcome == "failed":
            raise RuntimeError("no")
        return train(make_model(), LONG if outcome == "stopped" else 1)

    runner = runners(loop).start()
    assert wait_until(lambda: runner.step_count >= 1 or runner.state != "running")
    if outcome == "stopped":
        runner.stop()
    try:
        runner.join(T)
    except RuntimeError:
        pass
    assert runner.state == outcome
    assert runner._gate not in events.subscribers()
    assert runner._on_gradient not in events.subscribers()


def test_a_running_loop_keeps_the_fast_path_until_asked_to_pause(runners):
    runner = runners(train, make_model(), LONG).start()
    assert wait_until(lambda: runner.step_count >= 2)
    assert runner._gate not in events.subscribers() and runner.op_count == 0
    runner.pause()
    assert runner.wait_paused(T) and runner._gate in events.subscribers()
    assert runner.op_count == runner.paused_at.op_count == 1   # counted from the pause
    runner.step_op()
    assert runner.wait_paused(T) and runner.op_count == 2
    runner.resume()
    assert runner._gate not in events.subscribers()
    steps = runner.step_count
    assert wait_until(lambda: runner.step_count > steps) and runner.op_count == 2
    runner.stop()
    assert runner.join(T) and runner.state == "stopped"


def test_two_runners_gate_only_their_own_threads(runners):
    first = paused_long_runner(runners, min_steps=0)
    with pytest.warns(RuntimeWarning, match="still paused"):   # two on purpose: said anyway
        second = runners(train, make_model(), 3).start()
    assert second.join(T) and second.state == "finished"
    assert first.state == "paused"


def test_wait_awaits_the_end_without_blocking_the_event_loop():
    import asyncio

    def train():
        w = tf.Variable(1.0)
        for _ in range(50):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
        return float(w)

    async def main():
        runner = Runner(train)
        runner.pause()
        runner.start()
        assert runner.wait_paused(T)
        # if wait() blocked the event loop, this coroutine would never run again; the
        # timer then stops the runner so that the test fails instead of hanging
        rescue = threading.Timer(T, runner.stop)
        rescue.start()
        waiting = asyncio.ensure_future(runner.wait(poll=0.001))
        for _ in range(5):          # each yield lets wait() poll once, then comes back here
            await asyncio.sleep(0)
        assert not waiting.done() and runner.state == "paused"
        rescue.cancel()
        runner.resume()
        return await asyncio.wait_for(waiting, T)

    results = []   # a thread of its own: an earlier test may leave this one's loop running
    waiter = threading.Thread(target=lambda: results.append(asyncio.run(main())))
    waiter.start()
    waiter.join(30.0)
    assert len(results) == 1 and abs(results[0] - 0.8 ** 50) < 1e-6


def test_a_cell_run_again_says_the_runner_it_left_paused(runners):
    """Re-running `runner = Runner(train, ...).start(); runner.pause()` rebinds `runner`: the
    paused one could never be resumed, its thread would wait for ever and every op would pay
    its gate. Starting a runner of the same function says so, and Runner.live() reaches it."""
    def cell():   # the notebook cell, defining its training function each time it runs
        def train_in_cell(model, steps):
            return train(model, steps)
        return runners(train_in_cell, make_model(), LONG)

    left = cell().start()
    left.pause()
    assert left.wait_paused(T)
    other = runners(train, make_model(), LONG).start()   # another function's: not its twin
    with pytest.warns(RuntimeWarning, match="train_in_cell' started earlier is still paused") \
            as said:
        again = cell().start()
    assert len(said) == 1 and said[0].filename == __file__
    assert Runner.live() == [left, other, again]
    for runner in Runner.live():
        if runner.state == "paused":
            runner.stop()
    assert left.join(T) and left.state == "stopped"
    assert left not in Runner.live() and again.state == "running"


def exp_loop(steps):
    """A loop whose only backward step is exp's: a pause at a VJP lands on it."""
    w = tf.Variable(0.5)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.exp(w)
        w.assign_sub(0.01 * tape.gradient(loss, w))


def test_a_pause_at_a_backward_step_is_said_alike_by_its_repr_and_by_pythons_exit(
        runners, capsys):
    """Python's exit said "paused after exp at ..." of a loop paused after exp's backward
    step, while its PausePoint said "after the gradient through exp": one wording for both,
    the Dashboard's (`op_in_pass`)."""
    from tapeviz.debugger.live_runners import _stop_at_exit
    runner = runners(exp_loop, LONG)
    runner.pause(at="vjp")
    runner.start()
    assert runner.wait_paused(T)
    point = runner.paused_at
    said = f"after the gradient through exp in the backward pass at {point.source.location}"
    assert repr(point) == f"<PausePoint {said}>"
    capsys.readouterr()
    _stop_at_exit()
    assert f"the training loop 'exp_loop' is paused {said} after 0 steps" in \
        capsys.readouterr().err
    runner.join(T)
    assert runner.state == "stopped"


def test_a_breakpoint_hit_on_a_runners_thread_pauses_the_runner_instead_of_failing_it(
        runners, monkeypatch):
    """No debugger can take input on a Runner's thread (a Jupyter kernel reads input for its
    running cell only; here stdin is no terminal): the hit raised BreakpointError there and the
    loop failed, its training lost. It pauses the runner at the op instead, and warns so."""
    monkeypatch.delenv("TAPEVIZ_DEBUGGER", raising=False)
    runner = runners(exp_loop, LONG).start()
    assert wait_until(lambda: runner.step_count >= 2)
    bp = tf.debugger.break_on(op="exp")
    try:
        with pytest.warns(RuntimeWarning, match="the runner paused there"):
            assert runner.wait_paused(T)
        assert runner.paused_at.op_name == "exp" and len(bp.hits) == 1
        assert repr(runner.paused_at).startswith("<PausePoint after exp in the forward pass")
        runner.resume()                     # the breakpoint holds it again at the next exp
        assert wait_until(lambda: len(bp.hits) == 2) and runner.wait_paused(T)
    finally:
        bp.clear()
    runner.resume()
    assert wait_until(lambda: runner.step_count >= 5) and runner.state == "running"
    runner.stop()
    assert runner.join(T) and runner.state == "stopped" and runner.error is None
