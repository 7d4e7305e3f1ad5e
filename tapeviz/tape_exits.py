"""Where a tape's tracked values leave tapeviz while it records, and whether they return.

`GradientTape` inherits these notes for `why_none`: `value_left` (called by
`Tensor.numpy`/`__array__`/`__float__`) keeps a `ValueExit` with the user's line, and
`_look_for_returns` (the tape's `record` while an exit or a refused integer watch awaits
its reader) notes the op that reads such a value back as a constant. What a freed tape
keeps of them is its `Skeleton` (tape_skeleton.py).
"""
from __future__ import annotations

import os

import numpy as np

from .sourceinfo import source_from
from .tape_skeleton import MAX_EXITS, ValueExit
from .variable import Variable

_NUMPY_DIR = os.path.dirname(np.__file__) + os.sep  # np.mean(t) reads t from numpy's frames


class ExitNotes:
    """`GradientTape`'s notes of values leaving and coming back, and the queries for them."""

    def value_left(self, tensor, how: str, frame) -> None:
        """`tensor`'s value left tapeviz (`how`: .numpy(), np.asarray or numpy math, float())
        in `frame`: noted, with the user's line, when this tape tracks it or would watch it."""
        ids = self._ids
        key = id(tensor)
        if key not in ids and not (type(tensor) is Variable and tensor.trainable
                                   and self._watch_accessed_variables
                                   and tensor._value.dtype.kind == "f"):
            return
        while frame is not None and frame.f_code.co_filename.startswith(_NUMPY_DIR):
            frame = frame.f_back
        source = None if frame is None else source_from(frame)
        if source is None or source.filename != frame.f_code.co_filename:
            return  # tapeviz's own code read the value, not the user's
        exits = self._exits
        if len(exits) >= MAX_EXITS or any(e.tensor_id == key and e.source is source
                                          for e in exits):
            return
        self._exits = (*exits, ValueExit(tensor, how, source, len(self._nodes)))
        self._await_readers(True)

    def _look_for_returns(self, node) -> None:
        """Does `node` read a refused integer tensor, or a value that left, as a constant?"""
        ids, refused = self._ids, self._refused
        for key, tensor in zip(node.input_ids, node.inputs):
            if key in ids:
                continue
            watch = refused.get(key)
            if watch is not None and watch.first_reader is None:
                watch.first_reader = (node.op.name, node.source)
            for exit_ in self._exits:
                if exit_.came_back is None and exit_.matches(tensor._value):
                    exit_.came_back = (node.op.name, node.source)
        self._await_readers(any(e.came_back is None for e in self._exits)
                            or any(w.first_reader is None for w in refused.values()))

    def value_exits(self) -> tuple:
        """Where tracked values left tapeviz while this tape recorded (`ValueExit`s)."""
        return self._skeleton.exits if self._skeleton is not None else self._exits

    def refused_watches(self) -> dict:
        """id -> `RefusedWatch` of each integer tensor `watch` refused."""
        return dict(self._skeleton.refused if self._skeleton is not None else self._refused)

    @property
    def skeleton(self):
        """The `Skeleton` a non-persistent tape kept when `gradient` freed its nodes, or None."""
        return self._skeleton
