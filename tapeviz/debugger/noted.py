"""A step the Recorder only noted as it ended: its `RecordedStep` is made when someone looks.

A step whose ops all followed learned programs (program.py) holds nothing per op: its
segments' parts and what the gradient call that ended it gave (the loss, the sources and
their gradients). Making its `RecordedStep` as it ends (containers, counts, the plan of the
next count) cost a training loop more than checking its ops did, so the Recorder keeps a
`NotedStep` in its place among its steps, and makes the RecordedStep when someone looks at
its steps or must put ops into it. Its bytes are counted as the made step will count them
(`footprint.noted_bytes`), when first asked: the Recorder asks only when its budget is near
or someone looks (budget.py), so a loop far from its budget counts no step; the budget
drops it unmade. A training loop's step, noted while the one before it still took its
updates, is kept as a record (a list, its fields at `INDEX` ... `TAKEN`: no object of its
own, no `__init__` run a step) until someone looks, which makes its NotedStep
(`NotedStep.of`) in its place.
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import is_not

from ..variable import Variable
from .footprint import noted_bytes
from .history import STEP_BYTES, RecordedStep
from .program import Segment

# a noted step kept as a record (a list the Recorder builds inline), its fields at these
# places: its index, its segment's last branch, values from outside and gradients given, its
# first op, its loss value, sources and gradients, its bytes once counted, its segment once
# made, the step (record) after it whose first `taken` ops are its updates
INDEX, BRANCH, OUTSIDE, GIVEN, FIRST, LOSS, SOURCES, GRADIENTS, NBYTES, SEGMENT, UPDATES, \
    TAKEN = range(12)


def record_segment(record: list) -> Segment:
    """The segment of a noted step's `record`, made once (shared with the NotedStep made of
    it and the step before, whose updates it holds)."""
    segment = record[SEGMENT]
    if segment is None:
        segment = record[SEGMENT] = Segment(record[BRANCH], record[OUTSIDE], record[GIVEN])
    return segment


def record_bytes(record: list) -> int:
    """A noted step's `record`'s bytes, counted once, as its NotedStep counts them."""
    nbytes = record[NBYTES]
    if nbytes is None:
        nbytes = record[NBYTES] = _noted_count(record[OUTSIDE], record[SOURCES],
                                               record[GRADIENTS], record[LOSS])
    return nbytes


def kept_bytes(step) -> int:
    """The bytes of a kept step: a noted step's record or any step object."""
    return record_bytes(step) if type(step) is list else step.nbytes


def _noted_count(outside: tuple, sources: tuple, gradients: tuple, loss) -> int:
    """Its variables' gradients, its loss, its segment's values from outside."""
    held = tuple(compress(gradients, map(isinstance, sources, repeat(Variable))))
    if not all(map(is_not, held, repeat(None))):
        held = tuple(compress(held, map(is_not, held, repeat(None))))
    return STEP_BYTES + noted_bytes(outside, held, () if loss is None else (loss,))


class NotedStep:
    """A finished step noted, not made: `made()` makes its RecordedStep."""

    # its parts flat, not a list of (segment, first op, end) tuples, and its segment as the
    # three things it keeps: objects fewer a kept step for the cycle collector to walk and
    # for a loop to make (the made step lists them)
    __slots__ = ("index", "label", "branch", "outside", "given", "_segment", "first", "end",
                 "updates", "taken", "loss", "sources", "gradients", "_nbytes", "_owner",
                 "_warned_big")
    complete = True

    def __init__(self, index: int, branch, outside: tuple, given: tuple, first: int, end: int,
                 loss, sources: tuple, gradients: tuple, segment=None):
        """The ops from `first` to `end` of its segment are its own: the segment that
        followed the program up to `branch`, kept as the values it read from outside and
        the gradients `given` by the call it began at (program.Segment: `segment`, if one
        was made, else made on a look); `loss`: the value of the gradient call's one
        target, or None (its bytes count the loss and the gradients of its variable
        sources). `updates`: the next step (or segment), whose first `taken` ops are its
        updates (set when that segment ends)."""
        self.index = index
        self.label = None
        self.branch, self.outside, self.given, self._segment = branch, outside, given, segment
        self.first, self.end = first, end
        self.updates, self.taken = None, 0
        self.loss = loss
        self.sources = sources
        self.gradients = gradients
        self._nbytes = None       # counted when first asked
        self._owner = None        # the KeptBytes it is counted in, once it takes no ops more
        self._warned_big = False

    @classmethod
    def of(cls, record: list, owner) -> "NotedStep":
        """The NotedStep of a noted step's `record`, counted in `owner` (a KeptBytes, or None
        while it takes updates), sharing the record's segment and count."""
        branch = record[BRANCH]
        step = cls(record[INDEX], branch, record[OUTSIDE], record[GIVEN], record[FIRST],
                   branch.depth, record[LOSS], record[SOURCES], record[GRADIENTS],
                   record_segment(record))
        step.updates, step.taken = record[UPDATES], record[TAKEN]
        step._nbytes, step._owner = record[NBYTES], owner
        return step

    @property
    def segment(self) -> Segment:
        """Its segment, made once (shared with the step before, whose updates it holds)."""
        if self._segment is None:
            self._segment = Segment(self.branch, self.outside, self.given)
        return self._segment

    @property
    def nbytes(self) -> int:
        """Its bytes, counted once (its variables' gradients, its loss, its segment's values
        from outside)."""
        if self._nbytes is None:
            self._nbytes = _noted_count(self.outside, self.sources, self.gradients, self.loss)
        return self._nbytes

    @property
    def parts(self) -> list:
        """Its (segment, first op, end) parts, as a made step lists them."""
        parts = [(self.segment, self.first, self.end)]
        updates = self.updates
        if updates is not None:
            kind = type(updates)
            segment = updates.segment if kind is NotedStep else \
                record_segment(updates) if kind is list else updates
            parts.append((segment, 0, self.taken))
        return parts

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def _counted(self) -> int:
        return self.nbytes

    @staticmethod
    def _attach(upstream: dict, step) -> dict:
        """No upstream gradient reaches a noted step's ops (their backward passes are kept
        passes, run again on a look): all of `upstream` is left for others."""
        return upstream

    def made(self) -> RecordedStep:
        """Its RecordedStep, counted as the Recorder counts a finished step when this one
        is (its owner's bytes then follow the made step's count)."""
        step = RecordedStep(self.index, self.label)
        step.complete = True
        step._flat, step._parts = None, self.parts
        step._take_gradient_call(self.loss, self.sources, self.gradients)
        step._warned_big = self._warned_big
        owner = self._owner
        if owner is not None:
            step._owner = owner
            step._finish_count()
            owner.nbytes += step.nbytes - self.nbytes
        return step


__all__ = ["NotedStep", "record_bytes", "record_segment", "kept_bytes", "INDEX", "BRANCH",
           "OUTSIDE", "GIVEN", "FIRST", "LOSS", "SOURCES", "GRADIENTS", "NBYTES", "SEGMENT",
           "UPDATES", "TAKEN"]
