"""Dataset elements: nested tuples and dicts of tensors, and the specs that describe them.

As in tf.data, tuples (namedtuples too) and dicts are structure while a Python list is a
value to convert to one tensor; a list returned by a `map` function becomes a tuple.
`Dataset` (dataset.py) builds every element through `to_element`, so iteration always
yields tapeviz tensors.
"""
from __future__ import annotations

import inspect
import os

import numpy as np

from .. import nest
from ..creation import convert_to_tensor
from ..dtypes import DType, float32, from_numpy
from ..errors import DTypeError, InvalidArgumentError, add_note, describe
from ..tensor import UNKNOWN_SHAPE, Tensor, TensorShape, wrap
from ..threadstate import local


class TensorSpec:
    """The shape (None for an unknown size; `shape=None` for any rank) and dtype (float32
    unless given, as in TF) of one component of an element.

    >>> from tapeviz.data import Dataset
    >>> Dataset.from_tensor_slices([[1, 2], [3, 4]]).element_spec
    TensorSpec(shape=(2,), dtype=tf.int32, name=None)
    """

    def __init__(self, shape, dtype: DType = float32, name: str | None = None):
        self.shape = TensorShape(shape)
        self.dtype = dtype
        self.name = name

    def is_compatible_with(self, value) -> bool:
        """Whether `value` (a tensor or spec) has this dtype and a fitting shape."""
        if value.dtype != self.dtype:
            return False
        if self.shape is UNKNOWN_SHAPE or value.shape is UNKNOWN_SHAPE:
            return True
        shape = tuple(value.shape)
        return len(shape) == len(self.shape) and all(
            a is None or b is None or a == b for a, b in zip(self.shape, shape))

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorSpec) and other.dtype == self.dtype and (
            other.shape == self.shape if UNKNOWN_SHAPE in (other.shape, self.shape)
            else tuple(other.shape) == tuple(self.shape))

    __hash__ = None

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


def batched(spec: TensorSpec, size) -> TensorSpec:
    """`spec` with a batch axis of `size` in front; a spec of any rank stays one (TF's)."""
    return spec if spec.shape is UNKNOWN_SHAPE else TensorSpec((size, *spec.shape), spec.dtype)


def unbatched(spec: TensorSpec) -> TensorSpec:
    """`spec` without its first axis; a spec of any rank stays one (TF's)."""
    return spec if spec.shape is UNKNOWN_SHAPE else TensorSpec(spec.shape[1:], spec.dtype)


