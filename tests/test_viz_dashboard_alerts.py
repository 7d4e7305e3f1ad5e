"""The Dashboard's alerts: the debugger's diagnosis, shown while the loop runs and after (where
NaN was born, divergence, outer broadcasts), with the line and the fix, off the training
thread at most once a second, naming a node in the tape drawn."""
import re
import threading
import time

import dashboard_loops
import numpy as np
import pytest
from dashboard_loops import (
    ManualClock,
    T,
    ended,
    held_loop,
    hold_at,
    log_of_zero_loop,
    marked_line,
    scalar_loop,
)

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder

dashboards = dashboard_loops.dashboards   # the fixture its tests take


def diverging_loop(steps, learning_rate=1.5):
    """Plain SGD on w.w with a learning rate past 1: every update overshoots, w -> -2 w."""
    w = tf.Variable([1.0, -1.0], name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)
        w.assign_sub(learning_rate * tape.gradient(loss, w))   # ALERT: update


def outer_product_loop(steps):
    """A regression whose targets are (n, 1) against (n,) predictions: an outer product."""
    w = tf.Variable(tf.zeros([4]), name="w")
    y = tf.ones([4, 1])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w - y))   # ALERT: broadcast
        w.assign_sub(0.1 * tape.gradient(loss, w))


def test_a_nan_loop_alerts_where_nan_was_born_with_the_line_and_the_fix(dashboards):
    dash = dashboards(show_tape=False)
    with pytest.warns(RuntimeWarning):
        runner = dash.train(log_of_zero_loop, 50)
        ended(dash, runner)
    (alert,) = [a for a in dash.alerts if a["kind"] == "nan"]
    message = alert["message"]
    assert message.startswith("log produced -inf in the forward pass"), message
    assert marked_line("ALERT: log") in message
    assert "fix: clip the input away from 0" in message
    assert alert["step"] == 1   # born in the first step; the 49 after it only carried it


def test_a_diverging_loop_under_a_recorder_alerts_the_update_before_the_nan(dashboards):
    with Recorder() as rec:
        dash = dashboards(recorder=rec, show_tape=False)
        diverging_loop(12)   # the loss grows x4 a step: 2, 8, 32, ... still finite
    dash.flush()
    (alert,) = [a for a in dash.alerts if a["kind"] == "divergence"]
    message = alert["message"]
    assert message.startswith("the training diverges: the loss grows x4 a step"), message
    assert "assign_sub changed w" in message and marked_line("ALERT: update", __file__) in message
    assert "hint: the learning rate is too large" in message
    assert not [a for a in dash.alerts if a["kind"] == "nan"]   # found before any NaN


def test_a_healthy_loop_has_no_alert(dashboards):
    dash = dashboards()
    ended(dash, dash.train(scalar_loop, 200))
    assert dash.alerts == [] and dash.step_count == 200
    with Recorder() as rec:
        watching = dashboards(recorder=rec, show_tape=False)
        scalar_loop(30)
    watching.flush()
    assert watching.alerts == [] and watching.step_count == 30


def test_an_alert_names_the_node_in_the_tape_drawn_when_its_step_is_shown(dashboards):
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards()
    ended(dash, dash.train(outer_product_loop, 5))
    (alert,) = dash.alerts
    assert alert["kind"] == "outer_broadcast" and alert["step"] == 5
    assert marked_line("ALERT: broadcast", __file__) in alert["message"]
    assert "hint: (4,) against (4, 1)" in alert["message"]
    assert dash.tape_title.startswith("step 5") and alert["node"]
    drawn = re.search(rf'<g id="{alert["node"]}" class="node[^"]*">\s*<title>[^<]*</title>'
                      rf'\s*<g id="a_{alert["node"]}"><a xlink:title="(\w+)', dash.svg)
    assert drawn and drawn.group(1) == "subtract"


