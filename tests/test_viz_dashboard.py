"""Dashboard: throttled pushes, the final state, buttons on a real Runner, read-only recorder
mode, gradient norms, closing and errors. No browser: what would reach the front end is read
from the widget's outgoing messages (ipywidgets' `_send`). Its neighbours: the series
(test_viz_dashboard_series.py), pauses (_pauses), the saved twin (_twin), alerts (_alerts),
misuse and failed runs (_misuse); their loops and fakes are dashboard_loops.py's.

The throttles are tested on a `ManualClock`, turn by turn, with the loop held at known points
by events: no test counts what happened in a window of wall time (bench/bench_viz.py times
the real thing). Every wait has a timeout, so a broken throttle or gate fails a test instead
of hanging it.
"""
import dashboard_loops
import numpy as np
import pytest
from dashboard_loops import (
    Front,
    ManualClock,
    T,
    cnn_loop,
    decode,
    held_loop,
    hold_at,
    scalar_loop,
    small_cnn,
    wait_until,
)

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder
from tapeviz.viz.series import Series, chart_number

dashboards = dashboard_loops.dashboards   # the fixture its tests take


def test_the_timer_pushes_once_per_turn_at_most_max_rate_and_ends_with_the_final_state(
        dashboards):
    clock = ManualClock()
    dash = dashboards(max_rate=20.0, show_tape=False, clock=clock)
    front = Front(dash)
    holds = hold_at(10)
    runner = dash.train(held_loop, holds, 500)
    assert holds[10][0].wait(T)          # the loop is held after its 10th step
    before = front.updates

    clock.tick()                         # one turn: everything new, in one message
    assert front.updates == before + 1
    assert front.state["state"] == "running" and front.state["step_count"] == 10
    assert decode(front.state["loss"])[0] == list(range(1, 11))

    clock.tick()                         # nothing new: nothing sent
    assert front.updates == before + 1

    holds[10][1].set()
    assert runner.join(T)
    clock.tick()                         # the end, in one message; then the timer stops
    assert front.updates == before + 2 and not dash._timer.is_alive()
    # every push came from a turn, and each turn first waited 1 / max_rate seconds
    assert clock.waits == [1 / 20.0] * 3
    assert front.state["state"] == "finished" and front.state["step_count"] == 500
    steps, values = decode(front.state["loss"])
    assert steps[-1] == 500 and values[-1] == pytest.approx(runner.last_loss, rel=1e-6)
    assert len(front.state["grad_norms"]) == 1 and decode(front.state["grad_norms"][0])[0] == steps
    assert front.state["controls"] == dict.fromkeys(
        ["pause", "step_op", "step_vjp", "resume", "stop"], False)


def test_the_tapes_variables_are_shaded_by_their_gradient_not_dashed_as_reached_by_none(
        dashboards):
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    clock = ManualClock()
    dash = dashboards(max_rate=4.0, clock=clock)
    holds = hold_at(1)
    runner = dash.train(held_loop, holds, 3)
    assert holds[1][0].wait(T)
    clock.tick()
    variable = re.search(r'<g id="v0" class="node[^"]*">(.*?)</g>', dash.svg, re.S).group(1)
    assert re.search(r">w<", variable) and "stroke-dasharray" not in variable, variable
    assert "|grad| = " in variable                 # d loss/dw = 2w, in its tooltip
    holds[1][1].set()
    assert runner.join(T)


def test_the_tape_is_laid_out_at_most_once_a_second_and_at_once_on_a_pause(dashboards):
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    clock = ManualClock()
    dash = dashboards(max_rate=4.0, clock=clock)          # a turn every 0.25 s
    front = Front(dash)
    holds = hold_at(1, 2)
    runner = dash.train(held_loop, holds, 1000, depth=lambda step: min(step, 5))
    assert holds[1][0].wait(T)
    clock.tick()                                          # the first tape: laid out at once
    assert front.state["tape_title"].startswith("step 1: 1 op of the forward pass ")
    holds[1][1].set()
    assert holds[2][0].wait(T)                            # step 2 has a deeper tape
    for _ in range(3):                                    # 0.25, 0.5, 0.75 s later: not yet
        clock.tick()
        assert dash.tape_title.startswith("step 1:")
    clock.tick()                                          # a second after the first layout
    assert front.state["tape_title"].startswith("step 2: 2 ops of the forward pass")
    runner.pause()
    holds[2][1].set()
    assert runner.wait_paused(T)
    clock.tick()                                          # paused: laid out on this turn
    assert dash.tape_title.startswith("step 3 so far") and dash.highlight
    assert f'id="{dash.highlight}"' in dash.svg and dash.error == ""
    runner.stop()


