"""Event types and the subscriber list: how the debugger hears the dispatch point.

Subscribers are called synchronously, in subscription order, on the thread that ran
the op; they must be cheap. The list is replaced, never mutated, so dispatch reads it
without a lock and a subscriber may unsubscribe itself from inside a callback.
"""
from __future__ import annotations

import threading
from typing import Callable

_subscribers: tuple = ()
_by_op: dict = {}  # op -> callbacks that only want that op's OpExecuted events
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


def subscribe(callback: Callable, ops=None) -> Callable:
    """Call `callback(event)` for every event from now on; returns the callback.

    With `ops` (registered ops, e.g. `{tf.ops.REGISTRY["log"]}`), call it only for
    those ops' OpExecuted events: other ops keep dispatch's fast path, so a listener
    that cares about a few ops costs the rest nothing.

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
        if ops is None:
            _subscribers = _subscribers + (callback,)
        else:
            for op in ops:
                _by_op[op] = _by_op.get(op, ()) + (callback,)
                op.watched = True
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
        for op in list(_by_op):
            remaining = tuple(cb for cb in _by_op[op] if cb != callback)
            if remaining:
                _by_op[op] = remaining
            else:
                del _by_op[op]
                op.watched = False


def subscribers() -> tuple:
    """Every subscribed callback: those of all events, then those of chosen ops."""
    chosen = [cb for callbacks in _by_op.values() for cb in callbacks]
    return _subscribers + tuple(dict.fromkeys(cb for cb in chosen if cb not in _subscribers))


def emit(event) -> None:
    for callback in _subscribers:
        callback(event)
