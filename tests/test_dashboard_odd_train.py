"""A student's training function that is not the loop the Dashboard watches: a function of one
step (a train() that lost its loop), one that takes no gradient, its result given for it
(`dashboard.train(train(5))`, which ran the training before the Dashboard could watch), and
its arguments missing: each said in the student's words, the dashboard still usable after."""
import dashboard_loops
from dashboard_loops import T, scalar_loop
from raising import assert_names_this_line, raised

import tapeviz as tf
from tapeviz.debugger import Runner
from tapeviz.viz.series import chart_number

dashboards = dashboard_loops.dashboards   # the fixture its tests take

w = tf.Variable(3.0, name="w")


def train_step():
    with tf.GradientTape() as tape:
        loss = w * w
    w.assign_sub(0.01 * tape.gradient(loss, w))
    return loss


def forward_only():
    return w * 2.0


def finished(dash, train_fn, *args):
    runner = dash.train(train_fn, *args)
    assert runner.join(T)
    dash.flush()
    assert dash.state == "finished"
    return runner


def test_a_function_of_one_step_is_told_the_dashboard_watches_a_loop(dashboards):
    """It ran once, 'finished, 1 step done, last loss 9', with no word of why the live
    charts showed one point."""
    dash = dashboards(show_tape=False)
    runner = finished(dash, train_step)
    assert dash.status.startswith(f"last loss {chart_number(runner.last_loss)}; "), dash.status
    assert "train_step() returned after 1 step: the Dashboard watches a loop; put the loop " \
           "inside the function" in dash.status, dash.status
    assert "dashboard.train(train, epochs)" in dash.status
    assert repr(runner) == "<Runner train_step finished: 1 step, loss 9>"   # was '1 steps'
    looped = dashboards(show_tape=False)   # a loop: its loss alone, as before
    runner = finished(looped, scalar_loop, 3)
    assert looped.status == f"last loss {chart_number(runner.last_loss)}", looped.status


def test_a_function_that_takes_no_gradient_is_told_no_step_was_counted(dashboards):
    dash = dashboards(show_tape=False)
    finished(dash, forward_only)
    assert dash.step_count == 0
    assert dash.status.startswith("forward_only() returned without taking a gradient"), \
        dash.status
    assert "tape.gradient" in dash.status


def test_the_training_functions_result_given_for_it_names_the_call_that_ran(dashboards):
    """`dashboard.train(train_step())` trained a step here, in the foreground, and was then
    refused 'expected a training function (a callable); got a float32 tensor of shape ()'."""
    dash = dashboards(show_tape=False)
    err, line = raised(TypeError, lambda: dash.train(scalar_loop(2)))
    assert str(err).startswith(
        "Dashboard.train: expected a training function (a callable); got None (NoneType), "
        "what scalar_loop(2) returned: that call ran it here, before Dashboard.train could "
        "watch it"), str(err)
    assert err.hint == "pass the function and its arguments apart: dash.train(scalar_loop, 2)"
    assert_names_this_line(err, line)
    assert dash.runner is None
    err, line = raised(TypeError, lambda: Runner(train_step()))
    assert "got a float32 tensor of shape (), what train_step() returned" in str(err)
    assert err.hint == "pass the function and its arguments apart: Runner(train_step)"
    assert_names_this_line(err, line)
    finished(dash, scalar_loop, 2)   # still trains


def test_a_result_given_on_a_line_that_shows_no_call_keeps_the_plain_hint(dashboards):
    dash = dashboards(show_tape=False)
    result = scalar_loop(1)
    err, _ = raised(TypeError, lambda: dash.train(result))
    assert "returned" not in str(err)
    assert err.hint == "pass the function itself, not its result: train, not train()"


def test_arguments_missing_are_said_by_the_dashboards_own_call(dashboards):
    """Said 'Runner: scalar_loop(steps) cannot be called with nothing' to a student who
    called dashboard.train and no Runner."""
    dash = dashboards(show_tape=False)
    err, line = raised(TypeError, lambda: dash.train(scalar_loop))
    assert str(err).startswith("Dashboard.train: scalar_loop(steps) cannot be called with "
                               "nothing: missing a required argument: 'steps'"), str(err)
    assert_names_this_line(err, line)
    assert dash.runner is None
    finished(dash, scalar_loop, 2)


def test_the_training_function_is_checked_once_in_the_dashboards_name(dashboards, monkeypatch):
    """Dashboard.train checked it, then its Runner checked it again in the Runner's name."""
    from tapeviz.debugger import given, runner as runner_module
    calls = []

    def counted(call, fn, args, kwargs):
        calls.append(call)
        return check(call, fn, args, kwargs)

    check = given.check_training_function
    monkeypatch.setattr(given, "check_training_function", counted)
    monkeypatch.setattr(runner_module, "check_training_function", counted)
    dash = dashboards(show_tape=False)
    finished(dash, scalar_loop, 2)
    assert calls == ["Dashboard.train"]
