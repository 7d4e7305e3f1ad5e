"""What a Recorder kept, as its user reads it: the steps (made on a look, noted.py), the last
one, the bytes held, the steps dropped; a mixin of `Recorder` (recorder.py), which holds the
state it reads and the lock it takes.
"""
from __future__ import annotations

from typing import NamedTuple

from ..errors import DTypeError, bad_argument
from .given import missing_step
from .history import RecordedStep


class Dropped(NamedTuple):
    """How much the Recorder has dropped so far: whole steps, and the bytes they held."""

    steps: int
    nbytes: int


class RecordedSteps:
    """The Recorder's steps read: `steps`, `last_step`, `current_step`, `nbytes`, `dropped`,
    `len`, iteration and indexing (each settles the steps in progress first, under the lock)."""

    @property
    def steps(self) -> list:
        """The kept steps, oldest first; the one in progress last if it has ops."""
        with self._lock:
            self._settle()
            self._make_noted()
            kept = list(self._steps)
            if self._current._flat:
                kept.append(self._current)
            return kept

    @property
    def last_step(self) -> RecordedStep | None:
        """The most recent finished step (the one in progress if none has finished)."""
        with self._lock:
            self._settle()
            if self._steps:
                return self._made(self._steps[-1])
            return self._current if self._current._flat else None

    @property
    def current_step(self) -> RecordedStep:
        with self._lock:
            self._settle()
            return self._current

    @property
    def nbytes(self) -> int:
        """Bytes held by the kept steps (see the class docstring for what counts)."""
        with self._lock:
            self._settle()
            self._make_noted()   # (counted as made)
            return self._held()

    @property
    def dropped(self) -> Dropped:
        """How many old steps were dropped to respect `max_bytes`, and the bytes they held."""
        return Dropped(self._dropped_steps, self._dropped_bytes)

    def __len__(self) -> int:
        with self._lock:
            self._settle()
            return len(self._steps) + (1 if self._current._flat else 0)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i) -> RecordedStep:
        steps = self.steps
        try:
            return steps[i]
        except IndexError:
            raise missing_step(self, i, steps) from None
        except TypeError:   # rec["loss"], rec[1.0]: the list's words name no call
            raise bad_argument("Recorder", "index", "an int (rec[-1]: the last step) or a "
                               "slice", i, DTypeError) from None

    def __repr__(self) -> str:
        state = "recording" if self._recording else "stopped"
        steps = f"{len(self)} step{'' if len(self) == 1 else 's'}"
        return f"<Recorder {state}: {steps}, {self.nbytes / 2**20:.1f} of " \
               f"{self.max_bytes / 2**20:.1f} MiB, {self._dropped_steps} dropped>"


__all__ = ["RecordedSteps", "Dropped"]
