"""A breakpoint set while a Runner trains a torch loop: its hit on the training thread, where
no debugger can take input (a Jupyter kernel reads input for its running cell only; here
stdin is no terminal), pauses the runner at the op, as on the numpy engine, instead of
failing the loop with BreakpointError."""
import time

import pytest
import torch
from torch import nn

import tapeviz as tf
from tapeviz.debugger import Runner

T = 20.0   # the longest a wait may take, at load 20


def _wait_until(predicate) -> bool:
    deadline = time.monotonic() + T
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)
    return predicate()


def test_a_breakpoint_hit_on_a_torch_runners_thread_pauses_it(monkeypatch):
    monkeypatch.delenv("TAPEVIZ_DEBUGGER", raising=False)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), 0.01)
    x, y = torch.randn(16, 4), torch.randn(16, 1)

    def train(steps):
        for _ in range(steps):
            optimizer.zero_grad()
            loss = ((model(x) - y) ** 2).mean()   # the hit's line
            loss.backward()
            optimizer.step()

    runner = Runner(train, 10**6).start()
    try:
        assert _wait_until(lambda: runner.step_count >= 2)
        bp = tf.debugger.break_on(op="tanh")
        try:
            with pytest.warns(RuntimeWarning, match="the runner paused there"):
                assert runner.wait_paused(T)
            point = runner.paused_at
            assert point.op_name == "tanh" and len(bp.hits) == 1
            assert point.source.statement.strip().endswith("# the hit's line")
        finally:
            bp.clear()
        steps = runner.step_count
        runner.resume()
        assert _wait_until(lambda: runner.step_count > steps) and runner.state == "running"
    finally:
        runner.stop()
        runner.join(T)
    assert runner.state == "stopped" and runner.error is None
