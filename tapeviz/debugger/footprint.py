"""What a recorded step really holds, in bytes: array buffers and the Python objects around them.

The Recorder keeps each op's record (`node.RECORD_FIELDS`, one after another in a flat list):
its `Node` where one was made, its input and output tensors, whether a tape kept it, its
duration and the rest; keeping them keeps alive every object listed below, so every one is
counted. A packed step (`packed.py`) holds
columns instead, counted whole by `count_packed`. Sizes
are `sys.getsizeof` of real instances, taken once at import and rounded up to the 16 bytes
both Python's small-object allocator and glibc's malloc hand out; an array buffer also
pays malloc's 8-byte header and its 32-byte smallest chunk. Objects shared between steps
(interned source lines, scope strings, the ops themselves) are not counted; an array
shared between steps is counted in each step that holds it, so the count may overstate,
never understate, what is held.
"""
from __future__ import annotations

import sys
from array import array
from itertools import chain
from operator import attrgetter, is_, itemgetter

import numpy as np

from ..node import INPUTS, NODE, OUTPUT, PARAMS, RECORD_WIDTH, VALUE, Node
from ..tensor import Tensor
from ..variable import Variable, VariableRead
from .program import Segment

_getsizeof = sys.getsizeof
_ndarray = np.ndarray


def allocated(size: int) -> int:
    """The bytes the allocator hands out for a request of `size`: a multiple of 16."""
    return (size + 15) & ~15


def _instance(cls) -> int:
    return allocated(_getsizeof(object.__new__(cls)))


_TUPLE = _getsizeof(())                       # an empty tuple; each item adds a pointer
_BIG_INT = allocated(_getsizeof(2**40))       # an id() number
_ARRAY_HEADER = allocated(_getsizeof(np.empty((0,))[:0]))   # a view: no buffer of its own
_AXIS = 16                                    # numpy keeps a shape and a stride per axis
_LIST_SLOT = 9                                # a pointer, plus a list's 1/8 overallocation
_DURATION_SLOT = 9                            # a double, plus an array's 1/16 overallocation
_FLAG_SLOT = 1                                # a byte
_TENSOR = _instance(Tensor)
_SEGMENT = _instance(Segment)
_tensor_value = attrgetter("_value")

_DICT_ENTRY = 48                              # a dict's entry and index, at 2/3 load
# An op's record until its step is final (node.RECORD_FIELDS: slots of the step's list).
_RECORD = RECORD_WIDTH * _LIST_SLOT
# A node: where a tape kept the op (dispatch made it), or made when someone looks, with its
# slot in the list of nodes made then.
NODE_BYTES = _instance(Node) + _LIST_SLOT
# Every recorded op: the output tensor, its params dict, its record, its duration (a float)
# and output id (a number), and its entry in the step's map of output ids.
PER_OP = (_TENSOR + allocated(_getsizeof({})) + _RECORD + allocated(_getsizeof(0.5))
          + _BIG_INT + _DICT_ENTRY)
# What an op holds before its step is packed and not after: its output tensor, inputs tuple
# (of two), record, duration, entry in the map of output ids, and a node if a tape kept it.
UNPACKED_EXTRA = (NODE_BYTES + _TENSOR + allocated(_TUPLE + 16) + _RECORD
                  + allocated(_getsizeof(0.5)) + _DICT_ENTRY)
# Each input: the number of its id in the node's input_ids (tuples are counted whole).
PER_INPUT = _BIG_INT
# Each kept gradient: its number key and entry in a dict, a slot in the step's log (the
# tensor is counted with its value, once).
PER_GRADIENT = _BIG_INT + _DICT_ENTRY + _LIST_SLOT
# A record made when someone looks at an op: its object's size is the caller's, plus a
# slot in the step's list of records and the index number.
PER_RECORD = _LIST_SLOT + _BIG_INT


def _tuple_bytes(count: int) -> int:
    return allocated(_TUPLE + 8 * count)


_PART = _tuple_bytes(3) + _LIST_SLOT   # a step's (segment, first op, end) in its list
_NOTED_FIXED = 2 * _PART + _SEGMENT    # a noted step's two parts and its segment's object


