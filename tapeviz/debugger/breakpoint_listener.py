"""Listening for breakpoints: the breakpoints set, the one listener that matches events
against the enabled ones, and what a hit does.

The listener is subscribed through `events.subscribe` only to what the enabled
breakpoints can match (the ops they name, their lines, their layers, backward steps; every
op only for one that names none of these), so every other op keeps dispatch's fast path.
It checks each `OpExecuted` (phase "forward" or "backward") and `VJPApplied` (phase "vjp")
it hears. A hit is recorded as a `BreakpointHit`, emitted to subscribers, and handed to
`session.open_debugger`, which picks the debugger that fits the context and never hangs
where no input is possible.
"""
from __future__ import annotations

import math
import os
import threading
import time

import numpy as np

from .. import events
from ..nonfinite import in_pass
from .summary import all_finite


class BreakpointError(RuntimeError):
    """A breakpoint was hit where no debugger can take input, and its action is "raise"."""

    def __init__(self, message: str, hit: "BreakpointHit | None" = None):
        super().__init__(message)
        self.hit = hit


class BreakpointHit:
    """One time a breakpoint matched: the node, where in user code, when, and why."""

    __slots__ = ("breakpoint", "node", "source", "time", "phase", "upstream", "reasons",
                 "step", "debugger")

    def __init__(self, breakpoint, node, phase, reasons, upstream=None, step=None):
        self.breakpoint = breakpoint
        self.node = node
        self.source = node.source
        self.time = time.time()
        self.phase = phase            # "forward", "backward" or "vjp"
        self.upstream = upstream      # gradient reaching the node's output, when known
        self.reasons = reasons        # e.g. ["op='matmul'", "output has nan"]
        self.step = step              # the BackwardStep, for phase "vjp"
        self.debugger = None          # which debugger opened: "debugpy", "ipython", "pdb", None

    def describe(self) -> str:
        """One line: the op, in which pass and where it ran, and why the breakpoint matched
        ("exp in the forward pass at train.py:8 (...)", as the dashboard and a condition's
        error say an op's phase)."""
        where = _where(self.source)
        return f"{op_in_pass(self.node.op.name, self.phase)}{where}; matched " \
               f"{', '.join(self.reasons)}"

    def __repr__(self) -> str:
        return f"<BreakpointHit {self.describe()}>"


_registry: list = []  # the breakpoints set, enabled or not, in order
_enabled: tuple = ()  # the enabled breakpoints, in order; replaced on each change
# phase -> op -> those of them that can match that op in that phase, filled as ops arrive and
# replaced by an empty dict after `_enabled` on each change (a listener on another thread
# then fills the old one): most events skip most breakpoints, or all (backward steps, usually)
_candidates: dict = {}
# the enabled breakpoints when each admits every op in both phases (none names an op, a kind
# or a phase: a bare condition or nan, a layer or a line), else None: no lookup per op
_every_op: tuple | None = None


class _State:
    """One thread's breakpoint state (a plain object: a threading.local's attribute costs
    a lookup of the thread's dict on every read and write, and each heard op makes four)."""

    __slots__ = ("busy", "hit_count", "stepper")

    def __init__(self):
        self.busy = False         # in a condition or a hit: ops run meanwhile don't stop
        self.hit_count = 0        # hits on this thread so far (the stepper watches it)
        self.stepper = None       # a BackwardStepper driving the backward pass, if any


class _PerThread(threading.local):
    def __init__(self):
        self.state = _State()


_threads = _PerThread()
FLOAT_SCALARS = frozenset((np.float16, np.float32, np.float64, float))


def not_finite(value) -> bool:
    """Whether an op's output value holds a NaN or Inf: what a nan breakpoint tests, asked
    of every op's output (dispatch's `only_if`) before any node is made for it."""
    # a float scalar (most ops of a per-example loop): a Python float test
    return not (math.isfinite(value) if type(value) in FLOAT_SCALARS else all_finite(value))


def thread_state() -> _State:
    """This thread's breakpoint state (the stepper and the debugger session use it)."""
    return _threads.state


def _listener(event) -> None:
    """The event form: backward steps, and ops told by an engine other than tapeviz's
    dispatch (which calls `_heard` with the node, making no event)."""
    if type(event) is events.OpExecuted:
        _heard(event.node)
    elif type(event) is events.VJPApplied:
        step = event.step
        # values: None where no gradient flows; only nan breakpoints look
        _heard(step.node, phase="vjp", values=step.input_grads, step=step)


