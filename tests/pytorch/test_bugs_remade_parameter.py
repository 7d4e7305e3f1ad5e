"""A parameter made anew inside the training loop (`w = torch.randn(..., requires_grad=True)`
each step) while the optimizer was given the first one, before the loop: every
`optimizer.step()` updates a tensor the loss no longer reads, so nothing learns. `diagnose`
names the step, the line that makes the parameter (marked here, looked up, never
hard-coded) and the fix; made once, before the loop, it trains with no finding."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def batches():
    torch.manual_seed(0)
    x = torch.randn(192, 8)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long()


def weights_made_in_the_loop(steps: int = 6) -> Recorder:
    x, y = batches()
    w = torch.randn(8, 3, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    with Recorder() as rec:
        for i in range(steps):
            w = torch.randn(8, 3, requires_grad=True)  # BUG: made again
            optimizer.zero_grad()
            loss = F.cross_entropy(x[i * 32:(i + 1) * 32] @ w, y[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()  # THE STEP
    return rec


def weights_made_once(steps: int = 6) -> Recorder:
    x, y = batches()
    w = torch.randn(8, 3, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(x[i * 32:(i + 1) * 32] @ w, y[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
    return rec


def test_a_parameter_made_again_each_step_names_its_line_and_the_step():
    """was: nothing (loop_variables sees no update of the new tensors, unapplied compared
    values of different tensors)."""
    [finding] = diagnose(weights_made_in_the_loop())
    assert finding.kind == "gradients_not_applied"
    step = marked_line(__file__, "# THE STEP")
    made = marked_line(__file__, "# BUG: made again")
    assert (f"but optimizer.step() at tests/pytorch/{step}: optimizer.step()  # THE STEP "
            f"updated none of them: w is made anew in each step (at tests/pytorch/{made}: w = "
            f"torch.randn(8, 3, requires_grad=True)  # BUG: made again), so the optimizer, "
            f"given the first one before the loop, holds a tensor the loss no longer reads, "
            f"so the weights never change") in finding.message
    assert finding.message.endswith("fix: make them once, before the loop, and the optimizer "
                                    "from those")


def test_the_parameter_made_once_is_no_finding():
    rec = weights_made_once()
    assert diagnose(rec) == []
    assert rec.steps[-1].variables["w"].tolist() != rec.steps[0].variables["w"].tolist()
