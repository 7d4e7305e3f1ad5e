"""diagnose's hints on a PyTorch loop name torch's functions, as its NaN hints do: a
student who wrote `pred - y` with a (N, 1) prediction and (N,) targets is told to
`.squeeze(-1)`, a dead ReLU layer to try `F.leaky_relu`, never a `tf.` name."""
import torch
import torch.nn.functional as F

import tapeviz.torch  # noqa: F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose


def test_an_outer_broadcast_in_a_torch_loss_is_told_in_torchs_words():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    x, y = torch.randn(8, 3), torch.randn(8)
    with Recorder() as rec:
        loss = ((model(x) - y) ** 2).mean()      # (8, 1) - (8,) -> (8, 8)
        loss.backward()
    found = [f for f in diagnose(rec) if f.kind == "outer_broadcast"]
    assert len(found) == 1, [f.kind for f in diagnose(rec)]
    message = found[0].message
    assert "(8, 1)" in message and "(8,)" in message and ".squeeze(-1)" in message
    assert "tf." not in message


def test_a_dead_relu_layer_in_a_torch_model_is_told_in_torchs_words():
    torch.manual_seed(0)
    hidden, head = torch.nn.Linear(4, 8), torch.nn.Linear(8, 1)
    with torch.no_grad():
        hidden.bias.fill_(-100.0)                # every unit dead
    x = torch.randn(16, 4)
    with Recorder() as rec:
        loss = head(F.relu(hidden(x))).pow(2).mean()
        loss.backward()
    found = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    assert len(found) == 1, [f.message for f in diagnose(rec)]
    assert "F.leaky_relu" in found[0].message and "tf." not in found[0].message
