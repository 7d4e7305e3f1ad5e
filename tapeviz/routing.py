"""Who hears each op, built from the subscriptions: one immutable `Route` per op.

`events.py` keeps the subscriptions and installs a new `Routing` on every change; dispatch,
the backward engine and other producers read `op.route` and a thread's layer listeners
without a lock, because routes are replaced, never mutated. Listeners by line are asked
once per call site (`LineRoute`), listeners by layer once per layer path.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from .event_types import OP_EVENTS, OpExecuted, VJPApplied
from .sourceinfo import SourceInfo


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



def merged(first: tuple, second: tuple) -> tuple:
    """`first`, then the callbacks of `second` not already in it."""
    if not first:
        return second
    return first + tuple(cb for cb in second if cb not in first)

