"""torch: an nn.Linear followed by ReLU whose weight and bias start at zeros
(nn.init.zeros_): every unit outputs 0, ReLU passes no gradient at 0. The dead-ReLU finding
says why, where it said only 'its initial weights or bias killed it'. The numpy engine's
twin: tests/test_bugs_zero_init.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def test_a_relu_layer_initialised_to_zeros_is_said_dead_from_its_zero_weights():
    (images, labels), _ = load_digits(as_mnist_layout=False)
    x = torch.tensor(images[:128] / 16, dtype=torch.float32)
    y = torch.tensor(labels[:128].astype(np.int64))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    nn.init.zeros_(model[0].weight)
    nn.init.zeros_(model[0].bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for i in range(0, 128, 32):
            optimizer.zero_grad()
            F.cross_entropy(model(x[i:i + 32]), y[i:i + 32]).backward()
            optimizer.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    assert ("its inputs are exactly 0 for every example, as a layer whose weights start at zero "
            "makes them (nn.init.zeros_(layer.weight)), and ReLU passes no gradient at 0; hint: "
            "keep the layer's default initialiser") in finding.message
