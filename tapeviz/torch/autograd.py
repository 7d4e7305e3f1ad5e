"""Backward passes under the adapter: autograd's own steps, as the debugger's BackwardSteps."""
from __future__ import annotations


def remember(node, output, tensors) -> None:
    """Keep what maps `output`'s autograd node back to `node` for the next backward."""


def run(func, args, kwargs, tapes):
    return func(*args, **kwargs)