def _heard(node, taped: bool = False, duration: float = 0.0, phase: str | None = None,
           values=None, step=None) -> None:
    """An op ran (`phase` None: the node's), or a backward step; also the node form that
    dispatch calls, asked of every op while a breakpoint looks at every op, so an op no
    enabled breakpoint can match costs two lookups (none while every one admits it)."""
    if phase is None:
        phase = node.phase
        candidates = _every_op
    else:
        candidates = None
    if candidates is None:
        by_op = _candidates.get(phase)
        if by_op is None:
            by_op = _candidates[phase] = {}
        candidates = by_op.get(node.op)
        if candidates is None:
            candidates = by_op[node.op] = _can_match(phase, node.op)
        if not candidates:
            return
    state = _threads.state
    if state.busy:   # an op run by a condition or at the debugger prompt
        return
    state.busy = True   # the ops a condition or the debugger prompt runs don't stop
    try:
        for bp in candidates:
            if bp.enabled:
                reasons = bp.match_admitted(node, phase, values)
                if reasons is not None:
                    _hit(bp, node, phase, reasons, step)
                    return  # one stop per op, however many breakpoints match it
    finally:
        state.busy = False


def _conditions_asked(breakpoints: tuple):
    """The node form while every enabled breakpoint that looks at ops is a bare condition
    (nothing else to test): each is asked about the node directly, its (breakpoint,
    condition) pair and the thread-local prebuilt in the closure, not read per op."""
    if len(breakpoints) == 1:
        return _condition_asked(*breakpoints)
    asked = tuple((bp, bp.condition) for bp in breakpoints)
    threads = _threads

    def conditions_asked(node, taped: bool, duration: float) -> None:
        state = threads.state
        if state.busy:   # an op run by a condition or at the debugger prompt
            return
        state.busy = True
        try:
            for bp, condition in asked:
                try:
                    verdict = bp.enabled and condition(node)
                    if not verdict:   # the truth test: a tensor of many values fails, noted
                        if verdict is None and not bp.said_none:
                            _condition_said_none(bp, node)
                        continue
                except Exception as error:
                    _condition_raised(bp, node, error)
                    raise
                _hit(bp, node, node.phase, bp.reasons(node, node.phase, ""), None)
                return
        finally:
            state.busy = False
    conditions_asked.says_its_own_errors = True
    return conditions_asked


def _condition_asked(bp):
    """`_conditions_asked` for the usual one bare condition: no loop, no pair unpacked per
    op (-8k instructions a step of bench_debugger's regression loop, 643.1k -> 634.8k)."""
    condition = bp.condition
    threads = _threads

    def condition_asked(node, taped: bool, duration: float) -> None:
        state = threads.state
        if state.busy:   # an op run by the condition or at the debugger prompt
            return
        state.busy = True
        try:
            try:
                verdict = bp.enabled and condition(node)
                if not verdict:   # the truth test: a tensor of many values fails, noted
                    if verdict is None and not bp.said_none:
                        _condition_said_none(bp, node)
                    return
            except Exception as error:
                _condition_raised(bp, node, error)
                raise
            _hit(bp, node, node.phase, bp.reasons(node, node.phase, ""), None)
        finally:
            state.busy = False
    condition_asked.says_its_own_errors = True
    return condition_asked


def _condition_said_none(bp, node) -> None:
    """Warn once that `bp`'s condition answered None at `node` (a missing `return`)."""
    from .given import condition_returned_none
    bp.said_none = True
    condition_returned_none(bp, node)


def _condition_raised(bp, node, error: Exception) -> None:
    """Note on `error` that `bp`'s condition raised it at `node`."""
    from .given import condition_failed   # it imports the recorder
    condition_failed(bp, node, error)


def _hit(bp, node, phase: str, reasons: list, step) -> None:
    if os.environ.get("PYTHONBREAKPOINT") == "0":
        return
    from . import session
    upstream = step.upstream if step is not None else None
    if upstream is None and phase == "backward":
        upstream = session.upstream_in_flight()
    hit = BreakpointHit(bp, node, phase, reasons, upstream, step)
    bp.hits.append(hit)
    if bp.once:
        bp.clear()
    state = _threads.state
    state.hit_count += 1
    events.emit(hit)
    if phase == "vjp" and state.stepper is not None:
        return  # a stepper drives this backward pass: it pauses at the step instead
    session.open_debugger(hit)


def _can_match(phase: str, op) -> tuple:
    """The enabled breakpoints whose phase, op and kind criteria admit `op` in `phase`."""
    return tuple(bp for bp in _enabled
                 if (bp.phase == phase or bp.phase is None and phase != "vjp")
                 and (bp.op is None or op.name in bp.op)
                 and (bp.kind is None or op.kind in bp.kind))


