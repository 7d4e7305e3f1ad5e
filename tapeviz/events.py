"""Subscriptions, and the routes that decide who hears each op, installed on every change.

A subscriber chooses what it hears (`subscribe`): event classes, some ops, the ops run at
some user lines, or every op run inside some layers. Whenever subscriptions change, one
immutable `Route` per op is built from them and set as `op.route`: dispatch asks that one
object whether anyone hears the op (if not, the op keeps the fast path) and whom to
tell; the backward engine asks it who hears the op's backward steps. What nobody hears
is never built. Listeners by layer are routed per thread: entering a layer (`set_scope`)
looks up who hears every op there, once per layer change rather than once per op.

Subscribers are called synchronously, in subscription order, on the thread that ran the
op; they must be cheap. Routes are replaced, never mutated, so dispatch reads them
without a lock, and a subscriber may unsubscribe itself from inside a callback.

The events are the protocol: any engine that runs ops calls `route.ops` with one
`OpExecuted`. A listener that hears every op (the Recorder, breakpoints that look at
every op) may also give a node form, `on_node(node, taped, duration)`: tapeviz's own
dispatch calls that instead (`route.on_node`), building no event for it, and builds an
event only for the callbacks without one (`route.evented`). A node form that wants only
some outputs (a nan breakpoint's) gives a test of the output's value, `only_if`: dispatch
runs it right after the forward (`route.wants`) and makes a node for it only when it
holds.

The event classes are `event_types.py`'s (re-exported here), the routes `routing.py`'s.
"""
from __future__ import annotations

import threading
from bdb import BdbQuit
from typing import Callable

from .errors import add_note
from .event_types import GradientComputed, OpExecuted, VJPApplied
from .nonfinite import in_pass
from .routing import Routing, Subscription
from .routing import merged as merged   # (dispatch and the torch mode call events.merged)
from .sourceinfo import find_origins_early, user_source
from .threadstate import all_thread_states


_lock = threading.Lock()
changes = 0                      # changes of subscriptions begun plus those ended: odd while
#                                  one is being installed; what is decided from subscriptions
#                                  read after it holds while it stays (set_scope, an optimizer)
_ops: list = []                  # every registered op, whose routes a change replaces
_name_vocabularies: list = []    # predicates of producers that make ops on first use
_routing = Routing(())
_watchers: list = []             # called after each change (a producer outside dispatch)
gradient_listeners: tuple = ()   # the callbacks of GradientComputed: a tape reads this name
#                                  once a gradient call (no call, no lookup by kind)


