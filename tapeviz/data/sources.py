"""The datasets that start a pipeline: slices, whole tensors, ranges, generators and zips.

Each function returns a `Dataset` (dataset.py) whose start function yields fresh tensors;
`Dataset.from_tensor_slices`, `Dataset.range`, ... call these.
"""
from __future__ import annotations

import builtins
import functools
import inspect

import numpy as np

from .. import arguments
from ..convert import infer_array
from ..creation import convert_to_tensor
from ..dtypes import as_dtype
from ..errors import DTypeError, InvalidArgumentError, OpError, bad_argument, describe
from ..fpwarnings import warn_from_user_line
from ..tensor import Tensor, wrap
from . import dataset as _d
from . import structure as _s
from .cardinality import int64_count

def from_tensor_slices(tensors, name=None) -> _d.Dataset:
    """One element per row: every component sliced along its first axis.

    >>> import tapeviz as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [[1.0], [2.0], [3.0]]))
    >>> [(int(x), y.numpy().tolist()) for x, y in ds]
    [(1, [1.0]), (2, [2.0]), (3, [3.0])]
    """
    _check_name("from_tensor_slices", name)
    arrays = _s.map_structure(lambda v: np.array(infer_array(v, "from_tensor_slices")),
                              tensors)
    leaves = _s.flatten(arrays)
    if not leaves:
        raise InvalidArgumentError("from_tensor_slices", "the structure holds no tensors")
    if any(a.ndim == 0 for a in leaves):
        shapes = [tuple(a.shape) for a in leaves]
        raise InvalidArgumentError("from_tensor_slices", f"every component needs rank >= 1 to "
                                                         f"be sliced; got shapes {shapes} (use "
                                                         f"from_tensors for one element)")
    sizes = {len(a) for a in leaves}
    if len(sizes) > 1:
        shapes = _s.map_structure(lambda a: tuple(a.shape), arrays)
        raise InvalidArgumentError("from_tensor_slices", f"all components must have the same "
                                                         f"size along axis 0; got shapes "
                                                         f"{shapes}")
    count = sizes.pop()

    if isinstance(arrays, np.ndarray):
        def start():
            return map(wrap, arrays)  # row i of the array, as `arrays[i]` gives it
    elif type(arrays) is tuple and all(isinstance(a, np.ndarray) for a in arrays):
        if len(arrays) == 2:   # (features, labels): the usual dataset
            start = functools.partial(_pairs, *arrays)
        else:
            def start():  # a plain tuple of rows, no structure to pack
                for row in builtins.zip(*arrays):
                    yield tuple(map(wrap, row))
    else:
        def start():
            for i in builtins.range(count):
                yield _s.pack(arrays, [wrap(a[i]) for a in leaves])

    spec = _s.map_structure(lambda a: _s.spec_of_array(a, True), arrays)
    return _d.Dataset(start, count, spec, "TensorSlice")


def _pairs(features, labels):
    """The rows of two arrays as pairs of tensors, each made as `wrap` makes it (inlined:
    its two calls and a tuple of a map cost 2.6k of the 7.3k instructions an element)."""
    new = object.__new__
    for feature, label in builtins.zip(features, labels):
        x = new(Tensor)
        x._value = feature
        y = new(Tensor)
        y._value = label
        yield x, y


def from_tensors(tensors, name=None) -> _d.Dataset:
    """A dataset of one element: `tensors` whole.

    >>> import tapeviz as tf
    >>> [x.shape for x in tf.data.Dataset.from_tensors([[1, 2], [3, 4]])]
    [TensorShape([2, 2])]
    """
    _check_name("from_tensors", name)
    element = _s.to_element(tensors)
    return _d.Dataset(lambda: iter([element]), 1, _s.spec_of(element), "Tensor")


def _check_name(source: str, name) -> None:
    if name is not None and not isinstance(name, str):   # from_tensor_slices(x, y)
        raise DTypeError(source, f"name must be a string; got {describe(name)}",
                         hint=f"pass features and labels as one tuple: {source}((x, y))")


