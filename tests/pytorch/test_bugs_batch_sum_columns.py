"""torch: a loss summed over the batch axis and then averaged over what is left,
`((out - y) ** 2).sum(dim=0).mean()`, where `.mean()` alone was meant: the divergence it
causes is told with the sum's line and why the learning rate is too large, as for a plain
`.sum()` (tests/pytorch/test_bugs_batch_sum_torch.py); the mean over both axes at the same
rate is no finding."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def regression(summed_over_the_batch: bool, steps: int = 12) -> Recorder:
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0, 0.5], [-2.0, 1.0], [0.5, -1.0]])
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            if summed_over_the_batch:
                loss = ((model(x) - y) ** 2).sum(dim=0).mean()  # BUG: summed, then averaged
            else:
                loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
    return rec


def test_a_sum_over_the_batch_then_a_mean_is_named_in_the_divergence_it_causes():
    """was: the divergence and 'the learning rate is too large' alone (the loss's last op,
    the mean, hid the sum before it)."""
    [divergence] = [f for f in diagnose(regression(True)) if f.kind == "divergence"]
    at = "tests/pytorch/" + marked_line(__file__, "# BUG: summed, then averaged")
    assert f"; the loss sums over the batch of 64 (sum at {at}" in divergence.message
    assert divergence.message.endswith("or divide the learning rate by 64")


def test_the_mean_over_both_axes_is_no_finding():
    rec = regression(False)
    assert diagnose(rec) == []
    assert rec.steps[-1].loss < rec.steps[0].loss
