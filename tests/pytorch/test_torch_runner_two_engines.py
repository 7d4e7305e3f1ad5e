"""A notebook with a tapeviz loop and a PyTorch one: Runners over each in turn, a loop that
trains one model of each engine, a Recorder of one engine while the other trains in a
Runner, breakpoints armed for one engine's op while the other runs, and a Runner started
where torch runs unheard (tapeviz.torch not imported)."""
import functools
import sys
import threading
import warnings

import pytest
import torch

import tapeviz as tf
import tapeviz.torch  # noqa: F401   (the adapter: a torch loop is heard)
from tapeviz.debugger import Recorder, Runner, break_on
from tapeviz.debugger.reaches_torch import reaches_torch

pytestmark = pytest.mark.usefixtures("nothing_left")   # no listener, recorder or runner left

T = 20.0   # the longest a wait may take, at load 20


def torch_loop(steps):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    optimizer = torch.optim.SGD(model.parameters(), 0.01)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    return loss.item()


def tapeviz_step(w):
    with tf.GradientTape() as tape:
        loss = w * w
    w.assign_sub(0.1 * tape.gradient(loss, w))


def tapeviz_loop(steps):
    w = tf.Variable(1.0)
    for _ in range(steps):
        tapeviz_step(w)
    return float(w.numpy())


def test_a_runner_over_a_torch_loop_then_one_over_a_tapeviz_loop():
    first = Runner(torch_loop, 4).start()
    assert first.join(T) and (first.state, first.step_count) == ("finished", 4)
    second = Runner(tapeviz_loop, 3)
    second.pause()
    second.start()
    assert second.wait_paused(T) and second.paused_at.op_name == "multiply"
    second.resume()
    assert second.join(T) and (second.state, second.step_count) == ("finished", 3)
    assert second.result == pytest.approx(0.8 ** 3)
    again = Runner(torch_loop, 3).start()   # and back
    assert again.join(T) and again.step_count == 3


@pytest.mark.parametrize("tapeviz_first", [True, False], ids=["tapeviz first", "torch first"])
def test_a_loop_training_a_model_of_each_engine_counts_both_engines_steps(tapeviz_first):
    """Was 5 steps of 10 with the tapeviz step first: its tape counted it, the runner stopped
    listening, and the torch steps after it (heard by the listener alone) went uncounted."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), 0.01)
    x, y = torch.randn(8, 3), torch.randn(8, 1)

    def torch_step():
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()

    def both(steps):
        w = tf.Variable(1.0)
        for _ in range(steps):
            for step in ((lambda: tapeviz_step(w)), torch_step)[::1 if tapeviz_first else -1]:
                step()

    runner = Runner(both, 5).start()
    assert runner.join(T) and (runner.state, runner.step_count) == ("finished", 10)


def test_a_recorder_of_a_tapeviz_loop_while_a_torch_loop_trains_in_a_runner():
    go = threading.Event()

    def waiting_torch_loop():
        go.wait(T)
        return torch_loop(20)

    runner = Runner(waiting_torch_loop).start()
    recorder = Recorder().start()   # this thread's ops only
    try:
        go.set()
        tapeviz_loop(3)
    finally:
        recorder.stop()
    assert runner.join(T) and runner.step_count == 20
    assert len(recorder.steps) == 3
    assert {op.op for step in recorder.steps for op in step.ops} <= \
        {"multiply", "add", "assign_sub"}   # none of the torch loop's


def test_a_breakpoint_on_one_engines_op_lets_the_other_engines_loop_run():
    tanh = break_on(op="tanh", action="continue")        # torch's nn.Tanh
    multiply = break_on(op="multiply", action="continue")   # tapeviz's w * w
    try:
        assert tapeviz_loop(2) == pytest.approx(0.64)
        assert len(tanh.hits) == 0 and len(multiply.hits) > 0
        hits = len(multiply.hits)
        torch_loop(2)
        assert len(tanh.hits) == 2 and len(multiply.hits) == hits
    finally:
        tanh.clear()
        multiply.clear()


def test_a_runner_started_where_torch_runs_unheard_says_so_naming_both(monkeypatch):
    """torch imported, tapeviz.torch not: a torch loop's Runner counted no step, its pause and
    stop never landed, and Python's exit aborted under it ('terminate called without an
    active exception'), with nothing said."""
    monkeypatch.delitem(sys.modules, "tapeviz.torch")
    runner = Runner(torch_loop, 2)
    with pytest.warns(RuntimeWarning) as said:
        runner.start()
    assert runner.join(T)
    message = str(said[0].message)
    assert said[0].filename == __file__
    assert message.startswith("Runner.start: PyTorch is imported and tapeviz.torch is not")
    assert "`import tapeviz.torch` before starting it" in message


def test_a_tapeviz_loop_started_where_torch_is_imported_is_not_warned_of_torch(monkeypatch):
    """Only a loop whose code reaches torch is warned: a tapeviz loop in a session that
    imported torch for something else (its data, a comparison) was warned of a torch loop."""
    monkeypatch.delitem(sys.modules, "tapeviz.torch")
    runner = Runner(tapeviz_loop, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runner.start()
    assert runner.join(T) and runner.step_count == 2   # heard as ever


@pytest.mark.parametrize("made", ["argument", "closure", "helper", "partial"])
def test_a_loop_reaches_torch_through_its_arguments_closure_helpers_or_partial(made):
    model = torch.nn.Linear(3, 1)

    def through_closure():
        return model

    def through_helper():
        return torch_loop(1)

    loop = {"argument": (lambda m: m, (model,)), "closure": (through_closure, ()),
            "helper": (through_helper, ()),
            "partial": (functools.partial(lambda m: m, model), ())}[made]
    assert reaches_torch(*loop)
    assert not reaches_torch(tapeviz_loop, (2,))
