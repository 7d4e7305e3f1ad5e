"""A small classifier whose head is replaced for four classes after the optimizer was built
from `model.parameters()`, as a student adapting a model writes it, under every tool. The
optimizer holds the old head's parameters (no gradient: stepped past) and never the new
head's, which stays at its random initialisation while the body trains around it. Before,
nothing said it (every step updates something, no value goes wrong); now
`left_out_of_updates` names the head's parameters, the line that made them and the fix. The
optimizer built after the replacement, and a body left out under a trained head
(fine-tuning's way, requires_grad left on), say nothing. The whole model made again after
the optimizer was found as-is (`gradients_not_applied`) and is pinned."""
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


def train(epochs=3, optimizer_after=False, head_only=False, remade=False):
    torch.manual_seed(0)
    x, y = four_classes()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model[2] = nn.Linear(16, 4)   # HEAD
    if remade:
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 4))
    if optimizer_after:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if head_only:
        optimizer = torch.optim.SGD(model[2].parameters(), lr=0.1)
    for _ in range(epochs):
        for i in range(0, 64, 16):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i:i + 16]), y[i:i + 16])   # LOSS
            loss.backward()
            optimizer.step()   # STEP
    return loss.item()


def test_the_loop_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        train(epochs=1, optimizer_after=True)
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    assert tvt.find_nan_origin(train, epochs=1) is None
    diagnosed_clean(train, optimizer_after=True)
    diagnosed_clean(train, head_only=True)   # (the body left as it is: fine-tuning's way)
    assert paused_then_stopped(train)[0] == "getitem"   # (four_classes(): torch.eye(4)[y])
    trained_quietly(lambda: train(optimizer_after=True))


def test_a_head_made_after_the_optimizer_is_said_with_its_line_and_the_fix():
    finding = found(diagnose(recorded_steps(train)), "left_out_of_updates")
    assert finding.variables == ("model.2.weight", "model.2.bias")
    assert finding.source.lineno == line_of(__file__, "# STEP")
    assert finding.related.lineno == line_of(__file__, "# HEAD")
    assert "never updated" in finding.message
    assert "build the optimizer after the model is final" in finding.message
    paused_at, _ = paused_by(train, op="cross_entropy")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    shown = trained_by_dashboard(train)
    assert [alert["kind"] for alert in shown["alerts"]] == ["left_out_of_updates"]


def test_a_whole_model_made_again_after_the_optimizer_is_said_as_never_applied():
    """Found as-is (unapplied.py): every parameter is new, so no update runs at all."""
    finding = found(diagnose(recorded_steps(train, remade=True)), "gradients_not_applied")
    assert "optimizer.step() at" in finding.message
    assert "updated none of them: the optimizer holds other parameters" in finding.message
