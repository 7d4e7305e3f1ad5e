"""Event types and the subscriber list: how the debugger hears the dispatch point.

Subscribers are called synchronously, in subscription order, on the thread that ran
the op; they must be cheap. The list is replaced, never mutated, so dispatch reads it
without a lock and a subscriber may unsubscribe itself from inside a callback.
"""
from __future__ import annotations

import threading
from typing import Callable

_subscribers: tuple = ()
_lock = threading.Lock()


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


def subscribe(callback: Callable) -> Callable:
    """Call `callback(event)` for every event from now on; returns the callback.

    >>> import tapeviz as tf
    >>> seen = []
    >>> _ = tf.subscribe(seen.append)
    >>> _ = tf.constant(2.0) * 3.0
    >>> tf.unsubscribe(seen.append)
    >>> seen[0].node.op.name
    'multiply'
    """
    global _subscribers
    with _lock:
        _subscribers = _subscribers + (callback,)
    return callback


def unsubscribe(callback: Callable) -> None:
    """Stop calling `callback`; unknown callbacks are ignored."""
    global _subscribers
    with _lock:
        kept = list(_subscribers)
        for i, cb in enumerate(kept):
            if cb == callback:
                del kept[i]
                break
        _subscribers = tuple(kept)


def subscribers() -> tuple:
    return _subscribers


def emit(event) -> None:
    for callback in _subscribers:
        callback(event)