def arm(bp) -> None:
    """Add `bp` to the breakpoints set (if new) and listen for what it needs."""
    if bp not in _registry:
        _registry.append(bp)
    sync()


def disarm(bp) -> None:
    """Remove `bp` from the breakpoints set, and stop listening for it."""
    if bp in _registry:
        _registry.remove(bp)
    sync()


def armed() -> list:
    """The breakpoints set, enabled or not, in the order they were set (a disabled one
    stops nothing: ask `bp.enabled`)."""
    return list(_registry)


def may_stop_updates_at(line) -> bool:
    """Whether an enabled breakpoint can stop at an op of an optimizer's update whose ops
    all run at user line `line` (a SourceInfo; None: at lines not known): any one but a
    backward step's, or one naming another file:line."""
    return any(bp.hears() != "steps" and (line is None or bp.at(line)) for bp in _enabled)


def sync() -> None:
    """Subscribe the listener to what the enabled breakpoints need, so dispatch builds no
    node or event for an op none of them can match: the ops they name, the ops run at
    their lines, backward steps, every op only inside the layers they name; every op only
    for a breakpoint that names no op, kind, line or layer (a condition or nan alone)."""
    global _enabled, _candidates, _every_op
    events.unsubscribe(_listener)
    enabled = _enabled = tuple(bp for bp in _registry if bp.enabled)
    _candidates = {}
    ops_seen = tuple(bp for bp in enabled if bp.hears() != "steps")
    _every_op = ops_seen if ops_seen and all(
        bp.op is None and bp.kind is None and bp.phase is None for bp in ops_seen) else None
    needs = {bp.hears() for bp in enabled}
    # when every op breakpoint wants a NaN or Inf output, dispatch tests the output first
    # and makes a node only for one that has it
    only_if = not_finite if all(bp.nan for bp in enabled if bp.hears() != "steps") else None
    layered = [bp for bp in enabled if bp.hears() == "layer"]
    in_layers = (lambda scope: any(bp.inside(scope) for bp in layered)) if layered else None
    if layered and "all" not in needs:
        events.subscribe(_listener, layers=in_layers)
    if "all" in needs:
        bare = _every_op is not None and all(
            bp.condition is not None and not bp.nan and bp.layer is None and bp.file is None
            and bp.line is None for bp in _every_op)
        events.subscribe(_listener, kinds=(events.OpExecuted,), timed=False, only_if=only_if,
                         on_node=_conditions_asked(_every_op) if bare else _heard)
    else:
        by_op = [bp for bp in enabled if bp.hears() == "ops"]
        if by_op:   # even when no op has its name yet: tapeviz.torch makes ops on first sight
            events.subscribe(_listener, ops=set().union(*(bp.ops_matched() for bp in by_op)),
                             on_node=_heard if in_layers is None else _outside(in_layers),
                             timed=False, only_if=only_if)
        sited = [bp for bp in enabled if bp.hears() == "sites"]
        if sited:
            events.subscribe(_listener, sites=lambda source: any(bp.at(source) for bp in sited))
    steps = [bp for bp in enabled if bp.hears() == "steps"]
    if steps:
        stepped = [bp.ops_matched() for bp in steps]
        if any(chosen is None for chosen in stepped):
            events.subscribe(_listener, kinds=(events.VJPApplied,))
        else:
            events.subscribe(_listener, ops=set().union(*stepped), kinds=(events.VJPApplied,))


def _outside(in_layers):
    """`_heard` for the ops outside the layers `in_layers` accepts: inside them the layers'
    listener hears each op already, and an op stops once (was: break_on(op="log") and
    break_on(layer="logs") stopped twice at the layer's log)."""
    def heard_outside_layers(node, taped: bool, duration: float) -> None:
        if not in_layers(node.scope):
            _heard(node, taped, duration)
    heard_outside_layers.says_its_own_errors = True
    return heard_outside_layers


# a hit's BreakpointError and a condition's error carry their own note: events adds none
_listener.says_its_own_errors = _heard.says_its_own_errors = True


def op_in_pass(name: str, phase: str) -> str:
    """An op and its phase as every message says them: 'exp in the forward pass', 'the
    gradient through exp in the backward pass' (as the Dashboard's Step gradient says it;
    'exp (vjp)' asked the reader to know the word).

    >>> op_in_pass("exp", "vjp")
    'the gradient through exp in the backward pass'
    """
    if phase == "vjp":
        return f"the gradient through {name} {in_pass('backward')}"
    return f"{name} {in_pass(phase)}"


def _where(source) -> str:
    if source is None:
        return ""
    text = f" at {source.location}"
    line = source.line
    return f"{text} ({line})" if line else text