def subscribe(callback: Callable, ops=None, kinds=None, sites=None, layers=None,
              on_node: Callable | None = None, timed: bool = True,
              only_if: Callable | None = None, sunk: bool = False) -> Callable:
    """Call `callback(event)` for the events it asks for from now on; returns it.

    With no argument, every event. `kinds` is a collection of event classes
    (OpExecuted, VJPApplied, GradientComputed, ...); `ops` (registered ops, e.g.
    `{tf.ops.REGISTRY["log"]}`) restricts OpExecuted and VJPApplied to those ops' nodes,
    and alone means their OpExecuted events. `sites`, a predicate on a SourceInfo, asks
    for the OpExecuted events of ops run at the user lines it accepts: dispatch then looks
    up every op's line, but builds no node or event for the others (a file:line
    breakpoint); it is asked once per call site. `layers`, a predicate on a layer path
    ("sequential/dense"), asks for the OpExecuted events of every op run inside the
    layers it accepts: ops outside them keep the fast path. (An event that only `sites=`
    listeners hear has `duration` 0.0: ops are not timed for them.) `on_node`, given
    with a callback that hears OpExecuted by op or kind, is that callback's own work taking
    `(node, taped, duration)`: tapeviz's dispatch calls it, before the callbacks that take
    events, and makes no event for it; other engines still send `callback` the event.
    `timed=False`: `on_node` does not read the duration, so dispatch does not time the op
    for it (it gets 0.0). `only_if`, with `on_node`, is a test of an op's output value (a
    numpy array or scalar) that every node `on_node` wants passes: dispatch runs it after
    the forward and calls `on_node` only when it holds, building no node for the others
    (a nan breakpoint's `not finite`); other engines still send `callback` every event.
    `sunk=True` (a listener of every op that installs a sink, `ThreadState.sink`, on the
    threads it records: the Recorder): tapeviz's dispatch appends each op there and its
    backward pass writes each upstream gradient there, calling `callback` for neither;
    other engines still send it the events.

    >>> import tapeviz as tf
    >>> seen = []
    >>> _ = tf.subscribe(seen.append)
    >>> _ = tf.constant(2.0) * 3.0
    >>> tf.unsubscribe(seen.append)
    >>> seen[0].node.op.name
    'multiply'
    """
    if (sites is not None or layers is not None) and (ops is not None or kinds is not None):
        raise ValueError("subscribe: sites= and layers= choose OpExecuted events by line or "
                         "layer; they do not combine with ops= or kinds=")
    if sites is not None and layers is not None:
        raise ValueError("subscribe: give sites= or layers=, not both (subscribe twice)")
    if on_node is not None and (sites is not None or layers is not None):
        raise ValueError("subscribe: on_node= goes with listeners by op or kind; the events "
                         "of sites= and layers= listeners are built for them")
    if sunk and (on_node is not None or sites is not None or layers is not None):
        raise ValueError("subscribe: sunk= is for a listener of every op fed through a "
                         "thread's sink; it takes no on_node=, sites= or layers=")
    if only_if is not None and on_node is None:
        raise ValueError("subscribe: only_if= chooses the nodes an on_node= form is given; "
                         "give on_node= too")
    ops = None if ops is None else frozenset(ops)
    if kinds is None and ops is not None:
        kinds = (OpExecuted,)
    kinds = None if kinds is None else frozenset(kinds)
    with _lock:
        subscription = Subscription(callback, kinds, ops, sites, layers, on_node, timed,
                                    only_if, sunk, user_source())
        _install(_routing.subscriptions + (subscription,))
    return callback


def unsubscribe(callback: Callable) -> None:
    """Stop calling `callback` for anything; unknown callbacks are ignored."""
    with _lock:
        kept = tuple(s for s in _routing.subscriptions if s.callback != callback)
        if len(kept) != len(_routing.subscriptions):
            _install(kept)


def _install(subscriptions: tuple) -> None:
    """Route every op and every thread for `subscriptions` (under the lock)."""
    global _routing, changes, gradient_listeners
    changes += 1
    try:
        routing = _routing = Routing(subscriptions)
        gradient_listeners = routing.listeners(GradientComputed)
        for op in _ops:
            op.route = routing.route(op)
        for state in all_thread_states():
            state.layer_listeners = () if state.probing else routing.in_layer(state.scope)
        find_origins_early(routing.lines is not None)
        for watcher in _watchers:
            watcher()
    finally:
        changes += 1


def registered(op) -> None:
    """Route a new op (defop calls this): those already listening to every op hear it."""
    with _lock:
        _ops.append(op)
        op.route = _routing.route(op)


def registered_ops() -> tuple:
    """Every op routed here: the registry's, and those of other producers (tapeviz.torch)."""
    return tuple(_ops)


def knows_op_names(predicate: Callable) -> None:
    """Let a producer that makes its ops on first use (tapeviz.torch) say which names it
    can make: `predicate(name) -> bool`, asked when a name is not routed yet."""
    _name_vocabularies.append(predicate)


def is_op_name(name: str) -> bool:
    """Whether `name` is an op some producer runs: a routed op, or one it can make."""
    return any(op.name == name for op in _ops) or any(
        known(name) for known in _name_vocabularies)


def watch_routing(watcher: Callable) -> None:
    """Call `watcher()` after every change of subscriptions (under the lock: it must not
    subscribe), so a producer that hooks into another engine (tapeviz.torch) installs its
    hooks only while someone listens."""
    _watchers.append(watcher)


def settle_thread() -> None:
    """Let the watchers redo their per-thread work on this thread, as a change of
    subscriptions would: a producer whose hooks only their own thread can remove (torch's
    mode stack) takes them off a thread that subscribed once and whose listeners are gone
    (a Runner's caller, once the run ends)."""
    with _lock:
        for watcher in _watchers:
            watcher()


