"""Breakpoints on ops: match an executed op (or a backward step) and stop in a debugger.

A module-level listener, subscribed through `tapeviz.subscribe` only while some
breakpoint is enabled (so the fast path stays fast otherwise), checks every
`OpExecuted` event (phase "forward" or "backward") and every `VJPApplied` event (phase
"vjp") against the enabled breakpoints. A hit is recorded as a `BreakpointHit`, emitted
to subscribers, and handed to `session.open_debugger`, which picks the debugger that
fits the context (DESIGN decision 10) and never hangs where no input is possible.
"""
from __future__ import annotations

import functools
import os
import threading
import time
from typing import Callable, Iterable

import numpy as np

from .. import events
from ..ops.registry import REGISTRY
from .summary import all_finite

PHASES = (None, "forward", "backward", "vjp")
ACTIONS = ("raise", "continue")


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
        """One line: the op, where it ran, and why the breakpoint matched."""
        where = _where(self.source)
        return f"{self.node.op.name} ({self.phase}){where}; matched {', '.join(self.reasons)}"

    def __repr__(self) -> str:
        return f"<BreakpointHit {self.describe()}>"


class Breakpoint:
    """A condition on executed ops; see `break_on`."""

    def __init__(self, op=None, kind=None, layer=None, file=None, line=None, phase=None,
                 condition=None, nan=False, once=False, action="raise", internal=False):
        if phase not in PHASES:
            raise ValueError(f"break_on: phase must be one of {PHASES}; got {phase!r}")
        if action not in ACTIONS:
            raise ValueError(f"break_on: action must be one of {ACTIONS}; got {action!r}")
        if condition is not None and not callable(condition):
            raise TypeError(f"break_on: condition must be callable (node -> bool); "
                            f"got {type(condition).__name__}")
        self.op = _names(op)
        self.kind = _names(kind)
        self.layer = layer.strip("/") if layer else None
        self.file = file
        self.line = line
        self.phase = phase
        self.condition = condition
        self.nan = nan
        self.once = once
        self.action = action
        self.internal = internal      # armed by a debugger command (nextop / nextvjp)
        self.enabled = True
        self.hits: list[BreakpointHit] = []

    def ops_matched(self) -> set | None:
        """The registered ops this breakpoint (or, for phase "vjp", the steps it) can match,
        or None when it names no op or kind."""
        if self.op is None and self.kind is None:
            return None
        return {op for op in REGISTRY.values()
                if (self.op is None or op.name in self.op)
                and (self.kind is None or op.kind in self.kind)}

    def hears(self) -> str:
        """Which events the listener needs for this breakpoint: "steps" (backward steps),
        "ops" (the ops it names), "sites" (ops run at its file:line), "layer" (every op,
        but only inside its layer) or "all"."""
        if self.phase == "vjp":
            return "steps"
        if self.op is not None or self.kind is not None:
            return "ops"
        if self.file is not None or self.line is not None:
            return "sites"
        return "layer" if self.layer is not None else "all"

    def at(self, source) -> bool:
        """Whether `source` (a SourceInfo or None) is at the file:line this breakpoint names
        (True when it names neither)."""
        if self.file is None and self.line is None:
            return True
        if source is None or self.line is not None and source.lineno != self.line:
            return False
        return self.file is None or _same_file(source.filename, self.file)

    # ---- state ----------------------------------------------------------------------------
    def enable(self) -> "Breakpoint":
        """Match again (re-adds a cleared breakpoint)."""
        self.enabled = True
        if self not in _registry:
            _registry.append(self)
        _sync_listener()
        return self

    def disable(self) -> "Breakpoint":
        """Stop matching, but stay in `breakpoints()`."""
        self.enabled = False
        _sync_listener()
        return self

    def clear(self) -> None:
        """Remove from `breakpoints()` for good (until `enable`)."""
        self.enabled = False
        if self in _registry:
            _registry.remove(self)
        _sync_listener()

    # ---- matching -------------------------------------------------------------------------
    def match(self, node, phase: str, values=None) -> list | None:
        """The reasons `node` (run in `phase`) matches, or None; `values` are checked for nan.

        The listener asks every enabled breakpoint about every op, so the cheap tests come
        first and the reasons are only written for a match."""
        if self.phase is None and phase == "vjp" or self.phase not in (None, phase):
            return None
        if not self._selects(node):
            return None
        bad = ""
        if self.nan:
            bad = _non_finite(node.output if values is None else values)
            if not bad:
                return None
        if self.condition is not None and not self.condition(node):
            return None
        return self._reasons(node, phase, bad)

    def _selects(self, node) -> bool:
        """Whether the op, kind, layer and source criteria hold."""
        if self.op is not None and node.op.name not in self.op:
            return False
        if self.kind is not None and node.op.kind not in self.kind:
            return False
        if self.layer is not None and not _in_layer(node.scope, self.layer):
            return False
        return self.at(node.source)

    def _reasons(self, node, phase: str, bad: str) -> list:
        reasons = []
        if self.phase is not None:
            reasons.append(f"phase={phase!r}")
        if self.op is not None:
            reasons.append(f"op={node.op.name!r}")
        if self.kind is not None:
            reasons.append(f"kind={node.op.kind!r}")
        if self.layer is not None:
            reasons.append(f"layer={node.scope!r}")
        if self.file is not None or self.line is not None:
            source = node.source
            reasons.append(f"source='{os.path.basename(source.filename)}:{source.lineno}'")
        if bad:
            reasons.append(f"{'gradient' if phase == 'vjp' else 'output'} has {bad}")
        if self.condition is not None:
            reasons.append("condition")
        return reasons or ["any op" if phase != "vjp" else "any backward step"]

    def __repr__(self) -> str:
        fields = [f"{name}={value!r}" for name, value in (
            ("op", self.op), ("kind", self.kind), ("layer", self.layer), ("file", self.file),
            ("line", self.line), ("phase", self.phase), ("nan", self.nan or None),
            ("once", self.once or None)) if value is not None]
        if self.condition is not None:
            fields.append("condition=...")
        state = "" if self.enabled else " disabled"
        return f"<Breakpoint {' '.join(fields) or 'any op'}{state}, {len(self.hits)} hits>"


