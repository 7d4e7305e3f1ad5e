"""A model that is an nn.Sequential with no parent of the user's names its parameters after
the name the code gives it ('encoder.0.weight'), or its class when no name holds it
('Sequential.0.weight'): named_parameters()'s '0.weight' alone read as a number, and two
such models (an encoder and a decoder) both had a '0.weight'. The same name in the widget,
the Recorder and findings; a Sequential held by a model of the user's class keeps
named_parameters()'s name ('features.0.weight')."""
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget


def _labels(tape) -> set:
    return {node.label for node in TapeWidget(tape).graph.nodes.values()
            if node.kind == "variable"}


def test_an_encoder_and_a_decoder_are_named_by_their_variables_in_tape_and_recorder():
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Linear(4, 2), nn.Tanh())
    decoder = nn.Sequential(nn.Linear(2, 4))
    optimizer = torch.optim.SGD([*encoder.parameters(), *decoder.parameters()], lr=0.1)
    x = torch.randn(8, 4)
    names = {"encoder.0.weight", "encoder.0.bias", "decoder.0.weight", "decoder.0.bias"}
    with tvt.record() as tape:
        ((decoder(encoder(x)) - x) ** 2).mean().backward()
    assert _labels(tape) == names
    with Recorder() as rec:
        for _ in range(2):
            optimizer.zero_grad()
            ((decoder(encoder(x)) - x) ** 2).mean().backward()
            optimizer.step()
    assert set(rec.last_step.variables) == set(rec.last_step.variable_gradients) == names


def test_a_sequential_no_name_holds_is_named_by_its_class():
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(3, 1))]
    with tvt.record() as tape:
        models[0](torch.randn(2, 3)).sum().backward()
    assert _labels(tape) == {"Sequential.0.weight", "Sequential.0.bias"}


def test_a_sequential_inside_a_users_model_keeps_named_parameters_name():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(3, 2), nn.ReLU())

        def forward(self, x):
            return self.features(x)

    net = Net()
    with tvt.record() as tape:
        net(torch.randn(2, 3)).sum().backward()
    assert _labels(tape) == {name for name, _ in net.named_parameters()} == {
        "features.0.weight", "features.0.bias"}
