"""From an optimizer class's second step on (its `step` stood in for: activation.py), a step
taken while a breakpoint listens lifts the adapter's mode off the thread's stack and puts
the same mode back (no new mode a step); alone on the stack it is popped and pushed as it
is, under a user's mode the stack keeps its order."""
import pytest
import torch
from digits_cnn import make_training

import tapeviz.torch as tvt
from tapeviz.torch.mode import AdapterMode, local

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


def _stack() -> list:
    return [torch._C._get_function_stack_at(i)
            for i in range(torch._C._len_torch_function_stack())]


def test_steps_put_back_the_same_mode_alone_on_the_stack():
    _, _, train_step = make_training(seed=4)
    images, labels = torch.rand(4, 1, 8, 8), torch.randint(0, 10, (4,))
    tvt.break_on(op="log")
    train_step(images, labels)   # the first step: torch's own, the class's stood in after
    (mode,) = _stack()
    assert isinstance(mode, AdapterMode) and local.mode is mode
    for _ in range(3):
        train_step(images, labels)
        assert _stack() == [mode] and local.mode is mode
    tvt.clear_breakpoints()
    assert _stack() == [] and local.mode is None


def test_steps_under_a_users_mode_keep_it_on_top(counting_mode):
    _, _, train_step = make_training(seed=5)
    images, labels = torch.rand(4, 1, 8, 8), torch.randint(0, 10, (4,))
    tvt.break_on(op="log")
    train_step(images, labels)
    (mode,) = _stack()
    with counting_mode() as theirs:
        for _ in range(3):
            train_step(images, labels)
            assert _stack() == [mode, theirs]
        assert theirs.calls > 0
    assert _stack() == [mode]
    tvt.clear_breakpoints()
    assert _stack() == []
