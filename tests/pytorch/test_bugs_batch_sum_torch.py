"""torch: a loss summed over the batch (reduction='sum', `.sum()`) where a mean was meant:
the divergence it causes is told with the sum's line and why the learning rate is too large
(the line marked here, looked up, never hard-coded); the mean at the same rate is no
finding."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402

REDUCTIONS = {"mse_sum": nn.MSELoss(reduction="sum"), "dot_sum": lambda p, y: ((p - y) ** 2).sum(),
              "mse_mean": nn.MSELoss()}


def regression(loss_fn, steps: int = 12) -> Recorder:
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)  # THE LOSS
            loss.backward()
            optimizer.step()
    return rec


@pytest.mark.parametrize("name, how", [("mse_sum", "mse_loss given reduction='sum'"),
                                       ("dot_sum", "sum")])
def test_a_sum_over_the_batch_is_named_in_the_divergence_it_causes(name, how):
    """was: the divergence and 'the learning rate is too large' alone, not why."""
    [divergence] = [f for f in diagnose(regression(REDUCTIONS[name])) if f.kind == "divergence"]
    at = ("tests/pytorch/" + marked_line(__file__, "# THE LOSS") if name == "mse_sum" else
          "tests/pytorch/" + marked_line(__file__, '"dot_sum": lambda'))
    assert f"; the loss sums over the batch of 64 ({how} at {at}" in divergence.message
    assert divergence.message.endswith(
        "so each update is 64x the mean's, as if the learning rate were 64x: average it "
        "(reduction='mean', torch's default, or .mean()), or divide the learning rate by 64")


def test_the_mean_at_the_same_learning_rate_is_no_finding():
    rec = regression(REDUCTIONS["mse_mean"])
    assert diagnose(rec) == []
    assert rec.steps[-1].loss < rec.steps[0].loss
