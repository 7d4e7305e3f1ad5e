"""An update's parameter is named as the user's model names it ('conv1.weight', as
`named_parameters()` says), not 'leaf:0', when a breakpoint reads it before any forward op's
node did: a bare condition that looks only at updates, a nan breakpoint stopping at an update
(no forward node is made under it), one armed between the forward pass and the step."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        return self.fc(F.relu(self.conv1(x)).mean(dim=(2, 3)))


def _training(lr=0.1):
    torch.manual_seed(0)
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    x, y = torch.randn(4, 1, 5, 5), torch.tensor([0, 1, 2, 0])

    def forward_backward():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
    return model, optimizer, forward_backward


def test_a_condition_reading_only_updates_names_each_parameter_as_the_model_does():
    model, optimizer, forward_backward = _training()
    read = []

    def condition(node):
        if node.op.kind == "update":
            read.append((node.inputs[0].variable.name, node.output.variable.name))
        return False
    tvt.break_on(condition=condition)
    for _ in range(2):
        forward_backward()
        optimizer.step()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["conv1.weight", "conv1.bias", "fc.weight", "fc.bias"]
    assert read == [(name, name) for name in names] * 2


def test_a_nan_update_names_its_parameter_as_the_model_does():
    model, optimizer, forward_backward = _training()
    bp = tvt.break_on(nan=True, action="continue")
    forward_backward()
    optimizer.param_groups[0]["lr"] = float("nan")   # every update writes NaN
    optimizer.step()
    assert [hit.node.inputs[0].variable.name for hit in bp.hits] == [
        name for name, _ in model.named_parameters()]


def test_a_nan_breakpoint_armed_after_the_forward_pass_names_parameters_from_the_loop():
    """No module ran while it listened: the names come from the model the calling frame
    holds."""
    model, optimizer, forward_backward = _training()
    forward_backward()
    optimizer.param_groups[0]["lr"] = float("nan")
    bp = tvt.break_on(nan=True, action="continue")
    optimizer.step()
    assert [hit.node.output.variable.name for hit in bp.hits] == [
        "conv1.weight", "conv1.bias", "fc.weight", "fc.bias"]
