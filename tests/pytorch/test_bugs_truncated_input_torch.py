"""torch: pixels scaled to [0, 1) then `.long()` and `.float()` again: every value below 1
becomes 0. `diagnose` names the cast to integers at its line (marked here, looked up, never
hard-coded); scaled pixels, or whole numbers cast, are no finding."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def pixel_loop(prepare, steps: int = 6):
    torch.manual_seed(0)
    pixels = torch.randint(0, 256, (steps * 32, 16)).float()
    labels = (pixels[:, 0] > 128).long()
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with Recorder() as rec:
        for i in range(steps):
            x = prepare(pixels[i * 32:(i + 1) * 32])
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), labels[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
    return rec


def truncated(batch):
    return (batch / 255).long().float()  # BUG: cut to integers


def test_pixels_cut_to_integers_by_long_are_named_at_its_line():
    """was: nothing."""
    [finding] = diagnose(pixel_loop(truncated))
    assert finding.kind == "input_truncated"
    assert "are cast to int64, each cut toward zero, so 100% of them become 0, by long at " \
        in finding.message
    assert "; float makes them floats again for the first layer's linear at " in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: cut to integers")


@pytest.mark.parametrize("prepare", [lambda batch: batch / 255,
                                     lambda batch: batch.long().float() / 255],
                         ids=["scaled", "whole_numbers_cast"])
def test_scaled_pixels_or_whole_numbers_cast_are_no_finding(prepare):
    assert diagnose(pixel_loop(prepare)) == []
