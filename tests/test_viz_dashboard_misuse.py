"""The Dashboard misused or failing: settings and sources refused at the student's line, a
second training refused while the first runs, a failing loop's line and tape (the op that
raised, or the last step before the error), a torch loop run without the adapter: the
dashboard still usable after."""
import os

import dashboard_loops
import pytest
from dashboard_loops import T, held_loop, hold_at, marked_line, scalar_loop, wait_until
from raising import assert_names_this_line, raised

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.dashboard import Dashboard

dashboards = dashboard_loops.dashboards   # the fixture its tests take


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
    assert f"test_viz_dashboard_misuse.py:{refused.tb.tb_lineno}" in str(refused.value)
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
        assert dash.tape_title.startswith("step 6, failed: its 1 op of the forward pass and "
                                          "the op that raised"), dash.tape_title
        assert dash.highlight == "failed" and 'id="failed"' in dash.svg
        assert "✗ matmul failed" in dash.svg and "(4, 2)" in dash.svg
        assert marked_line("FAILS: matmul", __file__) in dash.error and "ShapeError" in dash.error
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