def test_grad_norms_per_variable_match_numpy(dashboards, keras_session):
    model = small_cnn()
    expected = []
    dash = dashboards(show_tape=False)
    runner = dash.train(cnn_loop, model, 3, norms=expected)
    assert runner.join(T)
    dash.flush()
    names = [v.name for v in model.trainable_variables]   # the legend's without TF's ':0'
    assert [s["name"] + ":0" for s in dash.grad_norms] == names
    history = dash.history()["grad_norms"]
    for name, s in zip(names, dash.grad_norms):
        want = [step[name] for step in expected]
        assert history[name] == ([1, 2, 3], pytest.approx(want, rel=1e-6))
        np.testing.assert_allclose(decode(s)[1], want, rtol=1e-6)  # as sent, float32
    assert dash.history()["loss"][1][-1] == pytest.approx(runner.last_loss, rel=1e-6)


def test_the_status_line_does_not_say_the_state_its_badge_says(dashboards):
    """The bar read "finished  3 steps done  finished (loss 0.5)": the state once, in its
    badge; the status line says only the last loss."""
    dash = dashboards(show_tape=False)
    runner = dash.train(scalar_loop, 3)
    assert runner.join(T)
    dash.flush()
    assert dash.state == "finished"
    assert dash.status == f"last loss {chart_number(runner.last_loss)}", dash.status


def one_push(dash):
    """(state, status, controls) as one push set them: the timer assigns them one after
    another, so reads between its assignments would mix two pushes ('stopped' with the
    running loop's controls)."""
    with dash._push_lock:
        return dash.state, dash.status, dash.controls


def wait_shown(dash, state, controls, status=""):
    """Wait (at most T) until one push shows `state`, `controls` and a status starting with
    `status`; returns what was shown last, for the assertion's message."""
    def shown():
        now_state, now_status, now_controls = one_push(dash)
        return now_state == state and now_status.startswith(status) and now_controls == controls
    return wait_until(shown), one_push(dash)


def test_buttons_pause_step_resume_and_stop_a_real_runner(dashboards, keras_session):
    model = small_cnn()

    dash = dashboards(max_rate=50.0)
    runner = dash.train(cnn_loop, model, 100_000)
    press = lambda action: dash._handle_custom_msg({"action": action}, [])
    assert wait_until(lambda: runner.step_count >= 1)

    press("pause")
    assert runner.wait_paused(T)
    paused = {"pause": False, "step_op": True, "step_vjp": True, "resume": True, "stop": True}
    shown, last = wait_shown(dash, "paused", paused, "paused after ")
    assert shown, last

    press("step_vjp")
    assert runner.wait_paused(T)
    assert runner.paused_at.kind == "vjp"
    assert wait_until(lambda: "paused after the gradient through " in dash.status)

    press("step_op")
    assert runner.wait_paused(T) and runner.paused_at.kind == "op"

    press("resume")
    steps = runner.step_count
    assert wait_until(lambda: runner.step_count > steps + 1)
    running = {"pause": True, "step_op": False, "step_vjp": False, "resume": False, "stop": True}
    shown, last = wait_shown(dash, "running", running)
    assert shown, last

    press("stop")
    runner._thread.join(T)
    assert runner.state == "stopped"
    shown, last = wait_shown(dash, "stopped", dict.fromkeys(running, False))
    assert shown, last
    assert dash.error == ""


def test_recorder_mode_is_read_only_and_reads_the_recorded_steps(dashboards):
    before = events.subscribers()
    w = tf.Variable([1.0, 2.0], name="w")
    with Recorder() as rec:
        dash = dashboards(recorder=rec, show_tape=False)
        recording = (rec._on_event,)
        assert events.subscribers() == before + recording  # the dashboard adds none
        for _ in range(5):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            w.assign_sub(0.1 * tape.gradient(loss, w))
        dash.flush()
        assert dash.mode == "recorder" and dash.state == "recording"
    dash.flush()
    assert dash.state == "stopped" and dash.controls == {} and dash.step_count == 5
    history = dash.history()
    assert history["loss"] == ([s.number for s in rec.steps], [s.loss for s in rec.steps])
    assert list(history["grad_norms"]) == [w.name]
    np.testing.assert_allclose(
        history["grad_norms"][w.name][1],
        [np.linalg.norm(s.variable_gradients[w.name].numpy()) for s in rec.steps], rtol=1e-6)
    dash._handle_custom_msg({"action": "pause"}, [])
    assert wait_until(lambda: "read-only" in dash.error)


