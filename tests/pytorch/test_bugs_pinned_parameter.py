"""A torch parameter set in place in the loop (`nn.init.constant_(net[0].bias, 0.1)` each step,
recorded as an update of its one input) is no optimizer update to `diagnose`: under an
optimizer made for an earlier model it made an extra left_out_of_updates finding ('the update
at nn.init.constant_(...) updates net[0].bias alone') beside gradients_not_applied; under an
optimizer that left out the replaced layer it took the pinned bias for trained, naming its
weight alone as left out, and said the bias was made at the line that set it."""
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter)
from tapeviz.debugger import Recorder, diagnose


def pinned_bias_loop(replace: str) -> list:
    """Six SGD steps on a two-layer classifier whose bias `pinned` is set to 0.1 before each;
    `replace`: 'model' (the model made again after the optimizer) or 'head' (its last layer)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    if replace == "model":
        net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    else:
        net[2] = nn.Linear(16, 3)
    pinned = net[0].bias if replace == "model" else net[2].bias
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    with Recorder() as rec:
        for i in range(6):
            nn.init.constant_(pinned, 0.1)
            optimizer.zero_grad()
            F.cross_entropy(net(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8]).backward()
            optimizer.step()
    return diagnose(rec)


def test_a_stale_optimizer_with_a_pinned_bias_is_told_once_as_never_applied():
    assert [finding.kind for finding in pinned_bias_loop("model")] == ["gradients_not_applied"]


def test_a_pinned_bias_of_a_replaced_layer_is_left_out_with_its_weight():
    [finding] = pinned_bias_loop("head")
    assert finding.kind == "left_out_of_updates"
    assert sorted(finding.variables) == ["net.2.bias", "net.2.weight"]
    assert "updates net[0].weight and net[0].bias alone" in finding.message, finding.message
    # the bias was set in the loop, not made there (the adapter first saw it at that write):
    # was '(made at <the constant_ line>, after the optimizer took its parameters)'
    assert "made at" not in finding.message, finding.message
    assert "torch.optim.SGD(net.parameters(), ...)" in finding.message