def break_on(op=None, kind=None, layer=None, file=None, line=None, phase=None,
             condition: Callable | None = None, nan: bool = False, once: bool = False,
             action: str | None = None) -> Breakpoint:
    """Stop in a debugger when an op matching every given criterion runs.

    >>> import tapeviz as tf
    >>> bp = break_on(op="exp", action="continue")
    >>> import os; os.environ["TAPEVIZ_DEBUGGER"] = "none"
    >>> _ = tf.exp(tf.constant(1.0))
    >>> bp.hits[0].node.op.name
    'exp'
    >>> bp.clear(); del os.environ["TAPEVIZ_DEBUGGER"]

    Parameters
    ----------
    op, kind : an op name (``"matmul"``) or kind (``"conv"``), or a list of them.
    layer : a layer path; matches that scope and every scope under it
        (``"sequential/dense"``), or a run of segments inside it (``"dense"``).
    file, line : the user's source: a basename or path suffix, and a line number.
    phase : ``"forward"``, ``"backward"`` (ops run inside VJPs), or ``"vjp"`` (one backward
        step: the node whose VJP was applied, with its upstream gradient). None matches
        ops in both phases but not backward steps.
    condition : ``condition(node) -> bool``, e.g. ``lambda node: node.output.numpy().max() > 10``.
    nan : match only when the output (for "vjp": an input gradient) has a nan or inf.
    once : a one-shot breakpoint: removed after its first hit.
    action : where no debugger can take input: ``"raise"`` (default) raises BreakpointError,
        ``"continue"`` records the hit and goes on.

    Cost while armed: a breakpoint naming ops or kinds wakes only for those ops (the rest
    keep dispatch's fast path); one naming a layer, only inside that layer; one with
    phase "vjp", only at backward steps; one naming a file or line makes dispatch find
    each op's line (a walk up the stack) and nothing more for other lines. A breakpoint
    naming none of these (a bare `condition` or `nan`) sees every op.
    """
    bp = Breakpoint(op, kind, layer, file, line, phase, condition, nan, once,
                    action or "raise")
    return bp.enable()


def breakpoints() -> list:
    """The breakpoints set with `break_on`, enabled or not (not the debugger's own)."""
    return [bp for bp in _registry if not bp.internal]


def clear_breakpoints() -> None:
    """Remove every breakpoint."""
    for bp in list(_registry):
        bp.clear()


