"""torch: an Adam made inside the training loop: each step's is new, so each update is a
first step, lr times the sign of the gradient, and its moments never build up. `diagnose`
names it and the line that makes it (marked here, looked up, never hard-coded); made once,
before the loop, it is no finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def batches():
    torch.manual_seed(0)
    x = torch.randn(192, 8)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long()


def adam_made_in_the_loop(optimizer_class=torch.optim.Adam, steps: int = 6, **options):
    x, y = batches()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    with Recorder() as rec:
        for i in range(steps):
            optimizer = optimizer_class(model.parameters(), lr=0.01, **options)  # BUG: anew
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 32:(i + 1) * 32]), y[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
    return rec


def adam_made_once(optimizer_class=torch.optim.Adam, steps: int = 6, **options):
    x, y = batches()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = optimizer_class(model.parameters(), lr=0.01, **options)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 32:(i + 1) * 32]), y[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
    return rec


def test_an_adam_made_each_step_is_named_at_its_line():
    """was: nothing (the loss still falls, slowly: each step is lr * sign(gradient))."""
    [finding] = diagnose(adam_made_in_the_loop())
    assert finding.kind == "optimizer_in_loop"
    assert finding.message == (
        f"the optimizer is made anew in each step: in each of the last 3 steps its Adam moved "
        f"every weight by exactly the learning rate (0.01) times the sign of its gradient, as "
        f"only a new Adam's first step does: its moment estimates start over every step, so "
        f"momentum never builds up and its steps never adapt to the gradients' scale; made "
        f"at tests/pytorch/{marked_line(__file__, '# BUG: anew')}: optimizer = "
        f"optimizer_class(model.parameters(), lr=0.01, **options)  # BUG: anew; fix: make "
        f"the optimizer once, before the loop")
    assert finding.source.lineno == line_of(__file__, "# BUG: anew")


@pytest.mark.parametrize("optimizer_class, options", [
    (torch.optim.AdamW, {"weight_decay": 0.01}), (torch.optim.Adam, {"weight_decay": 1e-3})],
    ids=["adamw_decay", "adam_decay"])
def test_an_adam_with_weight_decay_made_each_step_is_named_too(optimizer_class, options):
    [finding] = diagnose(adam_made_in_the_loop(optimizer_class, **options))
    assert finding.kind == "optimizer_in_loop"
    assert finding.source.lineno == line_of(__file__, "# BUG: anew")


@pytest.mark.parametrize("optimizer_class, options", [
    (torch.optim.Adam, {}), (torch.optim.AdamW, {"weight_decay": 0.01})], ids=["adam", "adamw"])
def test_the_adam_made_once_is_no_finding(optimizer_class, options):
    assert diagnose(adam_made_once(optimizer_class, **options)) == []
