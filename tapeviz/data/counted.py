"""Dataset's transformations that pick elements by position: `take`, `skip`, `repeat`,
`concatenate`, `enumerate` and `shard`, each working out the cardinality it leaves.

`Dataset` inherits `Counted`. Each wraps its input's recipe in an iterator (`itertools`
slices and chains) and computes the new cardinality without running it: a count, or
INFINITE or UNKNOWN (cardinality.py) carried through.
"""
from __future__ import annotations

import builtins
import itertools
from typing import TYPE_CHECKING

import numpy as np

from ..dtypes import as_dtype
from ..errors import DTypeError, InvalidArgumentError, describe
from ..tensor import wrap
from . import structure as _s
from .cardinality import INFINITE, UNKNOWN, int64_count

if TYPE_CHECKING:   # only named in annotations: dataset.py imports this module
    from .dataset import Dataset


class Counted:
    """`Dataset`'s methods that choose elements by their position and count."""

    def take(self, count, name=None) -> "Dataset":
        """At most the first `count` elements (all of them when count is -1)."""
        count = int64_count("take", "count", count, minimum=None)
        card = self._cardinality
        if count >= 0 and card != UNKNOWN:
            card = count if card == INFINITE else builtins.min(count, card)
        return self._then(lambda: itertools.islice(self._start(), None if count < 0 else count),
                          card, kind="Take")

    def skip(self, count, name=None) -> "Dataset":
        """All but the first `count` elements (none when count is -1)."""
        count = int64_count("skip", "count", count, minimum=None)
        card = self._cardinality
        if count < 0:
            card = 0
        elif card >= 0:
            card = builtins.max(0, card - count)

        def start():
            source = self._start()
            if count < 0:
                return iter(())
            return itertools.islice(source, count, None)

        return self._then(start, card, kind="Skip")

    def repeat(self, count=None, name=None) -> "Dataset":
        """The elements `count` times over (forever when count is None or -1).

        >>> import tapeviz as tf
        >>> [int(x) for x in tf.data.Dataset.range(2).repeat(2)]
        [0, 1, 0, 1]
        """
        count = -1 if count is None else int64_count("repeat", "count", count, minimum=None)
        card = self._cardinality
        if count < 0:
            card = 0 if card == 0 else INFINITE
        elif count == 0:
            card = 0
        elif card >= 0:
            card = card * count

        def start():
            epochs = itertools.count() if count < 0 else builtins.range(count)
            for _ in epochs:
                empty = True
                for element in self._start():
                    empty = False
                    yield element
                if empty:  # repeating nothing forever would hang: tf.data stops too
                    return

        return self._then(start, card, kind="Repeat")

    def enumerate(self, start=0, name=None) -> "Dataset":
        """(index, element) pairs, the index an int64 scalar counting from `start`.

        >>> import tapeviz as tf
        >>> [(int(i), int(x)) for i, x in tf.data.Dataset.range(5, 7).enumerate()]
        [(0, 5), (1, 6)]
        """
        first = int64_count("enumerate", "start", start, minimum=None)

        def begin():
            for i, element in enumerate(self._start(), first):
                yield wrap(np.int64(i)), element

        return self._then(begin, spec=lambda: (_s.TensorSpec((), as_dtype("int64")),
                                               self.element_spec), kind="Enumerate")

    def concatenate(self, dataset: "Dataset", name=None) -> "Dataset":
        """This dataset's elements followed by `dataset`'s, which must be of the same
        structure and dtypes (TF's TypeError); a size they differ in is None in the spec."""
        if not isinstance(dataset, Counted):
            raise DTypeError("concatenate", f"expected a Dataset to follow this one; got "
                                            f"{describe(dataset)}",
                             hint="make a Dataset of the values first: "
                                  "tf.data.Dataset.from_tensor_slices(values)")
        spec = _s.common_spec("concatenate", self, dataset)
        cards = (self._cardinality, dataset._cardinality)
        card = INFINITE if INFINITE in cards else UNKNOWN if UNKNOWN in cards else sum(cards)
        return self._then(lambda: itertools.chain(self._start(), dataset._start()), card,
                          spec=spec, kind="Concatenate")

    def shard(self, num_shards, index, name=None) -> "Dataset":
        """Every `num_shards`-th element, starting at `index`."""
        num_shards = int64_count("shard", "num_shards", num_shards, minimum=1)
        index = int64_count("shard", "index", index)
        if index >= num_shards:
            raise InvalidArgumentError("shard", f"Index must be between 0 and {num_shards - 1} "
                                       f"(currently index = {index}).")
        card = self._cardinality
        if card >= 0:
            card = builtins.max(0, -(-(card - index) // num_shards))
        return self._then(lambda: itertools.islice(self._start(), index, None, num_shards),
                          card, kind="Shard")
