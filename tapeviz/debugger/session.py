"""Opening a debugger at a breakpoint hit, chosen by context, plus tapeviz's pdb commands.

`open_debugger(hit)` picks (ARCHITECTURE.md: breakpoints open a real debugger):
JupyterLab's debugger when a debugpy client is attached, IPython's debugger where IPython
can read input, plain pdb on a terminal, and otherwise no debugger at all: the hit is
already recorded, and the breakpoint's action raises `BreakpointError` or continues, so
nothing ever waits for input that cannot come. `TAPEVIZ_DEBUGGER` (read at each hit) forces
a choice: "pdb", "ipython", "debugpy", or "none" (auto when unset).

The debugger opens in the user's frame, as `breakpoint()` on their line would: the line that
called the op, or that called `gradient` for a hit inside the backward pass (pdb and ipdb
never step into tapeviz's own modules). The op's context is at hand there as names (node,
op, inputs, output, upstream, tape, source, line, hit; where the user's code has a name of
its own, theirs wins) and as the commands node, tape [N], nextop, nextvjp."""
from __future__ import annotations

import bdb
import pdb
import re
import sys
import textwrap
import threading
from collections import ChainMap

from ..backward import vjp_in_flight
from ..dispatch import unrecorded
from ..nonfinite import in_pass
from ..op_place import op_place
from ..sourceinfo import _cell_name, user_frame   # _cell_name: IPython's name of a cell
from ..threadstate import thread_state
from . import op_inputs
from .breakpoint import Breakpoint, BreakpointError
from .given import forced_debugger
from .runner_gate import pause_at_hit
from .summary import summarize

_COLOUR = r"(?:\x1b\[[0-9;]*m)*"   # the colour codes IPython's debugger puts between tokens
OWN_MODULES = ["tapeviz", "tapeviz.*"]   # where pdb's step and next never stop
LABEL_WIDTH = 16   # the node command aligns the values of input labels up to this long
# the session's opening lines are wrapped between words at this width: JupyterLab breaks a line
# anywhere at its output's width (107 columns at 1280 px: 'nextv' over 'jp'), a terminal at 80
HEADER_WIDTH = 79


def header(text: str) -> str:
    """`text` wrapped between words at HEADER_WIDTH, its later lines indented under it."""
    return textwrap.fill(text, HEADER_WIDTH, subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False)


def open_debugger(hit) -> None:
    """Stop in the debugger that fits the context, or apply the hit's action if none can."""
    which, why = choose_debugger()
    hit.debugger = which
    if which is None:
        if hit.breakpoint.action == "continue" or not pause_at_hit(hit, why):
            _no_input(hit, why)
        return
    here = sys._getframe()
    frame = user_frame(here) or here   # the whole stack is tapeviz's only in its own tests
    try:
        with unrecorded():  # ops evaluated at the prompt must not land on the user's tape
            if which == "debugpy":
                _pause_in_debugpy(frame, hit)
            else:
                make_pdb(which, hit).start(frame, op_context(hit, frame))
    except Exception as exc:
        if type(exc).__name__ != "StdinNotImplementedError":
            raise
        sys.settrace(None)  # the debugger could not read its first command (nbclient, CI)
        hit.debugger = None
        _no_input(hit, "the Jupyter front end allows no input")


def op_context(hit, frame) -> dict:
    """The names the debugger offers at a hit: the op, what it read and made, its tape."""
    node = hit.node
    return {"hit": hit, "node": node, "op": node.op, "inputs": node.inputs,
            "output": node.output, "upstream": hit.upstream, "tape": tape_of(node, frame)[0],
            "source": hit.source, "line": hit.source.line if hit.source is not None else ""}


def _pause_in_debugpy(frame, hit) -> None:
    """Pause JupyterLab's debugger in `frame` (pydevd stops on its next line: the op's line
    has run by then), saying which hit it is and where its context is."""
    print(header(f"tapeviz breakpoint: {hit.describe()}; the op's node, inputs, output and "
                 f"upstream are the hit's: <breakpoint>.hits[-1]"), file=sys.stderr)
    pydevd = sys.modules.get("pydevd")
    if pydevd is None:
        sys.modules["debugpy"].breakpoint()   # a debugpy without pydevd loaded: here, then
        return
    pydevd.settrace(suspend=True, trace_only_current_thread=True, patch_multiprocessing=False,
                    stop_at_frame=frame, notify_stdin=False)


