"""tf.data's shuffle buffer, and how a shuffle gets its seed from `seed` and the global seed.

Used by `Dataset.shuffle` (dataset.py). The random stream of one iteration is a numpy
Generator seeded with the shuffle's seed words plus the iteration number, so a seeded
pipeline repeats its sequence of orders from run to run.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..ops import random as _random

_END = object()


def shuffled(source, buffer_size: int, rng: np.random.Generator):
    """Elements of `source` through a buffer: emit a uniform random slot, refill it.

    >>> order = list(shuffled(iter(range(5)), 5, np.random.default_rng(0)))
    >>> sorted(order)
    [0, 1, 2, 3, 4]
    >>> list(shuffled(iter(range(5)), 1, np.random.default_rng(0)))
    [0, 1, 2, 3, 4]
    """
    buffer = list(itertools.islice(source, buffer_size))
    while buffer:
        slot = int(rng.integers(len(buffer)))
        element = buffer[slot]
        refill = next(source, _END)
        if refill is _END:  # input exhausted: the buffer drains
            buffer[slot] = buffer[-1]
            buffer.pop()
        else:
            buffer[slot] = refill
        yield element


def shuffle_seed(seed) -> list:
    """The seed words of one shuffle pass, by TF's global/op seed rules."""
    return _random.seed_words(seed)
