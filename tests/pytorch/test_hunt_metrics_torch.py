"""A four-class PyTorch classifier on one-hot-checked labels, its accuracy taken each step as
a student writes it, under every tool. Planted bug: the accuracy by a threshold,
`((torch.sigmoid(out) > 0.5).float() == F.one_hot(y, 4)).float().mean()`, which counts every
example once per class, so a model that predicts no class scores 3/4. Before, nothing said
it; now `threshold_accuracy` names the line, the comparison and the argmax fix. The argmax
accuracy says nothing. A binary classifier's `(out > 0.5)` on the logits its
binary_cross_entropy_with_logits reads (0.5 is a probability of 0.62) is said too
(`logits_thresholded`), silent on `torch.sigmoid(out) > 0.5`."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, trained_by_dashboard
from torch_hunts import four_classes

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def train(epochs=4, threshold=True):
    torch.manual_seed(0)
    x, y = four_classes()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    accuracies = []
    for _ in range(epochs):
        for i in range(0, 64, 16):
            optimizer.zero_grad()
            out = model(x[i:i + 16])
            loss = F.cross_entropy(out, y[i:i + 16])   # LOSS
            loss.backward()
            optimizer.step()
            if threshold:
                hits = (torch.sigmoid(out) > 0.5).float() == F.one_hot(y[i:i + 16], 4)  # ACC
            else:
                hits = out.argmax(dim=1) == y[i:i + 16]
            accuracies.append(hits.float().mean().item())
    return accuracies


def test_the_argmax_accuracy_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        train(epochs=1, threshold=False)
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    assert tvt.find_nan_origin(train, epochs=1) is None
    diagnosed_clean(train, threshold=False)
    assert paused_then_stopped(train)[0] == "getitem"   # (four_classes(): torch.eye(4)[y])
    trained_quietly(lambda: train(threshold=False))


def test_an_accuracy_by_a_threshold_is_said_at_its_line_with_the_argmax():
    finding = found(diagnose(recorded_steps(train)), "threshold_accuracy")
    assert finding.node.op.name == "eq"
    assert finding.source.lineno == finding.related.lineno == line_of(__file__, "# ACC")
    assert "each of the 4 class scores thresholded at 0.5 (gt at" in finding.message
    assert "predicts no class scores 3/4 (0.750)" in finding.message
    assert "out.argmax(dim=1) == y" in finding.message
    paused_at, _ = paused_by(train, op="gt")
    assert paused_at.source.lineno == line_of(__file__, "# ACC")
    shown = trained_by_dashboard(train)
    assert [alert["kind"] for alert in shown["alerts"]] == ["threshold_accuracy"]


def binary(logits=True, epochs=3):
    torch.manual_seed(0)
    x = torch.randn(64, 2)
    y = (x.sum(1, keepdim=True) > 0).float()
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(epochs):
        for i in range(0, 64, 16):
            optimizer.zero_grad()
            out = model(x[i:i + 16])
            F.binary_cross_entropy_with_logits(out, y[i:i + 16]).backward()
            optimizer.step()
            predicted = out > 0.5 if logits else torch.sigmoid(out) > 0.5   # PREDICTED
            (predicted.float() == y[i:i + 16]).float().mean().item()


def test_logits_thresholded_at_a_half_are_said_and_sigmoids_are_not():
    diagnosed_clean(binary, logits=False)
    finding = found(diagnose(recorded_steps(binary)), "logits_thresholded")
    assert finding.node.op.name == "gt"
    assert finding.source.lineno == line_of(__file__, "# PREDICTED")
    assert "a logit of 0.5 is a probability of 0.62" in finding.message
    assert "torch.sigmoid(out) > 0.5" in finding.message
