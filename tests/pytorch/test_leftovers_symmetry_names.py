"""The symmetric_init finding's fix and a dead ReLU's layer name a nested nn.Sequential's
layer as the code reaches it: model.body[0].weight and model.body[1] (ReLU) for `self.body =
nn.Sequential(...)` in the model (were body[0].weight, which no code can run, and the scope
Net/body/1), model[0].weight for an nn.Sequential bound to `model`."""
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter)
from tapeviz.debugger import Recorder, diagnose


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1))

    def forward(self, x):
        return self.body(x)


def _same_units(module):
    if isinstance(module, nn.Linear):
        nn.init.constant_(module.weight, 0.1)
        nn.init.zeros_(module.bias)


def _fix_of(model) -> str:
    torch.manual_seed(0)
    model.apply(_same_units)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "symmetric_init"]
    return finding.message.rsplit("fix: ", 1)[1]


def test_a_nested_sequentials_layer_is_named_from_the_model():
    assert _fix_of(Net()).endswith("nn.init.xavier_uniform_(model.body[0].weight)")


def test_a_sequential_models_layer_is_named_by_its_index():
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1))
    assert _fix_of(model).endswith("nn.init.xavier_uniform_(model[0].weight)")


def test_a_dead_relu_in_a_nested_sequential_is_named_from_the_model():
    torch.manual_seed(0)
    model = Net()
    model.body[1] = nn.ReLU()
    nn.init.constant_(model.body[0].bias, -50.0)
    x = torch.rand(16, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            F.mse_loss(model(x), x.sum(1, keepdim=True)).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    assert finding.message.startswith("dead ReLU: relu in layer model.body[1] (ReLU) outputs "
                                      "only zeros")