def choose_debugger() -> tuple:
    """(debugger name or None, why none can take input)."""
    forced = forced_debugger("breakpoint hit")   # changed since break_on checked it
    if forced:
        return (None, "TAPEVIZ_DEBUGGER=none") if forced == "none" else (forced, "")
    debugpy = sys.modules.get("debugpy")
    if debugpy is not None and debugpy.is_client_connected():
        return "debugpy", ""
    ip = _ipython()
    if ip is not None:
        kernel = getattr(ip, "kernel", None)
        if kernel is not None:
            if threading.current_thread() is not threading.main_thread():
                return None, ("a Jupyter kernel reads input for its running cell only, not "
                              "for a background thread's")
            if getattr(kernel, "_allow_stdin", False):
                return "ipython", ""
            return None, "the Jupyter front end allows no input"
        if _isatty(sys.stdin):
            return "ipython", ""
    if _isatty(sys.stdin):
        return "pdb", ""
    return None, "stdin is not a terminal"


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


def tape_of(node, frame) -> tuple:
    """(tape, index, VJP node): where `node` is recorded, with no VJP node; or, for an op
    no tape records that runs inside a VJP, the tape and entry of that VJP and its node;
    else (None, -1, None)."""
    tape, index = find_on_tape(node, frame)
    if tape is not None:
        return tape, index, None
    found = vjp_in_flight()
    if found is not None and found[2] is not None:
        return found[2].tape, found[2].position, found[0]
    return None, -1, None


# ---- text ---------------------------------------------------------------------------------
def node_summary(node, upstream=None) -> str:
    """Several lines: the op, its pass and layer (as the hit's line says them: 'exp [math]
    in the forward pass, in layer dense'), the user's line, each input by the op's name for
    it (with what the line wrote for it: `x = h`), output, params, upstream."""
    lines = [f"{node.op.name} [{node.op.kind}] {in_pass(node.phase)}"
             + (f", in layer {node.scope}" if node.scope else "")]
    source = node.source
    if source is not None:
        lines.append(f"  at {source}")
        if source.statement:
            lines.append("      " + source.statement.replace("\n", "\n      "))
    names = op_inputs.input_labels(node.op, source, len(node.inputs), node.phase)
    rows = list(zip(names, node.inputs)) + [("output", node.output)]
    if node.params:
        rows.append(("params", node.params))
    if upstream is not None:
        rows.append(("upstream", upstream))
    # values aligned after the labels, but a long expression's does not push the others right
    width = max(len(label) for label, _ in rows if len(label) <= LABEL_WIDTH) + 2
    for label, value in rows:
        text = value if label == "params" else summarize(value)
        lines.append(f"  {(label + ':').ljust(width - 1)} {text}")
    return "\n".join(lines)


def tape_listing(tape, index: int, around: int = 3) -> str:
    """The ops `around` either side of the one at `index`, numbered as messages place them
    ('op 2 of the tape'), the current one marked '->'."""
    nodes = tape.nodes
    lines = [f"{tape!r}, at {op_place(index, len(nodes))}:"]
    for i in range(max(0, index - around), min(len(nodes), index + around + 1)):
        node = nodes[i]
        source = node.source
        where = f"  {source.location}" if source else ""
        shapes = ", ".join(str(list(t.shape)) for t in node.inputs)
        mark = "->" if i == index else "  "
        lines.append(f"{mark} op {i + 1:<4} {node.op.name}({shapes}) -> "
                     f"{list(node.output.shape)}{where}")
    return "\n".join(lines)


