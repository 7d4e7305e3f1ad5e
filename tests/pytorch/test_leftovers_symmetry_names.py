"""Every finding names a torch parameter and layer as the code reaches it, in one way: a
nested nn.Sequential's as model.body[0].weight and model.body[1] (ReLU) for `self.body =
nn.Sequential(...)` in the model (the symmetric_init fix said body[0].weight, which no code
can run, the dead ReLU the scope Net/body/1, the findings' subjects body.0.weight and the
gradient norms body[0] (Linear)), model[0].weight for an nn.Sequential bound to `model` (the
subjects and a dead ReLU's 'set:' said model.0.weight)."""
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter)
from programs import line_of
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


def _symmetric(model) -> str:
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
    assert finding.variables[0].endswith("0.weight")   # (the variable keeps torch's name)
    return finding.message


def test_a_nested_sequentials_layer_is_named_from_the_model():
    message = _symmetric(Net())
    assert message.startswith("the 8 units of model.body[0].weight (8x3, ")
    assert message.endswith("nn.init.xavier_uniform_(model.body[0].weight)")


def test_a_sequential_models_layer_is_named_by_its_index():
    message = _symmetric(nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1)))
    assert message.startswith("the 8 units of model[0].weight (8x3, ")
    assert message.endswith("nn.init.xavier_uniform_(model[0].weight)")


def test_a_dead_relu_in_a_nested_sequential_is_named_from_the_model():
    torch.manual_seed(0)
    model = Net()
    model.body[1] = nn.ReLU()
    x = torch.rand(16, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            nn.init.constant_(model.body[0].bias, -50.0)  # SET
            optimizer.zero_grad()
            F.mse_loss(model(x), x.sum(1, keepdim=True)).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    assert finding.message.startswith("dead ReLU: relu in layer model.body[1] (ReLU) outputs "
                                      "only zeros")
    assert ": model.body[0].weight, model.body[0].bias and model.body[2].weight never " \
           "train; " in finding.message
    assert "(set: model.body[0].bias at tests/pytorch/test_leftovers_symmetry_names.py:" \
           f"{line_of(__file__, '# SET')}: " in finding.message


def exploding(model):
    """The exploding-gradient finding of six steps of SGD at lr 2.0 on `model`."""
    x = torch.randn(32, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
    with Recorder() as rec:
        for _ in range(6):
            optimizer.zero_grad()
            F.mse_loss(model(x), x.sum(1, keepdim=True)).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "exploding_gradient"]
    return finding


def test_a_nested_sequentials_layers_gradient_norms_are_named_from_the_model():
    torch.manual_seed(0)
    model = Net()
    model.body[1] = nn.ReLU()
    finding = exploding(model)
    assert finding.message.startswith("model.body[0] (Linear): gradient norm ")
    assert "(model.body[2] (Linear) " in finding.message
    assert "; model.body[0].weight is read by linear at " in finding.message


class Attributes(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 8), nn.Linear(8, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def test_a_models_attribute_layers_gradient_norms_are_named_from_the_model():
    """were 'fc1: gradient norm ...; fc1's weight is read by ...'."""
    torch.manual_seed(0)
    finding = exploding(Attributes())
    assert finding.message.startswith("model.fc1: gradient norm ")
    assert "(model.fc2 " in finding.message
    assert "; model.fc1.weight is read by linear at " in finding.message
