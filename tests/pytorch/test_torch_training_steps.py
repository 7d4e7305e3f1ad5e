"""A Recorder step of a torch loop is one training step, as the numpy engine's is (a
gradient call and the update after it): not one per backward pass. Gradient accumulation,
a critic's two passes, a GAN's two optimizers, a gradient penalty's inner `autograd.grad`
and a GradScaler's skipped step each run in their own way; each test checks the count and
what a step holds against torch's own values."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter: torch programs heard by the Recorder)
from tapeviz.debugger import Recorder, diagnose


def _updates(step) -> list:
    """The parameters' updates by an optimizer in `step` (not the scaler's own update)."""
    return [op.op for op in step.ops if op.kind == "update" and op.op.endswith("_step")]


def test_gradient_accumulation_is_one_step_per_optimizer_step_with_the_summed_loss():
    torch.manual_seed(0)
    model, x, y = nn.Linear(4, 1), torch.randn(8, 4), torch.randn(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    used, losses = [], []
    with Recorder() as rec:
        for _ in range(3):
            total = 0.0
            for micro in range(2):
                half = slice(4 * micro, 4 * micro + 4)
                loss = F.mse_loss(model(x[half]), y[half]) / 2
                loss.backward()
                total += loss.item()
            used.append(model.weight.grad.clone())
            losses.append(total)
            optimizer.step()
            optimizer.zero_grad()
    assert len(rec) == 3
    assert [step.loss for step in rec.steps] == pytest.approx(losses, rel=1e-6)
    for step, grad in zip(rec.steps, used):
        assert _updates(step) == ["sgd_step", "sgd_step"]
        [weight] = [g for name, g in step.variable_gradients.items() if name.endswith("weight")]
        np.testing.assert_allclose(weight.numpy(), grad.numpy(), rtol=1e-6)


def test_a_loop_with_no_optimizer_still_ends_a_step_at_each_backward_pass():
    w = torch.ones(3, requires_grad=True)
    with Recorder() as rec:
        for _ in range(4):
            (w * w).sum().backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
    assert len(rec) == 4


def _gan(seed=0):
    torch.manual_seed(seed)
    generator = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    critic = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    return generator, critic, torch.randn(32, 4), torch.randn(32, 8)


def test_a_gans_iteration_with_two_optimizers_and_three_passes_is_one_step():
    """The critic's passes on real and fake data, its step, the generator's pass and its
    step: one iteration of the loop, one Recorder step (it was three)."""
    generator, critic, real, noise = _gan()
    opt_d = torch.optim.Adam(critic.parameters(), 1e-3)
    opt_g = torch.optim.Adam(generator.parameters(), 1e-3)
    ones, zeros = torch.ones(32, 1), torch.zeros(32, 1)
    d_losses, g_losses = [], []
    with Recorder() as rec:
        for _ in range(3):
            opt_d.zero_grad()
            d_real = F.binary_cross_entropy_with_logits(critic(real), ones)
            d_real.backward()
            fake = generator(noise)
            d_fake = F.binary_cross_entropy_with_logits(critic(fake.detach()), zeros)
            d_fake.backward()
            d_grad = critic[0].weight.grad.clone()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = F.binary_cross_entropy_with_logits(critic(fake), ones)
            g_loss.backward()
            opt_g.step()
            d_losses.append(d_real.item() + d_fake.item())
            g_losses.append(g_loss.item())
    assert len(rec) == 3
    step = rec.last_step
    assert _updates(step) == ["adam_step"] * 8   # the critic's 4 parameters, the generator's 4
    assert step.loss is None   # two losses: no one loss of the step
    grads = step.variable_gradients
    assert len(grads) == 8   # each parameter's, as its own optimizer used it
    # the critic's first weight (the one of shape (16, 4)) as opt_d used it, before the
    # generator's pass wrote through it
    [critic_first] = [g for g in grads.values() if g.shape == (16, 4)]
    np.testing.assert_allclose(critic_first.numpy(), d_grad.numpy(), rtol=1e-6)


def test_a_gradient_penaltys_inner_autograd_grad_stays_inside_its_training_step():
    torch.manual_seed(0)
    critic, x = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)), torch.randn(16, 4)
    optimizer = torch.optim.SGD(critic.parameters(), 0.01)
    with Recorder() as rec:
        for _ in range(3):
            x_hat = x.clone().requires_grad_()
            [grad] = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
            loss = critic(x).mean() + ((grad.norm(dim=1) - 1) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert len(rec) == 3
    assert rec.last_step.loss == pytest.approx(loss.item(), rel=1e-6)


def test_a_grad_scalers_skipped_steps_are_no_nan_finding_and_still_count_as_steps():
    """The scale overflows the first gradients: the scaler skips those optimizer steps and
    backs off, as AMP does; diagnose called the overflow a NaN bug in the user's mul."""
    torch.manual_seed(0)
    model, x = nn.Linear(4, 1), 3 * torch.randn(8, 4)
    optimizer = torch.optim.SGD(model.parameters(), 0.01)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 127)
    skipped = []
    with Recorder() as rec:
        for _ in range(4):
            loss = model(x).pow(2).mean()
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scale = scaler.get_scale()
            scaler.step(optimizer)
            scaler.update()
            skipped.append(scaler.get_scale() < scale)
    assert skipped[0] and not skipped[-1]   # the program does what the test says
    assert len(rec) == 4
    for step, was_skipped in zip(rec.steps, skipped):
        assert math.isfinite(step.loss)
        assert _updates(step) == ([] if was_skipped else ["sgd_step", "sgd_step"])
        assert bool(step.variable_gradients) is not was_skipped   # the optimizer used none
        [scaling] = [op for op in step.ops if op.op == "mul" and op.phase == "forward"]
        said = scaling.node.params.get("skipped", "")   # the inspector's 'called with' row
        assert ("skips this step's optimizer.step()" in said) is was_skipped
    assert diagnose(rec) == []


