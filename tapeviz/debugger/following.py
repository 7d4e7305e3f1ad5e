"""The Recorder's segments that follow a learned program: learned, noted, run again on a look.

A segment (the ops between two gradient calls) recorded fully is learned as a program
(program.py); a later one that follows it keeps only its values from outside, and a step
made of it alone is only noted at its gradient call (noted.py), its `RecordedStep` made when
someone looks. A backward pass over the step's own taped ops is kept as one record
(kept_pass.py). A mixin of `Recorder` (recorder.py), which holds the state it reads.
"""
from __future__ import annotations

from collections import deque
from itertools import compress
from operator import is_

from ..node import NODE, RECORD_WIDTH, TAPED
from ..sourceinfo import source_from
from ..threadstate import thread_state
from .kept_pass import mark_failed, pass_record
from .noted import TAKEN, UPDATES, NotedStep
from .kept_pass_follows import pass_follows
from .program import Segment


_NOTED = (NotedStep, list)   # a noted step, or its record (noted.py)


def loss_of(event):
    """The value of a gradient call's one target (its loss), or None."""
    return event.targets[0]._value if len(event.targets) == 1 else None


class ProgramFollowing:
    """Segments followed and noted (`_replay_segment`; learned by the Recorder's
    `_learn_segment`), steps made on a look (`_made`), backward passes kept as one record
    (`_keep_pass`)."""

    def _begin_segment(self, given: tuple = (), before: list = ()) -> None:
        """A segment begins (the Recorder started, or a gradient call that gave `given`
        ended one whose ops made `before`): its ops
        follow the programs learned while the Recorder is in a state whose split of them was
        learned: the step before ended at a gradient call and takes updates, or none is open."""
        fresh = not self._current._record_count() and self._current._loss is None
        if self.split != "gradient" or self._sink_state is None or not fresh \
                or self._evaluating or self._waiting:
            self._segment_state, self._records.before = None, []
            return
        self._segment_state = "closing" if self._closing is not None else "open"
        self._records.given, self._records.before = given, before
        self._records.begin()

    def _replay_segment(self, event) -> bool:
        """At a gradient call that ends a segment which followed a learned program: sort it
        into steps as its split says, keeping the segment (its last branch, its inputs from
        outside) in place of its records; False if its split is not known for this state."""
        records, state = self._records, self._segment_state
        end = records.at
        split = end.splits.get(state)
        # (a tape that keeps its nodes, a persistent one: the step's nodes are the tape's)
        if split is None or records or records.upstream or not event.tape.freed \
                or self._sink_state.tapes and self._outer_tape_recording(event.tape):
            return False
        outside, given = tuple(records.outside), records.given   # (arrays: untracked)
        outs, records.at = records.outs, None
        taken, evaluation = split
        start = taken + evaluation
        closing = self._closing
        if state == "closing" and not evaluation and start < end.depth:
            kind = type(closing)   # (a training loop's step: no Segment made)
            if kind is list:   # (a record: its owner is the kept bytes once in uncounted)
                self._closing = None   # its updates: now final
                self._kept.uncounted.append(closing)   # (counted when the budget is near)
                noted = self._note_step(end, outside, given, start, event, outs)
                if taken:   # (the part its count holds already)
                    closing[UPDATES], closing[TAKEN] = noted, taken
                return True
            if kind is NotedStep:
                self._closing = None
                closing._owner = self._kept
                self._kept.uncounted.append(closing)
                noted = self._note_step(end, outside, given, start, event, outs)
                if taken:
                    closing.updates, closing.taken = noted, taken
                return True
        if type(closing) is list:   # (it takes a Segment as its updates: a NotedStep does)
            closing = self._as_noted(closing)
        segment = Segment(end, outside, given)
        if state == "closing":
            if type(closing) is NotedStep and not evaluation:   # its updates: now final
                self._closing = None
                if taken:
                    closing.updates, closing.taken = segment, taken
                closing._owner = self._kept
                self._kept.uncounted.append(closing)
            else:
                closing, self._closing = self._made(closing), None
                closing._add_part(segment, 0, taken, outs)
                self._finish(closing)
                if evaluation:
                    self._current._add_part(segment, taken, taken + evaluation, outs)
                    self._end_step("evaluation", closing=False)
        if start < end.depth:   # (the step in progress is fresh: the segment began it)
            self._note_step(end, outside, given, start, event, outs, segment)
            return True
        self._enforce_budget()
        self._end_gradient_step(event)
        self._begin_segment(tuple(event.gradients), outs)
        return True

    def _note_step(self, end, outside: tuple, given: tuple, first: int, event, outs: list,
                   segment=None):
        """The step in progress ends at gradient call `event` holding the ops from `first`
        of the segment that followed the program up to branch `end` (its values from
        `outside`, the gradients `given` at its start; `segment`, if one was made) alone:
        it is noted, made when someone looks (noted.py), and takes the next segment's
        updates; that segment (`outs`: the outputs of this one) begins. Returns the noted
        step: a record (noted.py's list) where no segment was made, else a NotedStep (a
        look the budget's warning makes may have made the closing one already)."""
        current = self._current
        sources, last = event.sources, self._sources
        if len(sources) == len(last) and all(map(is_, sources, last)):
            sources = last   # (the last step's: one tuple, not one more a step to collect)
        else:
            sources = self._sources = tuple(sources)
        targets = event.targets   # (loss_of, inlined: a call a step)
        gradients = tuple(event.gradients)
        loss = targets[0]._value if len(targets) == 1 else None
        if segment is None:   # (noted.py's record, INDEX to TAKEN: no object a step)
            noted = [current.index, end, outside, given, first, loss, sources, gradients, None,
                     None, None, 0]
        else:
            noted = NotedStep(current.index, end, outside, given, first, end.depth, loss,
                              sources, gradients, segment)
        current.index = self._next_index   # (fresh: it serves as the next step)
        self._next_index += 1
        self._steps.append(noted)
        self._closing, self._waiting = noted, 0
        # counted only if the budget may be near: the kept steps, the uncounted at twice
        # the largest counted noted step (KeptBytes.estimate), and this one so
        kept = self._kept
        if current._flat or kept.nbytes + kept.estimate(1) > self.max_bytes:
            self._enforce_budget()
        # the sink is empty and stays so while segments follow: the next count is planned
        # when it takes a record again (a segment left: `_check_budget`), not at every step
        self._unplanned, self._records.check_at = True, 0
        # (what _begin_segment finds: a fresh step, the noted one closing, none waiting)
        self._segment_state = "closing"
        records = self._records
        records.given, records.before = gradients, outs
        records.begin()
        return noted

    def _made(self, step):
        """`step` (a kept step, the closing one or None), made if it was only noted, in its
        place."""
        kind = type(step)
        if kind is not NotedStep and kind is not list:
            return step
        return self._replaced(step, self._noted_of(step).made())

    def _as_noted(self, step):
        """`step` (a kept step, the closing one or None) as a NotedStep in its place if it
        was a noted step's record."""
        return step if type(step) is not list else self._replaced(step, self._noted_of(step))

    def _noted_of(self, step) -> NotedStep:
        """The NotedStep of a noted `step` (itself, or made of its record: counted in the
        kept bytes unless it still takes updates)."""
        if type(step) is not list:
            return step
        return NotedStep.of(step, None if step is self._closing else self._kept)

    def _replaced(self, step, by):
        """`by` in the place of kept step `step` (among the steps, as the closing one)."""
        steps = self._steps
        for index in range(len(steps) - 1, -1, -1):   # (the noted are the newest, mostly)
            if steps[index] is step:
                steps[index] = by
                break
        if self._closing is step:
            self._closing = by
        return by

    def _make_noted(self) -> None:
        """Make every kept step that was only noted (someone looks at them all)."""
        steps = self._steps
        kinds = set(map(type, steps))
        if NotedStep in kinds or list in kinds:
            self._kept.total()   # (counted as noted first: the uncounted would outlive them)
            closing = self._closing
            self._steps = deque(self._noted_of(step).made() if type(step) in _NOTED else step
                                for step in steps)
            if type(closing) in _NOTED:   # (the closing step is the newest)
                self._closing = self._steps[-1]

    def _keep_pass(self, backward, frame) -> bool:
        """Keep the backward pass about to run (a replayable one: `Backward._replayable`,
        and `own_vjps` unless it follows a program) as one record, made again when someone
        looks (kept_pass.py), if its tape's nodes are the step's taped ops so far, every one;
        returns whether it is kept. `frame`: the
        caller of the pass's `run`, where the user's line is found (its VJPs' ops share it)."""
        records, current = self._records, self._current._flat
        nodes, targets, sources = backward.replay_facts
        if records.at is not None:
            if pass_follows(records, nodes, targets, sources, frame, self._sink_state.scope):
                self._running_pass, self._looked_in_flight = backward, None
                return True
            records.leave(nodes)
        if not backward.own_vjps():   # (a pass its program vouches for ran its VJPs before)
            return False
        width = RECORD_WIDTH
        taped = tuple(compress(records[NODE::width], records[TAPED::width]))
        if current:
            taped = (*compress(current[NODE::width], current[TAPED::width]), *taped)
        if taped != nodes:
            return False
        records += pass_record(targets, sources, source_from(frame),
                               thread_state().scope)
        self._running_pass, self._looked_in_flight = backward, None
        return True

    def _pass_failed(self, backward) -> None:
        """A kept pass raised: its ops are made again up to the error when someone looks
        (those of one looked at in flight were recorded as they ran)."""
        self._running_pass = None
        if self._looked_in_flight is not backward:
            self._records.leave(backward.replay_facts[0])
            mark_failed(self._records)

    @staticmethod
    def _outer_tape_recording(tape) -> bool:
        tapes = thread_state().tapes
        return bool(tapes) and any(other is not tape for other in tapes)


__all__ = ["ProgramFollowing", "loss_of"]