def range(*args, output_type=None, name=None) -> _d.Dataset:
    """int64 scalars from start (inclusive) to stop (exclusive) by step, like Python's range.

    >>> import tapeviz as tf
    >>> [int(x) for x in tf.data.Dataset.range(1, 8, 3).as_numpy_iterator()]
    [1, 4, 7]
    """
    names = ("stop",) if len(args) == 1 else ("start", "stop", "step", *["more"] * len(args))
    numbers = builtins.range(*(int64_count("range", name, a, minimum=None)
                               for name, a in builtins.zip(names, args)))
    dtype = arguments.dtype("range", "output_type", output_type) or as_dtype("int64")
    to_scalar = dtype._np.type

    def start():
        return (wrap(to_scalar(i)) for i in numbers)

    return _d.Dataset(start, len(numbers), _s.TensorSpec((), dtype), "Range")


def from_generator(generator, output_types=None, output_shapes=None, args=None,
                   output_signature=None, name=None) -> _d.Dataset:
    """Elements yielded by `generator(*args)`, called afresh for each iteration.

    >>> import tapeviz as tf
    >>> ds = tf.data.Dataset.from_generator(lambda: iter([1, 2]), output_types=tf.int64)
    >>> [x.dtype for x in ds]
    [tf.int64, tf.int64]
    """
    if not callable(generator):   # gen() given: one pass's generator, not what makes each
        error = bad_argument("from_generator", "generator", "a callable that returns a "
                             "generator (each pass calls it afresh)", generator,
                             InvalidArgumentError)
        raise error.with_hint("pass the function itself: Dataset.from_generator(gen, ...), "
                              "not gen()") if inspect.isgenerator(generator) else error
    declared = "output_signature"
    if output_signature is None and output_types is not None:
        output_signature = _declared_specs(output_types, output_shapes)
        declared = "output_shapes"
    if output_signature is not None:
        output_types = _s.map_structure(lambda spec: spec.dtype, output_signature)
    args = tuple(args or ())

    def convert(value):
        if output_types is None:  # TF requires output types; a yielded list is one tensor
            return _s.to_element(value)
        try:
            if not isinstance(output_types, (tuple, dict)):
                return convert_to_tensor(value, as_dtype(output_types))
            dtypes = _s.flatten(output_types)
            values = _s.flatten_up_to(output_types, value)
            if values is None:
                raise InvalidArgumentError("from_generator", f"the generator yielded "
                                           f"{describe(value)}, which does not match the "
                                           f"structure of its dtypes, {output_types!r}")
            return _s.pack(output_types, [convert_to_tensor(v, as_dtype(d))
                                          for v, d in builtins.zip(values, dtypes)])
        except OpError as error:   # said by convert_to_tensor: said again by the call made
            if error.op == "from_generator":
                raise
            raise type(error)("from_generator", f"the generator yielded {describe(value)}, "
                                                f"which its dtypes, {output_types!r}, cannot "
                                                f"hold: {error.detail}",
                              hint="yield values of those dtypes, or declare the ones it "
                                   "yields: output_signature=tf.TensorSpec(shape, dtype)"
                              ) from None

    def checked(value):
        """The element, refused if a component's shape does not fit output_signature (TF
        refuses it as it is yielded; batching it later failed far from the generator)."""
        element = convert(value)
        specs, tensors = _s.flatten(output_signature), _s.flatten(element)
        for spec, tensor in builtins.zip(specs, tensors):
            if not spec.is_compatible_with(tensor):
                raise InvalidArgumentError("from_generator", f"the generator yielded an "
                                           f"element of shape {tuple(tensor.shape)} where "
                                           f"{declared} expects shape {spec.shape}")
        return element

    def start():
        made = convert if output_signature is None else checked
        return (made(value) for value in generator(*args))

    return _d.Dataset(start, _d.UNKNOWN, output_signature, "FlatMap")


