"""torch: the guide's CNN (an nn.Sequential: its ops' line is the model's call; a module of the
user's own names the first layer's line in its forward) evaluated under torch.no_grad() on
the batches it trained on: `diagnose` names the evaluation and its line (marked here, looked
up, never hard-coded), where it said nothing; held-out batches are no finding. The numpy
engine's twin: tests/test_bugs_training_data.py."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from digits_cnn import digit_batches  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def evaluated(on_training: bool):
    batches = digit_batches(count=6)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(),
                                torch.nn.Conv2d(16, 16, 3), torch.nn.ReLU(),
                                torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                torch.nn.Linear(16, 10))
    optimizer = torch.optim.Adam(model.parameters())
    with Recorder() as rec:
        for images, labels in batches[:4]:
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            if on_training:
                model(batches[1][0])  # BUG: evaluates on a training batch
            else:
                model(batches[5][0])
    return rec


def test_an_evaluation_on_a_training_batch_is_named():
    [finding] = diagnose(evaluated(on_training=True))
    assert finding.kind == "evaluated_on_training_data"
    assert "on 32 examples, 32 of which it trained on (step 2 read them)" in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: evaluates on a training batch")


def test_an_evaluation_on_a_held_out_batch_is_no_finding():
    assert diagnose(evaluated(on_training=False)) == []
