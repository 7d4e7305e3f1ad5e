"""torch: the lecture's Huber regression with F.huber_loss(..., delta=0.001) on targets in
years: every residual lies far beyond delta, each update is about lr x delta. `diagnose`
names delta and the loss's line (marked here, looked up, never hard-coded), where it said
nothing; the lecture's delta=14 gives no finding. The numpy engine's twin:
tests/test_bugs_huber_delta.py."""
import numpy as np
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import synthetic_birth_life  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def trained(delta: float, steps: int = 10):
    data, _ = synthetic_birth_life()
    x, y = torch.from_numpy(data[:, 0].astype(np.float32)), torch.from_numpy(
        data[:, 1].astype(np.float32))
    w, b = torch.zeros((), requires_grad=True), torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.001)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = F.huber_loss(w * x + b, y, delta=delta)  # BUG: delta in the wrong units
            loss.backward()
            optimizer.step()
    return rec


def test_a_huber_delta_far_below_every_residual_is_named():
    [finding] = [f for f in diagnose(trained(delta=0.001)) if f.kind == "huber_delta_too_small"]
    assert finding.message.startswith("the Huber loss's delta is 0.001, while every residual "
                                      "lies 100x or more beyond it in each of the last 3 steps")
    assert (f"by huber_loss at tests/pytorch/"
            f"{marked_line(__file__, '# BUG: delta in the wrong units')}") in finding.message


def test_the_lectures_delta_gives_no_finding():
    assert not [f for f in diagnose(trained(delta=14.0)) if f.kind == "huber_delta_too_small"]
