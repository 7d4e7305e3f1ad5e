"""Events, subscriptions, and the routes that decide who hears each op.

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
"""
from __future__ import annotations

import threading
from bdb import BdbQuit
from typing import Callable, NamedTuple

from .errors import add_note
from .nonfinite import in_pass
from .sourceinfo import SourceInfo, find_origins_early, user_source
from .threadstate import all_thread_states


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


class Subscription(NamedTuple):
    """What one `subscribe` call asked for (None: no restriction of that kind)."""

    callback: Callable
    kinds: frozenset | None = None   # event classes
    ops: frozenset | None = None     # ops whose OpExecuted (and VJPApplied) events it hears
    sites: Callable | None = None    # SourceInfo -> bool: OpExecuted at the lines it accepts
    layers: Callable | None = None   # scope -> bool: OpExecuted inside the layers it accepts
    on_node: Callable | None = None  # (node, taped, duration): callback's form without an event
    timed: bool = True               # whether on_node reads the duration
    only_if: Callable | None = None  # output value -> bool: the nodes on_node wants
    sunk: bool = False               # fed by tapeviz's engine through a thread's sink instead
    subscribed_at: object = None     # the user's line that subscribed it (a SourceInfo), if any

    def hears(self, kind, op=None) -> bool:
        """Whether it hears every `kind` event (about `op`'s node, for op events), without
        a line or layer to check."""
        if self.sites is not None or self.layers is not None:
            return False
        if self.kinds is not None and kind not in self.kinds:
            return False
        return self.ops is None or kind not in OP_EVENTS or op in self.ops


class Route:
    """Who hears one op; built by `Routing`, never modified.

    `ops`: callbacks of its every OpExecuted; `lines`: the listeners by line (a LineRoute,
    or None), which hear it where it runs at a line they accept; `steps`: callbacks of
    the VJPApplied of its nodes; `heard`: whether dispatch must leave its fast path for it.
    The same `ops` split for tapeviz's dispatch: `on_node`, the node forms of those that
    gave one (called first, with no event; a form with an `only_if` test is called for the
    nodes whose output passes it), and `evented`, the callbacks of the others;
    `every_node`: whether a node form wants every node; `wants`: for those with a test, the
    test an output must pass for any of them to want it (None: no such form), which
    dispatch asks before making a node for them alone; `timed`: whether one of those node
    forms reads the op's duration. A sunk callback (`subscribe(sunk=True)`) is in `ops` and
    `steps`, which other engines call, but tapeviz's engine feeds it through the thread's
    sink instead: it is in neither `on_node` nor `evented`, and `stepped` (what the backward
    pass announces to) is `steps` without it; `sunk_only`: sunk callbacks alone hear it
    (dispatch then adds its record to the thread's sink and does nothing else);
    `deferred`: node forms (and no event) hear every node, at every line, not a Recorder
    alone (an op with no tape or sink on its thread then goes straight to a deferred node,
    `dispatch._dispatch_deferred`).
    """

    __slots__ = ("ops", "lines", "steps", "heard", "on_node", "every_node", "wants", "evented",
                 "timed", "stepped", "sunk_only", "deferred")

    def __init__(self, ops: tuple, lines, steps: tuple, node_forms: dict, tests: dict,
                 untimed: frozenset, sunk: frozenset = frozenset()):
        self.ops = ops
        self.lines = lines
        self.steps = steps
        self.heard = bool(ops) or lines is not None
        formed = [cb for cb in ops if cb in node_forms]
        self.on_node = tuple(node_forms[cb] if cb not in tests else
                             _when(tests[cb], node_forms[cb]) for cb in formed)
        self.every_node = any(cb not in tests for cb in formed) or not sunk.isdisjoint(ops)
        wants = tuple(dict.fromkeys(tests[cb] for cb in formed if cb in tests))
        self.wants = None if not wants else wants[0] if len(wants) == 1 else _any_of(wants)
        self.evented = tuple(cb for cb in ops if cb not in node_forms and cb not in sunk)
        self.timed = any((cb in node_forms or cb in sunk) and cb not in untimed for cb in ops)
        self.stepped = tuple(cb for cb in steps if cb not in sunk) if sunk else steps
        self.sunk_only = bool(ops) and lines is None and sunk.issuperset(ops)
        self.deferred = self.every_node and not self.evented and lines is None \
            and not self.sunk_only   # (a Recorder alone, its sink away: the fast path)

    def __repr__(self) -> str:
        return (f"<Route {len(self.ops)} by op, {'some' if self.lines else 'none'} by line, "
                f"{len(self.steps)} of steps>")


def _when(wants: Callable, on_node: Callable) -> Callable:
    """The node form `on_node`, called only for a node whose output value `wants`."""
    def checked(node, taped, duration):
        if wants(node.output._value):
            on_node(node, taped, duration)
    checked.__wrapped__ = on_node   # the listener a note names if it raises
    return checked


def _any_of(tests: tuple) -> Callable:
    """The test an output passes when it passes any of `tests`."""
    return lambda value: any(wants(value) for wants in tests)