# a packed step's own tuple, and its columns as long as its ops: ops, values, output ids,
# input ids (a tuple each, counted with the op), phases, scopes, sources (durations and taped
# flags: an array of doubles and bytes)
_NAMED_TUPLE = _tuple_bytes(13)
_DURATIONS = allocated(_getsizeof(array("d")))
_FLAGS = allocated(_getsizeof(b""))
_PACKED_COLUMNS = 7


def _tuples_and_ids(count: int) -> int:
    """A node's inputs and input_ids tuples of `count` items, and the id numbers."""
    return 2 * allocated(_TUPLE + 8 * count) + PER_INPUT * count


_TUPLES_AND_IDS = [_tuples_and_ids(count) for count in range(8)]
# numpy's scalar types, whose objects all have one size: the usual value of a scalar op
_SCALAR_BYTES = {kind: allocated(_getsizeof(kind(0))) for kind in (
    np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.bool_)}


# the tensor classes, whose objects all have one size (a Variable: a kept pass's source)
_TENSOR_BYTES = {kind: _instance(kind) for kind in (Tensor, VariableRead, Variable)}
_OBJECT_BYTES = {**_SCALAR_BYTES, **_TENSOR_BYTES}
_BY_KINDS: dict = {}   # the types of a packed step's values and tensors -> (their bytes by
#                        type, the positions of those of another kind: arrays)
# the types _BY_KINDS keeps as keys, in all, at most: memory no budget counts (~0.3 MB), so
# steps of ever new lengths (a data-dependent loop) do not keep 64 long keys
KINDS_KEPT = 1 << 15


def array_bytes(value) -> int:
    """Bytes of one numpy value: its object, its shape and strides, and its own buffer."""
    if not isinstance(value, _ndarray):
        return allocated(_getsizeof(value))   # a numpy scalar (or a Python number)
    size = _ARRAY_HEADER + _AXIS * value.ndim
    if value.base is None:
        size += max(32, allocated(value.nbytes + 8))
    return size