# ---- the listener -------------------------------------------------------------------------
_registry: list[Breakpoint] = []
_enabled: tuple = ()  # the enabled breakpoints, in order; replaced on each change
# (phase, op) -> those of them that can match that op in that phase, filled as ops arrive and
# replaced by an empty dict after `_enabled` on each change (a listener on another thread
# then fills the old one): most events skip most breakpoints, or all (backward steps, usually)
_candidates: dict = {}


class _State(threading.local):
    def __init__(self):
        self.busy = False         # matching or inside a hit: ops run meanwhile don't stop
        self.hit_count = 0        # hits on this thread so far (the stepper watches it)
        self.stepper = None       # a BackwardStepper driving the backward pass, if any


_state = _State()


def thread_state() -> _State:
    """This thread's breakpoint state (the stepper and the debugger session use it)."""
    return _state


def _listener(event) -> None:
    state = _state
    if state.busy:
        return
    kind = type(event)
    if kind is events.OpExecuted:
        node, phase, step, values = event.node, event.node.phase, None, None
    elif kind is events.VJPApplied:
        step = event.step
        node, phase = step.node, "vjp"
        values = step.input_grads  # None where no gradient flows; only nan breakpoints look
    else:
        return
    table = _candidates
    candidates = table.get((phase, node.op))
    if candidates is None:
        candidates = table[phase, node.op] = _can_match(phase, node.op)
    if not candidates:
        return
    state.busy = True  # ops run by a condition or from the debugger prompt don't stop
    try:
        for bp in candidates:
            if not bp.enabled:
                continue
            reasons = bp.match(node, phase, values)
            if reasons is not None:
                _hit(bp, node, phase, reasons, step)
                return  # one stop per op, however many breakpoints match it
    finally:
        state.busy = False


def _hit(bp: Breakpoint, node, phase: str, reasons: list, step) -> None:
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
    state = _state
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


def _sync_listener() -> None:
    """Subscribe the listener to what the enabled breakpoints need, so dispatch builds no
    node or event for an op none of them can match: the ops they name, the ops run at
    their lines, backward steps, every op only inside the layers they name; every op only
    for a breakpoint that names no op, kind, line or layer (a condition or nan alone)."""
    global _enabled, _candidates
    events.unsubscribe(_listener)
    enabled = _enabled = tuple(bp for bp in _registry if bp.enabled)
    _candidates = {}
    needs = {bp.hears() for bp in enabled}
    layered = [bp for bp in enabled if bp.hears() == "layer"]
    if layered and "all" not in needs:
        events.subscribe(_listener,
                         layers=lambda scope: any(_in_layer(scope, bp.layer) for bp in layered))
    if "all" in needs:
        events.subscribe(_listener, kinds=(events.OpExecuted,))
    else:
        ops = set().union(*(bp.ops_matched() for bp in enabled if bp.hears() == "ops"))
        if ops:
            events.subscribe(_listener, ops=ops)
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


# ---- matching helpers ---------------------------------------------------------------------
def _names(value) -> frozenset | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, Iterable):
        return frozenset(getattr(v, "name", v) for v in value)
    return frozenset([getattr(value, "name", value)])  # an Op or defop function


@functools.lru_cache(maxsize=4096)  # asked for every op; few distinct scopes and files
def _in_layer(scope: str, layer: str) -> bool:
    if not scope:
        return False
    return scope == layer or scope.startswith(layer + "/") or f"/{layer}/" in f"/{scope}/"


@functools.lru_cache(maxsize=4096)
def _same_file(filename: str, wanted: str) -> bool:
    filename = os.path.normpath(filename)
    wanted = os.path.normpath(wanted)
    if os.path.isabs(wanted):
        return filename == wanted
    return filename == wanted or filename.endswith(os.sep + wanted)


def _non_finite(values) -> str:
    """'nan', 'inf', 'nan and inf' or '' for a tensor or a list or tuple of them (None skipped)."""
    found = set()
    for tensor in values if isinstance(values, (list, tuple)) else [values]:
        if tensor is None or all_finite(tensor):
            continue
        array = np.asarray(getattr(tensor, "_value", tensor))
        if array.dtype.kind not in "fc":
            continue
        if np.isnan(array).any():
            found.add("nan")
        if np.isinf(array).any():
            found.add("inf")
    return " and ".join(sorted(found, reverse=True))


def _where(source) -> str:
    if source is None:
        return ""
    text = f" at {os.path.basename(source.filename)}:{source.lineno}"
    line = source.line
    return f"{text} ({line})" if line else text
