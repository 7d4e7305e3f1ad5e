"""The data the torch bug hunts (tests/pytorch/test_hunt_*.py) share; what they go through is
tests/hunt_tools.py's."""
import torch


def four_classes():
    """(x (64, 4), y (64,)): 64 points of four classes, each its class's one-hot corner times
    2 plus noise of 0.5 (seed 0), and their labels."""
    generator = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (64,), generator=generator)
    return 2 * torch.eye(4)[y] + 0.5 * torch.randn(64, 4, generator=generator), y
