"""Opening a debugger at a breakpoint hit, chosen by context, plus tapeviz's pdb commands.

`open_debugger(hit)` picks (ARCHITECTURE.md: breakpoints open a real debugger):
JupyterLab's debugger when a debugpy client is attached, IPython's debugger where IPython
can read input, plain pdb on a terminal, and otherwise no debugger at all: the hit is
already recorded, and the breakpoint's action raises `BreakpointError` or continues, so
nothing ever waits for input that cannot come. `TAPEVIZ_DEBUGGER` (read at each hit) forces
a choice: "pdb", "ipython", "debugpy", or "none" (auto when unset). The debugger opens in
`_breakpoint_frame`, whose locals are the op's context: node, op, inputs, output, upstream,
source, line. Its commands: node, tape [N], nextop, nextvjp."""
from __future__ import annotations

import os
import pdb
import sys
import threading

import numpy as np

from ..backward import vjp_in_flight
from ..dispatch import unrecorded
from ..threadstate import thread_state
from .breakpoint import Breakpoint, BreakpointError

DEBUGGERS = ("pdb", "ipython", "debugpy", "none")


class _Session(threading.local):
    def __init__(self):
        self.which = None    # the debugger _breakpoint_frame starts
        self.hit = None      # the hit it shows


_session = _Session()


def open_debugger(hit) -> None:
    """Stop in the debugger that fits the context, or apply the hit's action if none can."""
    which, why = choose_debugger()
    hit.debugger = which
    if which is None:
        _no_input(hit, why)
        return
    _session.which, _session.hit = which, hit
    node = hit.node
    try:
        with unrecorded():  # ops evaluated at the prompt must not land on the user's tape
            _breakpoint_frame(node, node.inputs, node.output, hit.upstream, hit.source)
    except Exception as exc:
        if type(exc).__name__ != "StdinNotImplementedError":
            raise
        sys.settrace(None)  # the debugger could not read its first command (nbclient, CI)
        hit.debugger = None
        _no_input(hit, "the Jupyter front end allows no input")
    finally:
        _session.which = _session.hit = None


def choose_debugger() -> tuple:
    """(debugger name or None, why none can take input)."""
    forced = os.environ.get("TAPEVIZ_DEBUGGER", "").strip().lower()
    if forced:
        if forced not in DEBUGGERS:
            raise ValueError(f"TAPEVIZ_DEBUGGER must be one of {DEBUGGERS}; got {forced!r}")
        return (None, "TAPEVIZ_DEBUGGER=none") if forced == "none" else (forced, "")
    debugpy = sys.modules.get("debugpy")
    if debugpy is not None and debugpy.is_client_connected():
        return "debugpy", ""
    ip = _ipython()
    if ip is not None:
        kernel = getattr(ip, "kernel", None)
        if kernel is not None:
            if getattr(kernel, "_allow_stdin", False):
                return "ipython", ""
            return None, "the Jupyter front end allows no input"
        if _isatty(sys.stdin):
            return "ipython", ""
    if _isatty(sys.stdin):
        return "pdb", ""
    return None, "stdin is not a terminal"


def _breakpoint_frame(node, inputs, output, upstream, source):
    """The frame the debugger opens in: the op's context as plainly named locals."""
    op = node.op
    line = source.line if source is not None else ""
    if _session.which == "debugpy":
        sys.modules["debugpy"].breakpoint()  # JupyterLab's debugger pauses on the next line
    else:
        make_pdb(_session.which, _session.hit).start(sys._getframe())
    return op, line  # `continue` resumes the program; `nextop` stops at the next op


def _no_input(hit, why: str) -> None:
    if hit.breakpoint.action == "continue":
        return
    raise BreakpointError(
        f"breakpoint hit: {hit.describe()}; no debugger can take input here ({why}). "
        f"Pass action='continue' to record hits and go on, or set TAPEVIZ_DEBUGGER=pdb "
        f"to force a debugger.", hit)


def _ipython():
    if "IPython" not in sys.modules:
        return None
    return sys.modules["IPython"].get_ipython()


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


# ---- where the backward pass is -----------------------------------------------------------
def upstream_in_flight():
    """The upstream gradient of the VJP whose ops run now (for backward-phase hits)."""
    found = vjp_in_flight()
    return None if found is None else found[1]


def _candidate_tapes(frame) -> list:
    """Tapes that may hold the node: recording ones, then any a caller's frame refers to."""
    from ..backward import Backward
    from ..tape import GradientTape
    from .breakpoint import thread_state as breakpoint_state
    tapes = list(thread_state().tapes)
    stepper = breakpoint_state().stepper
    if stepper is not None:
        tapes.append(stepper.tape)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, GradientTape):
                tapes.append(value)
            elif isinstance(value, Backward):
                tapes.append(value.tape)
            elif isinstance(getattr(value, "tape", None), GradientTape):
                tapes.append(value.tape)
        frame = frame.f_back
    unique = []
    for tape in tapes:
        if all(tape is not seen for seen in unique):
            unique.append(tape)
    return unique