# ---- the debugger commands ----------------------------------------------------------------
class _Commands:
    """tapeviz commands for a pdb-style debugger stopped at a breakpoint hit."""

    hit = None
    user_frame = None    # the frame the session opened in
    op_names = {}        # the op's names offered there (op_context)

    def start(self, frame, op_names):
        """Say why we stopped, then stop in `frame` (the user's) now, as `set_trace` would
        on its line, with `op_names` at hand there."""
        self.user_frame, self.op_names = frame, op_names
        own = sorted(name for name in op_names if name in frame.f_locals)
        self.message(header(f"tapeviz breakpoint: {self.hit.describe()}"))
        self.message(header("names: " + ", ".join(op_names) + (
            f" (here {', '.join(own)} {'is' if len(own) == 1 else 'are'} your own; the op's: "
            f"hit.node, hit.upstream)" if own else "")
            + "; commands: node, tape [N], nextop, nextvjp, continue"))
        self.reset()
        caller = frame
        while caller is not None:    # as Bdb.set_trace: trace from the user's frame up
            caller.f_trace = self.trace_dispatch
            self.botframe = caller
            caller = caller.f_back
        self._set_stopinfo(self.botframe, None, -1)   # as `continue`, unless a command says
        self.interaction(frame, None)
        if self.quitting:   # `q`: end the program there, as pdb's set_trace does
            raise bdb.BdbQuit
        if self.stopframe is not self.botframe or self.stoplineno != -1 or self.breaks:
            sys.settrace(self.trace_dispatch)        # next, step, until, a pdb breakpoint

    def format_stack_entry(self, frame_lineno, *args, **kwargs):
        """A frame as the debugger shows it (its stop line, `where`, `up`), a notebook cell
        named as IPython's tracebacks name it (`Cell In[12], line 3, in f()`), not as the
        temporary file IPython compiled it to (`ipykernel_1/2.py(3)f()`); a file as pdb says it."""
        text = super().format_stack_entry(frame_lineno, *args, **kwargs)
        frame, lineno = frame_lineno
        cell = _cell_name(frame.f_code.co_filename)
        if cell is None:
            return text
        function = frame.f_code.co_name or "<lambda>"
        where = f"{cell}, line {lineno}" + (
            "" if function.startswith("<") else f", in {function}()")
        entry = (re.escape(self.canonic(frame.f_code.co_filename)) + _COLOUR + r"\(" + _COLOUR
                 + str(lineno) + _COLOUR + r"\)" + _COLOUR + re.escape(function) + _COLOUR
                 + r"\(\)")
        return re.sub(entry, lambda _: where, text, count=1)

    def setup(self, frame, traceback):
        done = super().setup(frame, traceback)
        self._offer_context()
        return done

    def _select_frame(self, number):
        super()._select_frame(number)
        self._offer_context()

    def _offer_context(self):
        """In the user's frame, names not its own read the op's context."""
        if self.curframe is self.user_frame and self.op_names:
            self.curframe_locals = ChainMap(self.curframe_locals, self.op_names)

    def rows(self, text: str) -> None:
        """Say `text`, a command's rows (a notebook's debugger wraps them between words)."""
        self.message(text)

    def do_node(self, arg):
        """node: show the op this breakpoint stopped at (inputs, output, source, upstream)."""
        self.rows(node_summary(self.hit.node, self.hit.upstream))

    def do_tape(self, arg):
        """tape [N]: show the N (default 3) ops of the tape either side of this op."""
        if arg.strip() and not arg.strip().isdigit():
            self.error(f"tape [N]: N is how many ops to show either side of the op, a "
                       f"whole number (tape 5); got {arg.strip()!r}")
            return
        around = int(arg) if arg.strip() else 3
        node = self.hit.node
        tape, index, vjp_node = tape_of(node, self.curframe)
        if tape is None:
            self.message(f"{node.op.name} is not on a tape that is recording or in reach")
            return
        if vjp_node is not None:
            self.message(f"{node.op.name} runs inside the gradient through {op_place(index)} "
                         f"({vjp_node.op.name}); no tape records it")
        self.rows(tape_listing(tape, index, around))

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

            from ..ipython.debugger_rows import NotebookRows
            _ipython_pdb_class = type("TapevizIPythonPdb", (NotebookRows, _Commands, IPythonPdb),
                                      {"__doc__": "IPython's debugger with tapeviz commands."})
        debugger = _ipython_pdb_class(skip=OWN_MODULES)
    else:
        debugger = TapevizPdb(skip=OWN_MODULES)
    debugger.hit = hit
    return debugger
