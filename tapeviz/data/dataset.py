"""`tapeviz.data.Dataset`: tf.data's input pipelines, as lazy Python iterators.

A dataset is a recipe: a function that starts a fresh iterator over its elements, its
cardinality (a count, INFINITE or UNKNOWN) and, when known without running it, its
element spec. Each transformation wraps its input's recipe, so nothing runs until the
dataset is iterated, and each `iter()` starts over (and reshuffles when asked). Elements
are nested tuples and dicts of tapeviz tensors (structure.py). Batching (batching.py) and
the transformations that pick elements by position (counted.py) are inherited.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import arguments
from ..coverage import missing_method
from ..errors import DTypeError, InvalidArgumentError
from ..tensor import wrap
from . import shuffle as _shuffle
from . import structure as _s
from .batching import Batching
from .cardinality import INFINITE, UNKNOWN, int64_count, refuse_other_than_int64
from .counted import Counted
from .map_spec import mapped_spec

AUTOTUNE = -1
_SAME = object()  # a transformation's element spec is its input's


class Dataset(Batching, Counted):
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
        refuse_other_than_int64("map", "num_parallel_calls", num_parallel_calls)

        def start():
            for element in self._start():
                yield _s.to_element(_s.call_unpacked(map_func, element), lists_are_tuples=True)

        return self._then(start, spec=lambda: mapped_spec(map_func, self), kind="Map")

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
        buffer_size = int64_count("shuffle", "buffer_size", buffer_size, minimum=1)
        refuse_other_than_int64("shuffle", "seed", seed)
        _shuffle.warn_if_batched(self._kind, buffer_size)
        base = _shuffle.shuffle_seed(seed)
        iterations = itertools.count()

        def start():
            epoch = next(iterations) if reshuffle_each_iteration else 0
            rng = np.random.default_rng([*base, epoch])
            return _shuffle.shuffled(self._start(), buffer_size, rng)

        shuffled = self._then(start, kind="Shuffle")
        shuffled._shuffle_seed = seed   # Dataset.zip tells apart shuffles that keep pairs
        return shuffled

    def prefetch(self, buffer_size, name=None) -> "Dataset":
        """The same elements; accepted for TF compatibility (there is nothing to overlap)."""
        if int64_count("prefetch", "buffer_size", buffer_size, minimum=None) < AUTOTUNE:
            raise InvalidArgumentError("prefetch", "buffer_size must be >= 0 or set "
                                       "buffer_size to be -1 for auto-tuning")
        return self._then(self._start, kind="Prefetch")

    def cache(self, filename="", name=None) -> "Dataset":
        """The same elements, kept in memory after the first full pass and replayed after."""
        stored = []

        def start():
            if stored:
                return iter(stored[0])
            return _record(self._start(), stored)

        return self._then(start, kind="Cache")

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
        refuse_other_than_int64("interleave", "num_parallel_calls", num_parallel_calls)
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
        arguments.function("Dataset.reduce", "reduce_func", reduce_func)
        state = _s.to_element(initial_state)
        for element in self._start():
            state = _s.to_element(_s.call_with_state("Dataset.reduce", reduce_func, state,
                                                     element), lists_are_tuples=True)
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
        """The TensorSpec structure of one element (a map runs on its first element and a
        probe of it: map_spec.py)."""
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