def set_scope(state, scope: str) -> None:
    """Move `state`'s thread into layer path `scope`; listeners by layer hear its ops there.

    No lock while subscriptions stay put (a layer change is per op in a loop of name scopes):
    a change installed meanwhile by another thread may have written this thread's listeners
    before this write of the old ones, so then they are looked up again under the lock."""
    state.scope = scope
    if (_routing.layered or state.layer_listeners) and not state.probing:  # (see _install)
        seen = changes
        routing = _routing   # (read after `changes`, as the check below needs)
        found = routing._layers.get(scope)   # (in_layer's cache: a call fewer, 6 a step an
        #                                       optimizer's apply of two variables)
        state.layer_listeners = found if found is not None else routing.in_layer(scope)
        if seen & 1 or seen != changes:
            with _lock:
                state.layer_listeners = _routing.in_layer(scope)



def listeners(kind, op=None) -> tuple:
    """The callbacks an event of class `kind` (about `op`'s node, for op events) goes to,
    not counting those that hear it only at some lines or layers."""
    return _routing.listeners(kind, op)


def subscribers() -> tuple:
    """Every subscribed callback, in order of first subscription."""
    return _routing.callbacks


def hears_any(ops) -> bool:
    """Whether a subscriber may hear an op of `ops` (their OpExecuted): by name, as one of
    every op, or at some lines or inside some layers (which it may run in)."""
    routing = _routing
    return routing.lines is not None or bool(routing.layered) or any(
        routing.listeners(OpExecuted, op) for op in ops)


def hears_unnamed_ops() -> bool:
    """Whether a subscriber hears ops it does not name, wherever they run: every op, or the
    ops at some lines (one that names its ops hears only those; one by layer, only the ops
    inside its layers)."""
    return _routing.unnamed


def emit(event) -> None:
    """Send an event that is not about one op (GradientComputed, BreakpointHit, ...)."""
    tell(_routing.listeners(type(event)), event)


def tell(callbacks: tuple, event) -> None:
    """Call each of `callbacks` (the listeners of `event`, looked up already) with it."""
    callback = None
    try:
        for callback in callbacks:
            callback(event)
    except Exception as error:
        note_listener_error(error, callback, event)
        raise


def note_listener_error(error: Exception, listener: Callable, heard) -> None:
    """Say on `error`, raised by `listener` (a subscriber's callback or node form) when it
    heard `heard` (an event, or the node given to a node form), which subscriber raised it
    and where it subscribed: the error surfaces from the op or the gradient call."""
    if isinstance(error, BdbQuit):
        return   # a debugger quit: the user's own doing
    at = None
    for subscription in _routing.subscriptions:
        form = subscription.on_node
        if listener == subscription.callback or form is not None and (
                listener == form or getattr(listener, "__wrapped__", None) is form):
            listener, at = subscription.callback, subscription.subscribed_at
            break
    else:   # unsubscribed while it ran (a once breakpoint's hit): the form itself
        listener = getattr(listener, "__wrapped__", listener)
    if getattr(listener, "says_its_own_errors", False):
        return   # a breakpoint's hit or condition (its subscriber, or a form gone with it)
    name = getattr(listener, "__qualname__", None) or type(listener).__qualname__
    module = getattr(listener, "__module__", None)
    where = f", subscribed at {at}" if at is not None else ""
    add_note(error, f"raised by the listener {module + '.' if module else ''}{name}{where}, "
                    f"hearing {_heard_text(heard)}")


def _heard_text(heard) -> str:
    """What a listener heard, as a note says it: the event, its op and the op's line."""
    kind = type(heard)
    if kind is VJPApplied:
        return f"the VJPApplied of {heard.step.node.op.name}'s backward step"
    if kind is OpExecuted:
        heard = heard.node
    elif not hasattr(heard, "op"):   # an event not about one op
        return kind.__name__
    source = heard.source
    return (f"the OpExecuted of {heard.op.name} {in_pass(heard.phase)}"
            f"{f' at {source}' if source is not None else ''}")
