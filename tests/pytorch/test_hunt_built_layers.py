"""Two half-moons classified by an MLP a student deepens from the course's two-layer one,
building its hidden layers in a loop, under every tool. Planted bugs: the hidden layers made
by a list repeated with `*` ([nn.Linear(32, 32), nn.Tanh()] * 3: one Linear object at three
places, sharing one weight; it trains, and nothing said it), now layer_repeated at the
model's line with the fix; and every Linear zeroed (nn.init.zeros_ on weight and bias), so
each tanh layer outputs 0 and the zero weights after it pass no gradient back (before: six
zero_gradient findings, one a parameter, blaming 'dead ReLUs, a masked path, or a constant
input'), now one zero_weights finding with the line that zeroed them. The program with fresh
layers and torch's default initialisers says nothing."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, paused_then_stopped, recorded_steps,
                        trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, runs_past, trained_by_dashboard
from torch_hunts import moons

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]

HERE = "tests/pytorch/test_hunt_built_layers.py"


def deep_mlp(repeated=False, zeros=False):
    if repeated:
        hidden = [nn.Linear(32, 32), nn.Tanh()] * 3   # REPEATED
    else:
        hidden = [m for _ in range(3) for m in (nn.Linear(32, 32), nn.Tanh())]
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), *hidden, nn.Linear(32, 1))
    if zeros:
        for layer in model:
            if isinstance(layer, nn.Linear):
                nn.init.zeros_(layer.weight)   # ZEROS
                nn.init.zeros_(layer.bias)
    return model


def train(steps=10, repeated=False, zeros=False):
    torch.manual_seed(0)
    x, y = moons()
    model = deep_mlp(repeated, zeros)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x).squeeze(1), y)   # LOSS
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_the_fresh_layers_are_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        train(steps=1)
    assert [n.op.name for n in tape.nodes].count("linear") == 5
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(train, op="conv2d")
    paused_at, hit = paused_by(train, op="tanh")
    assert (hit.node.scope, paused_at.source.lineno) == ("Sequential/1",
                                                         line_of(__file__, "# LOSS"))
    rec = diagnosed_clean(train)
    assert len([s for s in rec.steps if s.variable_gradients]) == 10
    assert tvt.find_nan_origin(train, steps=1) is None
    assert paused_then_stopped(train)[0] == "cos"
    trained_quietly(train)


def test_a_layer_list_repeated_with_a_star_is_said_as_one_layer_at_three_places():
    losses = train(repeated=True)
    assert losses[-1] < losses[0]   # (what the student sees: it trains)
    findings = diagnose(recorded_steps(train, repeated=True))
    assert [f.kind for f in findings] == ["layer_repeated"]   # before: nothing
    finding = findings[0]
    assert finding.source.lineno == line_of(__file__, "# LOSS")
    assert finding.message.startswith(
        "model[2] (Linear) ran 3 times in one forward pass where the other layers of its "
        "nn.Sequential ran once: the same layer object sits at 3 places in it (made at "
        f"{HERE}:{line_of(__file__, '# REPEATED')}: ")
    assert "fix: make each layer anew, e.g. [m for _ in range(3) for m in (nn.Linear(...), " \
           "nn.ReLU())]" in finding.message
    shown = trained_by_dashboard(lambda: train(repeated=True))
    assert [alert["kind"] for alert in shown["alerts"]] == ["layer_repeated"]


def test_every_linear_zeroed_is_said_once_with_the_line_that_zeroed_them():
    findings = diagnose(recorded_steps(train, zeros=True))
    assert [f.kind for f in findings] == ["zero_weights"]   # before: 6 zero_gradient
    finding = findings[0]
    assert finding.source.lineno == line_of(__file__, "# LOSS")
    assert finding.message.startswith(
        "the weights of 5 layers are all zero (model[0].weight, model[2].weight, "
        "model[4].weight, model[6].weight and model[8].weight; zeroed at "
        f"{HERE}:{line_of(__file__, '# ZEROS')}: nn.init.zeros_(layer.weight)   # ZEROS): each "
        "hidden layer outputs the same value for every example")
    assert "get exactly zero gradients in all 10 steps and never leave zero" in finding.message
    assert "fix: drop the constant or zero init" in finding.message
    shown = trained_by_dashboard(lambda: train(zeros=True))
    assert shown["alerts"][0]["kind"] == "zero_weights", shown["alerts"]
