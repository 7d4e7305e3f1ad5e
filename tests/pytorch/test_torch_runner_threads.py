"""A Runner controlled from the notebook's thread: a pause asked from there subscribes
there, which puts the adapter's mode on that thread's own stack (only that thread can take
it off). Once the run ends it must not stay: an inert mode costs every later torch call of
the notebook, and keeps the global module hooks on for every thread."""
import gc
import threading
import weakref

import pytest
import torch
from IPython.testing import globalipapp

import tapeviz.torch as tvt
from tapeviz.debugger import Runner
from tapeviz.torch import autograd
from tapeviz.viz import Dashboard

TIMEOUT = 60.0


def _runner_paused_from_here():
    """A Runner over a small loop, paused (and resumed) from this thread: (runner, model)."""
    model, go = torch.nn.Linear(3, 1), threading.Event()

    def train():
        go.wait(TIMEOUT)
        for _ in range(3):
            model(torch.ones(2, 3)).sum().backward()

    runner = Runner(train).start()
    while runner.thread_ident is None:   # the thread runs: a pause now subscribes from here
        threading.Event().wait(0.01)
    runner.pause()
    go.set()
    assert runner.wait_paused(TIMEOUT)
    assert torch._C._len_torch_function_stack() == 1, "the pause put no mode on this thread"
    runner.resume()
    return runner, model


def _left_here() -> tuple:
    return (torch._C._len_torch_function_stack(),
            len(torch.nn.modules.module._global_forward_pre_hooks))


def test_joining_a_runner_takes_the_adapters_mode_off_the_callers_thread():
    runner, _ = _runner_paused_from_here()
    assert runner.join(TIMEOUT) and runner.state == "finished"
    assert _left_here() == (0, 0)


def test_the_next_cell_takes_it_off_when_the_run_ended_unjoined():
    shell = globalipapp.get_ipython()   # read at call time: the shell, once any test started it
    shell.run_line_magic("load_ext", "tapeviz")
    try:
        runner, _ = _runner_paused_from_here()
        while runner.state == "running":   # ended in the background, as a Dashboard's run
            threading.Event().wait(0.01)
        assert _left_here() == (1, 1), "the mode went before the next cell: test nothing"
        shell.run_cell("1 + 1")
        assert _left_here() == (0, 0)
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")


class _FailingStep(torch.optim.SGD):
    def step(self, closure=None):
        super().step(closure)
        raise ValueError("failed in optimizer.step()")


def _failing_train(where: str):
    """A training loop over a small Sequential whose second step raises `where`."""
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    optimizer = (_FailingStep if where == "step" else torch.optim.SGD)(model.parameters(),
                                                                         lr=0.1)

    def train(steps):
        for i in range(steps):
            optimizer.zero_grad()
            loss = model(torch.ones(2, 3 if where != "forward" or i == 0 else 5)).sum()
            if where == "backward" and i == 1:
                loss = loss * torch.tensor(float("nan"))
                torch.autograd.set_detect_anomaly(True)
                try:
                    loss.backward()
                finally:
                    torch.autograd.set_detect_anomaly(False)
            loss.backward()
            optimizer.step()
    return model, train


def _hooks() -> tuple:
    module = torch.nn.modules.module
    return (len(module._global_forward_pre_hooks), len(module._global_forward_hooks),
            torch._C._len_torch_function_stack())


@pytest.mark.parametrize("where", ["forward", "backward", "step"])
@pytest.mark.parametrize("runs_it", ["Runner", "Dashboard"])
def test_a_training_step_failing_in_a_thread_leaves_nothing_installed(where, runs_it):
    before = _hooks()
    model, train = _failing_train(where)
    if runs_it == "Runner":
        runner = Runner(train, 4).start()
        with pytest.raises((ValueError, RuntimeError)):
            runner.join(TIMEOUT)
    else:
        dash = Dashboard(show_tape=True)
        try:
            runner = dash.train(train, 4)
            with pytest.raises((ValueError, RuntimeError)):
                runner.join(TIMEOUT)
        finally:
            dash.close()
    assert runner.state == "failed" and runner.step_count >= 1
    assert _hooks() == before
    with tvt.record() as tape:
        model(torch.ones(2, 3)).sum()
    assert [node.scope for node in tape.nodes] == ["Sequential/0", "Sequential/1",
                                                   "Sequential/2", ""]
    assert _hooks() == before


