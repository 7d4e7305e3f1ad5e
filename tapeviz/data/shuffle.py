"""tf.data's shuffle buffer, and how a shuffle gets its seed from `seed` and the global seed.

Used by `Dataset.shuffle` (dataset.py). The random stream of one iteration is a numpy
Generator seeded with the shuffle's seed words plus the iteration number, so a seeded
pipeline repeats its sequence of orders from run to run. A shuffle of batches is warned of:
TF says nothing while every epoch trains on the same groups of examples.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..fpwarnings import warn_from_user_line
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


def warn_if_batched(kind: str, buffer_size: int) -> None:
    """Warn, at the user's line, of a shuffle (one that moves anything) whose input, of
    `kind`, is batched: `.batch(32).shuffle(8)` shuffles the batches, not the examples."""
    if kind in ("Batch", "PaddedBatch") and buffer_size > 1:
        warn_from_user_line("Dataset.shuffle: its input is batched, so it shuffles whole "
                            "batches: each batch holds the same examples every epoch, only "
                            "the batches' order changes; shuffle the examples before "
                            "batching: dataset.shuffle(buffer_size).batch(batch_size)")
