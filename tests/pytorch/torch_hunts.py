"""The data the torch bug hunts (tests/pytorch/test_hunt_*.py) share; what they go through is
tests/hunt_tools.py's."""
import math

import torch


def four_classes():
    """(x (64, 4), y (64,)): 64 points of four classes, each its class's one-hot corner times
    2 plus noise of 0.5 (seed 0), and their labels."""
    generator = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (64,), generator=generator)
    return 2 * torch.eye(4)[y] + 0.5 * torch.randn(64, 4, generator=generator), y


def moons(n=128):
    """(x (n, 2), y (n,)): two interleaved half-moons of n // 2 points each, no noise, and
    their labels (0 the upper, 1 the lower)."""
    angle = torch.linspace(0, math.pi, n // 2)
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], 1)
    return torch.cat([upper, lower]), torch.cat([torch.zeros(n // 2), torch.ones(n // 2)])
