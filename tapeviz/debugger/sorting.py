"""The Recorder's sorting of what came into its sink into steps, in bulk, when it must.

At each gradient call, `mark_step`, a look and a budget check, the records dispatch added
since the last time go to the step in progress, or, after a gradient call, wait in the step
it ended until an update pulls them in or a taped op starts the next step (step_ends.py);
the upstream gradients the backward pass wrote are attached to the ops that made their
outputs. A mixin of `Recorder` (recorder.py), which holds the state it reads.
"""
from __future__ import annotations

from threading import get_ident

from ..node import OP, RECORD_WIDTH, SCOPE, SOURCE, TAPED
from .kept_pass import KEPT_PASS, node_heard_now
from .linking import link_outputs
from .step_ends import (evaluation_start, is_step_update, puts_back, reads_a_model_variable,
                         results_read, trailing_sets)
from .step_records import _looking


class StepSorting:
    """Sorting the sink's records into steps (`_settle`), and the upstream gradients."""

    def _settle(self) -> None:
        """Sort the ops given since last time into their steps and attach the upstream
        gradients written meanwhile (under the lock)."""
        self._made(self._closing)   # (it may take ops now)
        records = self._records
        if records.at is not None and (self._sink_state is None or get_ident() == self._thread):
            records.leave()   # (on another thread, the segment in progress is not seen yet)
        if records.follows is not None and get_ident() == self._thread:
            records.follows()   # (another engine's segment: the same, by its own means)
        if records:
            records.whole = False
            taken = records[:]   # (an op another thread appends now stays for next time)
            del records[:len(taken)]
            records.check_at -= len(taken)   # the planned count still comes after as many ops
            if self._closing is not None:
                first = self._wait(taken)
                if first < 0:
                    return self._attach_upstream()
                # the ops of the next step alone: the list that held the ended step's nodes
                # goes, so it can be packed (nothing else holds them), before it is counted
                taken = taken[first * RECORD_WIDTH:]
                self._commit_update()
            self._current._extend(taken)
        self._attach_upstream()
        if self._running_pass is not None:
            self._look_in_flight()

    def _look_in_flight(self) -> None:
        """Someone looks while a kept pass may be running: if it is, its ops up to the one
        heard now are made again in its place, and the rest are recorded as they run (the
        sink back on the thread), so the step shows what ran, then the whole pass."""
        running, self._running_pass = self._running_pass, None
        if running.done or self._sink_state is None:
            return
        with _looking:
            flat = self._current._flat
            if flat is None or KEPT_PASS not in flat[OP::RECORD_WIDTH]:
                return
            self._current._run_kept_passes((running, node_heard_now(self._thread)))
        self._looked_in_flight = running
        self._sink_state.sink = self._records

    def _attach_upstream(self) -> None:
        """Attach the upstream gradients the backward pass wrote since last time."""
        upstream = self._records.upstream
        if upstream:
            if get_ident() == self._thread:   # the writer's thread: nothing writes meanwhile
                found = upstream.copy()
                upstream.clear()
            else:
                found = {}
                while upstream:   # (popitem: a gradient written meanwhile is not lost)
                    key, grad = upstream.popitem()
                    found[key] = grad
            self._attach(found, None)

    def _wait(self, records: list) -> int:
        """After a gradient call the untaped ops wait in the step it ended (an update op and
        those before it are its own, until an evaluation begins: an op of a layer reading a
        trainable variable, not an update); put those before the first taped op there; returns that
        op's index (it starts the next step's forward pass), or -1."""
        closing = self._closing
        first = bytes(records[TAPED::RECORD_WIDTH]).find(1)
        waiting = records if first < 0 else records[:first * RECORD_WIDTH]
        if waiting:
            before = self._records.before
            if before and (closing._parts is not None or closing._ran_again):
                closing._as_records()   # (run again: its forward's outputs are new tensors)
                link_outputs(waiting, closing._flat, before)
            closing._extend(waiting)
            ops = waiting[OP::RECORD_WIDTH]
            self._waiting += len(ops)
            pulling = len(ops)
            if self._evaluating:
                pulling = 0
            # (no layer's op: no evaluation; the ops the last such wait ran, none either)
            elif any(waiting[SCOPE::RECORD_WIDTH]) and ops != self._no_evaluation:
                pulling = evaluation_start(waiting)
                self._evaluating = pulling < len(ops)
                if not self._evaluating:
                    self._no_evaluation = ops
            flat = closing._flat
            base = len(flat) - len(waiting)
            for index in range(pulling - 1, -1, -1):
                if ops[index].kind == "update" and \
                        is_step_update(flat, base + index * RECORD_WIDTH):
                    self._waiting = len(ops) - index - 1
                    break
        return first

    def _commit_update(self) -> None:
        """The ended step takes no more ops, and is counted and kept within the budget; those
        after its last update that read what its updates wrote (fit's metric results) are
        its own; the rest start the next, or, where they read a variable (a model run
        with no tape and no update: an evaluation), are a step of their own, "evaluation"
        (the sets after it, the next epoch's metric resets, start the next step).
        When the recording stops first, those that read none stay the ended step's: they
        start no step; but values put back (EarlyStopping's restore) are a step of their
        own, "restore", as they end an evaluation."""
        closing, self._closing = self._closing, None
        if closing is None:
            return
        self._evaluating = False
        unseen, self._started_in = closing is self._started_in, None
        tail = restored = None
        if self._waiting:
            start = closing._record_count() - self._waiting
            closing._as_records()
            start += results_read(closing._flat, start, closing._flat, unseen)
            restored = puts_back(closing._flat, start)
            tail = closing._take_tail(start)
        sets = []
        if tail:
            if self._recording or restored or reads_a_model_variable(tail):
                tail = self._less_abandoned(tail, closing)
                if reads_a_model_variable(tail):
                    cut = len(tail) - trailing_sets(tail) * RECORD_WIDTH
                    tail, sets = tail[:cut], tail[cut:]
                self._current._put_first(tail)
            else:
                closing._extend(tail)
                tail = None
        self._finish(closing)
        if tail and self._current._record_count() * RECORD_WIDTH == len(tail):
            if reads_a_model_variable(tail):
                self._end_step("evaluation", closing=False)
            elif restored and not self._recording:   # (the last ops: no step to begin)
                self._end_step("restore", closing=False)
        if sets:
            self._current._put_first(sets)

    def _less_abandoned(self, tail: list, closing) -> list:
        """`tail` (records: the ops after `closing`'s last update, the next step's before its
        tape), less a step abandoned before its tape (an exception caught outside any tape,
        a `continue`): when they are a first part of the last such ops (`_before_tape`, at
        first `closing`'s own; their first op and line run once in them: no loop over
        examples) and then those ops whole, that part is a step of its own, "abandoned"."""
        keys = list(zip(tail[OP::RECORD_WIDTH], tail[SOURCE::RECORD_WIDTH]))
        before = self._before_tape or _before_tape(closing._flat)
        extra = len(keys) - len(before)
        if not before or not 0 < extra <= len(before) or keys[extra:] != before \
                or keys[:extra] != before[:extra] or before.count(before[0]) > 1:
            self._before_tape = keys
            return tail
        self._current._put_first(tail[:extra * RECORD_WIDTH])
        self._end_step("abandoned", closing=False)
        return tail[extra * RECORD_WIDTH:]

    def _attach(self, upstream: dict, step) -> None:
        """Attach each upstream gradient ({id of the output it reached: tensor}) to the op
        that made that output: in the step in progress, else in the latest kept step that
        has it (`step`: another engine's BackwardStep, kept whole with it)."""
        upstream = self._current._attach(upstream, step)
        if not upstream:
            return
        for recorded in reversed(self._steps):
            if type(recorded) is list:   # (a noted step's record: its passes were kept)
                continue
            before = recorded.nbytes
            left = recorded._attach(upstream, step)
            if len(left) < len(upstream) and recorded.complete \
                    and recorded is not self._closing:
                self._kept.nbytes += recorded.nbytes - before
                self._enforce_budget()
            upstream = left
            if not upstream:
                return


def _before_tape(records: list) -> list:
    """(op, line) of the ops `records` hold before their first taped op."""
    first = bytes(records[TAPED::RECORD_WIDTH]).find(1)
    head = records[:first * RECORD_WIDTH] if first > 0 else []
    return list(zip(head[OP::RECORD_WIDTH], head[SOURCE::RECORD_WIDTH]))


__all__ = ["StepSorting"]
