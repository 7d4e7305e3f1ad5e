"""torch: notebook 04's loop (a module of the user's own, `F.cross_entropy(model(images),
labels)` over batches) draws its batch by the loop's name on every pass: it said 'x' (the
forward's parameter) on the first pass and 'input' on the others. The numpy engine's twin:
tests/test_bugs_passed_names.py."""
import pytest

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402
from tapeviz.viz import TapeWidget  # noqa: E402


class DigitsCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 3)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = x.mean(dim=(2, 3))          # global average pool
        return self.fc(x)


def test_the_notebooks_batch_is_drawn_as_images_on_every_pass():
    torch.manual_seed(0)
    model = DigitsCNN()
    batches = [(torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))) for _ in range(3)]
    with tvt.record() as tape:
        for images, labels in batches:
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
    widget = TapeWidget(tape)
    data = [n.label for n in widget.graph.nodes.values() if n.kind == "constant"]
    assert data == ["images", "labels"] * 3   # was ['x', 'labels', 'input', 'labels', ...]