class Footprint:
    """The bytes one step holds, counted as its ops and gradients are: each op's objects,
    each distinct tensor and array once (a view also counts the buffer it keeps alive)."""

    __slots__ = ("nbytes", "ops", "gradients", "seen")

    def __init__(self, fixed: int = 0):
        self.nbytes = fixed
        self.ops = 0          # ops counted so far
        self.gradients = 0    # logged gradients counted so far
        self.seen: set | None = set()   # ids of the tensors and arrays counted

    def count_ops(self, flat) -> int:
        """Count the ops from `self.ops` on, given their records one after another (`flat`,
        `node.RECORD_FIELDS`; the loop inlines the usual cases: a numpy scalar value, a tensor
        seen already)."""
        finished = self.seen is None   # a finished step took an op after all (a race)
        if finished:
            self.seen = set()
        seen = self.seen
        seen_add = seen.add
        scalar_size = _SCALAR_BYTES.get
        tensor_size = _TENSOR_BYTES.get
        tuples = _TUPLES_AND_IDS
        added = 0
        start, stop = self.ops, len(flat) // RECORD_WIDTH
        for at in range(start * RECORD_WIDTH, stop * RECORD_WIDTH, RECORD_WIDTH):
            inputs = flat[at + INPUTS]
            count = len(inputs)
            added += PER_OP + (tuples[count] if count < 8 else _tuples_and_ids(count))
            if flat[at + NODE] is not None:
                added += NODE_BYTES
            params = flat[at + PARAMS]
            if params:
                added += _params_bytes(params)
            seen_add(id(flat[at + OUTPUT]))
            value = flat[at + VALUE]
            size = scalar_size(type(value))   # a scalar made by this op: its own object
            added += size if size is not None else self._array(value)
            for tensor in inputs:
                key = id(tensor)
                if key not in seen:
                    seen_add(key)
                    value = tensor._value
                    size = scalar_size(type(value))
                    added += (tensor_size(type(tensor)) or allocated(_getsizeof(tensor))) + (
                        size if size is not None else self._array(value))
        self.ops = max(start, stop)
        self.nbytes += added
        if finished:
            self.seen = None
        return added

    def count_packed(self, packed, tensors=(), values=()) -> int:
        """Count a packed step (`packed.Packed`) whole: its tuples, dicts and bytes, the ids,
        each op's slots in the step's durations and flags, each distinct value, tensor from
        outside and gradient once; and `tensors` kept beside it (variable gradients) and
        `values` (the loss), each counted whole."""
        count, outside, params, grads = (len(packed.ops), packed.outside, packed.params,
                                         packed.grads)
        added = (_NAMED_TUPLE + _PACKED_COLUMNS * _tuple_bytes(count)
                 + _tuple_bytes(len(outside)) + allocated(_getsizeof(params))
                 + allocated(_getsizeof(grads)) + count * _BIG_INT
                 + _DURATIONS + allocated(count * _DURATION_SLOT)
                 + allocated(_FLAGS + count * _FLAG_SLOT) + PER_GRADIENT * len(tensors))
        # each op's tuple of input ids (its size rounded up), and the ids
        added += count * (_TUPLE + 15) + packed.input_count * (8 + PER_INPUT)
        if params:
            added += sum(map(_params_bytes, params.values()))
        # the tensors from outside (each once: one read by many ops is listed for each read),
        # each output value, each such tensor's value and each gradient: objects of one type
        # have one size (numpy scalars, tensors), so the types in order name the total (a
        # training loop's steps repeat theirs); arrays are counted one by one, each once
        new = _first_reads(outside)
        if new is None:
            seen = self.seen
            unique = dict(zip(map(id, outside), outside))
            new = (unique.values() if seen.isdisjoint(unique) else
                   [tensor for key, tensor in unique.items() if key not in seen])
            seen.update(unique)
            _learn_reads(outside)
        things = tuple(chain(packed.values, new, map(_tensor_value, new), grads.values(),
                             tensors, map(_tensor_value, tensors), values))
        known = _sized(things)
        added += known[0]
        for index in known[1]:
            added += self._odd(things[index])
        self.ops = count
        self.nbytes += added
        return added

    def _odd(self, thing) -> int:
        """The bytes of a value or tensor not of a size-by-type kind: an array once, with the
        buffer it keeps alive; another object by its size."""
        if isinstance(thing, Tensor):
            return allocated(_getsizeof(thing))
        return self._array(thing)

    def count_segments(self, parts) -> int:
        """Count the segments a step keeps in place of its ops (program.py; `parts`: its
        (segment, first op, end) parts): each part's tuple, and each segment the step holds
        last (a segment's last ops are in the newest step that keeps it, dropped last): its
        object, its tuple of values kept from outside and each value (objects of one type
        have one size, so the types in order name the total, as in `count_packed`; arrays
        one by one, each once)."""
        seen = self.seen
        added = 0
        for segment, _, stop in parts:
            added += _PART
            if stop != segment.end.depth or seen is not None and id(segment) in seen:
                continue
            if seen is not None:
                seen.add(id(segment))
            outside = segment.outside
            known = _sized(outside)
            added += _SEGMENT + allocated(_getsizeof(outside)) + known[0]
            for index in known[1]:
                thing = outside[index]
                added += allocated(_getsizeof(thing)) if seen is None else self._array(thing)
        self.nbytes += added
        return added

    def count_gradients(self, log) -> int:
        """Count the logged gradient tensors from `self.gradients` on."""
        added = 0
        for index in range(self.gradients, len(log)):
            added += PER_GRADIENT + self.hold(log[index])
        self.gradients = max(self.gradients, len(log))
        self.nbytes += added
        return added

    def hold(self, tensor) -> int:
        """The bytes `tensor` and its value add, if not counted yet."""
        if self.seen is None:  # a finished step: no dedup left, count it whole
            return _TENSOR + array_bytes(tensor._value)
        key = id(tensor)
        if key in self.seen:
            return 0
        self.seen.add(key)
        return allocated(_getsizeof(tensor)) + self._array(tensor._value)

    def hold_value(self, value) -> int:
        """The bytes a numpy value adds, if not counted yet."""
        return array_bytes(value) if self.seen is None else self._array(value)

    def _array(self, value) -> int:
        seen = self.seen
        key = id(value)
        if key in seen:
            return 0
        seen.add(key)
        base = getattr(value, "base", None)
        if base is None:
            return array_bytes(value)
        while isinstance(getattr(base, "base", None), _ndarray):
            base = base.base
        size = _ARRAY_HEADER + _AXIS * value.ndim
        if id(base) not in seen:
            seen.add(id(base))
            size += array_bytes(base) if isinstance(base, _ndarray) else _owner_bytes(base)
        return size


