"""Two half-moons classified by a small MLP under SGD with a StepLR schedule, as a student
adds 'stabilisers' to the course's loop, under every tool. Planted bugs: the loss clamped,
loss.clamp(max=0.5), where the gradients were meant: the loss (~0.7) lies above the bound
every step, where clamp's derivative is zero, so every parameter gets exactly zero gradients.
Before, diagnose said four zero_gradient findings, one a parameter, each blaming 'dead ReLUs,
a masked path, or a constant input' at the model's line; now one clip_saturated finding at the
clamp's line with the fix (clip_grad_norm_). Found as-is and pinned: a per-epoch StepLR
stepped once a batch (learning_rate_decayed, naming the scheduler's line), said at
optimizer.step()'s line (before: at clip_grad_norm_'s, which writes .grad, not the
parameters). The program that clips its gradients and steps its schedule once an epoch says
nothing."""
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


def train(epochs=3, clamp_loss=False, schedule_each_batch=False):
    torch.manual_seed(0)
    x, y = moons()
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(128)
        for i in range(0, 128, 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(x[batch]).squeeze(1), y[batch])  # LOSS
            if clamp_loss:
                loss = loss.clamp(max=0.5)   # CLAMP
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()   # STEP
            if schedule_each_batch:
                schedule.step()   # SCHEDULE
            losses.append(loss.item())
        if not schedule_each_batch:
            schedule.step()
    return losses


def test_the_loop_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        train(epochs=1)
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(train, op="conv2d")
    paused_at, hit = paused_by(train, op="relu")
    assert (hit.node.scope, paused_at.source.lineno) == ("Sequential/1",
                                                         line_of(__file__, "# LOSS"))
    rec = diagnosed_clean(train)
    assert len([s for s in rec.steps if s.variable_gradients]) == 12
    assert tvt.find_nan_origin(train, epochs=1) is None
    assert paused_then_stopped(train)[0] == "cos"
    trained_quietly(train)


def test_a_clamped_loss_is_said_once_at_the_clamp_with_every_parameter_it_cuts_off():
    findings = diagnose(recorded_steps(train, clamp_loss=True))
    assert [f.kind for f in findings] == ["clip_saturated"]   # before: 4 zero_gradient
    finding = findings[0]
    assert finding.source.lineno == line_of(__file__, "# CLAMP")
    assert "in the last step) lies above its bound 0.5, where a clip's derivative is zero, so " \
           "no gradient passes back: model[0].weight, model[0].bias, model[2].weight, " \
           "model[2].bias get exactly zero gradients in all 12 steps" in finding.message
    assert finding.message.endswith("fix: clip the gradients, not the loss: torch.nn.utils."
                                    "clip_grad_norm_(model.parameters(), 1.0) after "
                                    "loss.backward()")
    paused_at, _ = paused_by(lambda: train(clamp_loss=True), op="clamp")
    assert paused_at.source.lineno == line_of(__file__, "# CLAMP")
    shown = trained_by_dashboard(lambda: train(clamp_loss=True))
    assert [alert["kind"] for alert in shown["alerts"]] == ["clip_saturated"]


def test_a_per_epoch_schedule_stepped_each_batch_is_said_at_the_scheduler_line():
    finding = found(diagnose(recorded_steps(train, epochs=5, schedule_each_batch=True)),
                    "learning_rate_decayed")
    assert finding.source.lineno == line_of(__file__, "# STEP")
    here = f"tests/pytorch/test_hunt_clamped_loss.py:{line_of(__file__, '# SCHEDULE')}"
    assert f"a schedule shrinks it: {here}: schedule.step()" in finding.message
    assert "fix: step a per-epoch schedule once an epoch, not once a batch" in finding.message
