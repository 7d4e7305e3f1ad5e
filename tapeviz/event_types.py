"""The events a listener hears: an op ran, a backward step ran, a gradient call finished.

Any engine that runs ops (tapeviz's dispatch, the torch adapter) builds these; `events.py`
routes them to subscribers and re-exports them, so `events.OpExecuted` stays their name.
"""
from __future__ import annotations


class OpExecuted:
    """An op ran (forward, or inside a backward step); `node` describes it, `duration` is
    its forward's wall time in seconds."""

    __slots__ = ("node", "taped", "duration")

    def __init__(self, node, taped: bool, duration: float = 0.0):
        self.node = node
        self.taped = taped
        self.duration = duration

    def __repr__(self) -> str:
        return f"OpExecuted({self.node!r}, taped={self.taped})"


class VJPApplied:
    """One backward step ran: `step` holds the node, its upstream and input gradients."""

    __slots__ = ("step",)

    def __init__(self, step):
        self.step = step

    def __repr__(self) -> str:
        return f"VJPApplied({self.step!r})"


class GradientComputed:
    """`tape.gradient` finished: the tape, the flat targets and sources, the gradients.

    A training step usually ends here, so the recorder groups ops by these events."""

    __slots__ = ("tape", "targets", "sources", "gradients")

    def __init__(self, tape, targets, sources, gradients):
        self.tape = tape
        self.targets = targets
        self.sources = sources
        self.gradients = gradients

    def __repr__(self) -> str:
        return f"GradientComputed({len(self.sources)} sources)"


OP_EVENTS = (OpExecuted, VJPApplied)  # the events about one op's node, which routes carry
