"""Breakpoints on ops: what a breakpoint names (`break_on`) and how it matches a node.

A `Breakpoint` is a set of criteria on an executed op (its name, kind, layer, user line,
phase, values, a condition) or on a backward step. Enabling one hands it to
`breakpoint_listener`, which subscribes to just the events the enabled breakpoints can
match and turns a match into a `BreakpointHit` and a debugger.
"""
from __future__ import annotations

import difflib
import functools
import math
import os
import re
import sys
from typing import Callable, Iterable

import numpy as np

from .. import events
from ..arguments import flag
from ..errors import DTypeError, InvalidArgumentError, bad_argument
from ..nonfinite import nonfinite_counts
from ..sourceinfo import in_a_library, user_source
from . import breakpoint_listener as listener
from .breakpoint_listener import FLOAT_SCALARS, BreakpointError, BreakpointHit, thread_state
from .given import (check_source_line, condition_failed, condition_returned_none,
                    forced_debugger)
from .summary import all_finite

PHASES = (None, "forward", "backward", "vjp")
ACTIONS = ("raise", "continue")


class Breakpoint:
    """A condition on executed ops; see `break_on`."""

    def __init__(self, op=None, kind=None, layer=None, file=None, line=None, phase=None,
                 condition=None, nan=False, once=False, action="raise", internal=False):
        if phase not in PHASES:
            raise bad_argument("break_on", "phase", f"one of {PHASES}", phase,
                               InvalidArgumentError)
        if action not in ACTIONS:
            raise bad_argument("break_on", "action", f"one of {ACTIONS}", action,
                               InvalidArgumentError)
        if layer is not None and not isinstance(layer, str):
            raise bad_argument("break_on", "layer", "a layer path (a str), e.g. "
                               "'sequential/dense'", layer, DTypeError)
        if condition is not None and not callable(condition):
            raise bad_argument("break_on", "condition", "a callable taking the node, returning a "
                               "bool, e.g. lambda node: node.output.numpy().max() > 10",
                               condition, DTypeError)
        self.op = _names(op)
        self.kind = _names(kind)
        routed = events.registered_ops()
        made_by = functools.cache(_op_made_by)   # asked once a name, below and in the check
        _check_known("op", self.op, lambda name: events.is_op_name(name) or made_by(name),
                     {o.name for o in routed})
        if self.op is not None:   # a public function's name stands for the op it makes too
            self.op = self.op | {made_by(name) for name in self.op} - {None}
        kinds = {o.kind for o in routed}   # torch's kinds are the registry's
        _check_known("kind", self.kind, kinds.__contains__, kinds)
        self.layer = layer.strip("/") if layer else None
        self.file = file
        self.line = line
        self.phase = phase
        self.condition = condition
        self.nan = flag("break_on", "nan", nan)      # (nan="yes" armed a nan breakpoint)
        self.once = flag("break_on", "once", once)
        self.action = action
        self.internal = internal      # armed by a debugger command (nextop / nextvjp)
        self.enabled = True
        self.hits: list[BreakpointHit] = []
        self.set_at = user_source()   # where the user set it, for a condition that raises
        self.said_none = False        # whether a condition returning None was warned of

    def ops_matched(self) -> set | None:
        """The registered ops this breakpoint (or, for phase "vjp", the steps it) can match,
        or None when it names no op or kind."""
        if self.op is None and self.kind is None:
            return None
        return {op for op in events.registered_ops()   # the torch adapter's ops too
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

    def inside(self, scope: str) -> bool:
        """Whether layer path `scope` is inside the layer this breakpoint names (True when
        it names none)."""
        return self.layer is None or _in_layer(scope, self.layer)

    def at(self, source) -> bool:
        """Whether `source` (a SourceInfo or None) is at the file:line this breakpoint names
        (True when it names neither); a line without a file, in the user's own files only."""
        if self.file is None and self.line is None:
            return True
        if source is None or self.line is not None and source.lineno != self.line:
            return False
        if self.file is None:
            return not in_a_library(source.filename)
        return _same_file(source.filename, self.file)

    # ---- state ----------------------------------------------------------------------------
    def enable(self) -> "Breakpoint":
        """Match again (re-adds a cleared breakpoint)."""
        self.enabled = True
        listener.arm(self)
        return self

    def disable(self) -> "Breakpoint":
        """Stop matching, but stay in `breakpoints()`."""
        self.enabled = False
        listener.sync()
        return self

    def clear(self) -> None:
        """Remove from `breakpoints()` for good (until `enable`)."""
        self.enabled = False
        listener.disarm(self)

    # ---- matching -------------------------------------------------------------------------
    def match(self, node, phase: str, values=None) -> list | None:
        """The reasons `node` (run in `phase`) matches, or None; `values` are checked for nan."""
        if self.phase is None and phase == "vjp" or self.phase not in (None, phase):
            return None
        if self.op is not None and node.op.name not in self.op:
            return None
        if self.kind is not None and node.op.kind not in self.kind:
            return None
        if self.condition is None:
            return self.match_admitted(node, phase, values)
        state = thread_state()   # a condition is asked with this thread's breakpoints quiet
        was_busy, state.busy = state.busy, True
        try:
            return self.match_admitted(node, phase, values)
        finally:
            state.busy = was_busy

    def match_admitted(self, node, phase: str, values=None) -> list | None:
        """`match` for a node whose phase, op and kind the listener has admitted already,
        with this thread's breakpoints quiet (`breakpoint_listener` asks this of every op
        it hears: the cheap tests come first, a finite output is told by one check, and
        reasons are written only for a match)."""
        if self.layer is not None and not _in_layer(node.scope, self.layer):
            return None
        if (self.file is not None or self.line is not None) and not self.at(node.source):
            return None
        bad = ""
        if self.nan:
            if values is None:
                output = node.output._value
                # a float scalar (most ops of a per-example loop): a Python float test
                if math.isfinite(output) if type(output) in FLOAT_SCALARS \
                        else all_finite(output):
                    return None
                values = node.output
            bad = _non_finite(values)
            if not bad:
                return None
        if self.condition is not None:
            try:
                verdict = self.condition(node)
                if verdict is None and not self.said_none:
                    self.said_none = True
                    condition_returned_none(self, node)
                if not verdict:
                    return None
            except Exception as error:
                condition_failed(self, node, error)
                raise
        return self.reasons(node, phase, bad)

    def reasons(self, node, phase: str, bad: str) -> list:
        """Why `node` (run in `phase`) matched, one phrase a criterion (`bad`: the non-finite
        values found, for nan)."""
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
            reasons.append(f"source='{source.location}'")
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
        if self.line is not None and self.file is None:
            fields.append("in your own files (not a library's)")
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
    file, line : the user's source: a basename or path suffix, and a line number; a line
        without a file is that line in the user's own files (scripts, modules, notebook
        cells), never in a library's (the standard library, installed packages). A blank
        or comment line, or one past the end, is refused; code that can run no op
        (``a = 1 + 2``, ``return x``, a ``def`` line) is warned of, with the lines near it
        that can.
    phase : ``"forward"``, ``"backward"`` (ops run inside VJPs), or ``"vjp"`` (one backward
        step: the node whose VJP was applied, with its upstream gradient). None matches
        ops in both phases but not backward steps.
    condition : ``condition(node) -> bool``, e.g. ``lambda node: node.output.numpy().max() > 10``.
    nan : match only when the output (for "vjp": an input gradient) has a nan or inf.
    once : a one-shot breakpoint: removed after its first hit.
    action : where no debugger can take input: ``"raise"`` (default) raises BreakpointError,
        ``"continue"`` records the hit and goes on.

    Set again at the same line with the same criteria (a notebook cell run again), it
    replaces the breakpoint set there before, which is cleared: one stops, and clearing
    the new one leaves none.

    Cost while armed: a breakpoint naming ops or kinds wakes only for those ops (the rest
    keep dispatch's fast path); one naming a layer, only inside that layer; one with
    phase "vjp", only at backward steps; one naming a file or line makes dispatch find
    each op's line (a walk up the stack) and nothing more for other lines, while the ops
    of a VJP or an optimizer's update, which share the line that called `gradient` or
    `apply_gradients`, keep the fast path unless that is its line. While every
    breakpoint has `nan`, dispatch tests each output it can match and makes a node only
    for a NaN or Inf; a bare `condition` is asked about every op's node.
    """
    check_source_line(file, line)
    forced_debugger("break_on")
    bp = Breakpoint(op, kind, layer, file, line, phase, condition, nan, once,
                    action or "raise")
    for earlier in listener.armed():   # the cell that set it run again: it replaces its twin
        if not earlier.internal and _set_alike(earlier, bp):
            earlier.clear()
    return bp.enable()


def breakpoints() -> list:
    """The breakpoints set with `break_on`, enabled or not (not the debugger's own)."""
    return [bp for bp in listener.armed() if not bp.internal]


def clear_breakpoints() -> None:
    """Remove every breakpoint."""
    for bp in listener.armed():
        bp.clear()


def _set_alike(one: Breakpoint, other: Breakpoint) -> bool:
    """Whether two breakpoints were set at one file:line with the same criteria, conditions
    compared by their code (a cell run again makes its lambda and its code object again)."""
    places = [(bp.set_at.filename, bp.set_at.lineno) if bp.set_at else None
              for bp in (one, other)]
    fields = ("op", "kind", "layer", "file", "line", "phase", "nan", "once", "action")
    conditions = (getattr(bp.condition, "__code__", bp.condition) for bp in (one, other))
    return places[0] is not None and places[0] == places[1] \
        and all(getattr(one, name) == getattr(other, name) for name in fields) \
        and next(conditions) == next(conditions)


def _check_known(what: str, names, known: Callable, candidates) -> None:
    """A name no engine has never matches: say so at once, with the closest names, rather
    than arm a breakpoint that silently never stops."""
    for name in sorted(names or ()):
        if not isinstance(name, str):
            raise bad_argument("break_on", what, "a name (str) or a list of names", name,
                               DTypeError)
        if not known(name):
            close = difflib.get_close_matches(name, sorted(candidates), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            unqualified = name.rsplit(".", 1)[-1]   # 'tf.matmul', 'torch.nn.functional.relu'
            if unqualified != name and known(unqualified):
                hint = f"; ops are named without their module: did you mean {unqualified!r}?"
            elif what == "op" and _composite(name):   # tf.squeeze: a reshape, not a 'square'
                hint = (f": tf.{name} is a function that runs other ops (as the widget draws "
                        f"them); name one of those, or break at the line that calls it, "
                        f"break_on(file=..., line=...)")
            elif what == "kind" and events.is_op_name(name):   # an op's name, not its family
                hint = f"; {name!r} is an op: break_on(op={name!r})"
            elif (place := re.fullmatch(r"(.+\.py):(\d+)", name)):   # pdb's `b file:line`
                hint = (f"; for a line of a file: break_on(file={place[1]!r}, "
                        f"line={place[2]})")
            elif what == "kind" and not close:   # (a few, the same in every engine: all said)
                hint = f"; the kinds: {', '.join(sorted(candidates))}"
            elif "torch" in sys.modules and "tapeviz.torch" not in sys.modules:
                hint += "; a PyTorch op? import tapeviz.torch first: it names torch's ops"
            attribute = "name" if what == "op" else what
            raise InvalidArgumentError("break_on", f"no {what} is called {name!r}{hint} "
                                                   f"({what}s are named as a tape's nodes show "
                                                   f"them: node.op.{attribute})")


# ---- matching helpers ---------------------------------------------------------------------
def _composite(name: str) -> bool:
    """Whether `name` is a public TF function of tapeviz's that is no op of its own."""
    import tapeviz   # the public surface, which imports the debugger
    return callable(getattr(tapeviz, name, None)) and not name[:1].isupper()


def _op_made_by(name) -> str | None:
    """The op the public function `name` makes where the two names differ (`tf.divide` makes
    the tape's `truediv`), else None. Another engine may use the name itself (torch.divide)."""
    from .. import math, nn   # the public surface, which imports the debugger
    for module in (math, nn):
        made = getattr(getattr(module, name, None), "name", None)
        if isinstance(made, str) and made != name and events.is_op_name(made):
            return made
    return None


def _names(value) -> frozenset | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, Iterable):
        return frozenset(_op_name(v) for v in value)
    return frozenset([_op_name(value)])


def _op_name(value):
    """An Op's name, or a public function's (tf.add, tf.matmul: the op each makes)."""
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else getattr(value, "__name__", value)


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
        nans, infs = nonfinite_counts(np.asarray(getattr(tensor, "_value", tensor)))
        found.update(("nan",) * bool(nans) + ("inf",) * bool(infs))
    return " and ".join(sorted(found, reverse=True))


__all__ = ["ACTIONS", "PHASES", "Breakpoint", "BreakpointError", "BreakpointHit", "break_on",
           "breakpoints", "clear_breakpoints", "thread_state"]
