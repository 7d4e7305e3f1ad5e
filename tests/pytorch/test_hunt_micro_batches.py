"""Gradient accumulation over micro-batches, and a DataLoader whose collate_fn pads ragged
sequences, under every tool. Planted bugs: `optimizer.zero_grad()` moved inside the
micro-batch loop, so each backward pass clears the one before and every update applies the
last micro-batch's gradient alone (diagnose said nothing: the loss still falls, slowly); and
the model made float64 by `.double()` while the loader's batches stay float32 (torch's
'mat1 and mat2 must have the same dtype' gets the adapter's note: the op, its layer, the
line, the fix)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps)
from programs import line_of
from tf_program_tools import paused_by, runs_past, trained_by_dashboard

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def accumulated(steps=3, zeroed_inside=False, micro=4):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), 0.05)
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        total = 0.0
        for i in range(micro):   # MICRO LOOP
            if zeroed_inside:
                optimizer.zero_grad()   # ZEROED: inside the micro-batch loop
            xb, yb = x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]
            loss = F.mse_loss(model(xb), yb) / micro   # LOSS
            loss.backward()
            total += loss.item()
        optimizer.step()
        losses.append(total)
    return losses


def test_accumulation_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        accumulated(steps=1)
    assert drawn_and_stepped(tape) == len(tape.steps) == 4 * 5
    runs_past(accumulated, op="cholesky")
    paused_at, _ = paused_by(accumulated, op="mse_loss")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    rec = diagnosed_clean(accumulated, steps=20)
    assert len(rec.steps) == 20
    assert tvt.find_nan_origin(accumulated, steps=1) is None
    assert paused_then_stopped(accumulated)[0] == "kaiming_uniform_"
    shown = trained_by_dashboard(accumulated)
    assert shown["state"] == "finished" and shown["steps"] == 3 and shown["alerts"] == []


def test_zero_grad_inside_the_micro_batch_loop_is_said_with_its_line_and_the_loops():
    """Before: diagnose found nothing."""
    rec = recorded_steps(accumulated, steps=4, zeroed_inside=True)
    finding = found(diagnose(rec), "zeroed_between_passes")
    assert finding.source.lineno == line_of(__file__, "# ZEROED")
    assert finding.message.startswith(
        "gradient accumulation undone: of the 4 backward passes of step 4 only the last one's "
        "gradient reached optimizer.step(), the 3 before it cleared by zero_grad() inside the "
        f"loop at line {line_of(__file__, '# MICRO LOOP')} (.grad's norm ")
    assert "fix: call optimizer.zero_grad() once before the micro-batch loop" in finding.message


def test_one_pass_a_step_and_a_gan_like_second_loss_are_not_taken_for_it():
    """Two losses differentiated into one .grad (no zero_grad between) sum: no finding."""
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    x = torch.randn(8, 3)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            model(x).pow(2).mean().backward()
            model(x).abs().mean().backward()
            optimizer.step()
    assert diagnose(rec) == []


def pad(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences])
    padded = nn.utils.rnn.pad_sequence([torch.tensor(s) for s in sequences], batch_first=True)
    return padded, lengths, torch.tensor(labels)


def ragged(steps=3, double=False):
    torch.manual_seed(0)
    data = [([i % 7 / 7] * (2 + i % 5), i % 3) for i in range(24)]
    loader = DataLoader(data, batch_size=8, collate_fn=pad)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 3))
    if double:
        model = model.double()   # DOUBLE
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    losses = []
    for padded, lengths, labels in loader:
        optimizer.zero_grad()
        each = model(padded.unsqueeze(-1))   # MODEL CALL
        kept = (torch.arange(padded.shape[1])[None] < lengths[:, None]).unsqueeze(-1)
        loss = F.cross_entropy((each * kept).sum(1) / lengths[:, None], labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if len(losses) == steps:
            break
    return losses


def test_a_padded_loader_runs_under_every_tool_and_a_float64_model_is_named_at_its_call():
    plain = ragged()
    rec = diagnosed_clean(ragged)
    assert len(rec.steps) == 3
    np.testing.assert_array_equal(rec.steps[-1].loss, plain[-1])
    paused_at, hit = paused_by(ragged, op="tanh")
    assert (hit.node.scope, paused_at.source.lineno) == ("Sequential/1",
                                                         line_of(__file__, "# MODEL CALL"))
    for run in (lambda: recorded_steps(ragged, double=True), lambda: ragged(double=True)):
        with pytest.raises(RuntimeError, match="same dtype") as info:
            run()
        notes = getattr(info.value, "__notes__", [])
        if notes:   # (heard: a Recorder on the thread)
            [note] = notes
            assert "linear in layer model[0] (Linear) was given input float32[8, 6, 1], weight " \
                   "float64[16, 1]" in note
            assert f"test_hunt_micro_batches.py:{line_of(__file__, '# MODEL CALL')}" in note
