"""A line fitted through outliers with raw tensors and a hand-written SGD step, as the PyTorch
autograd tutorial writes it (`with torch.no_grad(): w -= lr * w.grad`), its Huber loss by
hand, under every tool. Planted bugs: the update written `w = w - lr * w.grad` inside
torch.no_grad(), so the next backward() fails on a w that requires no grad (before: torch's
bare 'element 0 of tensors does not require grad', no note; diagnose said the rebinding ran
outside torch.no_grad(), and took the step that raised for an evaluation on training data);
and the Huber loss's torch.where the wrong way round (before: no finding)."""
import pytest
import torch

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, diagnose
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, runs_past

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def huber(y, prediction, crossed=False, delta=1.0):
    error = y - prediction
    small, large = 0.5 * error ** 2, delta * (error.abs() - 0.5 * delta)
    if crossed:
        return torch.where(error.abs() > delta, small, large)   # CROSSED
    return torch.where(error.abs() <= delta, small, large)   # HUBER


def fit(steps=3, rebind=False, crossed=False, lr=0.05):
    torch.manual_seed(0)
    x = torch.linspace(-3, 3, 64)
    y = 2 * x + 1 + 0.3 * torch.randn(64)
    y[::16] += 12.0   # outliers
    features = torch.stack([x, torch.ones_like(x)], dim=1)
    w = torch.zeros(2, requires_grad=True)
    losses = []
    for _ in range(steps):
        prediction = features @ w   # MODEL
        loss = huber(y, prediction, crossed).mean()   # LOSS
        loss.backward()   # BACKWARD
        with torch.no_grad():
            if rebind:
                w = w - lr * w.grad   # REBIND
            else:
                w -= lr * w.grad
                w.grad.zero_()
        losses.append(loss.item())
    return losses


def test_the_fit_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        losses = fit(steps=2)
    assert losses[1] < losses[0]
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(fit, op="conv2d")
    paused_at, hit = paused_by(fit, op="where")
    assert paused_at.source.lineno == hit.node.source.lineno == line_of(__file__, "# HUBER")
    rec = diagnosed_clean(fit, steps=30)
    assert len([s for s in rec.steps if s.variable_gradients]) == 30
    assert tvt.find_nan_origin(fit, steps=2) is None
    assert paused_then_stopped(fit)[1] is not None
    trained_quietly(fit)


def test_an_update_that_rebinds_w_under_no_grad_is_noted_at_its_line_and_said_inside():
    with Recorder() as rec, pytest.raises(RuntimeError) as info:
        fit(rebind=True)
    note = "\n".join(getattr(info.value, "__notes__", []))
    assert note.startswith(
        "tapeviz: loss does not require grad, so backward() has nothing to differentiate: w "
        "was rebound, under torch.no_grad(), to a new tensor computed from it, which requires "
        "no grad: no longer the parameter (the old w did), nor loss, made from w; fix: update "
        "the parameter in place, w -= lr * w.grad inside torch.no_grad(), then "
        "w.grad.zero_()")
    assert f"test_hunt_manual_sgd.py:{line_of(__file__, '# REBIND')}" in note
    assert [(s.label, s.error is info.value) for s in rec.steps] == [(None, False),
                                                                     ("raised", True)]
    findings = diagnose(rec)
    assert [f.kind for f in findings] == ["parameter_rebound"]   # (no evaluation on the
    finding = findings[0]                                        # training data: it raised)
    assert finding.source.lineno == line_of(__file__, "# REBIND")
    assert "inside torch.no_grad(): the new w is a plain tensor that does not require grad" \
        in finding.message and "outside" not in finding.message


def test_a_huber_where_the_wrong_way_round_is_said_at_its_line():
    rec = recorded_steps(fit, steps=4, crossed=True)
    finding = found(diagnose(rec), "huber_branches_crossed")
    assert finding.source.lineno == line_of(__file__, "# CROSSED")
    assert "fix: torch.where(error.abs() <= delta, 0.5 * error ** 2, " in finding.message
