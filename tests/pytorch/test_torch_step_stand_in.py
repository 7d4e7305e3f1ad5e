"""optimizer.step() from an optimizer class's second step on runs with the adapter's mode off
around torch's own step wrapper, so the profiler range that wrapper opens and closes
(`record_function`'s two calls) does not pass through the mode; the updates are heard as
before, at the step's line, and torch's own `step` is back once nobody listens."""
import sys

import pytest

torch = pytest.importorskip("torch", reason='needs PyTorch: pip install "tapeviz[torch]"')

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402


def _backward(model) -> None:
    F.mse_loss(model(torch.ones(4, 3)), torch.zeros(4, 2)).backward()


def test_a_step_sends_no_call_through_the_mode_and_its_updates_are_still_heard(adapter_calls):
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    heard = adapter_calls
    bp = tvt.break_on(op="sgd_step", action="continue")
    try:
        during = []
        for _ in range(3):
            _backward(model)
            heard.clear()
            line = sys._getframe().f_lineno + 1
            optimizer.step()
            during.append(len(heard))
            torch.exp(torch.ones(1))
            assert heard[-1] is torch.exp   # the mode is back on after the step
        assert during[1:] == [0, 0]   # the first step's range went through it
        assert [hit.node.op.name for hit in bp.hits] == ["sgd_step"] * 6
        assert {hit.source.lineno for hit in bp.hits} == {line}
        assert [hit.node.inputs[0].shape for hit in bp.hits[-2:]] == [(2, 3), (2,)]
    finally:
        bp.clear()


def test_torchs_own_step_is_back_once_nobody_listens():
    model = nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    own = vars(torch.optim.Adam)["step"]   # torch's profiling wrapper, put on at the init
    bp = tvt.break_on(op="log", action="continue")
    try:
        for _ in range(2):
            _backward(model)
            optimizer.step()
        assert vars(torch.optim.Adam)["step"] is not own
        assert vars(torch.optim.Adam)["step"].hooked   # torch does not wrap it again
        torch.optim.Adam(model.parameters())
        assert vars(torch.optim.Adam)["step"].__wrapped__ is own
    finally:
        bp.clear()
    assert vars(torch.optim.Adam)["step"] is own
    assert torch._C._len_torch_function_stack() == 0


def test_a_users_own_mode_still_sees_the_steps_calls(counting_mode):
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, foreach=False)
    _backward(model)
    alone = counting_mode()
    with alone:
        optimizer.step()
    bp = tvt.break_on(op="log", action="continue")
    try:
        counts = []
        for _ in range(2):
            user = counting_mode()
            with user:
                optimizer.step()
            counts.append(user.calls)
    finally:
        bp.clear()
    assert counts == [alone.calls, alone.calls] and alone.calls > 2
    assert torch._C._len_torch_function_stack() == 0


def test_a_closures_passes_are_still_heard_at_every_step():
    w = torch.ones(3, requires_grad=True)
    optimizer = torch.optim.LBFGS([w], lr=0.1, max_iter=1)

    def closure():
        optimizer.zero_grad()
        loss = torch.log(w.exp()).sum()
        loss.backward()
        return loss
    bp = tvt.break_on(op="log", action="continue")
    try:
        hits = []
        for _ in range(3):
            optimizer.step(closure)
            hits.append(len(bp.hits))
    finally:
        bp.clear()
    assert hits[0] >= 1 and hits[1] - hits[0] == hits[0] and hits[2] - hits[1] == hits[0]
