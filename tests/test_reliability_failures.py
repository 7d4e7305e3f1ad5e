"""An error or a KeyboardInterrupt (Jupyter's "interrupt kernel") raised wherever user code or
a listener runs leaves the tape usable, the variables consistent and nothing installed: no
subscriber, recording tape, backward phase, sink or thread; the next recording works."""
import gc
import threading
import traceback
import weakref

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder, Runner
from tapeviz.threadstate import thread_state
from tapeviz.viz import Dashboard

FAILURES = [ValueError, KeyboardInterrupt]   # raised new each time (an instance kept here
#                                             would keep its last traceback's frames)
IDS = ["error", "interrupt"]


@pytest.fixture(autouse=True)
def _left_clean(quiet_breakpoints):
    """What a failure could leave on this thread or in tapeviz: none of it, before or after."""
    threads = set(threading.enumerate())
    yield
    state = thread_state()
    assert not events.subscribers(), f"left subscribed: {events.subscribers()}"
    assert list(state.tapes) == [] and state.phase == "forward" and state.backward is None
    assert state.sink is None and state.scope == ""
    started = [thread for thread in threading.enumerate() if thread not in threads]
    for thread in started:   # a dashboard's timer ends once closed: waited for, not raced
        thread.join(60.0)
    assert not [thread for thread in started if thread.is_alive()], "a thread was left running"


def recorded_step(w):
    """A step a Recorder sees whole: the next recording works after any failure."""
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)
        tape.gradient(loss, w)
    assert len(rec) == 1 and [op.op for op in rec.last_step.ops][:2] == ["multiply", "reduce_sum"]


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_failure_inside_a_tape_block_leaves_the_tape_usable(failure):
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(failure):
        with tf.GradientTape() as tape:
            y = w * w
            raise failure("planted")
    assert thread_state().tapes == []   # the tape stopped recording at the block's exit
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 4.0])
    recorded_step(w)


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_raising_gradient_function_names_its_op_and_leaves_the_tape_to_call_again(failure):
    calls = []

    @tf.custom_gradient
    def scaled(v):
        def grad(g):
            calls.append(1)
            if len(calls) == 1:
                raise failure("planted")
            return g * 2.0
        return v * 2.0, grad

    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(scaled(w) * w)
    with pytest.raises(failure) as raised:
        tape.gradient(loss, w)
    note = raised.value.__notes__[-1]
    assert note.startswith("raised inside the gradient (VJP) of scaled, op ")
    assert "test_reliability_failures.py" in note and "gradient() can be called again" in note
    # not consumed by the failed call: the second call gives the gradient
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), [4.0, 8.0])
    recorded_step(w)


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_raising_listener_leaves_the_tape_consistent(failure):
    w = tf.Variable([1.0, 2.0])

    def listener(event):
        if event.node.op.name == "reduce_sum":
            raise failure("planted")

    tf.subscribe(listener, kinds=(events.OpExecuted,))
    try:
        with pytest.raises(failure):
            with tf.GradientTape() as tape:
                y = w * w
                tf.reduce_sum(y)
    finally:
        tf.unsubscribe(listener)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 4.0])
    recorded_step(w)


def test_a_raising_breakpoint_condition_says_where_and_disables_itself():
    w = tf.Variable([1.0, 2.0])
    bp = tf.debugger.break_on(op="multiply", condition=lambda node: 1 / 0)
    with pytest.raises(ZeroDivisionError) as raised:
        w * w
    note = raised.value.__notes__[0]
    assert note.startswith("break_on: raised by the condition of the breakpoint set at ")
    assert "asked about multiply in the forward pass at " in note
    assert "test_reliability_failures" in note
    assert not bp.enabled
    recorded_step(w)


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_failure_inside_a_recorder_keeps_what_ran_and_unsubscribes(failure):
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(failure):
        with Recorder() as rec:
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            tape.gradient(loss, w)
            raise failure("planted")
    assert len(rec) == 1
    recorded_step(w)


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_failure_in_a_runners_training_function_ends_its_thread_and_is_raised(failure):
    w = tf.Variable(1.0)

    def train(steps):
        for step in range(steps):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.25 * tape.gradient(loss, w))
            if step == 1:
                raise failure("planted")

    runner = Runner(train, 5).start()
    with pytest.raises(failure):
        runner.join(30.0)
    assert runner.state == "failed" and runner.step_count == 2
    assert runner.thread_ident is None
    assert float(w) == pytest.approx(0.25)   # two whole steps: 1 -> 0.5 -> 0.25
    recorded_step(tf.Variable([1.0, 2.0]))


