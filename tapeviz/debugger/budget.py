"""The Recorder's steps ended and counted, and its byte budget kept.

A finished step is packed if nothing else holds its nodes and counted into the bytes the
Recorder keeps; the step in progress is counted as often as its ops so far say it could
reach the budget (`_plan_check`); over budget, the oldest whole steps are dropped and a
`StepsDroppedWarning` says so. A mixin of `Recorder` (recorder.py), which holds the state
it reads.
"""
from __future__ import annotations

from ..errors import size_text
from ..fpwarnings import warn_from_user_line
from ..node import RECORD_WIDTH
from .footprint import UNPACKED_EXTRA
from .history import RecordedStep
from .noted import record_bytes
from .sink import MAX_CHECK_GAP, MIN_CHECK_GAP


class StepsDroppedWarning(UserWarning):
    """The Recorder dropped old steps (or holds one step alone) to respect its byte budget."""


class StepBudget:
    """Ending steps (`_end_step`, `_finish`) and keeping `max_bytes` (`_enforce_budget`)."""

    def _end_step(self, label, closing: bool) -> RecordedStep | None:
        """Finish the step in progress (if it has ops); `closing`: it takes update ops next."""
        self._settle()
        self._commit_update()
        ended = self._current
        if not ended._record_count() and ended._loss is None:
            return None
        ended.complete = True
        if label is not None:
            ended.label = label
        self._steps.append(ended)
        self._current = RecordedStep(self._next_index)
        self._next_index += 1
        if closing:   # counted when its update ops are in; now only if it may reach the budget
            self._closing, self._waiting = ended, 0
            length = ended._record_count()
            per_op, ops = self._per_op, max(length, self._last_length)
            if not per_op or self._kept.nbytes + 2 * per_op * ops > self.max_bytes:
                self._enforce_budget(reserve=per_op * (ops - length))  # the updates to come
        else:
            self._finish(ended)
        self._plan_check(self._per_op)   # the next step, like the last one
        return ended

    def _step_raised(self, error: BaseException) -> None:
        """The step in progress raised `error` (its sink's `raised`): it ends there as a step
        of its own, labelled "raised" and holding the error, so the next step starts fresh
        and no program is learned from it."""
        with self._lock:
            self._running_pass = self._looked_in_flight = None
            self._records.leave()   # (a segment following a program: its ops so far)
            last = self._steps[-1] if self._steps else None
            ended = self._end_step("raised", closing=False)
            if ended is None and self._steps and self._steps[-1] is not last and \
                    self._steps[-1].label == "evaluation":
                # its ops, no tape's and read no update's output, were taken for an
                # evaluation as the step before was committed: the step that raised is it
                ended = self._steps[-1]
                ended.label = "raised"
            if ended is not None:
                ended.error = error
            self._begin_segment()

    def _finish(self, step: RecordedStep) -> None:
        """`step` is final: packed if nothing else holds its nodes, counted into the kept
        bytes, then the budget kept."""
        step._owner = self._kept
        step._pack()
        step._finish_count()
        nbytes = step.nbytes
        self._kept.nbytes += nbytes
        # what an op of the next step will hold until its step is packed
        self._last_length = length = step._record_count()
        self._per_op = nbytes // max(1, length) + (UNPACKED_EXTRA if step._packed else 0)
        self._enforce_budget()

    def _held(self, count: bool = True, exact: bool = True) -> int:
        """Bytes held now: the finished steps, and the open ones counted up to their last op
        (or, not `count`, as far as they were counted); not `exact`, the noted steps not
        counted yet at most what `KeptBytes.estimate` says."""
        kept = self._kept
        held = kept.total() if exact else kept.nbytes + kept.estimate()
        current, closing = self._current, self._closing
        if current._flat:
            held += current.nbytes if count else current._counted
        if type(closing) is list:   # (a noted step's record: counted once, as made)
            held += record_bytes(closing)
        elif closing is not None:
            held += closing.nbytes if count else closing._counted
        return held

    def _check_budget(self) -> None:
        """Count the step in progress so far, keep the budget, and plan the next count (only
        plan it, at the first record after steps were noted)."""
        with self._lock:
            if self._unplanned:
                self._unplanned = False
                return self._plan_check(self._per_op)
            self._settle()
            self._enforce_budget()
            current = self._current
            self._plan_check(current.nbytes // max(1, current._record_count()))

    def _plan_check(self, per_op: int) -> None:
        """Count the step in progress next when its ops, at `per_op` bytes each, could have
        filled half of what the budget has left."""
        left = max(0, self.max_bytes - self._held(count=False, exact=False))
        gap = left // (2 * max(1, per_op))
        records = self._records
        records.check_at = len(records) + RECORD_WIDTH * min(MAX_CHECK_GAP,
                                                             max(MIN_CHECK_GAP, gap))

    def _enforce_budget(self, reserve: int = 0) -> None:
        """Drop the oldest finished steps until the kept ones, and `reserve` bytes more, fit
        in `max_bytes`."""
        if self._held(exact=False) + reserve <= self.max_bytes:
            return   # (the noted steps need no count: the budget is not near)
        held = self._held() + reserve
        if held <= self.max_bytes:
            return
        steps = self._steps
        dropped = dropped_bytes = 0
        while held > self.max_bytes and steps and steps[0] is not self._closing:
            if len(steps) == 1 and not self._current._flat:
                break                       # the newest finished step: kept alone
            old = steps.popleft()
            if type(old) is list:   # (a noted step's record: nothing points back)
                size = record_bytes(old)
            else:
                old._owner = None
                size = old.nbytes
            self._kept.nbytes -= size
            held -= size
            dropped += 1
            dropped_bytes += size
        if dropped:
            self._dropped_steps += dropped
            self._dropped_bytes += dropped_bytes
            if self._dropped_steps - self._warned_at >= self.warn_every or not self._warned_at:
                self._warned_at = self._dropped_steps
                self._warn(f"Recorder dropped {self._dropped_steps} oldest step(s) so far "
                           f"({size_text(self._dropped_bytes)}) to stay within its max_bytes "
                           f"budget of {size_text(self.max_bytes)}; "
                           f"{len(self)} step(s) kept. Raise Recorder(max_bytes=...) to keep "
                           f"more.")
        if held - reserve > self.max_bytes:
            self._warn_too_big()

    def _warn_too_big(self) -> None:
        big = self._steps[-1] if self._steps and not self._current._flat else self._current
        if self._closing is not None:
            big = self._closing
        big = self._as_noted(big)   # (a record takes no mark: its NotedStep does)
        if not big._warned_big:
            big._warned_big = True
            self._warn(f"Recorder: step {big.number} alone holds {size_text(big.nbytes)}, "
                       f"more than the max_bytes budget of {size_text(self.max_bytes)}; "
                       f"it is kept (a step in progress is never dropped) and older steps "
                       f"are dropped first.")

    @staticmethod
    def _warn(message: str) -> None:
        warn_from_user_line(message, StepsDroppedWarning)


__all__ = ["StepBudget", "StepsDroppedWarning"]
