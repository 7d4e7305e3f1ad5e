"""Dashboard: throttled pushes, the final state, buttons on a real Runner, read-only recorder
mode, gradient norms, bounded series, detaching and errors. No browser: what would reach the
front end is read from the widget's outgoing messages (ipywidgets' `_send`).

The throttles are tested on a `ManualClock`, turn by turn, with the loop held at known points
by events: no test counts what happened in a window of wall time (bench/bench_viz.py times
the real thing). Every wait has a timeout, so a broken throttle or gate fails a test instead
of hanging it.
"""
import json
import os
import re
import threading
import time

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder
from tapeviz.viz.dashboard import Dashboard
from tapeviz.viz.series import Series
from raising import assert_names_this_line, raised

T = 10.0
_rng = np.random.default_rng(0)
IMAGES = _rng.random((8, 8, 8, 1), dtype=np.float32)
LABELS = _rng.integers(0, 10, 8)


def wait_until(predicate, timeout=T):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


class Front:
    """Stands in for the browser: applies every state update the widget sends, with its
    binary buffers put back where `buffer_paths` says (as ipywidgets' JS does)."""

    def __init__(self, dash):
        self.updates, self.state = 0, {}
        dash._send = self.receive

    def receive(self, msg, buffers=None):
        if msg.get("method") == "update":
            json.dumps(msg, allow_nan=False)  # what the kernel's session does; no NaN allowed
            state = msg["state"]
            for path, buffer in zip(msg["buffer_paths"], buffers or []):
                obj = state
                for key in path[:-1]:
                    obj = obj[key]
                obj[path[-1]] = bytes(buffer)
            self.updates += 1
            self.state.update(state)


class ManualClock:
    """A dashboard clock the test drives: the push timer waits until `tick()` grants it a
    turn, and time moves on by exactly the interval the timer asked to wait."""

    def __init__(self, start=1000.0):
        self.time = start
        self.waits = []            # the seconds the timer asked to wait, one per turn
        self._granted = 0          # turns `tick()` has granted
        self._cond = threading.Condition()
        self._timer = None

    def now(self):
        return self.time

    def wait(self, closed, seconds):
        with self._cond:
            self._timer = threading.current_thread()
            self.waits.append(seconds)
            turn = len(self.waits)
            self._cond.notify_all()
            deadline = time.monotonic() + T
            while self._granted < turn and not closed.is_set():   # close() ends it too
                assert time.monotonic() < deadline, "the test never ticked"
                self._cond.wait(0.01)
            self.time += seconds
            return closed.is_set()

    def tick(self):
        """Give the waiting timer one turn; return once it waits again or has ended."""
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.waits) > self._granted, T), \
                "the timer is not waiting"
            self._granted += 1
            turn, timer = self._granted, self._timer
            self._cond.notify_all()
            deadline = time.monotonic() + T
            while len(self.waits) == turn and timer.is_alive():
                assert time.monotonic() < deadline, "the timer's turn never ended"
                self._cond.wait(0.01)


def held_loop(holds, steps, depth=lambda step: 1):
    """A scalar training loop of `steps` steps that, after each step number in `holds`,
    sets `holds[n][0]` and waits for `holds[n][1]`; step k multiplies `depth(k)` times."""
    w = tf.Variable(3.0, name="w")
    for step in range(1, steps + 1):
        with tf.GradientTape() as tape:
            loss = w
            for _ in range(depth(step)):
                loss = loss * w
        w.assign_sub(0.001 * tape.gradient(loss, w))
        if step in holds:
            reached, go = holds[step]
            reached.set()
            assert go.wait(T)


def hold_at(*steps):
    return {step: (threading.Event(), threading.Event()) for step in steps}


def decode(series):
    """(steps, values) lists of a series as the browser receives it."""
    return (np.frombuffer(series["steps"], "<i4").tolist(),
            np.frombuffer(series["values"], "<f4").tolist())


