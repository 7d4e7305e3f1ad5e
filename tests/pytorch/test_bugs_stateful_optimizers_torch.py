"""torch: every optimizer that keeps state, made inside the training loop: an SGD with
momentum, an RMSprop, an Adagrad, an Adam with amsgrad, each new every step, loses its
momentum buffer, its averages or sums of squared gradients. `diagnose` names it and the line
that makes it (marked here, looked up, never hard-coded), read by what a first step does;
made once, before the loop, it is no finding, and neither is a plain SGD made anew (it keeps
no state). The numpy engine's twin: tests/test_bugs_stateful_optimizers.py."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402

STEPS = 6
TORCH_OPTIMIZERS = {
    "sgd_momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "sgd_nesterov_decay": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True,
                                             "weight_decay": 1e-3}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "rmsprop_centered": (torch.optim.RMSprop, {"centered": True, "momentum": 0.5}),
    "adagrad": (torch.optim.Adagrad, {}),
    "adagrad_started": (torch.optim.Adagrad, {"initial_accumulator_value": 0.1}),
    "adam_amsgrad": (torch.optim.Adam, {"amsgrad": True}),
    "adamw_maximize": (torch.optim.AdamW, {"maximize": True}),
}


def torch_loop(optimizer_class, options: dict, made_in_the_loop: bool):
    torch.manual_seed(0)
    x = torch.randn(STEPS * 32, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = optimizer_class(model.parameters(), lr=0.01, **options)
    with Recorder() as rec:
        for i in range(STEPS):
            if made_in_the_loop:
                optimizer = optimizer_class(model.parameters(), lr=0.01, **options)  # BUG: torch
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 32:(i + 1) * 32]), y[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
    return rec


@pytest.mark.parametrize("kind", TORCH_OPTIMIZERS)
def test_a_torch_optimizer_with_state_made_each_step_is_named_at_its_line(kind):
    """was: nothing for all but a plain Adam/AdamW (the loss still falls)."""
    optimizer_class, options = TORCH_OPTIMIZERS[kind]
    [finding] = diagnose(torch_loop(optimizer_class, options, made_in_the_loop=True))
    assert finding.kind == "optimizer_in_loop"
    assert finding.source.lineno == line_of(__file__, "# BUG: torch")
    assert finding.message.startswith(f"the optimizer is made anew in each step: in each of "
                                      f"the last 3 steps its {optimizer_class.__name__} moved "
                                      f"every weight by ")


@pytest.mark.parametrize("kind", TORCH_OPTIMIZERS)
def test_a_torch_optimizer_with_state_made_once_is_no_finding(kind):
    optimizer_class, options = TORCH_OPTIMIZERS[kind]
    assert diagnose(torch_loop(optimizer_class, options, made_in_the_loop=False)) == []


def test_a_plain_sgd_made_each_step_keeps_no_state_and_is_no_finding():
    assert diagnose(torch_loop(torch.optim.SGD, {}, made_in_the_loop=True)) == []


def test_the_words_say_what_each_first_step_does():
    said = {kind: diagnose(torch_loop(*TORCH_OPTIMIZERS[kind], made_in_the_loop=True))[0].message
            for kind in ("sgd_momentum", "rmsprop", "adagrad_started")}
    assert ("its SGD moved every weight by exactly the learning rate (0.01) times its "
            "gradient, as only a new SGD's first step does: its momentum buffer starts over "
            "every step, so momentum never builds up: it trains as plain SGD; made at "
            "tests/pytorch/") in said["sgd_momentum"]
    assert ("its RMSprop moved every weight by 10 times the learning rate (0.01) times the "
            "sign of its gradient (its alpha 0.99 makes the first average 0.01 g^2), as only a "
            "new RMSprop's first step does: its average of squared gradients starts over every "
            "step") in said["rmsprop"]
    assert ("its Adagrad moved every weight by the learning rate (0.01) times g / sqrt(0.1 + "
            "g^2), g its gradient, as only a new Adagrad's first step does: its sum of squared "
            "gradients starts over every step") in said["adagrad_started"]