def noted_bytes(outside: tuple, tensors: tuple, values: tuple) -> int:
    """The bytes, counted before it is made, of a step of two parts that keeps a segment
    (its last ops: the values it kept from `outside`), with `tensors` (variable gradients)
    and `values` (the loss) beside it,
    as `count_segments`, `count_gradients` and the loss's count will once it is made (an
    array or a tensor of another size counted whole: an overstatement where one is held
    twice). A function, not a Footprint's: a noted step keeps no set of what it counted."""
    things = (*outside, *tensors, *map(_tensor_value, tensors), *values)
    known = _BY_KINDS.get(tuple(map(type, things))) or _sized(things)   # (its hit, inlined)
    # (the tuple's size as getsizeof gives it, by arithmetic: getsizeof's call ~1.4k instructions)
    added = _NOTED_FIXED + _tuple_bytes(len(outside)) + known[0] \
        + PER_GRADIENT * len(tensors)
    for index in known[1]:
        thing = things[index]
        added += allocated(_getsizeof(thing)) if isinstance(thing, Tensor) else \
            _whole_bytes(thing)
    return added


def _sized(things: tuple) -> tuple:
    """(the bytes of `things` whose type names their size, the positions of the others):
    objects of one type have one size, so the types in order name the total (a training
    loop's steps repeat theirs)."""
    kinds = tuple(map(type, things))
    known = _BY_KINDS.get(kinds)
    if known is None:
        sizes = [_OBJECT_BYTES.get(kind) for kind in kinds]
        known = (sum(filter(None, sizes)), tuple(
            index for index, size in enumerate(sizes) if size is None))
        if len(kinds) <= KINDS_KEPT:
            if len(_BY_KINDS) >= 64 or sum(map(len, _BY_KINDS)) + len(kinds) > KINDS_KEPT:
                _BY_KINDS.clear()
            _BY_KINDS[kinds] = known
    return known


def _whole_bytes(value) -> int:
    """A value's bytes with the buffer it keeps alive, counted as if nothing else held it."""
    base = getattr(value, "base", None)
    if base is None:
        return array_bytes(value)
    while isinstance(getattr(base, "base", None), _ndarray):
        base = base.base
    return _ARRAY_HEADER + _AXIS * value.ndim + (
        array_bytes(base) if isinstance(base, _ndarray) else _owner_bytes(base))


# len(outside) -> (the positions of the first read of each tensor, of the reads again, and
# of the first read each of those repeats), as the last step of that many reads from outside
# read them: a training loop's next step reads its tensors in the same pattern
_READS: dict = {}


def _first_reads(outside: tuple):
    """The first read of each tensor of `outside`, by the pattern the last step of as many
    reads had, if each read again there is again the tensor of its first read (then each
    tensor is among them; two of them found to be one tensor are counted twice, an
    overstatement); else None."""
    pattern = _READS.get(len(outside))
    if pattern is None:
        return None
    firsts, again, first_of = pattern
    if again and not all(map(is_, map(outside.__getitem__, again),
                             map(outside.__getitem__, first_of))):
        return None
    return firsts(outside)


def _learn_reads(outside: tuple) -> None:
    """Keep the pattern of `outside`'s reads (see `_first_reads`)."""
    position_of: dict = {}
    firsts, again, first_of = [], [], []
    for position, key in enumerate(map(id, outside)):
        first = position_of.setdefault(key, position)
        if first == position:
            firsts.append(position)
        else:
            again.append(position)
            first_of.append(first)
    if len(_READS) >= 64:
        _READS.clear()
    _READS[len(outside)] = (_positions(firsts), tuple(again), tuple(first_of))


def _positions(positions: list):
    """A function giving the items of a sequence at `positions`, as a tuple."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda sequence: tuple(sequence[position] for position in positions)


def _owner_bytes(owner) -> int:
    """Another library's object whose memory a numpy view keeps alive (a torch tensor the
    torch adapter views instead of copying): the object and its `nbytes` of buffer."""
    return allocated(_getsizeof(owner)) + max(32, allocated(getattr(owner, "nbytes", 0) + 8))


def _params_bytes(params: dict) -> int:
    """A non-empty params dict and the values in it (axis tuples, strides, names)."""
    # (`allocated` inlined in one list: no two calls a value, ~80 values a step of a torch
    # loop's ops)
    return allocated(_getsizeof(params)) + sum([(size + 15) & ~15 for size
                                                in map(_getsizeof, params.values())])
