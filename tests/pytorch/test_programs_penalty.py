"""A critic trained with a gradient penalty (WGAN-GP), as a user writes it: the penalty's
gradient by `torch.autograd.grad(..., create_graph=True)`, then `loss.backward()` through
it; recorded, broken on, its NaN found, diagnosed."""
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import BreakpointError, Recorder, diagnose


def _training(seed=0):
    """(critic, step): one Adam step of a critic a call, its penalty's norm shifted by
    `shift` (100: a sqrt of a negative number)."""
    torch.manual_seed(seed)
    critic = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(critic.parameters(), 1e-3)
    real, fake = torch.randn(6, 3), torch.randn(6, 3)

    def step(shift=0.0):
        optimizer.zero_grad()
        eps = torch.rand(6, 1)
        mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
        [grad] = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)
        norm = torch.sqrt((grad ** 2).sum(1) - shift)
        penalty = ((norm - 1) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        loss.backward()
        optimizer.step()
        return loss
    return critic, step


def test_the_penalty_is_recorded_and_its_critic_stepped_in_both_passes():
    critic, step = _training()
    with tvt.record() as tape:
        step()
    first = step.__code__.co_firstlineno
    assert [(n.op.name, n.scope, n.source.lineno) for n in tape.nodes[4:7]] == [
        ("linear", "Sequential/0", first + 4), ("tanh", "Sequential/1", first + 4),
        ("linear", "Sequential/2", first + 4)]
    tanh_steps = [s for s in tape.steps if s.node.op.name == "tanh"]
    assert len(tanh_steps) >= 2   # the penalty's pass, then the loss's through it
    stepper = tape.stepper()
    assert sum(1 for _ in iter(stepper.step, None)) == len(tape.steps)


def test_a_nan_in_the_penalty_is_found_at_its_line_and_breaks_there():
    _, step = _training()
    first = step.__code__.co_firstlineno
    origin = tvt.find_nan_origin(step, 100.0)
    assert (origin.op, origin.source.lineno) == ("sqrt", first + 5)
    tvt.break_on(nan=True, action="raise")
    try:
        with pytest.raises(BreakpointError, match="sqrt in the forward pass"):
            _training()[1](100.0)
    finally:
        tvt.clear_breakpoints()


def test_a_gradient_penalty_is_no_loss_differentiated_twice():
    """The loss's pass runs through the penalty's gradient graph, stepping the critic's tanh
    again: diagnose said 'the loss is differentiated twice ... backward ran twice from
    tanh'."""
    _, step = _training()
    with Recorder() as rec:
        for _ in range(3):
            step()
    assert [f.kind for f in diagnose(rec) if f.kind == "backward_twice"] == []


def test_a_penaltys_sqrt_of_a_zero_gradient_is_found_in_the_backward_pass_at_its_line():
    """Every ReLU dead: the critic's input gradient is exactly zero, and sqrt's gradient
    0.5 / sqrt(0) is infinite in the loss's pass (WGAN-GP's classic NaN)."""
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        critic[0].bias.fill_(-100.0)
    x = torch.randn(4, 3)

    def step():
        mix = x.clone().requires_grad_(True)
        [grad] = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)
        penalty = ((torch.sqrt((grad ** 2).sum(1)) - 1) ** 2).mean()
        penalty.backward()

    origin = tvt.find_nan_origin(step)
    assert (origin.op, origin.phase, origin.source.lineno) == (
        "sqrt", "backward", step.__code__.co_firstlineno + 3)
    assert "0.5 / sqrt(x) is infinite where x = 0" in str(origin)
