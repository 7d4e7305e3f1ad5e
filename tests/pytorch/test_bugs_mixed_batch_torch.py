"""torch: the digits through a Linear layer, flattened by `x.reshape(64, -1)` then `.t()`
(meant: `x.reshape(32, -1)`): every row mixes the examples and nothing fails. `diagnose`
names the reshape and its line (marked here, looked up, never hard-coded), where it said
nothing; `x.flatten(1)` is no finding. The numpy engine's twin:
tests/test_bugs_mixed_batch.py."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from digits_cnn import digit_batches  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def trained(mixed: bool):
    torch.manual_seed(0)
    layer = torch.nn.Linear(64, 10)
    optimizer = torch.optim.Adam(layer.parameters())
    with Recorder() as rec:
        for images, labels in digit_batches(count=4):
            optimizer.zero_grad()
            if mixed:
                rows = images.reshape(64, -1).t()  # BUG: mixes the examples
            else:
                rows = images.flatten(1)
            loss = F.cross_entropy(layer(rows), labels)
            loss.backward()
            optimizer.step()
    return rec


def test_a_reshape_that_mixes_the_examples_is_named_at_its_line():
    [finding] = diagnose(trained(mixed=True))
    assert finding.kind == "batch_mixed"
    assert finding.source.lineno == line_of(__file__, "# BUG: mixes the examples")
    assert "mixes the examples of the batch: it makes (64, 32) of the batch (32, 1, 8, 8)" \
        in finding.message
    assert finding.message.endswith("fix: keep the batch axis first: x.reshape(32, -1) (or "
                                    "x.flatten(1)) keeps each example a row; to swap axes, "
                                    "transpose, do not reshape")


def test_the_batch_flattened_example_by_example_is_no_finding():
    assert diagnose(trained(mixed=False)) == []
