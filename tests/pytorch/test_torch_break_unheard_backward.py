"""`loss.backward()` while only breakpoints on ops listen runs without the adapter's mode (no
tape, no op waiting for its backward steps, no GradientComputed listener): torch's way to
the handler is skipped, and the pass runs as under the handler, its own ops unheard. A pass
someone may hear, or one under a user's mode, still goes through the handler."""
import pytest
import torch
from torch.overrides import TorchFunctionMode

import tapeviz.torch as tvt
from tapeviz import events

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

TORCH_BACKWARD = torch.Tensor.backward   # torch's own, before anyone listens


def _loss():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    return w, (w * 3.0).sum()


def test_a_pass_only_op_breakpoints_listen_to_skips_the_mode_and_fills_the_gradients(
        adapter_calls):
    tvt.break_on(op="log")
    w, loss = _loss()
    loss.backward()
    assert TORCH_BACKWARD not in adapter_calls and torch.autograd.backward not in adapter_calls
    assert w.grad.tolist() == [3.0, 3.0]
    tvt.clear_breakpoints()
    assert torch.Tensor.backward is TORCH_BACKWARD


def test_the_ops_inside_an_unheard_pass_stay_unheard_by_a_condition():
    """The pass's own calls (the implicit gradient's ones_like) reach no condition, as when
    the handler ran the pass with the mode lifted."""
    asked = []
    tvt.break_on(condition=lambda node: asked.append(node.op.name) or False)
    w, loss = _loss()
    loss.backward()
    tvt.clear_breakpoints()
    assert asked == ["mul", "sum"]
    assert w.grad.tolist() == [3.0, 3.0]


def test_a_pass_someone_hears_still_goes_through_the_handler(adapter_calls):
    """A GradientComputed listener hears its pass; a backward-step breakpoint stops in it."""
    heard = []
    events.subscribe(heard.append, kinds=(events.GradientComputed,))
    try:
        w, loss = _loss()
        loss.backward()
    finally:
        events.unsubscribe(heard.append)
    assert TORCH_BACKWARD in adapter_calls
    assert len(heard) == 1
    bp = tvt.break_on(op="mul", phase="vjp", action="continue")
    w, loss = _loss()
    loss.backward()
    assert [hit.node.op.name for hit in bp.hits] == ["mul"]


def test_a_users_mode_sees_torchs_own_backward_and_the_adapter_still_hears_under_it():
    seen = []

    class Watching(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            seen.append(func)
            return func(*args, **(kwargs or {}))
    bp = tvt.break_on(op="mul", phase="vjp", action="continue")
    with Watching():
        w, loss = _loss()
        loss.backward()
    assert TORCH_BACKWARD in seen
    assert [hit.node.op.name for hit in bp.hits] == ["mul"]
    assert w.grad.tolist() == [3.0, 3.0]


def test_a_backward_the_users_code_put_on_tensors_stays_theirs():
    def theirs(self, *args, **kwargs):
        return TORCH_BACKWARD(self, *args, **kwargs)
    torch.Tensor.backward = theirs
    try:
        tvt.break_on(op="log")
        assert torch.Tensor.backward is theirs
        tvt.clear_breakpoints()
        assert torch.Tensor.backward is theirs
    finally:
        torch.Tensor.backward = TORCH_BACKWARD
