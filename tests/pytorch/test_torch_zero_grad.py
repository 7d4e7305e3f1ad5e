"""zero_grad() runs without the adapter's mode when it runs no op (set_to_none=True, the
default): torch would send each parameter's .grad read and write through the mode, a dozen
calls of a few microseconds a step that never make a node. With set_to_none=False its
zero_ ops are heard as before, and a user's own mode still sees every call."""
import pickle

import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt

OWN_ZERO_GRADS = {cls: cls.__dict__["zero_grad"] for cls in (torch.optim.Optimizer, nn.Module)}


def _trained_once(model):
    F.mse_loss(model(torch.ones(4, 3)), torch.zeros(4, 2)).backward()


def test_zero_grad_reaches_no_mode_call_while_a_breakpoint_looks_at_every_op(adapter_calls):
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    heard = adapter_calls
    bp = tvt.break_on(file="no_such_file.py", line=1, action="continue")
    try:
        _trained_once(model)
        heard.clear()
        optimizer.zero_grad()
        model.zero_grad()
        assert heard == []
        torch.exp(torch.ones(1))
        assert model.weight.grad is None and torch.exp in heard   # the mode is back on
    finally:
        bp.clear()
    assert {cls: cls.__dict__["zero_grad"] for cls in OWN_ZERO_GRADS} == OWN_ZERO_GRADS


def test_zero_grad_that_zeroes_in_place_is_still_recorded_op_by_op():
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, foreach=False)
    _trained_once(model)
    with tvt.record() as tape:
        optimizer.zero_grad(set_to_none=False)
        optimizer.zero_grad()   # set_to_none: no op
    assert [node.op.name for node in tape.nodes] == ["zero_", "zero_"]
    assert model.weight.grad is None


def test_a_users_own_mode_still_sees_zero_grads_calls(counting_mode):
    model = nn.Linear(3, 2)
    _trained_once(model)
    user = counting_mode()
    bp = tvt.break_on(file="no_such_file.py", line=1, action="continue")
    try:
        with user:
            model.zero_grad()
    finally:
        bp.clear()
    assert user.calls == 4   # each parameter's .grad read, then its write
    assert torch._C._len_torch_function_stack() == 0


def test_a_zero_grad_the_user_put_on_while_wrapped_stays_when_nobody_listens_any_more():
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    calls = []
    bp = tvt.break_on(file="no_such_file.py", line=1, action="continue")
    try:
        wrapped = torch.optim.Optimizer.zero_grad
        assert pickle.loads(pickle.dumps(wrapped)) is wrapped   # found by its qualified name

        def users_zero_grad(self, set_to_none=True):
            calls.append(set_to_none)
            return wrapped(self, set_to_none)
        torch.optim.Optimizer.zero_grad = users_zero_grad
    finally:
        bp.clear()
    try:
        assert torch.optim.Optimizer.__dict__["zero_grad"] is users_zero_grad
        _trained_once(model)
        optimizer.zero_grad()
        assert calls == [True] and model.weight.grad is None
    finally:
        torch.optim.Optimizer.zero_grad = OWN_ZERO_GRADS[torch.optim.Optimizer]