def test_an_inf_gradient_the_scalers_backoff_does_not_cure_is_kept_from_a_scale_of_one():
    """sqrt at 0 has an infinite gradient at any scale: the scaler skips every step; once its
    scale is down to 1 the overflow is no longer the scaler's, and its steps hold the gradients."""
    torch.manual_seed(0)
    model, x = nn.Linear(4, 1), torch.randn(8, 4)
    optimizer = torch.optim.SGD(model.parameters(), 0.01)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    with Recorder() as rec:
        for _ in range(5):
            loss = model(x).pow(2).mean() + torch.sqrt(model.bias - model.bias.detach()).sum()
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
    assert len(rec) == 5
    scales = [4.0, 2.0, 1.0, 0.5, 0.25]
    for step, scale in zip(rec.steps, scales):
        held = step.variable_gradients   # the scaler's overflow above 1, a real one from 1
        assert bool(held) is (scale <= 1) and math.isfinite(step.loss)
        if held:
            [bias] = [g for name, g in held.items() if name.endswith("bias")]
            assert not np.isfinite(bias.numpy()).any()


def test_a_loops_steps_are_not_merged_into_a_step_the_code_runs_once_after_it():
    """A training loop stepping in each iteration, then one more step after it (a last
    fine-tuning step): each iteration is a step of its own (the step after the loop had
    made the loop's two iterations one step of 8 ops)."""
    torch.manual_seed(0)
    model, x = nn.Linear(3, 1), torch.randn(5, 3)
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    with Recorder() as rec:
        for _ in range(2):
            optimizer.zero_grad()
            loss = model(x).sum()
            loss.backward()
            optimizer.step()
        optimizer.zero_grad()
        loss = model(x).sum()
        loss.backward()
        optimizer.step()
    assert len(rec) == 3
    assert [_updates(step) for step in rec.steps] == [["sgd_step", "sgd_step"]] * 3
