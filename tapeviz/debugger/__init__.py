"""`tapeviz.debugger`: the debugger core, all of it listening through the dispatch point.

Recorder (history of training steps under a byte budget), backward stepper, breakpoints
into a real debugger, NaN/Inf origin, diagnostics, tensor summaries and a runner that
trains in a background thread. Nothing here imports IPython or the widgets: their drawing
of these objects lives in `tapeviz.viz`, their magics in `tapeviz.ipython`.
"""
from .breakpoint import (Breakpoint, BreakpointError, BreakpointHit, break_on, breakpoints,
                         clear_breakpoints)
from .diagnosis import diagnose
from .findings import Finding
from .why_none import why_none
from .gradcheck import check_node_gradient
from .numerics import NaNOrigin, find_nan_origin
from .recorder import RecordedOp, RecordedStep, Recorder
from .replay import Replay, replay_tape
from .runner import Runner
from .runner_gate import RunnerStopped
from .stepper import BackwardStepper
from .summary import histogram, summarize

__all__ = ["BackwardStepper", "Breakpoint", "BreakpointError", "BreakpointHit", "Finding",
           "NaNOrigin", "RecordedOp", "RecordedStep", "Recorder", "Replay", "Runner",
           "RunnerStopped", "break_on", "breakpoints", "check_node_gradient",
           "clear_breakpoints", "diagnose", "find_nan_origin", "histogram", "replay_tape",
           "summarize", "why_none"]
