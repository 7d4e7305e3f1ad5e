"""Bugs a student writes in a PyTorch training loop, found by `diagnose` on the Recorder and
told with the op, what is wrong and the student's own line (marked `# BUG` here, looked up,
never hard-coded); the same loop written correctly gives no finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")   # (torch's own broadcast one)


def regression_data(n: int = 64):
    torch.manual_seed(0)
    x = torch.randn(n, 3)
    return x, x @ torch.tensor([1.0, -2.0, 0.5])   # targets (n,), as a dataset gives them


LOSSES = {"MSELoss": nn.MSELoss(), "L1Loss": nn.L1Loss(), "HuberLoss": nn.HuberLoss()}


def regression_with(loss_fn, flat: bool, steps: int = 5) -> Recorder:
    """A small MLP regression: the (N, 1) predictions against (N,) targets as they come
    (`flat` False: the bug) or against the targets made (N, 1)."""
    x, y = regression_data()
    targets = y if not flat else y.unsqueeze(1)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = loss_fn(model(x), targets)  # BUG: (64, 1) against (64,)
            loss.backward()
            optimizer.step()
    return rec


@pytest.mark.parametrize("name", LOSSES)
def test_a_loss_module_given_n_by_1_predictions_and_n_targets_is_an_outer_product(name):
    """was: nothing (torch only warns, once, and the loss trains the mean)."""
    [finding] = diagnose(regression_with(LOSSES[name], flat=False))
    assert finding.kind == "outer_broadcast"
    op = {"MSELoss": "mse_loss", "L1Loss": "l1_loss", "HuberLoss": "huber_loss"}[name]
    assert finding.message.startswith(
        f"{op} broadcast (64, 1) and (64,) to (64, 64): both operands grew (4096 values from "
        f"64 + 64), an outer product: every prediction is compared with every target, so the "
        f"model learns to predict the targets' mean for every input; at "
        f"tests/pytorch/{marked_line(__file__, '# BUG: (64, 1) against (64,)')}")
    assert finding.message.endswith("e.g. .squeeze(-1) the (64, 1) operand")
    assert finding.source.lineno == line_of(__file__, "# BUG: (64, 1) against (64,)")


@pytest.mark.parametrize("name", LOSSES)
def test_the_same_loss_given_matching_shapes_is_no_finding(name):
    assert diagnose(regression_with(LOSSES[name], flat=True)) == []