class LineRoute:
    """The listeners by line: `add(source, hearers)` adds those that accept `source`.

    Each listener is asked once per call site (an op's SourceInfo is interned per line and
    kept alive, so its id is a key), not once per op. A call site none of them accepts
    (most of them) is marked so, `source.unheard = route.mark`, and dispatch reads that
    mark first: one attribute an op, no call (`id()` allocates an int and raises an audit
    event). The mark is a token, not the route, so a line keeps no listener alive."""

    __slots__ = ("sited", "accepted", "mark", "codes", "_judged")

    def __init__(self, sited: tuple):
        self.sited = sited                # (accepts, callback) pairs
        self.accepted: dict = {}          # id(SourceInfo) -> the callbacks that accept it
        self.mark = object()              # `unheard` of the call sites no callback accepts
        self.codes: dict = {}             # id(code) -> whether no line of it is accepted
        self._judged: list = []           # the codes of `codes`: kept, so no id is reused

    def judge(self, code) -> bool:
        """Whether no listener accepts any line of `code`: each is asked about the
        SourceInfo a call site at each line the code can run would have (so the answer is
        theirs, exactly), once per code object; remembered in `codes` for
        `sourceinfo.refused`, which then rejects an op there without finding its line."""
        lines = {line for _, _, line in code.co_lines() if line is not None}
        lines.add(code.co_firstlineno)
        refused = not any(accepts(SourceInfo(code.co_filename, line, code.co_name))
                          for line in sorted(lines) for accepts, _ in self.sited)
        self._judged.append(code)
        self.codes[id(code)] = refused
        return refused

    def add(self, source, hearers: tuple) -> tuple:
        chosen = self.accepted.get(id(source))
        if chosen is None:
            chosen = self.accepted[id(source)] = tuple(
                callback for accepts, callback in self.sited
                if source is not None and accepts(source))
            if not chosen and source is not None:   # None: a line not known yet
                source.unheard = self.mark
        return merged(hearers, chosen) if chosen else hearers


class Routing:
    """Every route, for one tuple of subscriptions. Replaced as a whole on each change; its
    caches (per kind, per layer path) only fill, so readers on any thread need no lock."""

    def __init__(self, subscriptions: tuple):
        self.subscriptions = subscriptions
        self.callbacks = tuple(dict.fromkeys(s.callback for s in subscriptions))
        self.node_forms = {s.callback: s.on_node for s in subscriptions if s.on_node is not None}
        self.tests = {s.callback: s.only_if for s in subscriptions if s.only_if is not None}
        self.untimed = frozenset(s.callback for s in subscriptions
                                 if (s.on_node is not None or s.sunk) and not s.timed)
        self.sunk = frozenset(s.callback for s in subscriptions if s.sunk)
        sited = tuple((s.sites, s.callback) for s in subscriptions if s.sites is not None)
        self.lines = LineRoute(sited) if sited else None
        self.layered = tuple((s.layers, s.callback) for s in subscriptions
                             if s.layers is not None)
        # someone hears ops it does not name (every op, by line): a line that many ops share
        # (an optimizer's update) is worth finding once for them (one by layer hears an
        # update's ops only inside its layers: they walk, if ever, rather than every apply)
        self.unnamed = any(s.ops is None and s.layers is None
                           and (s.kinds is None or OpExecuted in s.kinds) for s in subscriptions)
        # the ops some subscription names: every other op is heard alike (one listeners key)
        self.named = frozenset().union(*(s.ops for s in subscriptions if s.ops is not None))
        self._kinds: dict = {}
        self._layers: dict = {}
        self._routes: dict = {}  # (ops, steps) -> its Route: ops heard alike share one
        self._unnamed = None     # the Route of every op no subscription names
        self.quiet = self._route((), ())

    def listeners(self, kind, op=None) -> tuple:
        """The callbacks of every `kind` event (about `op`'s node, for op events)."""
        key = (kind, op if op in self.named else None)   # (rerouting every op: one lookup)
        found = self._kinds.get(key)
        if found is None:
            found = self._kinds[key] = tuple(dict.fromkeys(
                s.callback for s in self.subscriptions if s.hears(kind, op)))
        return found

    def route(self, op) -> Route:
        """The route of `op`: who hears its ops and its backward steps (one route for all
        the ops no subscription names: they are heard alike)."""
        if op not in self.named:
            if self._unnamed is None:
                self._unnamed = self._route(self.listeners(OpExecuted),
                                            self.listeners(VJPApplied))
            return self._unnamed
        return self._route(self.listeners(OpExecuted, op), self.listeners(VJPApplied, op))

    def _route(self, ops: tuple, steps: tuple) -> Route:
        route = self._routes.get((ops, steps))
        if route is None:
            route = self._routes[ops, steps] = Route(ops, self.lines, steps, self.node_forms,
                                                         self.tests, self.untimed, self.sunk)
        return route

    def in_layer(self, scope: str) -> tuple:
        """The callbacks that hear every op run inside layer path `scope`."""
        if not self.layered:
            return ()
        found = self._layers.get(scope)
        if found is None:
            found = self._layers[scope] = tuple(dict.fromkeys(
                callback for accepts, callback in self.layered if scope and accepts(scope)))
        return found


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
            state.layer_listeners = routing.in_layer(state.scope)
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
    if _routing.layered or state.layer_listeners:  # read after the write: see _install
        seen = changes
        routing = _routing   # (read after `changes`, as the check below needs)
        found = routing._layers.get(scope)   # (in_layer's cache: a call fewer, 6 a step an
        #                                       optimizer's apply of two variables)
        state.layer_listeners = found if found is not None else routing.in_layer(scope)
        if seen & 1 or seen != changes:
            with _lock:
                state.layer_listeners = _routing.in_layer(scope)


def merged(first: tuple, second: tuple) -> tuple:
    """`first`, then the callbacks of `second` not already in it."""
    if not first:
        return second
    return first + tuple(cb for cb in second if cb not in first)


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
