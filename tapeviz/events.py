"""Event types and the subscriber lists: how the debugger hears the dispatch point.

Subscribers are called synchronously, in subscription order, on the thread that ran
the op; they must be cheap. The lists are replaced, never mutated, so dispatch reads
them without a lock and a subscriber may unsubscribe itself from inside a callback.

A subscriber chooses what it hears: event classes (`kinds`) and, for the events of an
op (OpExecuted, VJPApplied), which ops. What nobody hears is never built: an op no
one listens for keeps dispatch's fast path, a backward step no one listens for makes
no VJPApplied.
"""
from __future__ import annotations

import threading
from typing import Callable

_subscribers: tuple = ()     # callbacks of every event
_op_listeners: tuple = ()    # callbacks of every OpExecuted (dispatch reads this per op)
_step_listeners: tuple = ()  # callbacks of every VJPApplied (read at every backward step)
_by_op: dict = {}            # op -> callbacks of that op's OpExecuted events only
_steps_by_op: dict = {}      # op -> callbacks of the VJPApplied events of that op's nodes only
_by_kind: dict = {}          # event class -> callbacks of every event of that class
_by_site: tuple = ()         # (accepts, callback): OpExecuted of ops run at lines it accepts
_op_listeners_of: dict = {}  # op -> every callback of its OpExecuted, for the ops in _by_op
_step_listeners_of: dict = {}  # op -> every callback of its nodes' VJPApplied, for _steps_by_op
_at_site: dict = {}          # id(SourceInfo) -> the _by_site callbacks that accept it
_watched_ops: set = set()    # the ops whose flags _refresh set, so it finds them to clear
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


def subscribe(callback: Callable, ops=None, kinds=None, sites=None) -> Callable:
    """Call `callback(event)` for the events it asks for from now on; returns it.

    With no argument, every event. `kinds` is a collection of event classes
    (OpExecuted, VJPApplied, GradientComputed, ...); `ops` (registered ops, e.g.
    `{tf.ops.REGISTRY["log"]}`) restricts OpExecuted and VJPApplied to those ops' nodes,
    and alone means their OpExecuted events. `sites`, a predicate on a SourceInfo, asks
    for the OpExecuted events of ops run at the user lines it accepts: dispatch then looks
    up every op's line, but builds no node or event for the others (a file:line
    breakpoint). It is asked once per call site, not once per op. (An event that only such
    listeners hear has `duration` 0.0: ops are not timed for them.)

    >>> import tapeviz as tf
    >>> seen = []
    >>> _ = tf.subscribe(seen.append)
    >>> _ = tf.constant(2.0) * 3.0
    >>> tf.unsubscribe(seen.append)
    >>> seen[0].node.op.name
    'multiply'
    """
    global _subscribers, _by_site
    if sites is not None and (ops is not None or kinds is not None):
        raise ValueError("subscribe: sites= chooses OpExecuted events by line; it does not "
                         "combine with ops= or kinds=")
    ops = None if ops is None else tuple(ops)
    if kinds is None:
        kinds = (OpExecuted,) if ops is not None else None
    with _lock:
        if sites is not None:
            _by_site = _by_site + ((sites, callback),)
        elif kinds is None:
            _subscribers = _subscribers + (callback,)
        else:
            for kind in kinds:
                if ops is not None and kind in (OpExecuted, VJPApplied):
                    table = _by_op if kind is OpExecuted else _steps_by_op
                    for op in ops:
                        table[op] = table.get(op, ()) + (callback,)
                else:
                    _by_kind[kind] = _by_kind.get(kind, ()) + (callback,)
        _refresh()
    return callback


def unsubscribe(callback: Callable) -> None:
    """Stop calling `callback` for anything; unknown callbacks are ignored."""
    global _subscribers, _by_site
    with _lock:
        _subscribers = tuple(cb for cb in _subscribers if cb != callback)
        _by_site = tuple(pair for pair in _by_site if pair[1] != callback)
        for table in (_by_op, _steps_by_op, _by_kind):
            for key in list(table):
                remaining = tuple(cb for cb in table[key] if cb != callback)
                if remaining:
                    table[key] = remaining
                else:
                    del table[key]
        _refresh()


def _refresh() -> None:
    """Recompute what the hot paths read, after any change (under the lock).

    An op's `watched` flag is the one thing dispatch's fast path asks about listeners: it
    is set on every op while someone hears every op or listens by line (dispatch then
    asks `listeners_at`), and on the ops in `_by_op` (it then reads `_op_listeners_of`)."""
    global _op_listeners, _step_listeners, _op_listeners_of, _step_listeners_of, _at_site
    _op_listeners = listeners(OpExecuted)
    _step_listeners = listeners(VJPApplied)
    _op_listeners_of = {op: listeners(OpExecuted, op) for op in _by_op}
    _step_listeners_of = {op: listeners(VJPApplied, op) for op in _steps_by_op}
    _at_site = {}
    flagged = set(_by_op) | set(_steps_by_op)
    every = bool(_op_listeners or _by_site)
    if every:
        from .ops.registry import REGISTRY
        flagged.update(REGISTRY.values())
    for op in flagged | _watched_ops:
        op.watched = every or op in _by_op
        op.steps_watched = op in _steps_by_op
    _watched_ops.clear()
    _watched_ops.update(flagged)


def registered(op) -> None:
    """A new op is heard by those already listening to every op or by line (defop calls
    this)."""
    with _lock:
        if _op_listeners or _by_site:
            op.watched = True
            _watched_ops.add(op)


def listeners_at(source, already: tuple) -> tuple:
    """`already` plus the site callbacks that accept `source` (an op's SourceInfo, interned
    per line and kept alive, so its id is a key; None where no user frame was found)."""
    key = id(source)
    table = _at_site  # read before _by_site: a change meanwhile fills a table already replaced
    chosen = table.get(key)
    if chosen is None:
        chosen = table[key] = tuple(
            callback for accepts, callback in _by_site if source is not None and accepts(source))
    if not chosen:
        return already
    return already + tuple(cb for cb in chosen if cb not in already)


def listeners(kind, op=None) -> tuple:
    """The callbacks an event of class `kind` (about `op`'s node, for op events) goes to."""
    chosen = _by_kind.get(kind, ())
    if op is not None:
        chosen = chosen + (_by_op if kind is OpExecuted else _steps_by_op).get(op, ())
    if not chosen:
        return _subscribers
    return _subscribers + tuple(dict.fromkeys(cb for cb in chosen if cb not in _subscribers))


def subscribers() -> tuple:
    """Every subscribed callback: those of all events, then those of some kinds or ops."""
    chosen = [cb for table in (_by_kind, _by_op, _steps_by_op)
              for callbacks in table.values() for cb in callbacks]
    chosen += [callback for _, callback in _by_site]
    return _subscribers + tuple(dict.fromkeys(cb for cb in chosen if cb not in _subscribers))


def emit(event) -> None:
    """Send an event that is not about one op (GradientComputed, BreakpointHit, ...)."""
    for callback in listeners(type(event)):
        callback(event)