def find_on_tape(node, frame) -> tuple:
    """(tape, index) of `node` on a tape reachable from `frame`, or (None, -1)."""
    for tape in _candidate_tapes(frame):
        for index, recorded in enumerate(tape.nodes):
            if recorded is node:
                return tape, index
    return None, -1


# ---- text ---------------------------------------------------------------------------------
def describe_tensor(tensor) -> str:
    """dtype, shape and, for numbers, min/max/mean and non-finite counts."""
    if tensor is None:
        return "None"
    array = np.asarray(getattr(tensor, "_value", tensor))
    text = f"{array.dtype}{list(array.shape)}"
    if array.size and array.dtype.kind in "fiub":
        values = array.astype(np.float64)
        finite = values[np.isfinite(values)]
        if finite.size:
            text += f" min={finite.min():.4g} max={finite.max():.4g} mean={finite.mean():.4g}"
        bad = [f"{count} {name}" for name, count in (
            ("nan", int(np.isnan(values).sum())), ("inf", int(np.isinf(values).sum()))) if count]
        if bad:
            text += " (" + ", ".join(bad) + ")"
    return text


def node_summary(node, upstream=None) -> str:
    """Several lines: the op, its phase and scope, the user's line, inputs, output, params."""
    lines = [f"{node.op.name} [{node.op.kind}] phase={node.phase}"
             + (f" scope={node.scope!r}" if node.scope else "")]
    source = node.source
    if source is not None:
        lines.append(f"  at {source}")
        if source.line:
            lines.append(f"      {source.line}")
    for i, tensor in enumerate(node.inputs):
        lines.append(f"  input[{i}]: {describe_tensor(tensor)}")
    lines.append(f"  output:   {describe_tensor(node.output)}")
    if node.params:
        lines.append(f"  params:   {node.params}")
    if upstream is not None:
        lines.append(f"  upstream: {describe_tensor(upstream)}")
    return "\n".join(lines)


def tape_listing(tape, index: int, around: int = 3) -> str:
    """Tape entries `around` either side of `index`, the current one marked '->'."""
    nodes = tape.nodes
    lines = [f"{tape!r}, entry #{index}:"]
    for i in range(max(0, index - around), min(len(nodes), index + around + 1)):
        node = nodes[i]
        source = node.source
        where = f"  {source.location}" if source else ""
        shapes = ", ".join(str(list(t.shape)) for t in node.inputs)
        mark = "->" if i == index else "  "
        lines.append(f"{mark} #{i:<4} {node.op.name}({shapes}) -> {list(node.output.shape)}{where}")
    return "\n".join(lines)


# ---- the debugger commands ----------------------------------------------------------------
class _Commands:
    """tapeviz commands for a pdb-style debugger stopped at a breakpoint hit."""

    hit = None

    def start(self, frame):
        """Say why we stopped, then stop in `frame`."""
        self.message(f"tapeviz breakpoint: {self.hit.describe()}")
        self.message("locals: node, op, inputs, output, upstream, source, line; "
                     "commands: node, tape [N], nextop, nextvjp, continue")
        self.set_trace(frame)

    def do_node(self, arg):
        """node: show the op this breakpoint stopped at (inputs, output, source, upstream)."""
        self.message(node_summary(self.hit.node, self.hit.upstream))

    def do_tape(self, arg):
        """tape [N]: show N (default 3) tape entries either side of this op."""
        around = int(arg) if arg.strip().isdigit() else 3
        node = self.hit.node
        tape, index = find_on_tape(node, self.curframe)
        if tape is not None:
            self.message(tape_listing(tape, index, around))
            return
        found = vjp_in_flight()
        if found is not None and found[2] is not None:
            vjp_node, backward = found[0], found[2]
            tape, index = backward.tape, backward.position
            self.message(f"{node.op.name} runs inside the VJP of tape entry #{index} "
                         f"({vjp_node.op.name}); no tape records it")
            self.message(tape_listing(tape, index, around))
            return
        self.message(f"{node.op.name} is not on a tape that is recording or in reach")

    def do_nextop(self, arg):
        """nextop: continue to the next op (forward or backward) and stop there."""
        self._arm(phase=None)
        return self.do_continue(arg)

    def do_nextvjp(self, arg):
        """nextvjp: continue to the next backward step (one VJP applied) and stop there."""
        self._arm(phase="vjp")
        return self.do_continue(arg)

    def _arm(self, phase):
        action = self.hit.breakpoint.action if self.hit is not None else "raise"
        Breakpoint(phase=phase, once=True, action=action, internal=True).enable()


class TapevizPdb(_Commands, pdb.Pdb):
    """pdb with tapeviz's node, tape, nextop and nextvjp commands."""


_ipython_pdb_class = None


def make_pdb(which: str, hit):
    """A debugger instance of the kind `which` ("pdb" or "ipython") showing `hit`."""
    global _ipython_pdb_class
    if which == "ipython":
        if _ipython_pdb_class is None:
            from IPython.core.debugger import Pdb as IPythonPdb
            _ipython_pdb_class = type("TapevizIPythonPdb", (_Commands, IPythonPdb),
                                      {"__doc__": "IPython's debugger with tapeviz commands."})
        debugger = _ipython_pdb_class()
    else:
        debugger = TapevizPdb()
    debugger.hit = hit
    return debugger
