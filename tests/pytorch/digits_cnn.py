"""The guide's MNIST CNN written in PyTorch, as a user would, on the offline 8x8 digits.

Conv2d(1, 16, 3) relu, Conv2d(16, 16, 3) relu, global average pool, Linear(16, 10); Adam;
`F.cross_entropy`: the same model as notebooks/03 (Keras) and notebooks/04 (this one), on
`tapeviz.datasets.load_digits` in batches of 32, NCHW. The workflow tests and
bench/bench_torch.py train it.
"""
import torch
import torch.nn.functional as F
from torch import nn

from tapeviz.datasets import load_digits


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 16, 3)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = x.mean(dim=(2, 3))          # global average pool
        return self.fc(x)


def digit_batches(batch_size: int = 32, count: int | None = None) -> list:
    """[(images float32 (B, 1, 8, 8) in 0-1, labels int64 (B,))], full batches only."""
    (images, labels), _ = load_digits()
    images = torch.tensor(images, dtype=torch.float32).unsqueeze(1) / 255
    labels = torch.tensor(labels, dtype=torch.int64)
    batches = [(images[i:i + batch_size], labels[i:i + batch_size])
               for i in range(0, len(labels) - batch_size + 1, batch_size)]
    return batches if count is None else batches[:count]


def make_training(seed: int = 0, lr: float = 1e-3):
    """(model, optimizer, train_step): `train_step(images, labels)` is one step of the loop,
    returning the loss as a float."""
    torch.manual_seed(seed)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def train_step(images, labels):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return model, optimizer, train_step
