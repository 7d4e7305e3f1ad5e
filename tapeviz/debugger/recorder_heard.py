"""What a Recorder hears besides its sink (sink.py): the ops and backward steps of another
engine or thread, sent as events or nodes, and a step that raised; a mixin of `Recorder`
(recorder.py), which holds the state it reads and ends steps at gradient calls.
"""
from __future__ import annotations

from threading import get_ident

from .. import events
from ..node import record


class HeardOps:
    """Ops, backward steps and gradient calls heard as events (`_on_event`), and ops given
    as nodes (`_record_op`: another Recorder keeps the thread's sink, or `threads="all"`)."""

    def _on_event(self, event) -> None:
        """What the Recorder hears: an op another engine ran (tapeviz's dispatch adds its
        record to the sink, or calls `_record_op` for a Recorder that has none), a backward
        step, a gradient call."""
        kind = type(event)
        if kind is events.OpExecuted:
            if self._thread is None:
                self._record_op_any_thread(event.node, event.taped, event.duration)
            else:
                self._record_op(event.node, event.taped, event.duration)
        elif kind is events.VJPApplied:
            self._on_vjp(event)
        else:
            self._on_gradient(event)

    def _record_op(self, node, taped: bool, duration: float) -> None:
        """An op ran: kept in the list dispatch's sink extends (no lock: one extend)."""
        if get_ident() != self._thread:
            return
        self._record_op_any_thread(node, taped, duration)

    def _record_op_any_thread(self, node, taped: bool, duration: float) -> None:
        records = self._records
        if records.at is not None:   # (another engine's op: recorded fully)
            records.leave()
        records += record(node, taped, duration)
        if len(records) >= records.check_at:
            self._check_budget()

    def _raised_heard(self, error: BaseException) -> None:
        """A step raised on some thread (threadstate.step_raised): ended here if it is ours."""
        if self._thread is None or get_ident() == self._thread:
            self._step_raised(error)

    def _on_vjp(self, event) -> None:
        """A backward step another engine ran (or tapeviz's, to a Recorder with no sink)."""
        if self._thread is not None and get_ident() != self._thread:
            return
        step = event.step
        with self._lock:
            self._settle()
            self._attach({step.node.output_id: step.upstream}, step)

    def _on_steps(self, steps: list) -> None:
        """The backward steps of a pass another engine ran on this thread, given as it ended
        (the sink's `stepped`), in the order they ran: each kept as `_on_vjp` keeps one."""
        with self._lock:
            self._settle()
            for step in steps:
                self._attach({step.node.output_id: step.upstream}, step)


__all__ = ["HeardOps"]
