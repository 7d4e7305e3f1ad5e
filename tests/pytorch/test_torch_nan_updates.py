"""break_on(nan=True) at `optimizer.step()`: an update that writes NaN/Inf into a parameter
stops at the step's line, showing what the update started from (the parameter before, its
gradient) and what it made; a finite step copies nothing."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.torch import values
from source_lines import lines_of


pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


_line_of = lines_of(__file__)


def _trained_once(optimizer_class=torch.optim.Adam, **options):
    """(model, optimizer) after one backward pass, the step not yet taken."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    optimizer = optimizer_class(model.parameters(), **options)
    F.mse_loss(model(torch.randn(4, 3)), torch.zeros(4, 2)).backward()
    return model, optimizer


def _take_step(optimizer):
    optimizer.step()


def test_a_nan_gradient_stops_at_the_update_it_spoils_with_the_parameter_before_it():
    model, optimizer = _trained_once(lr=0.1)
    weight = model[0].weight
    weight.grad[1, 2] = float("nan")
    before, grad = weight.detach().clone(), weight.grad.clone()
    bp = tvt.break_on(nan=True, action="continue")
    _take_step(optimizer)
    (hit,) = bp.hits   # the bias's update stays finite
    node = hit.node
    assert node.op.name == "adam_step" and node.op.kind == "update"
    assert hit.source.lineno == _line_of("optimizer.step()")
    assert node.inputs[0].variable is node.output.variable   # the parameter, before and after
    np.testing.assert_array_equal(node.inputs[0].numpy(), before.numpy())
    np.testing.assert_array_equal(node.inputs[1].numpy(), grad.numpy())   # NaN where planted
    assert np.isnan(node.output.numpy()[1, 2]) and np.isnan(weight.detach().numpy()[1, 2])
    assert node.params["lr"] == 0.1


def test_a_nan_learning_rate_stops_at_every_update_though_parameters_and_gradients_were_finite():
    model, optimizer = _trained_once(torch.optim.SGD, lr=0.1)
    optimizer.param_groups[0]["lr"] = float("nan")   # a schedule gone wrong
    before = [p.detach().clone() for p in model.parameters()]
    grads = [p.grad.clone() for p in model.parameters()]
    bp = tvt.break_on(nan=True, action="continue")
    _take_step(optimizer)
    assert [h.node.op.name for h in bp.hits] == ["sgd_step", "sgd_step"]
    for hit, was, grad in zip(bp.hits, before, grads):
        np.testing.assert_array_equal(hit.node.inputs[0].numpy(), was.numpy())
        np.testing.assert_array_equal(hit.node.inputs[1].numpy(), grad.numpy())
        assert np.isnan(hit.node.output.numpy()).all()
        assert np.isnan(hit.node.params["lr"])


class _GradientWriter(torch.optim.SGD):
    """An optimizer that writes over each gradient in place, as some update rules do."""

    def step(self, closure=None):
        for group in self.param_groups:
            for parameter in group["params"]:
                parameter.grad.mul_(float("inf"))
        return super().step(closure)


def test_an_update_that_writes_over_its_gradient_shows_the_gradient_it_was_given():
    _trained_once(torch.optim.SGD, lr=0.1)[1].step()   # SGD.step wrapped by torch's hooks
    model, optimizer = _trained_once(_GradientWriter, lr=0.1)   # its own too: steps nested
    grads = [p.grad.clone() for p in model.parameters()]
    bp = tvt.break_on(nan=True, action="continue")
    _take_step(optimizer)
    assert [h.node.op.name for h in bp.hits] == ["_gradientwriter_step"] * 2
    for hit, grad in zip(bp.hits, grads):
        np.testing.assert_array_equal(hit.node.inputs[1].numpy(), grad.numpy())


def test_a_finite_step_makes_no_snapshot_and_no_node(monkeypatch):
    """What the step starts from is kept as plain copies (it writes over it), made into the
    debugger's values only for an update that makes NaN or Inf."""
    model, optimizer = _trained_once()
    snapshots = []
    original = values.snapshot
    monkeypatch.setattr(values, "snapshot", lambda t, *a: snapshots.append(t) or original(t, *a))
    bp = tvt.break_on(nan=True, action="continue")
    _take_step(optimizer)
    assert bp.hits == [] and snapshots == []
    with torch.no_grad():
        model[0].bias.grad[0] = float("inf")
    _take_step(optimizer)
    (hit,) = bp.hits
    assert [t is model[0].bias for t in snapshots] == [True]   # the output, after the step
