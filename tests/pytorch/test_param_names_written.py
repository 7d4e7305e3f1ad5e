"""A module's parameter written outside a call of its module (`bias[3] = 0.0` under no_grad,
`weight.data.mul_(0.5)`, `nn.init.zeros_(bias)`) and read where no module call names it (a
recording of the writes alone, a functional forward) is named by its module path, as the
module's call names it: 'fc.bias'. Was 'leaf:0'. A tensor that is no module's parameter
stays a leaf."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tapeviz.torch as tvt
from tapeviz.viz import TapeWidget
from tapeviz.viz.graph import Graph


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 5)
        self.out = nn.Linear(5, 2)

    def forward(self, x):
        return self.out(torch.relu(self.fc(x)))


def drawn_variables(tape) -> list:
    return sorted(n.label for n in Graph.from_tape(tape).nodes.values() if n.kind == "variable")


def zero_one_bias(model):
    with torch.no_grad():
        model.fc.bias[3] = 0.0


def halve_weight(model):
    model.fc.weight.data.mul_(0.5)


def zero_bias(model):
    nn.init.zeros_(model.fc.bias)


@pytest.mark.parametrize("write", [halve_weight, zero_bias])
def test_a_recording_of_writes_alone_names_the_parameters_written(write):
    model = Net()
    with tvt.record() as tape:
        write(model)
    [name] = drawn_variables(tape)
    assert name == f"fc.{'weight' if write is halve_weight else 'bias'}"
    assert "leaf" not in TapeWidget(tape, check_later=False).svg


@pytest.mark.parametrize("write", [zero_one_bias, halve_weight, zero_bias])
def test_a_written_parameter_read_by_a_functional_forward_is_named_by_its_module_path(write):
    model, x = Net(), torch.randn(3, 4)
    with tvt.record() as tape:
        write(model)
        hidden = F.linear(x, model.fc.weight, model.fc.bias)   # no call of fc names them
        loss = hidden.sum()
        loss.backward()
    assert drawn_variables(tape) == ["fc.bias", "fc.weight"]
    svg = TapeWidget(tape, check_later=False).svg
    assert "leaf" not in svg and "fc.bias" in svg and "fc.weight" in svg


def test_a_tensor_that_is_no_parameter_stays_a_leaf_beside_a_model():
    model, x = Net(), torch.randn(3, 4)
    scale = torch.ones(5, requires_grad=True)    # made before the recording: no statement seen
    with tvt.record() as tape:
        zero_bias(model)
        (model(x) @ torch.ones(2, 5) * scale.view(-1)).sum().backward()
    names = drawn_variables(tape)
    assert "fc.bias" in names and "out.weight" in names
    assert [name for name in names if "." not in name] == ["leaf:0"], names


def test_a_parameter_written_by_an_init_function_model_apply_calls_has_its_module_path():
    """`model.apply(init)` gives `init` each layer alone: the model the loop holds names its
    parameters, not the layer (was 'leaf:0'; the layer alone would say 'linear/bias')."""
    def init_weights(layer):
        if isinstance(layer, nn.Linear):
            nn.init.zeros_(layer.bias)

    model = Net()
    with tvt.record() as tape:
        model.apply(init_weights)
    assert drawn_variables(tape) == ["fc.bias", "out.bias"]


def test_a_model_built_in_the_recording_is_named_by_its_forward_not_by_a_layer_alone():
    """A layer's init writes its parameters while the layer is all that holds them: named
    'linear/weight' for now, the model's forward then names them as the model holds them."""
    with tvt.record() as tape:
        model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
        model(torch.randn(3, 4)).sum().backward()
    assert drawn_variables(tape) == ["model.0.bias", "model.0.weight", "model.2.bias",
                                      "model.2.weight"]