def test_a_closed_dashboard_whose_run_failed_goes_with_what_it_held():
    """Once closed and dropped, a Dashboard whose run failed goes, and with it the runner, the
    error's frames and the tensors a recording after it made: none is kept for the next test
    (anywidget's watch of a `_css` path held every instance; the layout stayed registered)."""
    model, train = _failing_train("forward")
    dash = Dashboard(show_tape=True)
    runner, timer = dash.train(train, 4), dash._timer
    with pytest.raises(RuntimeError):
        runner.join(TIMEOUT)
    dash.close()
    timer.join(TIMEOUT)   # (one closed in a turn ends after it)
    layout, before = dash.layout, set(autograd._local.pending)   # (an earlier test's may stay)
    with tvt.record() as tape:
        model(torch.ones(2, 3)).sum()
    assert set(autograd._local.pending) - before, "the recording remembered nothing: test nothing"
    gone = [weakref.ref(dash), weakref.ref(runner), weakref.ref(tape)]
    del dash, runner, tape
    gc.collect()
    assert [ref() for ref in gone] == [None, None, None]
    assert set(autograd._local.pending) <= before, "this recording's ops stayed remembered"
    assert layout.comm is None, "the dashboard's layout was left open"


def test_a_thread_that_ends_after_its_step_failed_leaves_no_module_hook_waiting_for_it():
    """A thread listening itself (its own breakpoint) whose optimizer.step() raised, then
    ended: the pre-hook that waited for its next module call (to put its mode back) goes
    with it, so no module call of another thread pays it, and a recording names modules."""
    before = _hooks()
    model, _ = _failing_train("step")
    optimizer = _FailingStep(model.parameters(), lr=0.1)

    def train():
        tvt.break_on(op="log")   # this thread listens: its mode is off during step()
        model(torch.ones(2, 3)).sum().backward()
        optimizer.step()

    failed = []
    thread = threading.Thread(target=lambda: failed.append(pytest.raises(ValueError, train)))
    try:
        thread.start()
        thread.join(TIMEOUT)
        assert failed and not thread.is_alive()
        assert _hooks() == before   # the breakpoint is still armed: nothing else is needed
        with tvt.record() as tape:
            model(torch.ones(2, 3)).sum()
        assert [node.scope for node in tape.nodes] == ["Sequential/0", "Sequential/1",
                                                       "Sequential/2", ""]
    finally:
        tvt.clear_breakpoints()
    assert _hooks() == before


def test_closing_a_dashboard_whose_timer_already_stopped_listening_takes_the_mode_off():
    """The Dashboard subscribes from this thread (the mode goes on here); once the run ends,
    its timer thread unsubscribes, where it cannot take this thread's mode off. When that
    comes after the join settled this thread, close() must settle it."""
    model = torch.nn.Linear(3, 1)
    dash = Dashboard()
    try:
        runner = dash.train(lambda: model(torch.ones(2, 3)).sum().backward())
        timer = dash._timer
        assert runner.join(TIMEOUT)
        timer.join(TIMEOUT)   # the timer saw the end and unsubscribed, after the join
        assert not timer.is_alive()
    finally:
        dash.close()
    assert _hooks() == (0, 0, 0)


def test_a_dashboard_timer_that_ends_after_the_last_listener_left_leaves_no_module_hook(
        monkeypatch):
    """The Dashboard's timer, seeing the run end, unsubscribes while another listener (its
    opening Recorder) still listens, which puts the adapter's mode on the timer's thread.
    When that last listener leaves from this thread before the timer stops it, the module
    hooks stay for the timer's mode; the timer must take it off before it ends (the flake of
    test_a_training_step_failing_in_a_thread_leaves_nothing_installed[Dashboard-forward],
    forced here: the hooks were left, (1, 1, 0))."""
    from tapeviz import events
    model, still_listening = torch.nn.Linear(3, 1), (lambda event: None)
    unsubscribed = threading.Event()
    dash = Dashboard()
    stop_recorders = dash._stop_suspect

    def stop_once_closed():   # on the timer: after its unsubscribe, wait for close()
        if threading.current_thread().name == "tapeviz-dashboard":
            unsubscribed.set()
            dash._closed.wait(TIMEOUT)
        stop_recorders()

    monkeypatch.setattr(dash, "_stop_suspect", stop_once_closed)
    events.subscribe(still_listening)
    try:
        runner = dash.train(lambda: model(torch.ones(2, 3)).sum().backward())
        timer = dash._timer
        assert runner.join(TIMEOUT) and unsubscribed.wait(TIMEOUT)
    finally:
        events.unsubscribe(still_listening)   # the last listener leaves, from here
        dash.close()
    timer.join(TIMEOUT)
    assert not timer.is_alive()
    assert _hooks() == (0, 0, 0)