def test_alerts_are_diagnosed_at_most_once_a_second_off_the_training_thread(
        dashboards, monkeypatch):
    from tapeviz.viz import dashboard_alerts as module
    calls, openings = [], []   # the last step's diagnoses; the first steps' (once a run)
    real = module.diagnose
    monkeypatch.setattr(module, "diagnose", lambda *a, **k: (
        openings if "history" in k else calls).append(
        threading.current_thread().name) or real(*a, **k))
    clock = ManualClock()
    dash = dashboards(max_rate=4.0, show_tape=False, clock=clock)   # a turn every 0.25 s
    holds = hold_at(1, 2, 3, 4, 5, 6)
    runner = dash.train(held_loop, holds, 6)
    for step in range(1, 7):   # a new step on every turn: 1.5 s of turns
        assert holds[step][0].wait(T)
        clock.tick()
        holds[step][1].set()
    # turns at 0.25 s .. 1.5 s: diagnosed on the first and four turns (a second) later
    assert calls == ["tapeviz-dashboard"] * 2
    assert runner.join(T)
    clock.tick()   # the end: diagnosed at once
    assert len(calls) == 3 and dash.state == "finished"
    assert openings == ["tapeviz-dashboard"]


def test_a_diverging_loop_under_a_runner_alerts_the_update_with_the_runs_step_numbers(
        dashboards):
    dash = dashboards(show_tape=False)
    ended(dash, dash.train(diverging_loop, 30))   # losses 2, 8, 32, ...: finite throughout
    (alert,) = [a for a in dash.alerts if a["kind"] == "divergence"]
    message = alert["message"]
    # a Recorder started at the third rise in a row (step 4) holds steps 5 on
    assert message.startswith("the training diverges: the loss grows x4 a step, 512 at step 5"), \
        message
    steps, losses = dash.history()["loss"]
    assert losses[steps.index(5)] == 512.0
    assert "assign_sub changed w" in message and marked_line("ALERT: update", __file__) in message
    assert "hint: the learning rate is too large" in message
    assert dash._suspect is not None and not dash._suspect.recording   # nothing left listening
    assert not [callback for callback in events.subscribers()
                if getattr(callback, "__self__", None) is dash._suspect]


def test_a_loss_that_rises_and_falls_again_keeps_no_recorder(dashboards):
    def bumpy(steps):
        w = tf.Variable(3.0, name="w")
        for step in range(steps):
            with tf.GradientTape() as tape:
                loss = w * w + (0.5 * (step % 8) if step % 8 < 5 else 0.0)   # 4 rises, a fall
            w.assign_sub(0.001 * tape.gradient(loss, w))

    before = events.subscribers()
    dash = dashboards(show_tape=False)
    ended(dash, dash.train(bumpy, 40))
    assert dash.alerts == [] and events.subscribers() == before
    assert dash._suspect is None


def per_example_loss_loop(steps):
    """A regression whose loss keeps one value a row: tape.gradient takes their sum."""
    x = tf.constant([[1.0], [2.0], [3.0], [4.0]])
    w = tf.Variable([[0.0]], name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x @ w - 2.0 * x), axis=1)   # ALERT: per row
        w.assign_sub(0.01 * tape.gradient(loss, w))


@pytest.mark.parametrize("steps", [2, 30])
def test_a_runners_dashboard_alerts_what_only_whole_steps_show(dashboards, steps):
    """The last step's ops cannot show a loss of many values (it is found from the step that
    trained on it): the first steps are recorded whole and diagnosed once, in a run shorter
    than them too, and the Recorder goes once it has said what it found."""
    dash = dashboards(show_tape=False)
    ended(dash, dash.train(per_example_loss_loop, steps))
    (alert,) = [a for a in dash.alerts if a["kind"] == "non_scalar_loss"]
    assert alert["message"].startswith("the loss given to tape.gradient in step ")
    assert "shape (4,), 4 values, made by reduce_mean over axis=1" in alert["message"]
    assert marked_line("ALERT: per row", __file__) in alert["message"]
    assert 1 <= alert["step"] <= 4
    assert dash._opening is None and not events.listeners(events.OpExecuted)


