"""`model.forward(x)` called directly (or another method of the model: a VAE's
`model.encode(x)`) runs no hook of the model itself, only of the layers it calls: those are
named by their path in the model, as `model(x)` names them ('fc.bias', 'Net/fc'), from the
calling frames' `self` (was: each layer a root of its own, 'linear/bias', 'Linear_1')."""
import re

import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class Net(nn.Module):
    def __init__(self, direct_block: bool = False):
        super().__init__()
        self.fc, self.block, self.out = nn.Linear(3, 4), Block(), nn.Linear(4, 2)
        self.direct_block = direct_block

    def forward(self, x):
        h = F.relu(self.fc(x))
        h = self.block.forward(h) if self.direct_block else self.block(h)
        return self.out(h)

    def encode(self, x):
        return self.fc(x)


def _named(tape) -> list:
    return [(n.op.name, n.scope, [getattr(getattr(i, "variable", None), "name", None)
                                  for i in n.inputs[1:]]) for n in tape.nodes
            if n.op.name == "linear"]


def _recorded(call) -> list:
    torch.manual_seed(0)
    model, x = Net(direct_block=call == "nested"), torch.randn(2, 3)
    with tvt.record() as tape:
        if call == "encode":
            model.encode(x).sum().backward()
        else:
            (model(x) if call == "call" else model.forward(x)).sum().backward()
    return _named(tape)


def test_a_direct_forward_names_parameters_and_layers_as_the_models_call_does():
    called = _recorded("call")
    assert called == [("linear", "Net/fc", ["fc.weight", "fc.bias"]),
                      ("linear", "Net/block/fc", ["block.fc.weight", "block.fc.bias"]),
                      ("linear", "Net/out", ["out.weight", "out.bias"])]
    assert _recorded("forward") == called


def test_a_forward_called_directly_inside_a_direct_forward_keeps_the_whole_path():
    assert _recorded("nested") == _recorded("call")


def test_another_method_of_the_model_names_its_layers_by_their_path():
    assert _recorded("encode") == [("linear", "Net/fc", ["fc.weight", "fc.bias"])]


def test_after_a_direct_forward_the_ops_outside_the_model_and_a_lone_layer_are_as_before():
    torch.manual_seed(0)
    model, lone, x = Net(), nn.Linear(2, 1), torch.randn(2, 3)
    with tvt.record() as tape:
        loss = lone(model.forward(x)).sum()
    assert [n.scope for n in tape.nodes][-2:] == ["Linear", ""]   # lone's linear, the sum
    # a lone layer's own names ('linear_2/weight' where other lone Linears were named first)
    weight, bias = _named(tape)[-1][2]
    assert re.fullmatch(r"linear(_\d+)?/weight", weight) and bias == weight[:-6] + "bias"
    assert loss.requires_grad


def test_a_recorder_over_a_loop_calling_forward_directly_names_the_updates_alike():
    torch.manual_seed(0)
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            F.cross_entropy(model.forward(x), y).backward()
            optimizer.step()
    assert {"fc.weight", "block.fc.bias", "out.bias"} <= set(rec.steps[-1].variable_gradients)
