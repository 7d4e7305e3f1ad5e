"""torch: a model ending in nn.Sigmoid() given to nn.BCEWithLogitsLoss (which applies the
sigmoid itself): it trains on sigmoid(sigmoid(z)). `diagnose` names the sigmoid, the loss
and the fix (lines marked here, looked up, never hard-coded); the logits given, or the
sigmoid kept with nn.BCELoss, are no finding."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def binary(head, loss_fn, squeeze: bool = False, steps: int = 4) -> Recorder:
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    y = (x[:, 0] > 0).float()
    model = nn.Sequential(nn.Linear(8, 1), *head)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            out = model(x)  # THE FORWARD
            out, target = (out.squeeze(1), y) if squeeze else (out, y[:, None])
            loss = loss_fn(out, target)  # THE LOSS
            loss.backward()
            optimizer.step()
    return rec


@pytest.mark.parametrize("squeeze", [False, True], ids=["n_by_1", "squeezed"])
def test_a_sigmoid_head_under_bce_with_logits_is_named(squeeze):
    """was: nothing (the loss falls, slowly, to a floor)."""
    [finding] = diagnose(binary([nn.Sigmoid()], nn.BCEWithLogitsLoss(), squeeze))
    assert finding.kind == "double_sigmoid"
    assert finding.message.startswith(
        "binary_cross_entropy_with_logits is given probabilities: its logits were made by "
        "sigmoid at tests/pytorch/test_bugs_double_sigmoid_torch.py:")
    assert finding.message.endswith(
        "fix: pass the logits: no nn.Sigmoid (torch.sigmoid) before "
        "F.binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss), or keep the sigmoid and "
        "use nn.BCELoss")
    assert finding.source.lineno == line_of(__file__, "# THE LOSS")
    assert finding.related.lineno == line_of(__file__, "# THE FORWARD")


@pytest.mark.parametrize("head, loss_fn", [([], nn.BCEWithLogitsLoss()),
                                           ([nn.Sigmoid()], nn.BCELoss())],
                         ids=["logits", "sigmoid_bce"])
def test_logits_given_or_the_sigmoid_with_bce_is_no_finding(head, loss_fn):
    rec = binary(head, loss_fn)
    assert diagnose(rec) == []
    assert rec.steps[-1].loss < rec.steps[0].loss