def test_a_healthy_runner_loop_has_no_alert_from_its_first_steps(dashboards):
    dash = dashboards(show_tape=False)
    ended(dash, dash.train(healthy_loop, 20))
    assert dash.alerts == []


def healthy_loop(steps):
    x = tf.constant([[1.0], [2.0], [3.0], [4.0]])
    w = tf.Variable([[0.0]], name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x @ w - 2.0 * x))
        w.assign_sub(0.01 * tape.gradient(loss, w))


@pytest.mark.parametrize("make, label", [
    (lambda x: tf.math.log(x - 1.0), "-inf"), (lambda x: tf.math.log(x - 3.0), "NaN"),
    (lambda x: tf.exp(x * 100.0), "inf")], ids=["log0", "log-1", "exp-overflow"])
def test_a_nonfinite_alert_is_labelled_with_what_its_op_made_not_nan(make, label):
    """An Inf alert was labelled "nan": each renderer writes the label Python gives, what the
    op's output held (log(0) = -inf, log(-1) = NaN, exp(200) = inf in float32)."""
    from tapeviz.debugger.diagnosis import diagnose
    from tapeviz.viz.panel import alert_list
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape, np.errstate(all="ignore"):
        tape.watch(x)
        y = tf.reduce_sum(make(x))
    (alert,) = [a for a in alert_list(diagnose(tape, y), tape.nodes, lambda n: "")
                if a["kind"] == "nan"]
    assert alert["label"] == label, alert


def slow_outer_product_loop(steps):
    """outer_product_loop, each step outlasting a timer turn, as on a loaded machine."""
    w = tf.Variable(tf.zeros([4]), name="w")
    y = tf.ones([4, 1])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w - y))
        w.assign_sub(0.1 * tape.gradient(loss, w))
        time.sleep(0.05)


def test_an_ended_slow_loop_draws_its_last_step_and_its_alert_names_a_node_in_it(dashboards):
    """The timer laid out an early step and kept it to the end (same structure), titled as the
    last: the last step's alert found no node in it (test_dashboard_alerts failed under load)."""
    dash = dashboards()
    ended(dash, dash.train(slow_outer_product_loop, 20))
    (alert,) = dash.alerts
    assert alert["kind"] == "outer_broadcast" and alert["node"], alert
    assert f'id="{alert["node"]}"' in dash.svg and dash.tape_title.startswith("step 20:")
    from tapeviz.viz.panel import dispatch_node_of
    drawn = [n for n in map(dispatch_node_of, dash._tape_full.nodes.values()) if n is not None]
    assert drawn and all(any(node is last for last in dash._last_ops) for node in drawn)


def test_the_counter_pushed_is_the_step_the_tape_names_however_long_the_alerts_take(
        dashboards, monkeypatch):
    """The alerts (a diagnosis) are made between the tape and the push; on a loaded machine
    the loop ran on meanwhile, and the counter read after them named a later step than the
    tape ('step 7' against 11 in the browser). Here two steps end during the alerts."""
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    clock = ManualClock()
    dash = dashboards(max_rate=4.0, clock=clock)
    holds = hold_at(1, 2)
    runner = dash.train(held_loop, holds, 1000)
    assert holds[1][0].wait(T)
    clock.tick()
    assert dash.tape_title.startswith("step 1: ")
    real_alerts = dash._alerts

    def slow_alerts(*args, **kwargs):   # the loop's next two steps end while they are made
        with dash._data_lock:
            dash._steps += 2
        return real_alerts(*args, **kwargs)

    monkeypatch.setattr(dash, "_alerts", slow_alerts)
    holds[1][1].set()
    assert holds[2][0].wait(T)
    clock.tick()
    assert dash.tape_title.startswith(f"step {dash.step_count}: "), \
        (dash.tape_title, dash.step_count)
    runner.stop()
