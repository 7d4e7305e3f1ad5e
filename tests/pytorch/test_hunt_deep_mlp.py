"""A ten-layer MLP on two interleaved half-moons, trained with BCEWithLogitsLoss and SGD, as
a student deepens the course's two-layer one, under every tool. Planted bugs: sigmoid in
every hidden layer, whose gradient shrinks through the stack (before: nine per-layer
'gradient norm < 1e-07' findings, then the stack's with its cause, last); and every hidden
bias initialised at -5, so the ReLUs are dead from the first step (before: one finding a
layer, ten; now one, with the layers its zeros feed and the lines that set the first)."""
import pytest
import torch
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


def deep_mlp(activation=nn.ReLU, bias=None):
    layers, width = [], 2
    for _ in range(10):
        linear = nn.Linear(width, 32)   # LINEAR
        if bias is not None:
            nn.init.constant_(linear.bias, bias)   # BIAS
        layers += [linear, activation()]
        width = 32
    return nn.Sequential(*layers, nn.Linear(width, 1))


def train(steps=3, activation=nn.ReLU, bias=None):
    torch.manual_seed(0)
    x, y = moons()
    model = deep_mlp(activation, bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x).squeeze(1), y)   # LOSS
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_the_relu_mlp_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        train(steps=1)
    assert [n.op.name for n in tape.nodes].count("relu") == 10
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(train, op="conv2d")
    paused_at, hit = paused_by(train, op="relu")
    assert (hit.node.scope, paused_at.source.lineno) == ("Sequential/1",
                                                        line_of(__file__, "# LOSS"))
    rec = diagnosed_clean(train, steps=20)
    assert len([s for s in rec.steps if s.variable_gradients]) == 20
    assert tvt.find_nan_origin(train, steps=1) is None
    assert paused_then_stopped(train)[0] == "cos"   # (linspace makes no tensor from one)
    trained_quietly(train)


def test_a_sigmoid_stack_is_said_once_with_its_cause():
    findings = diagnose(recorded_steps(train, steps=3, activation=nn.Sigmoid))
    assert [f.kind for f in findings] == ["vanishing_stack"]
    assert "the gradient shrinks on its way back through 10 sigmoid ops" in findings[0].message
    assert findings[0].source.lineno == line_of(__file__, "# LOSS")
    shown = trained_by_dashboard(lambda: train(activation=nn.Sigmoid))
    assert [alert["kind"] for alert in shown["alerts"]] == ["vanishing_stack"]


def test_negative_biases_kill_the_relus_from_the_first_step():
    findings = diagnose(recorded_steps(train, steps=3, bias=-5.0))
    [finding] = findings   # one cause: before, one finding a layer, ten
    assert finding.kind == "dead_relu"
    # its layers named as the code reaches them, as the gradient norms name them (model[0]
    # (Linear)); the scope, Sequential/1, was said before
    assert finding.message.startswith("dead ReLU: relu in layer model[1] (ReLU) outputs only "
                                      "zeros")
    assert "; 9 more ReLU layers after it, which its zeros feed, output only zeros too " \
           "(model[3] (ReLU), ..., model[19] (ReLU): 10 dead layers, 320 units an example in " \
           "all)" \
        in finding.message
    here = "tests/pytorch/test_hunt_deep_mlp.py"
    assert "it was dead from the first recorded step (step 1): its initial weights or bias " \
           f"killed it (set: model[0].weight at {here}:{line_of(__file__, '# LINEAR')}: " \
           f"linear = nn.Linear(width, 32)   # LINEAR; model[0].bias at " \
           f"{here}:{line_of(__file__, '# BIAS')}: nn.init.constant_(linear.bias, bias)   # BIAS)" \
           "; hint: re-initialise the layer (bias 0" in finding.message
    assert finding.source.lineno == line_of(__file__, "# LOSS")
