"""An error or a KeyboardInterrupt raised inside `tvt.record()` (mid-forward, inside a module,
inside autograd's backward, in a custom Function's backward) leaves torch's mode stack, the
module and optimizer hooks and the subscriptions as they were (the folder's conftest checks
them after each test), no thread behind, the tape holding what ran, and the next recording
whole; once the user's tensors go, nothing of the failed one stays remembered."""
import gc
import threading
import weakref

import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.torch import autograd

FAILURES = [ValueError, KeyboardInterrupt]   # raised new each time: a module-level instance
IDS = ["error", "interrupt"]                # would keep its traceback, and the frames in it


class Raising(nn.Module):
    def __init__(self, failure):
        super().__init__()
        self.failure = failure

    def forward(self, h):
        raise self.failure("planted")


class ScaledRaising(torch.autograd.Function):
    """Twice its input; its backward raises a `failure`."""

    failure = None

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        raise ScaledRaising.failure("planted")


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def _failing_recording(where: str, failure, model, x) -> weakref.ref:
    """A recording that raises a `failure` at `where`; returns a weak reference to its tape
    (the user's tensors are gone when it returns)."""
    threads = set(threading.enumerate())
    with pytest.raises(failure):
        with tvt.record() as tape:
            out = model(x)
            if where == "forward":
                raise failure("planted")
            if where == "module":
                Raising(failure)(out)
            if where == "backward hook":
                out.register_hook(lambda g: (_ for _ in ()).throw(failure("planted")))
            if where == "custom backward":
                ScaledRaising.failure = failure
                out = ScaledRaising.apply(out)
            out.sum().backward()
    assert set(threading.enumerate()) <= threads
    assert [n.op.name for n in tape.nodes][:3] == ["linear", "tanh", "linear"]
    return weakref.ref(tape)


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
@pytest.mark.parametrize("where", ["forward", "module", "backward hook", "custom backward"])
def test_a_failed_recording_leaves_nothing_behind_and_the_next_records_whole(where, failure):
    model, x = _model(), torch.randn(3, 4)
    before = set(autograd._local.pending)   # (what an earlier test's open widget holds stays)
    tape = _failing_recording(where, failure, model, x)
    with tvt.record() as again:
        model(x).sum().backward()
    assert [n.op.name for n in again.nodes] == ["linear", "tanh", "linear", "sum"]
    assert [s.node.op.name for s in again.steps] == ["sum", "linear", "tanh", "linear"]
    del again
    gc.collect()
    assert tape() is None, "the failed recording outlived its tensors"
    assert set(autograd._local.pending) <= before, "its ops stayed remembered"


@pytest.mark.parametrize("failure", ["ValueError('planted')", "KeyboardInterrupt()"])
def test_a_failing_torch_cell_leaves_nothing_on_and_the_next_cell_records(kernel_shell,
                                                                          failure):
    from tapeviz.ipython import magic
    shell = kernel_shell
    shell.run_line_magic("load_ext", "tapeviz")
    shown = []
    original, magic.display = magic.display, shown.append
    try:
        shell.user_ns.update(model=_model(), x=torch.randn(3, 4))
        cell = "out = model(x)\nout.sum().backward()\n"
        result = shell.run_cell(f"%%tapeviz --torch --name rec\n{cell}raise {failure}\n")
        assert type(result.error_in_exec).__name__ == failure.split("(")[0]
        assert torch._C._len_torch_function_stack() == 0
        assert [op.op for op in shell.user_ns["rec"].steps[0].ops] == \
            ["linear", "tanh", "linear", "sum"]
        result = shell.run_cell(f"%%tapeviz --torch --name again\n{cell}")
        assert result.error_in_exec is None and len(shell.user_ns["again"]) == 1
        assert len(shown) == 2   # each cell's widget, the failed one's too
    finally:
        magic.display = original
        shell.run_line_magic("unload_ext", "tapeviz")


def _training(model, failure, fail_at: int):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(3, 4)

    def train(steps):
        for step in range(steps):
            optimizer.zero_grad()
            model(x).sum().backward()
            optimizer.step()
            if step == fail_at:
                raise failure("planted")
    return train


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_torch_loop_failing_under_a_recorder_or_a_runner_leaves_nothing_on(failure):
    from tapeviz.debugger import Recorder, Runner
    model = _model()
    threads = set(threading.enumerate())
    with pytest.raises(failure):
        with Recorder() as rec:
            _training(model, failure, 1)(3)
    assert len(rec) == 2   # the two whole steps before the failure
    runner = Runner(_training(model, failure, 0), 3).start()
    with pytest.raises(failure):
        runner.join(30.0)
    assert runner.state == "failed" and runner.step_count == 1
    assert set(threading.enumerate()) <= threads
    with tvt.record() as again:
        model(torch.randn(3, 4)).sum().backward()
    assert len(again.steps) == 4


@pytest.mark.parametrize("where", ["forward", "custom backward"])
def test_a_loop_failing_at_its_third_step_leaves_a_tape_the_widget_draws_and_steps(where):
    """A training loop that raises at its third step inside `tvt.record()` keeps the two
    steps before it and what ran of the third; the widget draws every op of it and steps
    its backward passes, as a notebook's next cell would ask."""
    from tapeviz.viz import TapeWidget
    model, x = _model(), torch.randn(3, 4)
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    with pytest.raises(ValueError, match="planted"):
        with tvt.record() as tape:
            for step in range(5):
                optimizer.zero_grad()
                out = model(x)
                if step == 2 and where == "forward":
                    raise ValueError("planted")
                if step == 2:
                    ScaledRaising.failure = ValueError
                    out = ScaledRaising.apply(out)
                out.sum().backward()
                optimizer.step()
    ops = [node.op.name for node in tape.nodes]
    assert ops[:8] == ["linear", "tanh", "linear", "sum"] * 2 and ops[8:11] == ops[:3]
    widget = TapeWidget(tape)
    try:
        assert widget.error == "" and f"{len(ops)} ops" in widget.status, widget.status
        for _ in range(3):
            widget.step()
        assert widget.stepper["count"] == 3 and widget.error == ""
    finally:
        widget.close()   # an open widget keeps its tape, and the tape its graphs, for later tests
