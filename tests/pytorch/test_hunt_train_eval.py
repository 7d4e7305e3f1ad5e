"""A classifier with Dropout trained under AdamW with weight decay by param group and a StepLR
schedule, evaluated each epoch under model.eval() and torch.no_grad(), as the PyTorch
tutorials write it, under every tool. Planted bugs: model.train() never called again after
the first evaluation, so every later epoch trains with dropout off (said: the layer, the
line, the fix); and the evaluation run without torch.no_grad(), building a graph no backward
pass reads (said)."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, runs_past

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def epochs(count=4, train_again=True, no_grad=True):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))
    optimizer = torch.optim.AdamW([
        {"params": model[0].parameters(), "weight_decay": 1e-2},
        {"params": model[3].parameters(), "weight_decay": 0.0}], lr=1e-2)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
    held_x, held_y = torch.randn(16, 6), torch.randint(0, 3, (16,))
    held_losses = []
    for _ in range(count):
        if train_again:
            model.train()
        for i in range(0, 32, 8):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i:i + 8]), y[i:i + 8])   # TRAINING LOSS
            loss.backward()
            optimizer.step()
        schedule.step()
        model.eval()
        with torch.no_grad() if no_grad else torch.enable_grad():
            held = F.cross_entropy(model(held_x), held_y)   # EVALUATION
        held_losses.append(held.item())
    model.train()   # (left as found)
    return held_losses


def test_the_loop_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        epochs(count=1)
    dropouts = [n for n in tape.nodes if n.op.name == "dropout"]
    assert [n.params["training"] for n in dropouts] == [True] * 4 + [False]
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(epochs, op="cholesky")
    paused_at, hit = paused_by(epochs, op="dropout")
    assert (hit.node.scope, paused_at.source.lineno) == ("Sequential/2",
                                                         line_of(__file__, "# TRAINING LOSS"))
    rec = diagnosed_clean(epochs, count=6)
    assert len([s for s in rec.steps if s.variable_gradients]) == 24
    assert tvt.find_nan_origin(epochs, count=1) is None
    assert paused_then_stopped(epochs)[0] == "kaiming_uniform_"
    trained_quietly(epochs)


def test_training_after_an_evaluation_without_model_train_is_said_with_the_layer():
    finding = found(diagnose(recorded_steps(epochs, train_again=False)),
                    "inference_mode_in_training")
    assert finding.source.lineno == line_of(__file__, "# TRAINING LOSS")
    assert "its dropout in layer model[2] (Dropout) ran in inference mode" in finding.message
    assert finding.message.endswith("fix: call model.train() before training (model.eval() "
                                    "is still on from an evaluation)")


def test_an_evaluation_without_no_grad_is_said_at_its_line():
    finding = found(diagnose(recorded_steps(epochs, no_grad=False)), "graph_not_needed")
    assert finding.source.lineno == line_of(__file__, "# EVALUATION")
    assert "torch.no_grad()" in finding.message
