"""What a tape knows about its record without the values: the outline of each op, where
values left it, the integer tensors `watch` refused. A non-persistent tape whose
`gradient` returned a None keeps this when it frees its nodes, so `why_none` can still
answer where the None was seen.

Kept per recorded op: one tuple (the op, its input ids, output id and user line). Kept
per tape: the set the backward pass made of the float outputs that depend on the
gradient's sources (for those sources, it tells where a chain stops being float), each
`ValueExit` and each `RefusedWatch` (the tape itself keeps its watched variables, and
weak references to the tensors it watched). About 120 bytes an op and no array; a
record over `MAX_OPS` ops keeps no outline.
"""
from __future__ import annotations

import types

import numpy as np

MAX_OPS = 100_000     # a longer record keeps only its exits and watches (~15 MB otherwise)
MAX_EXITS = 32        # value exits noted per tape (a loop logging .numpy() stops here)
NOTHING_REFUSED = types.MappingProxyType({})  # a tape's refused watches when none: shared


class OpOutline:
    """One recorded op without its values: the fields of a `Node` that `why_none` reads."""

    __slots__ = ("op", "input_ids", "output_id", "source", "floating")

    def __init__(self, op, input_ids, output_id, source, floating=None):
        self.op = op
        self.input_ids = input_ids
        self.output_id = output_id
        self.source = source
        self.floating = floating    # whether the output is float; None when not known

    def __repr__(self) -> str:
        return f"<OpOutline {self.op.name} at {self.source}>"


class ValueExit:
    """A tracked value that left the tape while it recorded: `.numpy()`, `__array__` (numpy
    math, `np.asarray`) or `float()`, at the user's line; and the op it came back into as
    a constant, when one of the next ops took an untracked input equal to it (or, for more
    than one element, of its shape: numpy changed it on the way)."""

    __slots__ = ("tensor_id", "how", "source", "position", "dtype", "shape", "came_back",
                 "value")

    def __init__(self, tensor, how: str, source, position: int):
        self.tensor_id = id(tensor)
        self.how = how                  # ".numpy()", "np.asarray / numpy math", "float()"
        self.source = source            # the user's line where it left
        self.position = position        # ops recorded before it left
        self.dtype = tensor._value.dtype.name
        self.shape = tuple(np.shape(tensor._value))
        self.came_back = None           # (op name, user line) of the op it came back into
        self.value = tensor             # only while the tape records: the comparison needs it

    def matches(self, value) -> bool:
        """Whether an untracked input `value` (numpy) is this exit coming back."""
        mine = self.value._value
        if np.shape(value) != self.shape or np.asarray(value).dtype.kind != "f":
            return False
        return np.size(value) > 1 or bool(np.array_equal(value, mine))

    def __repr__(self) -> str:
        return f"<ValueExit {self.how} at {self.source}>"


class RefusedWatch:
    """A tensor `tape.watch` refused for its dtype, the line that asked, and the first op
    that read it while the tape recorded (usually the cast the model makes of it)."""

    __slots__ = ("tensor_id", "dtype", "shape", "source", "first_reader")

    def __init__(self, tensor, source):
        self.tensor_id = id(tensor)
        self.dtype = tensor._value.dtype.name
        self.shape = tuple(np.shape(tensor._value))
        self.source = source
        self.first_reader = None        # (op name, user line)


def outline_rows(nodes) -> list:
    """Each node as the tuple a skeleton keeps, no values (four slot reads a node)."""
    return [(node.op, node.input_ids, node.output_id, node.source) for node in nodes]


class Skeleton:
    """A freed tape's record without values (see the module docstring for what is kept)."""

    __slots__ = ("_rows", "exits", "refused", "_floats")

    def __init__(self, nodes, exits, refused, floats=None):
        """It takes what it is given (the tape starts anew) and outlines the nodes;
        `floats` are the backward pass's ids of float outputs that depend on a source
        (None after a jacobian)."""
        self._rows = outline_rows(nodes) if len(nodes) <= MAX_OPS else None
        self.exits = exits
        self.refused = refused
        self._floats = floats

    @property
    def complete(self) -> bool:
        """Whether every op's outline was kept (not over MAX_OPS)."""
        return self._rows is not None

    def outlines(self, source_id: int) -> list:
        """The ops in execution order, as `OpOutline`s, with whether each output is float
        where that is known for paths from the tensor of id `source_id` (a source of the
        gradient call: the ops that read what depends on it were all looked at)."""
        floats = self._floats
        if floats is None or source_id not in floats:
            return [OpOutline(*row) for row in self._rows or ()]
        return [OpOutline(*row, row[2] in floats) for row in self._rows or ()]