def _declared_specs(output_types, output_shapes):
    """The TensorSpecs that from_generator's output_types and output_shapes (TF 1's pair,
    the tf.data guide's) declare together, as output_signature would; without
    output_shapes, TF's: any shape (`TensorShape(None)`), whatever the first element's."""
    if output_shapes is None:
        return _s.map_structure(lambda dtype: _s.TensorSpec(None, as_dtype(dtype)),
                                output_types)
    shapes = _s.flatten_up_to(output_types, output_shapes)
    if shapes is None:
        raise InvalidArgumentError("from_generator", f"output_shapes {output_shapes!r} does "
                                   f"not match the structure of output_types "
                                   f"{output_types!r}")
    return _s.pack(output_types, [_s.TensorSpec(shape, as_dtype(dtype)) for shape, dtype
                                  in builtins.zip(shapes, _s.flatten(output_types))])


def zip(*args, datasets=None, name=None) -> _d.Dataset:
    """Elements of several datasets side by side, as long as the shortest one.

    >>> import tapeviz as tf
    >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 12)
    >>> [(int(x), int(y)) for x, y in tf.data.Dataset.zip((a, b))]
    [(0, 10), (1, 11)]
    """
    if datasets is None:
        datasets = args[0] if len(args) == 1 else args
    if isinstance(datasets, list):
        datasets = tuple(datasets)
    inputs = _s.flatten(datasets)
    given = tuple(datasets.values()) if isinstance(datasets, dict) else \
        datasets if isinstance(datasets, tuple) else (datasets,)
    values = [d for d in given if isinstance(d, (list, np.ndarray))]   # (flattened apart)
    stray = values[0] if values else \
        next((d for d in inputs if not isinstance(d, _d.Dataset)), None)
    if not inputs or stray is not None:
        raise DTypeError("zip", f"expected a tuple or dict of Datasets; got "
                                f"{describe(stray if inputs else datasets)}"
                                f"{' among them' if inputs else ''}",
                         hint="make a Dataset of the values first: "
                              "tf.data.Dataset.from_tensor_slices(values)" if values else None)

    def start():
        sources = [d._start() for d in inputs]
        while True:
            items = [next(source, _d._END) for source in sources]
            if any(item is _d._END for item in items):
                return
            yield _s.pack(datasets, items)

    cards = [d._cardinality for d in inputs]
    finite = [c for c in cards if c >= 0]
    card = _d.UNKNOWN if _d.UNKNOWN in cards else builtins.min(finite) if finite else _d.INFINITE
    _warn_if_shuffled_apart(inputs)
    return _d.Dataset(start, card, lambda: _s.pack(datasets, [d.element_spec for d in inputs]),
                      "Zip")


def _warn_if_shuffled_apart(inputs) -> None:
    """Features and labels shuffled each on its own, then zipped: the pairs no longer match
    (unless every one was shuffled with one explicit seed, which draws one order)."""
    seeds = [getattr(d, "_shuffle_seed", None) if d._kind == "Shuffle" else _UNSHUFFLED
             for d in inputs]
    if len(inputs) < 2 or all(seed is _UNSHUFFLED for seed in seeds) or (
            len(set(seeds)) == 1 and seeds[0] is not None):
        return
    shuffled = [str(i) for i, seed in enumerate(seeds) if seed is not _UNSHUFFLED]
    which = (f"components {' and '.join(shuffled)} were each" if len(shuffled) > 1
             else f"component {shuffled[0]} was")
    warn_from_user_line(
        f"Dataset.zip: {which} shuffled on its own before zipping, so the elements "
        f"paired are no longer the ones that belong together (each image gets another's "
        f"label: the model can learn nothing); shuffle after zipping: "
        f"tf.data.Dataset.zip((x, y)).shuffle(buffer_size)")


_UNSHUFFLED = object()
