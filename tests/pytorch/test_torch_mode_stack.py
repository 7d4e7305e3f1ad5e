"""The adapter's mode shares torch's per-thread mode stack with the user's own modes: it
switches on and off with tapeviz subscriptions inside or around a user's `with` block, and
must never pop the user's mode, nor be popped by the user's exit, in either order."""
import torch
from torch.overrides import TorchFunctionMode

import tapeviz.torch as tvt
from tapeviz.torch import mode as adapter


class Counting(TorchFunctionMode):
    """A user's own mode: counts the calls of log and exp it sees."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += func in (torch.log, torch.exp)
        return func(*args, **(kwargs or {}))


def stack() -> list:
    return [torch._C._get_function_stack_at(i)
            for i in range(torch._C._len_torch_function_stack())]


def ours() -> list:
    return [m for m in stack() if isinstance(m, adapter.AdapterMode)]


def test_armed_inside_a_users_mode_then_the_block_exits_then_cleared():
    user = Counting()
    with user:
        bp = tvt.break_on(op="log", action="continue")
        assert ours(), "the adapter did not switch on inside the user's block"
        torch.log(torch.ones(2))
        assert user.calls == 1 and len(bp.hits) == 1
    assert user not in stack(), "the user's block exited and its mode stayed on"
    assert ours(), "the user's exit popped the adapter's mode instead of its own"
    torch.log(torch.ones(2))
    assert len(bp.hits) == 2 and user.calls == 1
    bp.clear()
    assert stack() == []


def test_armed_before_a_users_mode_and_cleared_inside_it():
    bp = tvt.break_on(op="log", action="continue")
    user = Counting()
    with user:
        torch.log(torch.ones(2))
        bp.clear()
        assert stack() == [user], f"clearing left or took the wrong mode: {stack()}"
        torch.exp(torch.ones(2))
        assert user.calls == 2, "the user's mode stopped seeing calls"
    assert stack() == []
    assert len(bp.hits) == 1


def test_armed_inside_two_user_modes_keeps_their_order_and_both_still_work():
    outer, inner = Counting(), Counting()
    with outer:
        with inner:
            bp = tvt.break_on(op="exp", action="continue")
            assert [m for m in stack() if m in (outer, inner)] == [outer, inner]
            torch.exp(torch.ones(2))
        assert stack()[-1] is outer, f"inner's exit took another mode: {stack()}"
        bp.clear()
        assert stack() == [outer]
        torch.exp(torch.ones(2))
    assert stack() == [] and len(bp.hits) == 1
    assert (outer.calls, inner.calls) == (2, 1)


def test_armed_inside_a_torch_device_block_then_the_block_exits_then_cleared():
    with torch.device("cpu"):
        bp = tvt.break_on(op="log", action="continue")
        torch.log(torch.ones(2))
    assert ours() and len(stack()) == 1, f"after torch.device's exit: {stack()}"
    torch.log(torch.ones(2))
    bp.clear()
    assert stack() == [] and len(bp.hits) == 2


def test_a_torch_device_block_opened_while_armed_and_cleared_inside_it():
    bp = tvt.break_on(op="log", action="continue")
    with torch.device("cpu"):
        torch.log(torch.ones(2))
        bp.clear()
        assert not ours() and len(stack()) == 1, f"inside torch.device: {stack()}"
        assert torch.ones(2).device.type == "cpu"
    assert stack() == [] and len(bp.hits) == 1


def test_set_default_device_while_armed_and_after():
    bp = tvt.break_on(op="log", action="continue")
    torch.set_default_device("cpu")
    try:
        torch.log(torch.ones(2))
        bp.clear()
        assert not ours() and len(stack()) == 1, f"after clearing: {stack()}"
        bp = tvt.break_on(op="log", action="continue")
        torch.log(torch.ones(2))
    finally:
        torch.set_default_device(None)   # its exit finds its DeviceContext at the bottom
    assert ours() and len(stack()) == 1, f"after set_default_device(None): {stack()}"
    bp.clear()
    assert stack() == [] and len(bp.hits) == 1
