"""Two half-moons classified by an MLP with BatchNorm1d under SGD, whose student checks the
untrained model's accuracy under model.eval() and torch.no_grad() before the training loop,
under every tool. Planted bug: model.train() never called after that check, so every step
trains with batch norm in inference mode, normalising by running averages still at their
start (mean 0, variance 1): it normalises nothing and never learns the data's statistics.
Before, diagnose said nothing (only a Keras batch norm was looked at, and torch's dropout);
now inference_mode_in_training names the layer, the line and model.train(). The program that
calls model.train() says nothing; nor does fine-tuning with a batch norm kept in eval mode on
purpose, whose running averages were learnt before."""
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
from torch_hunts import moons

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def mlp():
    return nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))


def pretrained():
    """An mlp whose running averages were learnt (as a checkpoint loaded holds them)."""
    torch.manual_seed(1)
    model = mlp()
    with torch.no_grad():
        model(moons()[0])
    return model


def train(steps=8, train_mode=True, model=None):
    torch.manual_seed(0)
    x, y = moons()
    model = mlp() if model is None else model
    model.eval()
    with torch.no_grad():
        accuracy = ((model(x).squeeze(1) > 0).float() == y).float().mean()   # CHECK
    if train_mode:
        model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x).squeeze(1), y)   # LOSS
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return float(accuracy), losses


def test_the_program_calling_model_train_is_drawn_stepped_and_run_saying_nothing_wrong():
    with tvt.record() as tape:
        train(steps=1)
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(train, op="conv2d")
    paused_at, hit = paused_by(train, op="batch_norm")
    assert paused_at.source.lineno == line_of(__file__, "# CHECK")
    rec = diagnosed_clean(train)
    assert len([s for s in rec.steps if s.variable_gradients]) == 8
    assert tvt.find_nan_origin(train, steps=1) is None
    assert paused_then_stopped(train)[0] == "cos"
    trained_quietly(train)


def test_training_left_in_eval_mode_with_batch_norm_is_said_with_the_layer_and_the_fix():
    finding = found(diagnose(recorded_steps(train, train_mode=False)),
                    "inference_mode_in_training")   # before: no finding at all
    assert finding.source.lineno == line_of(__file__, "# LOSS")
    assert "but batch_norm in layer model[1] (BatchNorm) ran in inference mode, as in each of " \
           "the last 2 training steps: it normalises by its running averages, which have " \
           "never moved from their start (mean 0, variance 1)" in finding.message
    assert finding.message.endswith("fix: call model.train() before training (model.eval() is "
                                    "still on)")
    shown = trained_by_dashboard(lambda: train(train_mode=False))
    assert "inference_mode_in_training" in [alert["kind"] for alert in shown["alerts"]]


def test_a_batch_norm_kept_in_eval_mode_on_learnt_averages_is_not_said():
    diagnosed_clean(train, train_mode=False, model=pretrained())