def test_joining_a_failed_runner_again_shows_its_frames_once():
    def train():
        raise ValueError("planted")

    runner = Runner(train).start()
    for _ in range(3):   # a notebook's cell run again: each join's traceback, not all of them
        with pytest.raises(ValueError) as raised:
            runner.join(30.0)
        frames = [frame.name for frame in traceback.extract_tb(raised.tb)]
        assert frames.count("join") == 1 and frames.count("train") == 1, frames


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_failure_in_a_dashboards_training_function_is_shown_and_detaches(failure):
    w = tf.Variable(1.0)

    def train(steps):
        for step in range(steps):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.25 * tape.gradient(loss, w))
            if step == 0:
                raise failure("planted")

    dashboard = Dashboard()
    runner, timer = dashboard.train(train, 3), dashboard._timer
    try:
        with pytest.raises(failure):
            runner.join(30.0)
        dashboard.flush()
        assert dashboard.state == "failed" and runner.step_count == 1
    finally:
        dashboard.close()
    recorded_step(tf.Variable([1.0, 2.0]))
    timer.join(30.0)   # (one closed in a turn ends after it)
    closed = weakref.ref(dashboard)   # and once dropped, the closed dashboard goes
    del dashboard, runner, timer
    gc.collect()
    assert closed() is None, "the closed dashboard (its runner, the error's frames) was kept"


def test_a_dashboard_collected_while_subscriptions_change_does_not_wait_for_them(
        monkeypatch):
    """A closed Dashboard dropped is garbage, and the collector may free it on any thread,
    inside anything: in a subscribe, which holds events' lock. Freeing it must not take that
    lock again (its unsubscribe did: the thread waited for itself, for good)."""
    dashboard = Dashboard(show_tape=False, show_alerts=False)
    assert dashboard.train(lambda: None).join(30.0)
    dashboard.close()
    collected = weakref.ref(dashboard)
    del dashboard
    monkeypatch.setattr(events, "_lock", threading.Lock())   # (a thread stuck holds this one)
    done = threading.Event()

    def collect_in_a_subscribe():
        with events._lock:
            gc.collect()
        done.set()

    threading.Thread(target=collect_in_a_subscribe, daemon=True).start()
    assert done.wait(30.0), "freeing the dashboard waited for events' lock"
    assert collected() is None


def test_an_update_a_breakpoint_stops_midway_is_undone_for_every_variable():
    optimizer = tf.keras.optimizers.Adam(0.1)
    a, b = tf.Variable([1.0], name="a"), tf.Variable([2.0], name="b")
    grads = [(tf.constant([1.0]), a), (tf.constant([1.0]), b)]
    optimizer.apply_gradients(grads)
    before = [v.numpy().copy() for v in [a, b, *optimizer.variables]]
    tf.debugger.break_on(op="adam_step", condition=lambda node: "b" in node.scope)
    with pytest.raises(tf.debugger.BreakpointError):
        optimizer.apply_gradients(grads)
    tf.debugger.clear_breakpoints()
    after = [v.numpy() for v in [a, b, *optimizer.variables]]
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_an_update_cut_short_with_nothing_to_restore_says_what_it_left(failure):
    """A listener's error or a kernel interrupt inside apply_gradients, with no breakpoint
    or Runner on (so no old values kept, ops/recycler.py): the error says which variables
    took the step."""
    optimizer = tf.keras.optimizers.SGD(0.1)
    a, b, c = (tf.Variable([1.0], name=n) for n in "abc")

    def listener(event):
        if event.node.scope == f"SGD/{b.name[:-2]}":
            raise failure("planted")

    tf.subscribe(listener, kinds=(events.OpExecuted,))
    try:
        with pytest.raises(failure) as raised:
            optimizer.apply_gradients([(tf.constant([1.0]), v) for v in (a, b, c)])
    finally:
        tf.unsubscribe(listener)
    assert raised.value.__notes__[-1].startswith(
        "SGD.apply_gradients was cut short while updating b: a took this step, "
        "b may hold part of it (a slot moved, the variable not), c did not; "
        "iterations stays 0")
    assert float(a[0]) == pytest.approx(0.9) and float(c[0]) == 1.0
