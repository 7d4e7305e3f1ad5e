"""torch: the guide's CNN with Adam(lr=10), the loss leaping ~5e4x in one step then falling
back: `diagnose` names the leap, the update and the line that set the rate (marked here,
looked up, never hard-coded), where it said nothing. The numpy engine's twin:
tests/test_bugs_loss_leap.py."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from digits_cnn import DigitsCNN, digit_batches  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def trained(lr: float):
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # BUG: lr
    with Recorder() as rec:
        for images, labels in digit_batches(count=6):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
    return rec


def test_adam_at_a_learning_rate_of_10_names_the_leap_and_the_rate():
    [leap] = diagnose(trained(10.0))
    assert leap.kind == "loss_leap"
    assert leap.message.startswith("the loss leaps x")
    assert (f"; the optimizer's learning rate was set at tests/pytorch/"
            f"{marked_line(__file__, '# BUG: lr')}: ") in leap.message
    assert leap.message.endswith("lower it (by 10x or more, until the loss falls steadily: "
                                 "Adam's default 0.001)")


def test_adam_at_its_default_rate_is_no_finding():
    assert diagnose(trained(1e-3)) == []
