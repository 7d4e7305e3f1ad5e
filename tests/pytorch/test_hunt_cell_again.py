"""A small classifier built, given its optimizer and trained in one program, as a notebook's
cells run top to bottom, under every tool. Planted bug: the model's cell run again after the
optimizer's (a second `model = ...`), so optimizer.step() steps the first model's parameters
and the loss never moves. Before: diagnose, the Recorder and the dashboard said nothing when
the model was made inside the recording (its first step read each parameter first as
torch.empty left it, before kaiming_uniform_ wrote it, so the values looked updated); a
model made before the recording was found (tests/test_bugs_torch.py)."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, runs_past, trained_by_dashboard

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def notebook(steps=4, cell_again=False):
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) > 0).long()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))   # MODEL
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    if cell_again:
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))   # AGAIN
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)   # LOSS
        loss.backward()
        optimizer.step()   # STEP
        losses.append(loss.item())
    return losses


def test_the_notebook_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        losses = notebook(steps=2)
    assert losses[1] < losses[0]
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(notebook, op="conv2d")
    paused_at, hit = paused_by(notebook, op="cross_entropy")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    rec = diagnosed_clean(notebook, steps=20)
    assert len([s for s in rec.steps if s.variable_gradients]) == 20
    assert tvt.find_nan_origin(notebook, steps=1) is None
    assert paused_then_stopped(notebook)[0] == "matmul"   # (the labels' x @ w)
    trained_quietly(notebook)


def test_a_model_cell_run_again_after_the_optimizer_is_said_from_a_whole_recording():
    rec = recorded_steps(notebook, cell_again=True)
    assert len({round(step.loss, 6) for step in rec.steps if step.loss is not None}) == 1
    finding = found(diagnose(rec), "gradients_not_applied")
    assert f"but optimizer.step() at tests/pytorch/test_hunt_cell_again.py:" \
           f"{line_of(__file__, '# STEP')}" in finding.message
    assert "the optimizer holds other parameters, most likely those of a model made before " \
           "this one" in finding.message
    shown = trained_by_dashboard(lambda: notebook(cell_again=True))
    assert "gradients_not_applied" in [alert["kind"] for alert in shown["alerts"]]
