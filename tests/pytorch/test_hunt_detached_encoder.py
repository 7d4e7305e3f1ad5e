"""A classifier made of two modules, an encoder and a separate head, both given to one
optimizer, as a representation-learning notebook writes it, under every tool. Planted bug:
the encoder's output cut before the head, by `.detach()` or by a round trip through numpy
(`.detach().numpy()` or `.data.numpy()` made a tensor again), so the encoder never trains.
Before: diagnose said nothing (torch's backward reports only the parameters it reached, and
the encoder is a model of its own, so no layer of its model trained past the cut); now the
optimizer's parameters with no gradient are known from its step, and the finding names them,
the op that cut the graph and its line. Not a bug: a frozen encoder given to no optimizer,
its output detached."""
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, runs_past

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def fit(steps=3, cut=None, frozen=False):
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x[:, 0] + x[:, 1] > 0).long()
    encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    head = nn.Linear(8, 2)
    trained = list(head.parameters()) if frozen else \
        list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(trained, lr=0.5)
    losses = []
    for _ in range(steps):
        features = encoder(x)   # ENCODE
        if cut == "detach":
            features = features.detach()   # DETACH
        elif cut == "numpy":
            features = torch.from_numpy(features.detach().numpy())   # NUMPY
        elif cut == "data":
            features = torch.tensor(features.data.numpy())   # DATA
        loss = nn.functional.cross_entropy(head(features), y)   # LOSS
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_the_classifier_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        losses = fit(steps=2)
    assert losses[1] < losses[0]
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(fit, op="conv2d")
    paused_at, hit = paused_by(fit, op="cross_entropy")
    assert paused_at.source.lineno == hit.node.source.lineno == line_of(__file__, "# LOSS")
    rec = diagnosed_clean(fit, steps=20)
    assert len([s for s in rec.steps if s.variable_gradients]) == 20
    assert tvt.find_nan_origin(fit, steps=2) is None
    assert paused_then_stopped(fit)[1] is not None
    trained_quietly(fit)


def test_an_encoder_detached_before_its_head_is_said_cut_at_the_detach():
    rec = recorded_steps(fit, steps=20, cut="detach")
    finding = found(diagnose(rec), "gradient_cut")
    assert sorted(finding.variables) == ["encoder.0.bias", "encoder.0.weight"]
    assert finding.message.startswith("encoder[0].weight and encoder[0].bias: the gradient is "
                                      "None in every step, so they never train: the loss reads "
                                      "them only through detach at ")
    assert finding.source.lineno == line_of(__file__, "# DETACH")
    assert "fix: remove the .detach()" in finding.message


def test_an_encoder_taken_out_to_numpy_and_back_is_said_cut_at_that_line():
    rec = recorded_steps(fit, steps=20, cut="numpy")
    finding = found(diagnose(rec), "gradient_cut")
    assert sorted(finding.variables) == ["encoder.0.bias", "encoder.0.weight"]
    assert "through detach at " in finding.message
    assert finding.source.lineno == line_of(__file__, "# NUMPY")


def test_an_encoder_taken_out_by_data_is_said_to_leave_the_graph_and_come_back():
    """`.data`, `.numpy()` and `torch.tensor` are no ops the adapter traces: the finding names
    the line the value left (the encoder's relu) and the line that read it again."""
    rec = recorded_steps(fit, steps=20, cut="data")
    finding = found(diagnose(rec), "gradient_cut")
    assert sorted(finding.variables) == ["encoder.0.bias", "encoder.0.weight"]
    assert "the value relu made from them at " in finding.message
    assert "left the graph and came back as a new tensor, read by linear at " \
        in finding.message
    assert finding.related.lineno == line_of(__file__, "# ENCODE")
    assert finding.source.lineno == line_of(__file__, "# LOSS")


def test_a_frozen_encoder_given_to_no_optimizer_may_be_detached():
    rec = recorded_steps(fit, steps=20, cut="detach", frozen=True)
    assert diagnose(rec) == []
