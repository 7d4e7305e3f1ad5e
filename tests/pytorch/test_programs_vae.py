"""A small variational autoencoder, as a user writes it: `encode` to a mean and a log
variance, the reparameterisation trick (`mu + eps * std`, eps from torch.randn_like), a
decoder to logits, the loss a reconstruction term plus the KL term; recorded and drawn by
layer at the user's lines, stepped, run under a breakpoint never hit, its planted NaN found
(the log variance's exp overflowing), kept by a Recorder, diagnosed and run by the Runner;
torch's state as it was after each."""
import torch
import torch.nn.functional as F
from torch import nn

from program_checks import (assert_torch_as_found, diagnosed, kept_as_recorded_fully,
                            recorded_and_drawn, run_by_the_runner,
                            same_under_a_breakpoint_never_hit)
import tapeviz.torch as tvt


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(16, 12)
        self.mean, self.log_var = nn.Linear(12, 4), nn.Linear(12, 4)
        self.decoder = nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 16))

    def encode(self, x):
        h = F.relu(self.hidden(x))
        return self.mean(h), self.log_var(h)

    def forward(self, x, scale=1.0):
        mu, log_var = self.encode(x)
        std = torch.exp(0.5 * log_var * scale)
        z = mu + torch.randn_like(std) * std
        return self.decoder(z), mu, log_var


def _training(seed=0):
    """(model, step): one Adam step a call on 8 binary images of 16 pixels; `step(scale)`
    multiplies the log variance inside exp by `scale` (1e5: exp overflows to inf)."""
    torch.manual_seed(seed)
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    images = (torch.rand(8, 16) > 0.5).float()

    def step(scale=1.0):
        optimizer.zero_grad()
        logits, mu, log_var = model(images, scale)
        reconstruction = F.binary_cross_entropy_with_logits(logits, images, reduction="sum")
        kl = -0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())
        loss = (reconstruction + kl) / len(images)
        loss.backward()
        optimizer.step()
        return loss
    return model, step


def test_the_vae_is_drawn_by_layer_at_the_users_lines_and_stepped():
    tape, html = recorded_and_drawn(_training)
    forward = VAE.forward.__code__.co_firstlineno
    where = {}
    for node in tape.nodes:
        where.setdefault(node.op.name, (node.scope, node.source.lineno))
    assert where["randn_like"] == ("VAE", forward + 3)
    assert where["binary_cross_entropy_with_logits"][0] == ""
    linears = [(n.scope, [getattr(getattr(i, "variable", None), "name", None)
                          for i in n.inputs[1:]]) for n in tape.nodes if n.op.name == "linear"]
    assert linears[:3] == [("VAE/hidden", ["hidden.weight", "hidden.bias"]),
                           ("VAE/mean", ["mean.weight", "mean.bias"]),
                           ("VAE/log_var", ["log_var.weight", "log_var.bias"])]
    assert "VAE/decoder/0" in html
    assert [s.node.op.name for s in tape.steps].count("linear") == 5


def test_a_breakpoint_never_hit_leaves_every_loss_as_plain_torch_gives_it():
    same_under_a_breakpoint_never_hit(_training)


def test_the_overflowing_exp_is_found_at_the_users_line():
    model, step = _training()
    origin = tvt.find_nan_origin(step, 1e5)
    assert (origin.op, origin.source.lineno) == ("exp", VAE.forward.__code__.co_firstlineno + 2)
    assert_torch_as_found(model)


def test_a_recorder_keeps_the_steps_and_draws_eps_again_as_it_ran(switch):
    """randn_like's draws are made again from torch's generator state kept before them."""
    assert kept_as_recorded_fully(switch, _training) == [False, True, True, True]


def test_the_vae_is_diagnosed_clean_and_run_by_the_runner():
    assert diagnosed(_training) == []
    run_by_the_runner(_training)
