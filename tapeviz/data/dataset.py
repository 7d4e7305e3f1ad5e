"""`tapeviz.data.Dataset`: tf.data's input pipelines, as lazy Python iterators.

A dataset is a recipe: a function that starts a fresh iterator over its elements, its
cardinality (a count, INFINITE or UNKNOWN) and, when known without running it, its
element spec. Each transformation wraps its input's recipe, so nothing runs until the
dataset is iterated, and each `iter()` starts over (and reshuffles when asked). Elements
are nested tuples and dicts of tapeviz tensors (structure.py).
"""
from __future__ import annotations

import builtins
import itertools

import numpy as np

from .. import arguments
from ..coverage import missing_method
from ..dtypes import as_dtype
from ..errors import DTypeError, InvalidArgumentError
from ..tensor import wrap
from . import shuffle as _shuffle
from . import structure as _s
from .padding import padded_spec, padded_stack

INFINITE = -1  # cardinality of an endless dataset (tf.data.INFINITE_CARDINALITY)
UNKNOWN = -2   # cardinality when only iterating can tell (tf.data.UNKNOWN_CARDINALITY)
AUTOTUNE = -1
_SAME = object()  # a transformation's element spec is its input's


class Dataset:
    """A sequence of elements that can be transformed and iterated, as tf.data.Dataset.

    >>> import tapeviz as tf
    >>> ds = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0).map(lambda x: x * 10)
    >>> [batch.tolist() for batch in ds.batch(2).as_numpy_iterator()]
    [[0, 20], [40, 60], [80]]
    """

    def __init__(self, start, cardinality: int, spec=None, kind: str = ""):
        # internal: datasets are made by the from_* / range constructors and transformations
        self._start = start            # () -> a fresh iterator over the elements
        self._cardinality = int(cardinality)
        self._spec = spec              # a spec structure, a () -> spec callable, or None
        self._kind = kind

    # ---- sources (sources.py) ------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> "Dataset":
        """One element per row: every component sliced along its first axis (sources.py)."""
        return _sources.from_tensor_slices(tensors, name)

    @staticmethod
    def from_tensors(tensors, name=None) -> "Dataset":
        """A dataset of one element: `tensors` whole."""
        return _sources.from_tensors(tensors, name)

    @staticmethod
    def range(*args, output_type=None, name=None) -> "Dataset":
        """int64 scalars from start (inclusive) to stop (exclusive) by step, like Python's."""
        return _sources.range(*args, output_type=output_type)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> "Dataset":
        """Elements yielded by `generator(*args)`, called afresh for each iteration."""
        return _sources.from_generator(generator, output_types, output_shapes, args,
                                       output_signature)

    @staticmethod
    def zip(*args, datasets=None, name=None) -> "Dataset":
        """Elements of several datasets side by side, as long as the shortest one."""
        return _sources.zip(*args, datasets=datasets)

    @staticmethod
    def counter(start=0, step=1, dtype=None, name=None) -> "Dataset":
        """start, start + step, ... without end (selected.py)."""
        return _selected.counter(start, step, dtype)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True) -> "Dataset":
        """The next element of datasets[i] for each i of `choice_dataset` (selected.py)."""
        return _selected.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None) -> "Dataset":
        """Each element from a dataset drawn at random by `weights` (selected.py)."""
        return _selected.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)

    # ---- transformations -------------------------------------------------------------------
    def _then(self, start, cardinality=None, spec=_SAME, kind="") -> "Dataset":
        card = self._cardinality if cardinality is None else cardinality
        return Dataset(start, card, (lambda: self.element_spec) if spec is _SAME else spec,
                       kind)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None) -> "Dataset":
        """`map_func` applied to each element (a tuple element is passed as separate arguments).

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2], [10, 20])).map(lambda x, y: x + y)
        >>> [int(x) for x in ds.as_numpy_iterator()]
        [11, 22]
        """
        arguments.function("Dataset.map", "map_func", map_func)

        def start():
            for element in self._start():
                yield _s.to_element(_s.call_unpacked(map_func, element), lists_are_tuples=True)

        return self._then(start, spec=None, kind="Map")

    def filter(self, predicate, name=None) -> "Dataset":
        """Only the elements for which `predicate` returns a true boolean scalar."""
        arguments.function("Dataset.filter", "predicate", predicate)

        def start():
            for element in self._start():
                if _s.predicate_holds("Dataset.filter", predicate, element):
                    yield element

        return self._then(start, UNKNOWN, kind="Filter")

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True,
                name=None) -> "Dataset":
        """Elements in random order, drawn from a buffer of `buffer_size`, as tf.data does.

        The buffer is filled from the input; each step emits a uniformly chosen slot and
        refills it with the next input element. A buffer as large as the dataset gives a
        uniform permutation; `buffer_size=1` keeps the order. With `seed` (or after
        `tapeviz.random.set_seed`) the orders repeat from run to run; each iteration draws a
        new order unless `reshuffle_each_iteration=False`.

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.range(5).shuffle(5, seed=1)
        >>> sorted(ds.as_numpy_iterator()) == [0, 1, 2, 3, 4]
        True
        """
        buffer_size = arguments.count("shuffle", "buffer_size", buffer_size, minimum=1)
        base = _shuffle.shuffle_seed(seed)
        iterations = itertools.count()

        def start():
            epoch = next(iterations) if reshuffle_each_iteration else 0
            rng = np.random.default_rng([*base, epoch])
            return _shuffle.shuffled(self._start(), buffer_size, rng)

        shuffled = self._then(start, kind="Shuffle")
        shuffled._shuffle_seed = seed   # Dataset.zip tells apart shuffles that keep pairs
        return shuffled

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None) -> "Dataset":
        """Consecutive elements stacked along a new first axis, component by component.

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.range(5).batch(2, drop_remainder=True)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 1], [2, 3]]
        """
        batch_size = arguments.count("batch", "batch_size", batch_size, minimum=1)

        def spec():
            size = batch_size if drop_remainder else None
            return _s.map_structure(lambda s: _s.TensorSpec((size, *s.shape), s.dtype),
                                    self.element_spec)

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
        batch_size = arguments.count("padded_batch", "batch_size", batch_size, minimum=1)

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
        def start():
            for element in self._start():
                leaves = _s.flatten(element)
                for i in builtins.range(len(leaves[0]._value) if leaves else 0):
                    yield _s.pack(element, [wrap(t._value[i]) for t in leaves])

        def spec():
            return _s.map_structure(lambda s: _s.TensorSpec(s.shape[1:], s.dtype),
                                    self.element_spec)

        return self._then(start, UNKNOWN if self._cardinality != INFINITE else INFINITE, spec,
                          "Unbatch")

    def take(self, count, name=None) -> "Dataset":
        """At most the first `count` elements (all of them when count is -1)."""
        count = arguments.count("take", "count", count, minimum=None)
        card = self._cardinality
        if count >= 0 and card != UNKNOWN:
            card = count if card == INFINITE else builtins.min(count, card)
        return self._then(lambda: itertools.islice(self._start(), None if count < 0 else count),
                          card, kind="Take")

    def skip(self, count, name=None) -> "Dataset":
        """All but the first `count` elements (none when count is -1)."""
        count = arguments.count("skip", "count", count, minimum=None)
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
        count = -1 if count is None else arguments.count("repeat", "count", count, minimum=None)
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

    def prefetch(self, buffer_size, name=None) -> "Dataset":
        """The same elements; accepted for TF compatibility (there is nothing to overlap)."""
        return self._then(self._start, kind="Prefetch")

    def cache(self, filename="", name=None) -> "Dataset":
        """The same elements, kept in memory after the first full pass and replayed after."""
        stored = []

        def start():
            if stored:
                return iter(stored[0])
            return _record(self._start(), stored)

        return self._then(start, kind="Cache")

    def enumerate(self, start=0, name=None) -> "Dataset":
        """(index, element) pairs, the index an int64 scalar counting from `start`.

        >>> import tapeviz as tf
        >>> [(int(i), int(x)) for i, x in tf.data.Dataset.range(5, 7).enumerate()]
        [(0, 5), (1, 6)]
        """
        first = arguments.count("enumerate", "start", start, minimum=None)

        def begin():
            for i, element in enumerate(self._start(), first):
                yield wrap(np.int64(i)), element

        return self._then(begin, spec=lambda: (_s.TensorSpec((), as_dtype("int64")),
                                               self.element_spec), kind="Enumerate")

    def concatenate(self, dataset: "Dataset", name=None) -> "Dataset":
        """This dataset's elements followed by `dataset`'s."""
        cards = (self._cardinality, dataset._cardinality)
        card = INFINITE if INFINITE in cards else UNKNOWN if UNKNOWN in cards else sum(cards)
        return self._then(lambda: itertools.chain(self._start(), dataset._start()), card,
                          kind="Concatenate")

    def shard(self, num_shards, index, name=None) -> "Dataset":
        """Every `num_shards`-th element, starting at `index`."""
        num_shards = arguments.count("shard", "num_shards", num_shards, minimum=1)
        index = arguments.count("shard", "index", index)
        card = self._cardinality
        if card >= 0:
            card = builtins.max(0, -(-(card - index) // num_shards))
        return self._then(lambda: itertools.islice(self._start(), index, None, num_shards),
                          card, kind="Shard")

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Windows of `size` elements every `shift`, each a dataset per component
        (windows.py).

        >>> import tapeviz as tf
        >>> windows = tf.data.Dataset.range(5).window(3, shift=2)
        >>> [w.as_numpy_iterator().__next__().item() for w in windows]
        [0, 2, 4]
        """
        return _windows.window(self, size, shift, stride, drop_remainder)

    def flat_map(self, map_func, name=None) -> "Dataset":
        """The elements of the dataset `map_func` makes of each element, in turn."""
        return _windows.flat_map(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None) -> "Dataset":
        """The datasets `map_func` makes, `cycle_length` at a time, read `block_length`
        elements each in turn (windows.py).

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.range(1, 3).interleave(
        ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2)
        >>> [int(x) for x in ds]
        [1, 2, 1, 2]
        """
        return _windows.interleave(self, map_func, cycle_length, block_length)

    def scan(self, initial_state, scan_func, name=None) -> "Dataset":
        """The outputs of `scan_func(state, element) -> (new_state, output)`, the state
        carried from element to element (carried.py)."""
        return _carried.scan(self, initial_state, scan_func)

    def unique(self, name=None) -> "Dataset":
        """Each distinct element once, at its first appearance."""
        return _carried.unique(self)

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None) -> "Dataset":
        """Elements gathered by `key_func` into windows, each turned into a dataset by
        `reduce_func(key, window)` (grouped.py).

        >>> import tapeviz as tf
        >>> ds = tf.data.Dataset.range(6).group_by_window(
        ...     lambda x: x % 2, lambda key, window: window.batch(3), window_size=3)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 2, 4], [1, 3, 5]]
        """
        return _grouped.group_by_window(self, key_func, reduce_func, window_size,
                                        window_size_func)

    def rebatch(self, batch_sizes, drop_remainder=False, name=None) -> "Dataset":
        """The rows of these batches batched again, `batch_sizes` at a time (grouped.py)."""
        return _grouped.rebatch(self, batch_sizes, drop_remainder)

    def take_while(self, predicate, name=None) -> "Dataset":
        """The elements before the first for which `predicate` is False."""
        return _windows.take_while(self, predicate)

    def apply(self, transformation_func) -> "Dataset":
        """transformation_func(self): for chaining reusable pipeline pieces."""
        return transformation_func(self)

    def reduce(self, initial_state, reduce_func):
        """The state after calling reduce_func(state, element) on every element in turn.

        >>> import numpy as np, tapeviz as tf
        >>> int(tf.data.Dataset.range(5).reduce(np.int64(0), lambda total, x: total + x))
        10
        """
        state = _s.to_element(initial_state)
        for element in self._start():
            state = _s.to_element(reduce_func(state, element), lists_are_tuples=True)
        return state

    def get_single_element(self, name=None):
        """The dataset's one element; an error if it has none or more than one."""
        elements = list(itertools.islice(self._start(), 2))
        if len(elements) != 1:
            raise InvalidArgumentError("get_single_element", "Dataset was empty." if not elements
                                       else "Dataset had more than one element.")
        return elements[0]

    # ---- iteration and inspection ----------------------------------------------------------
    def __iter__(self):
        from .iterator import Iterator
        return Iterator(self)

    def as_numpy_iterator(self):
        """An iterator over the elements as numpy values (structures kept).

        >>> import tapeviz as tf
        >>> list(tf.data.Dataset.from_tensor_slices({"a": [1, 2]}).as_numpy_iterator())
        [{'a': np.int32(1)}, {'a': np.int32(2)}]
        """
        return (_s.to_numpy(element) for element in self._start())

    def cardinality(self):
        """The number of elements as an int64 scalar tensor; -1 if infinite, -2 if unknown."""
        return wrap(np.int64(self._cardinality))

    def __len__(self) -> int:
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite: len() has no answer (its cardinality() "
                            "is -1, tf.data.INFINITE_CARDINALITY).")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown: len() has no answer before "
                            "iterating it (its cardinality() is -2, tf.data.UNKNOWN_CARDINALITY).")
        return self._cardinality

    def __bool__(self) -> bool:
        return True  # needed because __len__ is defined (and may raise)

    def __getitem__(self, index):
        raise DTypeError("Dataset", f"a Dataset is not subscriptable: it is a stream, read in "
                                    f"order; got ds[{index!r}]",
                         hint="iterate it (for batch in ds: ...), take one element with "
                              "next(iter(ds.skip(i).take(1))), or list them all with "
                              "list(ds.as_numpy_iterator())")

    @property
    def element_spec(self):
        """The TensorSpec structure of one element (a map runs on one element to find it)."""
        spec = self._spec
        if callable(spec):
            spec = self._spec = spec()
        if spec is None:
            first = next(iter(self._start()), _END)
            if first is _END:
                raise ValueError("element_spec: the dataset is empty, so its spec is unknown")
            spec = self._spec = _s.spec_of(first)
        return spec

    def __getattr__(self, name):   # a method of TF's Dataset tapeviz lacks is said to be one
        raise missing_method("data.Dataset", self, name)

    def __repr__(self) -> str:
        """TF's: `<_BatchDataset element_spec=TensorSpec(shape=(None,), ...)>` (the spec found
        as `element_spec` finds it; none shown for an empty dataset, whose spec is unknown)."""
        if self._spec is None and next(iter(self._start()), _END) is _END:
            return f"<_{self._kind}Dataset>"
        return f"<_{self._kind}Dataset element_spec={self.element_spec}>"


_END = object()


def _record(source, stored: list):
    """Yield from `source`, storing the elements once a full pass completes."""
    seen = []
    for element in source:
        seen.append(element)
        yield element
    if not stored:
        stored.append(seen)


from . import carried as _carried  # noqa: E402  (it builds Datasets: a cycle)
from . import grouped as _grouped  # noqa: E402  (the same)
from . import sources as _sources  # noqa: E402  (the same)
from . import selected as _selected  # noqa: E402  (the same)
from . import windows as _windows  # noqa: E402  (the same)
