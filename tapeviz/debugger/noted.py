"""A step the Recorder only noted as it ended: its `RecordedStep` is made when someone looks.

A step whose ops all followed learned programs (program.py) holds nothing per op: its
segments' parts and what the gradient call that ended it gave (the loss, the sources and
their gradients). Making its `RecordedStep` as it ends (containers, counts, the plan of the
next count) cost a training loop more than checking its ops did, so the Recorder keeps a
`NotedStep` in its place among its steps, and makes the RecordedStep when someone looks at
its steps or must put ops into it. Its bytes are counted as the made step will count them
(`footprint.noted_bytes`): the budget drops it unmade.
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import and_, is_not

from ..variable import Variable
from .footprint import noted_bytes
from .history import STEP_BYTES, RecordedStep


class NotedStep:
    """A finished step noted, not made: `made()` makes its RecordedStep."""

    __slots__ = ("index", "label", "parts", "loss", "sources", "gradients", "nbytes",
                 "_owner", "_warned_big")
    complete = True

    def __init__(self, index: int, part: tuple, loss, sources: tuple, gradients: tuple):
        """`part`: (segment, first op, end) of its segment's ops it holds; `loss`: the value
        of the gradient call's one target, or None."""
        self.index = index
        self.label = None
        self.parts = [part]
        self.loss = loss
        self.sources = sources
        self.gradients = gradients
        self._owner = None        # the KeptBytes it is counted in, once it takes no ops more
        self._warned_big = False
        # the gradients of variables it holds (C loops: a step's end is a loop's hot path)
        held = tuple(compress(gradients, map(and_, map(isinstance, sources, repeat(Variable)),
                                             map(is_not, gradients, repeat(None)))))
        self.nbytes = STEP_BYTES + noted_bytes(part[0], held, () if loss is None else (loss,))

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
        step._flat, step._parts = None, list(self.parts)
        step._take_gradient_call(self.loss, self.sources, self.gradients)
        step._warned_big = self._warned_big
        owner = self._owner
        if owner is not None:
            step._owner = owner
            step._finish_count()
            owner.nbytes += step.nbytes - self.nbytes
        return step


__all__ = ["NotedStep"]