def scalar_loop(steps):
    w = tf.Variable(3.0, name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(0.01 * tape.gradient(loss, w))


def small_cnn():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu", input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])
    model(IMAGES[:1])
    return model


def cnn_loop(model, steps, norms=None):
    """The TF2 guide's train step on random 8x8 images; `norms` collects numpy grad norms."""
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_object(LABELS, model(IMAGES, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        if norms is not None:
            norms.append({v.name: np.linalg.norm(g.numpy()) for v, g in
                          zip(model.trainable_variables, grads)})
        optimizer.apply_gradients(zip(grads, model.trainable_variables))


@pytest.fixture
def dashboards():
    """Make dashboards whose runners are always stopped and which are always closed."""
    made = []

    def make(*args, **kwargs):
        dash = Dashboard(*args, **kwargs)
        made.append(dash)
        return dash

    yield make
    for dash in made:
        if dash.runner is not None:
            dash.runner.stop()
            dash.runner._thread is not None and dash.runner._thread.join(T)
        dash.close()


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
    assert front.state["tape_title"].startswith("step 1: 1 taped op ")
    holds[1][1].set()
    assert holds[2][0].wait(T)                            # step 2 has a deeper tape
    for _ in range(3):                                    # 0.25, 0.5, 0.75 s later: not yet
        clock.tick()
        assert dash.tape_title.startswith("step 1:")
    clock.tick()                                          # a second after the first layout
    assert front.state["tape_title"].startswith("step 2: 2 taped ops")
    runner.pause()
    holds[2][1].set()
    assert runner.wait_paused(T)
    clock.tick()                                          # paused: laid out on this turn
    assert dash.tape_title.startswith("step 3 so far") and dash.highlight
    assert f'id="{dash.highlight}"' in dash.svg and dash.error == ""
    runner.stop()


def test_series_stay_bounded_over_a_long_loop(dashboards):
    dash = dashboards(max_points=50, show_tape=False)
    runner = dash.train(scalar_loop, 700)
    assert runner.join(T)
    assert wait_until(lambda: dash.state == "finished" and dash.step_count == 700)
    steps, _ = dash.history()["loss"]
    assert 25 <= len(steps) <= 50 and steps[-1] == 700   # the newest step ends the last bucket
    assert steps == sorted(steps) and decode(dash.loss)[0] == steps
    assert dash.loss["width"] * len(steps) >= 700        # the buckets cover the whole run
    (norms,) = dash.grad_norms
    assert norms["name"].startswith("w") and decode(norms)[0] == steps


def column(series, name):
    """One column of a series as the browser receives it."""
    return np.frombuffer(series[name], "<i4" if name in ("steps", "bad_step") else "<f4")


def noisy_run(steps, spike_at, nan_at, inf_at=None):
    """A gradient-norm-like series: noise around 1, one spike of 1e4, one NaN (and an Inf)."""
    values = 1.0 + 0.1 * np.random.default_rng(0).standard_normal(steps)
    values[spike_at - 1], values[nan_at - 1] = 1e4, np.nan
    if inf_at is not None:
        values[inf_at - 1] = np.inf
    return values


def test_a_spike_and_a_nan_survive_downsampling_a_long_run():
    steps, spike_at, nan_at, inf_at = 100_000, 61_234, 87_001, 87_003
    s = Series(max_points=400)
    for step, value in enumerate(noisy_run(steps, spike_at, nan_at, inf_at), start=1):
        s.append(step, value)
    sent = s.to_bytes()
    buckets = len(column(sent, "steps"))
    assert 200 <= buckets <= 400 and all(len(column(sent, name)) == buckets for name in (
        "values", "low", "high", "smooth", "bad", "bad_step"))   # what is sent: <= max_points
    assert column(sent, "steps")[-1] == steps                     # the newest step is shown
    assert sent["start"] == 1 and sent["count"] == steps          # ... and the whole run's span
    high = column(sent, "high")
    assert high.max() == 1e4                                       # the spike is the band's top
    at = int(np.argmax(high))
    assert column(sent, "steps")[at] - sent["width"] < spike_at <= column(sent, "steps")[at]
    assert np.nanmax(np.delete(high, at)) < 2                      # ... in its bucket alone
    bad = np.flatnonzero(column(sent, "bad_step") >= 0)
    assert len(bad) == 1 and column(sent, "bad_step")[bad[0]] == nan_at   # the first, exact
    assert np.isnan(column(sent, "bad")[bad[0]])
    smooth = column(sent, "smooth")
    assert np.isfinite(smooth).all()        # the NaN and Inf never reach the EMA
    assert abs(smooth[-1] - 1.0) < 0.1      # ... which follows the noise's level


def test_series_keep_every_point_until_full_then_halve_by_pairs():
    s = Series(max_points=4, smoothing=0.0)   # no smoothing: the EMA is the raw value
    for step, value in enumerate([float("nan"), 1.0, float("inf"), 2.0], start=1):
        s.append(step, value)
    steps, values = decode(s.to_bytes())
    assert steps == [1, 2, 3, 4] and np.isnan(values[0]) and values[1:] == [1.0, float("inf"), 2.0]
    assert column(s.to_bytes(), "bad_step").tolist() == [1, -1, 3, -1]
    s.append(5, 3.0)                          # a fifth: pairs merge, each bucket 2 steps wide
    c = s.columns()
    assert c["steps"].tolist() == [2, 4, 5] and s.width == 2
    assert c["bad_step"].tolist() == [1, 3, -1] and np.isinf(c["bad"][1])
    assert c["low"].tolist() == [1.0, 2.0, 3.0] and c["smooth"].tolist() == [1.0, 2.0, 3.0]
    s.append(6, float("-inf"))
    assert decode(s.to_bytes())[1][-1] == float("-inf") and s.columns()["bad_step"][-1] == 6
    assert decode(Series(10).to_bytes()) == ([], [])


def test_series_cost_is_bounded_by_its_buckets():
    """Appends do constant work but for the merges, each halving the buckets: over n points
    log2(n / max_points) merges of at most max_points buckets; what a push reads and sends
    is the buckets, however long the run."""
    merges = []

    class Counted(Series):
        __slots__ = ()

        def _merge_pairs(self):
            merges.append(len(self.steps))
            super()._merge_pairs()

    s = Counted(max_points=100)
    for step in range(1, 1_000_001):
        s.append(step, 1.0)
    assert len(merges) == 14 and max(merges) == 100    # 2**14 * 50 < 10**6 <= 2**14 * 100
    assert len(s) == 1_000_000 and len(s.steps) <= 100
    assert sum(len(v) for v in s.to_bytes().values() if isinstance(v, bytes)) <= 100 * 4 * 7


def test_series_smooth_as_tensorboard_debiased_ema():
    s = Series(max_points=10, smoothing=0.6)
    values = [1.0, 5.0, float("nan"), 2.0]
    for step, value in enumerate(values, start=1):
        s.append(step, value)
    ema, weight, want = 0.0, 0.0, []
    for value in values:                     # TensorBoard's: skip non-finite, divide by
        if np.isfinite(value):               # 1 - 0.6**n (the weight of the n values seen)
            ema, weight = 0.6 * ema + 0.4 * value, 0.6 * weight + 0.4
        want.append(ema / weight)
    np.testing.assert_allclose(s.columns()["smooth"], want)
    with pytest.raises(ValueError, match=r"^Series: smoothing must be a number in \[0, 1\)"):
        Series(10, smoothing=1.0)


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
    assert dash.status == f"last loss {runner.last_loss:.5g}", dash.status


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


def test_paused_tape_is_drawn_with_the_pause_point(dashboards, keras_session):
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    model = small_cnn()
    dash = dashboards(max_rate=50.0)
    runner = dash.train(cnn_loop, model, 1000)
    assert wait_until(lambda: runner.step_count >= 2)
    runner.pause()
    assert runner.wait_paused(T)
    assert wait_until(lambda: dash.state == "paused" and dash.svg.startswith("<svg"))
    for _ in range(2000):  # the pause may land in Adam's untaped update: step to a taped op
        if any(node is runner.paused_at.node for node in dash._ops):
            break
        runner.step_op()
        assert runner.wait_paused(T)
    else:
        pytest.fail("stepping op by op never reached the next forward pass")
    assert wait_until(lambda: "so far" in dash.tape_title and dash.highlight), \
        (dash.tape_title, dash.error)
    assert f'id="{dash.highlight}"' in dash.svg
    assert dash.error == ""
    runner.stop()


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


def test_a_pause_after_an_update_outlines_the_variable_it_wrote(dashboards):
    """The tape draws no update op: a pause after `w.assign_sub(...)` outlined nothing while
    the status named the update; the variable it wrote, drawn, is outlined."""
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards(max_rate=50.0)
    runner = dash.train(scalar_loop, 100_000)
    assert wait_until(lambda: runner.step_count >= 2)
    runner.pause()
    assert runner.wait_paused(T)
    for _ in range(200):   # op by op to the update
        if getattr(runner.paused_at.node.op, "kind", "") == "update":
            break
        runner.step_op()
        assert runner.wait_paused(T)
    else:
        pytest.fail("stepping op by op never reached the update")
    dash.flush()
    assert dash.status.startswith("paused after the optimizer's update of w at ")
    assert wait_until(lambda: dash.highlight), (dash.tape_title, dash.error)
    drawn = re.search(rf'<g id="{dash.highlight}" class="node[^"]*">\s*<title>[^<]*</title>'
                      rf'\s*<g id="a_{dash.highlight}"><a xlink:title="([^"]+)"', dash.svg)
    assert drawn and drawn.group(1).startswith("variable w&#10;"), (dash.highlight, dash.svg)
    runner.stop()


def test_a_pause_inside_a_vjp_highlights_its_forward_node_and_moves_without_a_relayout(
        dashboards, monkeypatch):
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards(max_rate=50.0)
    runner = dash.train(scalar_loop, 100_000)
    assert wait_until(lambda: runner.step_count >= 2)
    runner.pause()
    assert runner.wait_paused(T)
    for _ in range(200):   # op by op into the backward pass: an op run by multiply's VJP
        point = runner.paused_at
        if point.node.phase == "backward" and point.vjp_of is not None:
            break
        runner.step_op()
        assert runner.wait_paused(T)
    else:
        pytest.fail("stepping op by op never reached an op inside a VJP")
    assert point.vjp_of.op.name == "multiply" and point.vjp_of.phase == "forward"
    assert point.forward_node is point.vjp_of

    # the tape names the step the counter is on, and outlines the node whose VJP runs
    assert wait_until(lambda: dash.highlight and dash.tape_title.startswith(
        f"step {dash.step_count + 1} so far")), (dash.tape_title, dash.step_count, dash.error)
    drawn = re.search(rf'<g id="{dash.highlight}" class="node[^"]*">\s*<title>[^<]*</title>'
                      rf'\s*<g id="a_{dash.highlight}"><a xlink:title="(\w+)', dash.svg)
    assert drawn and drawn.group(1) == "multiply", dash.svg[:400]

    # one op further in the same step: same structure, so no new layout; the outline is a
    # CSS class the front end moves
    layouts = []
    monkeypatch.setattr(render, "layout_svg", lambda dot: layouts.append(dot) or "<svg/>")
    runner.step_op()
    assert runner.wait_paused(T)
    dash.flush()
    assert layouts == [] and dash.svg.startswith("<svg ")
    assert dash.error == ""
    runner.stop()


def test_the_paused_node_is_outlined_as_the_tape_widget_outlines_its_step():
    """One colour for "where the loop is" across widgets: dashboard.css repeats tape.css's
    step highlight exactly."""
    import pathlib
    import re
    static = pathlib.Path(__file__).resolve().parents[1] / "tapeviz" / "viz" / "static"

    def highlight_rule(css, cls):
        found = re.search(rf"g\.node\.{cls} path\s*\{{([^}}]*)\}}", css)
        assert found, f"no {cls} rule"
        return sorted(part.strip() for part in found.group(1).split(";") if part.strip())

    tape = highlight_rule((static / "tape.css").read_text(), "tv-highlight")
    dash = highlight_rule((static / "dashboard.css").read_text(), "tvd-highlight")
    assert dash == tape and any(part.startswith("stroke:") for part in tape)


class Handle:
    """Stands in for IPython's DisplayHandle of the saved twin: keeps what it is updated with."""

    def __init__(self):
        self.updates = []

    def update(self, obj, **kwargs):
        self.updates.append((obj, kwargs))


def test_an_ended_runs_chart_snapshot_updates_the_saved_twin(dashboards):
    import base64
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards()
    runner = dash.train(scalar_loop, 3)
    assert runner.join(T)
    dash.flush()
    dash.saved_twin = twin = Handle()
    chart = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 380 190"><text>1.5</text></svg>'
    legend = [{"text": "w:0 1.5", "colour": "rgb(9, 105, 218)"},
              {"text": "v:0 <2>", "colour": "#cf222e"}]
    dash._handle_custom_msg({"snapshot": {"charts": [{"title": "loss <1>", "svg": chart}],
                                          "legend": legend}}, [])
    assert len(twin.updates) == 1
    bundle, kwargs = twin.updates[0]
    assert kwargs == {"raw": True}
    markup = bundle["text/html"]
    assert "tapeviz dashboard: 3 steps, finished (last loss " in markup and "saved charts" in markup
    assert "loss &lt;1&gt;" in markup and "w:0 1.5" in markup and "v:0 &lt;2&gt;" in markup
    images = [base64.b64decode(found).decode() for found in
              re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', markup)]
    assert images[0] == chart
    # each legend entry after a swatch of its series' colour, drawn as an image
    swatches = [re.search(r'fill="([^"]+)"', image).group(1) for image in images[1:3]]
    assert swatches == ["rgb(9, 105, 218)", "#cf222e"]
    assert markup.index("w:0 1.5") > markup.index(base64.b64encode(images[1].encode()).decode())
    # and the last step's tape, as the dashboard drew it (on white)
    assert len(images) == 4 and 'id="n0"' in images[3] and dash.tape_title in markup
    assert dash.error == ""

    # what the browser sends is checked: a chart that is not an SVG document is refused, and
    # a swatch colour that would end its attribute
    for bad in ({"charts": [{"title": "x", "svg": "<img src=x>"}]},
                {"charts": [], "legend": [{"text": "w", "colour": 'red"/><script'}]}):
        dash._handle_custom_msg({"snapshot": bad}, [])
        dash.flush()
        assert len(twin.updates) == 1
        assert dash.error.splitlines()[-1].startswith(
            "chart snapshot: ValueError: Dashboard: a chart snapshot must")


def test_a_dashboard_displays_after_a_twin_whose_display_it_keeps(kernel_shell):
    shell = kernel_shell
    dash = Dashboard(show_tape=False)
    published = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(shell.display_pub, "publish",
                          lambda data, metadata=None, transient=None, **kw:
                          published.append((data, transient)))
            shell.display_formatter.format(dash)
        (twin, transient), (live, _) = published
        assert twin["text/html"].startswith('<div class="tapeviz-saved"')
        assert "the charts are saved here when the run ends" in twin["text/html"]
        assert transient["display_id"] == dash.saved_twin.display_id
        assert set(live) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    finally:
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
        assert dash.tape_title.startswith(f"step {step}: 1 taped op "), dash.tape_title
        holds[step][1].set()
    assert len(layouts) == 1
    runner.stop()


# ---- alerts: the debugger's diagnosis, shown while the loop runs and after -------------------

def marked_line(tag):
    """`Cell In[n], line m` / `tests/test_viz_dashboard.py:m` of this file's line marked `tag`."""
    import inspect

    from tapeviz.sourceinfo import SourceInfo
    lines = inspect.getsource(inspect.getmodule(marked_line)).splitlines()
    (lineno,) = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(f"# {tag}")]
    return SourceInfo(__file__, lineno, "").location


def log_of_zero_loop(steps):
    """A hand-written cross-entropy whose probabilities hold a 0: log(0) = -inf at step 1."""
    w = tf.Variable([0.5, 1.0, 2.0], name="w")
    x = tf.constant([1.0, 0.0, 1.0])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_sum(tf.math.log(x * w))   # ALERT: log
        w.assign_sub(0.01 * tape.gradient(loss, w))


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


def ended(dash, runner):
    assert runner.join(T)
    dash._timer.join(T)   # the timer's last turn pushed the end (and the alerts)
    assert not dash._timer.is_alive() and dash.error == "", dash.error


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
    assert "assign_sub changed w" in message and marked_line("ALERT: update") in message
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
    assert marked_line("ALERT: broadcast") in alert["message"]
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
        openings if a and isinstance(a[0], Recorder) else calls).append(
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


def test_the_saved_twin_carries_the_alerts_as_text(dashboards):
    dash = dashboards(show_tape=False)
    with pytest.warns(RuntimeWarning):
        ended(dash, dash.train(log_of_zero_loop, 3))
    dash.saved_twin = twin = Handle()
    chart = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 380 190"></svg>'
    dash._handle_custom_msg({"snapshot": {"charts": [{"title": "loss", "svg": chart}]}}, [])
    (bundle, _), = twin.updates
    assert "<b>alerts (1)</b>" in bundle["text/html"]
    assert "log produced -inf in the forward pass" in bundle["text/html"]
    assert marked_line("ALERT: log") in bundle["text/plain"]
    assert "\n  -inf: log produced -inf" in bundle["text/plain"]   # what log(0) made


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
    assert "assign_sub changed w" in message and marked_line("ALERT: update") in message
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


def test_a_second_dashboard_also_displays_after_its_twin(kernel_shell):
    shell = kernel_shell
    dashes = [Dashboard(show_tape=False), Dashboard(show_tape=False)]
    published = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(shell.display_pub, "publish",
                          lambda data, metadata=None, transient=None, **kw:
                          published.append(data))
            for dash in dashes:
                shell.display_formatter.format(dash)
        twins = [data for data in published if "text/html" in data]
        assert len(twins) == 2 and all(dash.saved_twin is not None for dash in dashes)
    finally:
        for dash in dashes:
            dash.close()


def test_a_pause_after_an_optimizer_update_names_the_variable_it_updated_not_its_op():
    from types import SimpleNamespace

    from tapeviz.debugger import Recorder
    from tapeviz.debugger.runner import PausePoint
    from tapeviz.viz.dashboard_status import _runner_status
    w = tf.Variable(1.0, name="w")
    optimizer = tf.keras.optimizers.Adam(0.1)
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = w * w
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
    nodes = [op.node for op in rec.last_step.ops]
    update = next(node for node in nodes if node.op.name == "adam_step")

    def status(node, labels):
        return _runner_status(SimpleNamespace(state="paused", paused_at=PausePoint("op", node)),
                              labels)
    where = update.source.location
    # 'adam_step' was said: an op name no line of the user's has
    assert status(update, {}) == f"paused after the optimizer's update of w at {where}"
    assert status(update, {w.name: "weights"}) == \
        f"paused after the optimizer's update of weights at {where}"   # as the legend says
    # the phase as breakpoints say it ('multiply at x.py:3 (forward)' said it after the line)
    assert status(nodes[0], {}) == \
        f"paused after multiply in the forward pass at {nodes[0].source.location}"
    vjp = SimpleNamespace(state="paused", paused_at=PausePoint("vjp", nodes[0]))
    assert _runner_status(vjp, {}) == \
        f"paused after the gradient through multiply in the backward pass at " \
        f"{nodes[0].source.location}"   # the Step gradient button's word: no VJP


@pytest.mark.parametrize("setting, expected", [
    ({"smoothing": 1.0}, r"smoothing must be a number in \[0, 1\)"),
    ({"max_points": 1}, "max_points must be an integer >= 2"),
    ({"max_rate": 0}, "max_rate must be a positive number"),
])
def test_a_dashboard_refuses_its_settings_at_the_users_line_and_opens_no_widget(
        setting, expected, monkeypatch):
    import gc
    import sys

    from ipywidgets.widgets.widget import _instances
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    before = len(_instances)
    with pytest.raises(ValueError, match=f"^Dashboard: {expected}") as refused:
        Dashboard(**setting)
    assert f"test_viz_dashboard.py:{refused.tb.tb_lineno}" in str(refused.value)
    del refused
    gc.collect()
    assert len(_instances) == before   # a refused one stayed open (a comm to the front end)
    assert unraisable == []            # ... and its __del__ raised AttributeError on close


# ---- misuse: refused at the student's line, the dashboard still usable after ------------------
@pytest.mark.parametrize("given, said, hint", [
    (dict(runner=scalar_loop), "runner must be a tapeviz.debugger.Runner; got <function "
                               "scalar_loop", "dashboard.train(train, *args)"),
    (dict(runner=Recorder()), "runner must be a tapeviz.debugger.Runner; got <Recorder",
     "Dashboard(recorder=rec)"),
    (dict(recorder="rec"), "recorder must be a tapeviz.debugger.Recorder; got 'rec' (str)",
     "Dashboard(recorder=rec)"),
], ids=["a-function", "a-recorder", "text"])
def test_attaching_what_is_no_runner_or_recorder_is_refused_and_the_dashboard_still_trains(
        dashboards, given, said, hint):
    dash = dashboards(show_tape=False)
    err, line = raised(TypeError, lambda: dash.attach(**given))   # was: AttributeError
    assert str(err).startswith(f"Dashboard.attach: {said}") and hint in err.hint
    assert_names_this_line(err, line)
    assert dash.runner is None and dash.recorder is None
    err, line = raised(TypeError, lambda: Dashboard(**given))
    assert str(err).startswith(f"Dashboard: {said}")
    assert_names_this_line(err, line)
    runner = dash.train(scalar_loop, 3)
    assert runner.join(T) and wait_until(lambda: dash.step_count == 3)


def test_training_again_while_the_first_still_runs_is_refused_and_the_first_goes_on(dashboards):
    dash = dashboards(show_tape=False)
    holds = hold_at(2)
    first = dash.train(held_loop, holds, 4)
    assert holds[2][0].wait(T)
    err, line = raised(RuntimeError, lambda: dash.train(scalar_loop, 3))   # was: both trained
    assert str(err).startswith("Dashboard.train: the training this dashboard started is still "
                               "running")
    assert "dashboard.runner.stop()" in err.hint
    assert_names_this_line(err, line)
    assert dash.runner is first
    holds[2][1].set()
    assert first.join(T) and wait_until(lambda: dash.step_count == 4)
    assert dash.train(scalar_loop, 2).join(T)   # once it ended, a new training is welcome


def _failing_loop():
    scalar_loop(2)
    raise ValueError("bad batch")


def test_a_training_that_fails_shows_the_students_line_and_can_be_trained_again(dashboards):
    dash = dashboards(show_tape=False)
    runner = dash.train(_failing_loop)
    runner._thread.join(T)
    raise_line = _failing_loop.__code__.co_firstlineno + 2
    assert wait_until(lambda: dash.state == "failed" and dash.error != "")
    assert dash.error.splitlines() == [   # was: the first line alone, no line of the student's
        "training failed: ValueError: bad batch",
        f"  at {min(os.path.relpath(__file__), __file__, key=len)}:{raise_line} in _failing_loop",
        '      raise ValueError("bad batch")']
    assert dash.train(scalar_loop, 3).join(T)
    assert wait_until(lambda: dash.state == "finished" and dash.error == "")


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
    assert marked_line("ALERT: per row") in alert["message"]
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


def shape_failing_loop(steps):
    """A loop whose sixth batch comes with 2 features for a (3, 1) kernel: matmul raises."""
    w = tf.Variable(tf.ones([3, 1]), name="w")
    for step in range(steps):
        batch = tf.ones([4, 3 if step < 5 else 2])
        with tf.GradientTape() as tape:
            scaled = w * 2.0
            loss = tf.reduce_mean(tf.matmul(batch, scaled))   # FAILS: matmul
        w.assign_sub(0.1 * tape.gradient(loss, w))


def test_a_failed_loops_tape_is_the_failed_step_with_the_op_that_raised_said_so():
    """The tape of a failed run was the last finished step, titled as if current: it is the
    step that failed, as far as it ran, with the op that raised drawn red and outlined."""
    dash = Dashboard()
    try:
        runner = dash.train(shape_failing_loop, 20)
        runner._thread.join(T)
        ended_failed = wait_until(lambda: dash.state == "failed" and "failed" in dash.tape_title)
        assert ended_failed, (dash.state, dash.tape_title)
        assert dash.tape_title.startswith("step 6, failed: its 1 taped op and the op that "
                                          "raised"), dash.tape_title
        assert dash.highlight == "failed" and 'id="failed"' in dash.svg
        assert "✗ matmul failed" in dash.svg and "(4, 2)" in dash.svg
        assert marked_line("FAILS: matmul") in dash.error and "ShapeError" in dash.error
    finally:
        dash.close()


def _fails_before_its_tape():
    scalar_loop(2)
    tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))   # no tape records this step


def test_a_loop_failing_before_any_taped_op_labels_the_last_step_as_before_the_error():
    dash = Dashboard()
    try:
        dash.train(_fails_before_its_tape)._thread.join(T)
        assert wait_until(lambda: dash.state == "failed" and "error" in dash.tape_title), \
            dash.tape_title
        assert dash.tape_title.startswith("step 2, the last before the error: "), dash.tape_title
        assert dash.highlight == "" and 'id="failed"' not in dash.svg
    finally:
        dash.close()


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


def test_a_torch_loop_run_without_the_adapter_is_said_unheard(dashboards, monkeypatch):
    """torch imported, tapeviz.torch not: a torch loop's dashboard stayed empty, 'finished',
    with nothing saying why."""
    import sys
    from types import ModuleType
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch") or ModuleType("torch"))
    monkeypatch.delitem(sys.modules, "tapeviz.torch", raising=False)
    dash = dashboards(show_tape=False)
    assert dash.train(lambda: None).join(T)
    dash.flush()
    assert dash.state == "finished" and dash.step_count == 0
    assert dash.status.endswith(
        "no training step heard. A PyTorch loop is heard only once tapeviz.torch is imported: "
        "import tapeviz.torch first"), dash.status
    heard = dashboards(show_tape=False)   # a loop that trained: nothing to say
    assert heard.train(scalar_loop, 2).join(T)
    heard.flush()
    assert "unheard" not in heard.status and "tapeviz.torch" not in heard.status, heard.status


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
