"""How a recorded step holds its ops: records, columns once packed, or segments run again.

A step holds its ops' records (`node.RECORD_FIELDS`, one after another in one list) while it
takes ops; once final and held by nothing else, as columns (packed.py); or, where its ops
followed a learned program, as the segments' parts, run again on the first look
(program.py). A look makes its records and nodes again (`_listed_nodes`), runs again the
backward passes kept as one record (kept_pass.py) and places the upstream gradients. A mixin
of `RecordedStep` (history.py), which holds the state.
"""
from __future__ import annotations

import threading

from ..node import NODE, OP, OUTPUT_ID, RECORD_WIDTH, node_of, record
from .footprint import NODE_BYTES
from .kept_forward import holds_kept, run_kept_forwards
from .kept_pass import KEPT_PASS, ops_again
from .packed import held_elsewhere, pack, unpack
from .linking import link
from .program import replayed
from .step_count import _step_bytes

_looking = threading.RLock()  # one step's RecordedOps and nodes are made (or packed) once


class StepRecords:
    """A step's records kept, packed, run again and made again on a look."""

    def _listed_nodes(self) -> list:
        """`nodes` (under `_looking`): those dispatch made none for are made now, into their
        records, and counted."""
        if self._flat is None:
            self._unpack()
        self._run_kept_passes()
        flat, nodes = self._flat, self._nodes
        if nodes is None or len(nodes) != self._record_count():   # (an open step grew)
            nodes = flat[NODE::RECORD_WIDTH]
            made = counted = 0
            for index, node in enumerate(nodes):
                if node is None:
                    start = index * RECORD_WIDTH
                    nodes[index] = flat[start] = node_of(flat[start:start + RECORD_WIDTH])
                    made += 1
                    counted += index < self._footprint.ops
            self._nodes = nodes
            if counted:   # (those not counted yet are counted with their node)
                self._footprint.nbytes += counted * NODE_BYTES
                if self._owner is not None:
                    self._owner.grew(counted * NODE_BYTES, self)
        return nodes

    def _pack(self) -> None:
        """A final step whose nodes nothing else holds (no tape, stepper or look) keeps them as
        columns; the count follows what it holds now."""
        if self._parts is not None:   # kept as segments already: nothing per op to pack
            return
        with _looking:   # (not while another thread makes its records)
            flat = self._flat
            if not flat or self._ops or self._backward_steps:
                return
            self._nodes = None   # (a list made on a look holds them too)
            nodes = list(filter(None, flat[NODE::RECORD_WIDTH]))
            if nodes and held_elsewhere(nodes):
                return
            del nodes
            upstream = self._upstream
            if self._grads:   # (placed by index by a count: by id again)
                output_ids = flat[OUTPUT_ID::RECORD_WIDTH]
                upstream.update((output_ids[index], grad) for index, grad in self._grads.items())
            self._packed = pack(flat, upstream)
            del flat
            self._flat = None
            self._grads, self._grad_log, self._upstream = {}, [], {}
            self._taped_ids, self._taped_upto = None, 0
        footprint = self._footprint
        if footprint.ops or footprint.gradients:   # partly counted as nodes: count again
            self._recount()
        else:
            self._count_packed()

    def _unpack(self) -> None:
        if self._parts is not None:
            return self._replay()
        packed = self._packed
        nodes, self._grads = unpack(packed)
        flat = []
        for node, taped, duration in zip(nodes, packed.taped, packed.durations):
            flat += record(node, taped, duration)
        self._flat, self._nodes = flat, nodes
        self._grad_log = list(self._grads.values())
        self._packed = None
        grown = self._recount() + self._finish_count()
        owner = self._owner
        if owner is not None:
            owner.grew(grown, self)

    def _replay(self) -> None:
        """Make the step's records from its segments, run again (their durations: this run's)."""
        self._ran_again = True
        flat = []
        for segment, start, stop in self._parts:
            part = segment.records()[start * RECORD_WIDTH:stop * RECORD_WIDTH]
            if flat and not start:   # its updates: inputs from its forward part linked
                link(part, flat, segment.end.path()[:stop])
            flat += part
        self._flat, self._nodes, self._parts = flat, None, None
        grown = self._recount() + (self._finish_count() if self._owner is not None else 0)
        owner = self._owner
        if owner is not None:
            owner.grew(grown, self)

    def _add_part(self, segment, start: int, stop: int, outs: list) -> None:
        """Take the ops `start` to `stop` of `segment`, which ran just now (`outs`: their
        outputs as they ran): kept as the segment's part, or, in a step that holds records,
        as records made of those outputs."""
        if start == stop:
            return
        if self._flat:
            path = segment.end.path()
            part = replayed(path, segment.outside, outs, segment.given)[
                start * RECORD_WIDTH:stop * RECORD_WIDTH]
            if not start:   # (as _replay links them)
                link(part, self._flat, path[:stop])
            self._extend(part)
            return
        self._flat = None
        if self._parts is None:
            self._parts = []
        self._parts.append((segment, start, stop))

    def _as_records(self) -> None:
        """A step kept as parts (or packed) that must take records: its records, made now."""
        if self._flat is None:
            with _looking:
                self._unpack()

    def _attach(self, upstream: dict, step) -> dict:
        """Keep the gradients of `upstream` ({output id: tensor}) that reached this step's
        taped ops; returns the others (`step`: another engine's BackwardStep, see
        `_set_gradient`)."""
        flat = self._flat
        if flat is None:   # packed: nothing else held its nodes, so no backward runs over them
            return upstream
        if step is None and not self._ops:   # by id, placed when someone looks
            mine = upstream.keys() & set(flat[OUTPUT_ID::RECORD_WIDTH])
            if len(mine) == len(upstream):
                self._upstream.update(upstream)
                return {}
            for key in mine:
                self._upstream[key] = upstream[key]
            return {key: grad for key, grad in upstream.items() if key not in mine}
        self._place_upstream()
        taped_ids = self._taped_ids
        if taped_ids is None:
            taped_ids = self._taped_ids = {}
        upto, count = self._taped_upto, self._record_count()
        if upto < count:   # (every output is held while the step is open: its id is its own)
            taped_ids.update(zip(flat[upto * RECORD_WIDTH + OUTPUT_ID::RECORD_WIDTH],
                                 range(upto, count)))
            self._taped_upto = count
        found = upstream.keys() & taped_ids.keys()
        if not found:
            return upstream
        for key in found:
            self._set_gradient(taped_ids[key], upstream[key], step)
        return {key: grad for key, grad in upstream.items() if key not in found} \
            if len(found) < len(upstream) else {}

    def _place_upstream(self) -> None:
        """Place the gradients kept by output id at the index of the op that made it."""
        upstream = self._upstream
        if upstream:
            index_of = dict(zip(self._flat[OUTPUT_ID::RECORD_WIDTH],
                                range(self._record_count())))
            for key, grad in upstream.items():
                self._set_gradient(index_of[key], grad, None)
            upstream.clear()

    def _set_gradient(self, index: int, tensor, step) -> None:
        """Keep upstream gradient `tensor` of op `index`; `step`, a backward step of another
        engine's op, whose VJP cannot run again (its op has no `input_grads`: autograd freed
        it), is kept whole for stepping it later (`backward_steps`), its input gradients
        counted as gradients."""
        if tensor is not None:   # (None: a torch op's other output alone was differentiated)
            self._grads[index] = tensor
            self._grad_log.append(tensor)
        if step is not None and not hasattr(step.node.op, "input_grads"):
            self._backward_steps.append(step)
            self._grad_log += [grad for grad in step.input_grads if grad is not None]
            self._footprint.nbytes += _step_bytes(step)

    def _extend(self, records) -> None:
        """Append ops given as their records (`node.RECORD_FIELDS`, one after another)."""
        self._as_records()
        self._flat += records

    def _take_tail(self, start: int) -> list:
        """Remove and return the records of the ops from `start` on; the bytes are counted
        again."""
        self._as_records()
        self._place_upstream()
        tail = self._flat[start * RECORD_WIDTH:]
        if tail:
            del self._flat[start * RECORD_WIDTH:]
            del self._ops[start:]
            self._nodes = None
            self._taped_ids, self._taped_upto = None, 0
            self._recount()
        return tail

    def _put_first(self, records: list) -> None:
        """Put the ops (records) another step's `_take_tail` gave before this step's own."""
        self._as_records()
        self._flat[:0] = records
        moved = len(records) // RECORD_WIDTH
        self._grads = {index + moved: grad for index, grad in self._grads.items()}
        self._taped_ids, self._taped_upto = None, 0
        self._nodes = None

    def _record_count(self) -> int:
        """How many records the step holds (a kept backward pass is one)."""
        flat = self._flat
        if flat is not None:
            return len(flat) // RECORD_WIDTH
        if self._parts is not None:
            return sum(stop - start for _, start, stop in self._parts)
        return len(self._packed.ops)

    def _run_kept_passes(self, in_flight=None) -> None:
        """Put in place of each backward pass kept as one record (kept_pass.py) its ops,
        made again, and keep the upstream gradients it wrote (under `_looking`);
        `in_flight`: the last one is still running (see `kept_pass.ops_again`)."""
        if holds_kept(self):   # (another engine's step kept as its inputs, first)
            run_kept_forwards(self)
        flat = self._flat
        ops = flat[OP::RECORD_WIDTH]
        if KEPT_PASS not in ops:
            return
        at = ops.index(KEPT_PASS)
        last = len(ops) - 1 - ops[::-1].index(KEPT_PASS)
        while True:
            records, upstream = ops_again(flat, at, in_flight if at == last else None)
            flat[at * RECORD_WIDTH:(at + 1) * RECORD_WIDTH] = records
            moved = len(records) // RECORD_WIDTH - 1
            if self._grads:
                self._grads = {index + moved if index > at else index: grad
                               for index, grad in self._grads.items()}
            self._upstream.update(upstream)
            ops = flat[OP::RECORD_WIDTH]
            if KEPT_PASS not in ops:
                break
            at = ops.index(KEPT_PASS)
        self._nodes, self._taped_ids, self._taped_upto = None, None, 0
        grown = self._recount()
        if self._owner is not None:
            grown += self._finish_count()
            self._owner.grew(grown, self)


__all__ = ["StepRecords"]
