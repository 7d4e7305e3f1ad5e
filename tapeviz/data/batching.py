"""Dataset's batching: `batch`, `padded_batch` and `unbatch`, and the cardinality after.

`Dataset` inherits `Batching`. A batch stacks `batch_size` consecutive elements along a
new first axis, component by component (structure.py), or pads each to one shape first
(padding.py); its element spec has that axis, None unless `drop_remainder` fixes it.
"""
from __future__ import annotations

import builtins
import itertools
from typing import TYPE_CHECKING

from ..errors import InvalidArgumentError
from ..tensor import wrap
from . import structure as _s
from .cardinality import INFINITE, UNKNOWN, int64_count, refuse_other_than_int64
from .padding import padded_spec, padded_stack, refuse_unknown_rank

if TYPE_CHECKING:   # only named in annotations: dataset.py imports this module
    from .dataset import Dataset


class Batching:
    """`Dataset`'s methods that join elements into batches and split them again."""

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None) -> "Dataset":
        """Consecutive elements stacked along a new first axis, component by component.

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.range(5).batch(2, drop_remainder=True)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 1], [2, 3]]
        """
        batch_size = int64_count("batch", "batch_size", batch_size, minimum=1)
        refuse_other_than_int64("batch", "num_parallel_calls", num_parallel_calls)

        def spec():
            size = batch_size if drop_remainder else None
            return _s.map_structure(lambda s: _s.batched(s, size), self.element_spec)

        return self._batched(batch_size, drop_remainder, _s.stack, spec, "Batch")

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None) -> "Dataset":
        """Like `batch`, with each component first padded to one shape: the largest in the
        batch along each axis, or `padded_shapes` (None or -1 where the largest is wanted),
        with `padding_values` (zeros by default).

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.from_generator(lambda: iter([[1], [2, 3], [4, 5, 6]]),
        ...                                     output_signature=tf.TensorSpec([None], tf.int32))
        >>> [b.numpy().tolist() for b in ds.padded_batch(2)]
        [[[1, 0], [2, 3]], [[4, 5, 6]]]
        """
        batch_size = int64_count("padded_batch", "batch_size", batch_size, minimum=1)
        if padded_shapes is None and self._spec is not None:   # declared: TF refuses it now
            refuse_unknown_rank(self.element_spec)

        def spec():
            return padded_spec(self.element_spec, padded_shapes,
                               batch_size if drop_remainder else None)

        return self._batched(batch_size, drop_remainder,
                             lambda elements: padded_stack(elements, padded_shapes,
                                                           padding_values),
                             spec, "PaddedBatch")

    def _batched(self, batch_size: int, drop_remainder: bool, stack, spec, kind: str):
        """`batch_size` consecutive elements at a time, joined by `stack`."""
        def start():
            source = self._start()
            while True:
                elements = list(itertools.islice(source, batch_size))
                if not elements or (drop_remainder and len(elements) < batch_size):
                    return
                yield stack(elements)

        card = self._cardinality
        if card >= 0:
            card = card // batch_size if drop_remainder else -(-card // batch_size)
        return self._then(start, card, spec, kind)

    def unbatch(self, name=None) -> "Dataset":
        """Each element split along its first axis into separate elements (batch's inverse)."""
        if any(spec.shape.rank == 0 for spec in _s.flatten(self.element_spec)):
            raise InvalidArgumentError("unbatch", "Cannot unbatch an input with scalar "
                                       "components.", hint="batch it first, or leave out "
                                       "unbatch: its elements are single values already")
        def start():
            for element in self._start():
                leaves = _s.flatten(element)
                for i in builtins.range(len(leaves[0]._value) if leaves else 0):
                    yield _s.pack(element, [wrap(t._value[i]) for t in leaves])

        def spec():
            return _s.map_structure(_s.unbatched, self.element_spec)

        return self._then(start, UNKNOWN if self._cardinality != INFINITE else INFINITE, spec,
                          "Unbatch")
