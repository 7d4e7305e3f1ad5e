"""torch: an epoch's loss as torch.stack(losses).mean() over batches of 64, 64, 64 and 8:
the last batch's 8 examples weigh as much as 64. `diagnose` names the mean's line (marked
here, looked up, never hard-coded), where it said nothing; batches of one size give no
finding. The numpy engine's twin: tests/test_bugs_batch_means.py."""
import numpy as np
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def epoch(count: int, batch_size: int):
    (images, labels), _ = load_digits(as_mnist_layout=False)
    x = torch.tensor(images[:count] / 16, dtype=torch.float32)
    y = torch.tensor(labels[:count].astype(np.int64))
    torch.manual_seed(0)
    model = torch.nn.Linear(64, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    with Recorder() as rec:
        losses = []
        for images_batch, labels_batch in zip(x.split(batch_size), y.split(batch_size)):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images_batch), labels_batch)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        epoch_loss = torch.stack(losses).mean()  # BUG: a mean of the batches' means
    return rec, float(epoch_loss)


def test_a_mean_of_uneven_batches_losses_is_named():
    rec, said = epoch(200, 64)
    [finding] = [f for f in diagnose(rec) if f.kind == "mean_of_batch_means"]
    assert finding.message.startswith(
        f"mean at tests/pytorch/{marked_line(__file__, '# BUG: a mean of')}")
    assert "batches hold 64, 64, 64 and 8 examples: " in finding.message
    assert f"it gives {said:.4g}, where the loss over the 200 examples is " in finding.message


def test_batches_of_one_size_give_no_finding():
    rec, _ = epoch(200, 50)
    assert not [f for f in diagnose(rec) if f.kind == "mean_of_batch_means"]
