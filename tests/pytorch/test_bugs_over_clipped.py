"""torch: gradients clipped far below their size every step (clip_grad_norm_ with max_norm
1e-6, a typo for 1.0): each update is a tiny fraction of the gradient's and the model barely
trains, while the gradients recorded after the clip look merely small. `diagnose` names the
clip, its line (marked here, looked up, never hard-coded) and how far below the gradients'
norm it cuts; a clip at 1.0, a guard, or no clip, is no finding."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def clipped_loop(max_norm, steps: int = 8):
    torch.manual_seed(0)
    x = torch.randn(steps * 32, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 32:(i + 1) * 32]), y[i * 32:(i + 1) * 32])
            loss.backward()
            if max_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # BUG: clip
            optimizer.step()
    return rec


def test_a_clip_far_below_the_gradients_norm_is_named_at_its_line():
    """was: nothing (the recorded gradients, read after the clip, and the updates at
    lr times them look healthy)."""
    [finding] = diagnose(clipped_loop(1e-6))
    assert finding.kind == "gradients_over_clipped"
    assert finding.message.startswith("the gradients are clipped to a norm of 1e-06 in every "
                                      "step (steps 6-8), at least ")
    assert "fix: clip at about the gradients' usual norm (max_norm=1.0 is common)" \
        in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: clip")


@pytest.mark.parametrize("max_norm", [1.0, 5, None])
def test_a_clip_as_a_guard_or_none_is_no_finding(max_norm):
    assert diagnose(clipped_loop(max_norm)) == []