def map_structure(fn, structure):
    """`fn` applied to every leaf of a tuple/namedtuple/dict structure (lists are leaves)."""
    if isinstance(structure, dict):
        return type(structure)((key, map_structure(fn, value))
                               for key, value in structure.items())
    if isinstance(structure, tuple):
        items = [map_structure(fn, item) for item in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return fn(structure)


def to_element(value, lists_are_tuples: bool = False):
    """`value` as a dataset element: its structure kept, each leaf a tensor."""
    if lists_are_tuples and isinstance(value, list):
        value = tuple(value)
    if isinstance(value, dict):
        return type(value)((key, to_element(item, lists_are_tuples))
                           for key, item in value.items())
    if isinstance(value, tuple):
        items = [to_element(item, lists_are_tuples) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if type(value) is Tensor:
        return value
    return convert_to_tensor(value)


def flatten(element) -> list:
    """The element's tensors in a fixed order (dict keys sorted, as tf.nest does)."""
    return nest.flatten(element)


def flatten_up_to(template, value) -> list | None:
    """`value`'s parts, one per component of `template`, read down only as deep as the
    template goes (a list inside is one part: a shape, or a generator's vector); None when
    the structures differ."""
    if isinstance(template, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(template):
            return None
        parts = [flatten_up_to(t, v) for t, v in zip(template, value)]
    elif isinstance(template, dict):
        if not isinstance(value, dict) or set(value) != set(template):
            return None
        parts = [flatten_up_to(template[key], value[key]) for key in sorted(template)]
    else:
        return [value]
    return None if any(p is None for p in parts) else [leaf for p in parts for leaf in p]


def pack(template, leaves: list):
    """`leaves` poured back into `template`'s structure (the inverse of `flatten`)."""
    return nest.pack_sequence_as(template, list(leaves))


class DatasetSpec:
    """The spec of a component that is a dataset itself (each of a window's): its elements'."""

    def __init__(self, element_spec):
        self.element_spec = element_spec
        self.shape = TensorShape(())

    def __eq__(self, other) -> bool:
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    __hash__ = None

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, {self.shape!r})"


def common_spec(op: str, first, second):
    """The element spec of `first`'s elements followed by `second`'s: one structure and
    dtypes (else TF's TypeError, naming `op` and both specs), a size they differ in None;
    a callable that finds it when asked where either dataset is empty (no spec to compare)."""
    try:
        specs = first.element_spec, second.element_spec
    except ValueError:   # an empty dataset: its spec is unknown until the other's is read
        return lambda: _either_spec(first, second)
    ours, theirs = (flatten(spec) for spec in specs)
    same_kinds = flatten_up_to(specs[0], specs[1]) is not None and all(
        type(a) is type(b) and (a.dtype == b.dtype if isinstance(a, TensorSpec) else a == b)
        for a, b in zip(ours, theirs))
    if not same_kinds:
        raise DTypeError(op, f"the datasets' elements must have one structure and dtype; got "
                             f"{specs[0]} and {specs[1]}; in TensorFlow's words: Incompatible "
                             f"dataset elements",
                         hint="map one to the other's structure and dtype first, e.g. "
                              "ds.map(lambda x: tf.cast(x, tf.float32))")
    return pack(specs[0], [loosened(a, b) for a, b in zip(ours, theirs)])


def _either_spec(first, second):
    try:
        return first.element_spec
    except ValueError:
        return second.element_spec


def loosened(spec, seen):
    """`spec` with None where `seen` has another size, any rank where another rank."""
    if not isinstance(spec, TensorSpec) or not isinstance(seen, TensorSpec):
        return spec
    if spec.shape is UNKNOWN_SHAPE or seen.shape is UNKNOWN_SHAPE or \
            len(spec.shape) != len(seen.shape):
        return TensorSpec(None, spec.dtype)
    return TensorSpec([a if a == b else None for a, b in zip(spec.shape, seen.shape)],
                      spec.dtype)


def spec_of(element):
    """The spec structure of an element: a TensorSpec per tensor, a DatasetSpec per dataset."""
    return map_structure(lambda t: TensorSpec(t.shape, t.dtype) if isinstance(t, Tensor)
                         else DatasetSpec(t.element_spec), element)


def spec_of_array(array: np.ndarray, drop_leading: bool) -> TensorSpec:
    shape = array.shape[1:] if drop_leading else array.shape
    return TensorSpec(shape, from_numpy(array.dtype))


def to_numpy(element):
    """The element with each tensor replaced by its numpy value."""
    return map_structure(lambda t: t.numpy(), element)


def call_unpacked(fn, element):
    """fn(*element) for a plain tuple, fn(element) otherwise, as tf.data calls user functions.
    What fn raises gets a note naming fn and the element it was given (which one raised, of
    many: the traceback shows only where)."""
    args = element if type(element) is tuple else (element,)
    state = local.state
    was_traced, state.traced = state.traced, True   # x.numpy() refused, as TF's trace fails
    try:
        made = fn(*args)
    except TypeError as error:
        _refuse_arity(fn, args)
        _note_element(error, fn, args)
        raise   # a TypeError from inside fn, not from calling it
    except Exception as error:
        _note_element(error, fn, args)
        raise
    finally:
        state.traced = was_traced
    if made is None:   # (TF cannot make a tensor of None either: it says so, not where)
        raise InvalidArgumentError("Dataset", f"the function {_named(fn)} returned None for the "
                                              f"element {', '.join(map(_shown, args))}, which "
                                              f"tf.data cannot use",
                                   hint="did it forget its return? def f(x): ...; return ...")
    return made


def call_with_state(op: str, fn, state, element):
    """fn(state, element), as `reduce` and `scan` call their functions; one that cannot take
    those two is refused naming `op`, not with Python's bare 'takes 1 positional argument'."""
    try:
        return fn(state, element)
    except TypeError as error:
        try:
            inspect.signature(fn).bind(state, element)
        except ValueError:   # no signature to read (a builtin): Python's error stands
            raise error from None
        except TypeError as mismatch:
            raise InvalidArgumentError(
                op, f"the function {_named(fn)} must take two arguments, the state and an "
                    f"element; it cannot take ({describe(state)}, {describe(element)}): "
                    f"{mismatch}", hint="def f(state, x): ...; a tuple element comes as one "
                                        "argument here: lambda state, xy: ...") from mismatch
        raise   # a TypeError from inside fn, not from calling it


def _note_element(error: Exception, fn, args: tuple) -> None:
    given = ", ".join(_shown(arg) for arg in args)
    add_note(error, f"raised by {_named(fn)}, the function given to the Dataset, called on "
                    f"the element {given}")


def _named(fn) -> str:
    """A user's function by its name and where it is defined: 'parse (input.py:12)'."""
    code = getattr(fn, "__code__", None)
    where = f" ({os.path.basename(code.co_filename)}:{code.co_firstlineno})" if code else ""
    return f"{getattr(fn, '__name__', fn)}{where}"


def _shown(value) -> str:
    """A small tensor by its values and dtype ('6 (int64)'), a larger one as `describe` says."""
    if isinstance(value, Tensor) and value._value.size <= 8:
        return f"{np.array2string(value._value, separator=', ')} ({value._value.dtype.name})"
    return describe(value)


def predicate_holds(op: str, predicate, element) -> bool:
    """`predicate(element)` as a Python bool; anything but one bool value (TF requires a tf.bool
    scalar) is refused naming `op`: an int would end a take_while at its first zero."""
    kept = convert_to_tensor(call_unpacked(predicate, element))
    if kept.shape != () or not kept.dtype.is_bool:
        raise InvalidArgumentError(op, f"predicate must return one bool (a tf.bool scalar); "
                                       f"got {describe(kept)}",
                                   hint="compare to make a bool (x > 0), and reduce many to "
                                        "one (tf.reduce_all)")
    return bool(kept)


def _refuse_arity(fn, args: tuple) -> None:
    """A function (given to map, filter, ...) that cannot take each element's components as
    its arguments: said with the element's parts, not as Python's bare 'missing argument'."""
    try:
        inspect.signature(fn).bind(*args)
    except ValueError:   # no signature to read (a builtin): Python's error stands
        return
    except TypeError as mismatch:
        parts = ", ".join(describe(a) for a in args)
        hint = ("a tuple element is passed as separate arguments, as tf.data does: "
                "lambda x, y: ..." if len(args) > 1 else
                "each element is one tensor: take one argument, lambda x: ..., or make "
                "elements of pairs, Dataset.from_tensor_slices((x, y))")
        raise InvalidArgumentError("Dataset", f"the function {getattr(fn, '__name__', fn)} "
                                              f"cannot take an element's {len(args)} "
                                              f"component(s) ({parts}) as its arguments: "
                                              f"{mismatch}", hint=hint) from mismatch


def stack(elements: list):
    """Elements stacked per component into one batch element."""
    columns = [flatten(e) for e in elements]
    for k, column in enumerate(columns):
        if len(column) != len(columns[0]):
            raise InvalidArgumentError("batch", f"element {k} has {len(column)} components but "
                                                f"the first element has {len(columns[0])}; "
                                                f"every element needs one structure")
    stacked = []
    for j in range(len(columns[0])):
        values = [column[j]._value for column in columns]
        for k, value in enumerate(values):
            if np.shape(value) != np.shape(values[0]):
                raise InvalidArgumentError(
                    "batch", f"cannot batch tensors with different shapes in component {j}: "
                             f"the first element had shape {np.shape(values[0])} and element "
                             f"{k} had shape {np.shape(value)} (map them to one shape first, or "
                             f"pad them: padded_batch)")
            if value.dtype != values[0].dtype:   # (a map that returns one dtype or another)
                raise DTypeError(
                    "batch", f"cannot batch tensors of different dtypes in component {j}: the "
                             f"first element had dtype {values[0].dtype.name} and element {k} "
                             f"had dtype {value.dtype.name}",
                    hint=f"make them one dtype in the map: tf.cast(x, "
                         f"tf.{values[0].dtype.name})")
        stacked.append(wrap(np.stack(values)))
    return pack(elements[0], stacked)
