"""Findings name a torch model by the name the user's code binds it to (`net = Net()`, `clf =
...`), found by the adapter at the model's call, not the guess 'model': a symmetric layer
'net.hidden.weight' and its fix `nn.init.xavier_uniform_(net.hidden.weight)`, a dead ReLU's
layer 'clf.body[1] (ReLU)', an evaluation left in training mode 'call net.eval()'. All said
'model.' before."""
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter)
from tapeviz.debugger import Recorder, diagnose


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 8)
        self.body = nn.Sequential(nn.Sigmoid(), nn.Linear(8, 1), nn.Dropout(0.5))

    def forward(self, x):
        return self.body(self.hidden(x))


def test_a_symmetric_layer_is_named_from_the_models_own_name():
    torch.manual_seed(0)
    net = Net()
    nn.init.constant_(net.hidden.weight, 0.1)
    nn.init.zeros_(net.hidden.bias)
    nn.init.constant_(net.body[1].weight, 0.1)
    x = torch.randn(32, 3)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            F.mse_loss(net(x), x.sum(1, keepdim=True)).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "symmetric_init"]
    assert finding.message.startswith("the 8 units of net.hidden.weight (8x3, "), finding.message
    assert finding.message.endswith("nn.init.xavier_uniform_(net.hidden.weight)")


def test_a_dead_relu_is_named_from_the_models_own_name():
    torch.manual_seed(0)
    clf = Net()
    clf.body[0] = nn.ReLU()
    x = torch.rand(16, 3)
    optimizer = torch.optim.SGD(clf.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            nn.init.constant_(clf.hidden.bias, -50.0)
            optimizer.zero_grad()
            F.mse_loss(clf(x), x.sum(1, keepdim=True)).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    assert finding.message.startswith("dead ReLU: relu in layer clf.body[0] (ReLU) outputs "
                                      "only zeros"), finding.message
    assert "clf.hidden.weight" in finding.message


def test_an_evaluation_in_training_mode_says_call_the_models_own_eval():
    torch.manual_seed(0)
    net = Net()
    x = torch.randn(32, 3)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            F.mse_loss(net(x), x.sum(1, keepdim=True)).backward()
            optimizer.step()
        with torch.no_grad():
            net(torch.randn(8, 3))
    [finding] = [f for f in diagnose(rec) if f.kind == "train_mode_in_evaluation"]
    assert "fix: call net.eval() before evaluating (and net.train() before training " \
           "again)" in finding.message, finding.message