def test_close_unsubscribes_and_ends_the_timer(dashboards):
    before = events.subscribers()
    dash = dashboards(show_tape=False)
    runner = dash.train(scalar_loop, 100_000)
    assert wait_until(lambda: runner.step_count > 3)
    assert len(events.subscribers()) > len(before)
    timer = dash._timer
    dash.close()
    assert not timer.is_alive()
    assert dash._on_event not in events.subscribers()
    runner.stop()
    runner._thread.join(T)
    assert events.subscribers() == before


def test_errors_in_callbacks_and_training_reach_the_error_trait(dashboards, monkeypatch):
    dash = dashboards(show_tape=False)
    dash._handle_custom_msg({"action": "explode"}, [])
    assert wait_until(lambda: "unknown action 'explode'" in dash.error)

    def broken(self, step, value):
        raise RuntimeError("boom in the chart")

    monkeypatch.setattr(Series, "append", broken)
    runner = dash.train(scalar_loop, 3)
    assert runner.join(T)  # the loop itself is not broken by the dashboard's failure
    assert wait_until(lambda: "dashboard event: RuntimeError: boom in the chart" in dash.error)
    monkeypatch.undo()

    def failing():
        scalar_loop(2)
        raise ValueError("bad batch")

    runner = dash.train(failing)
    runner._thread.join(T)
    assert wait_until(lambda: "training failed: ValueError: bad batch" in dash.error)
    assert dash.state == "failed" and "failed: ValueError" in dash.status
    assert "bad batch" not in dash.status   # said once, in the error under it


def test_messages_without_an_action_are_ignored(dashboards):
    dash = dashboards(show_tape=False)
    dash._handle_custom_msg({"kind": "anywidget-something"}, [])
    dash.flush()
    assert dash.error == ""


def test_an_ended_run_gives_dispatch_its_fast_path_back_and_titles_the_last_step():
    import tapeviz as tf
    from tapeviz import events
    from tapeviz.viz.dashboard import Dashboard

    def train(steps):
        w = tf.Variable(3.0)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))

    before = events.subscribers()
    dash = Dashboard(max_rate=50.0)
    runner = dash.train(train, 30)
    assert runner.join(60.0)
    dash._timer.join(60.0)   # its last turn lays out the tape: seconds on a loaded machine
    assert events.subscribers() == before
    assert dash.tape_title.startswith("step 30")
    dash.close()


def test_the_tape_title_follows_every_step_between_layouts(dashboards, monkeypatch):
    """Same structure step after step: one layout, and on every turn the title names the step
    the counter shows (no "step 2" while the counter reads 138)."""
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    clock = ManualClock()
    dash = dashboards(max_rate=4.0, clock=clock)          # a turn every 0.25 s
    layouts = []
    real_layout = render.layout_svg
    monkeypatch.setattr(render, "layout_svg", lambda dot: layouts.append(dot) or real_layout(dot))
    holds = hold_at(1, 2, 3, 4)
    runner = dash.train(held_loop, holds, 1000)
    for step in (1, 2, 3, 4):                             # four turns: 0.75 s in all
        assert holds[step][0].wait(T)
        clock.tick()
        assert dash.step_count == step
        assert dash.tape_title.startswith(f"step {step}: 1 op of the forward pass "), \
            dash.tape_title
        holds[step][1].set()
    assert len(layouts) == 1
    runner.stop()


def test_a_step_ending_while_a_turn_reads_the_tape_is_counted_in_that_push(dashboards):
    """The counter and the tape's title come from one read of the steps done: a step that
    ends between the counter's read and the tape's (a loaded machine's timer thread) is
    counted in the same push, never "step 2" over "1 step done"."""
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    clock = ManualClock()
    dash = dashboards(clock=clock)
    front = Front(dash)
    holds = hold_at(1, 2)
    real_tape = dash._tape

    def tape_after_a_step(state):
        if holds[1][0].is_set() and not holds[1][1].is_set():
            holds[1][1].set()              # step 2 runs and ends now, inside the turn
            assert holds[2][0].wait(T)
        return real_tape(state)

    dash._tape = tape_after_a_step
    runner = dash.train(held_loop, holds, 1000)
    assert holds[1][0].wait(T)
    clock.tick()
    title = front.state["tape_title"]
    assert title.startswith("step 2: 1 op of the forward pass "), title
    assert front.state["step_count"] == 2
    holds[2][1].set()
    runner.stop()
