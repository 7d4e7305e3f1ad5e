"""torch: an accuracy from `logits.argmax()` with no dim, which flattens the (32, 10) logits
into one index (the numpy engine's twin: tests/test_bugs_argmax_axis.py): `diagnose` names
it; argmax(dim=1) says nothing."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def evaluated(dim) -> Recorder:
    (images, labels), (test_images, test_labels) = load_digits()
    x = torch.tensor(images[:128].reshape(-1, 64) / 255, dtype=torch.float32)
    y = torch.tensor(labels[:128], dtype=torch.int64)
    test_x = torch.tensor(test_images[:32].reshape(-1, 64) / 255, dtype=torch.float32)
    test_y = torch.tensor(test_labels[:32], dtype=torch.int64)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters())
    with Recorder() as rec:
        for i in range(0, 128, 32):
            loss = F.cross_entropy(model(x[i:i + 32]), y[i:i + 32])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            logits = model(test_x)
            predicted = logits.argmax() if dim is None else logits.argmax(dim)  # ARGMAX
            accuracy = (predicted == test_y).float().mean().item()
    assert 0.0 <= accuracy <= 1.0
    return rec


def test_argmax_with_no_dim_is_named():
    [finding] = diagnose(evaluated(None))   # was: no finding
    assert finding.kind == "argmax_over_examples"
    assert finding.message.startswith("argmax with no dim flattens the (32, 10) logits: it gives "
                                      "one index into all 320 values, not each example's class")
    assert finding.message.endswith("fix: logits.argmax(dim=1)")
    assert finding.source.lineno == line_of(__file__, "# ARGMAX")


def test_argmax_over_the_classes_is_no_finding():
    assert diagnose(evaluated(1)) == []
