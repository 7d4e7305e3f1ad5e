"""`tapeviz.debugger`: the debugger core, all of it listening through the dispatch point.

Recorder (history of training steps under a byte budget), backward stepper, breakpoints
into a real debugger, NaN/Inf origin, diagnostics, tensor summaries and a runner that
trains in a background thread. Modules load on first use (PEP 562).
"""
import importlib

_WHERE = {
    # recorder.py
    "Recorder": "recorder", "RecordedStep": "recorder", "RecordedOp": "recorder",
    # stepper.py and breakpoint.py
    "BackwardStepper": "stepper",
    "Breakpoint": "breakpoint", "BreakpointHit": "breakpoint", "break_on": "breakpoint",
    "breakpoints": "breakpoint", "clear_breakpoints": "breakpoint",
    "BreakpointError": "breakpoint",
    # numerics.py, summary.py, gradcheck.py, diagnosis.py
    "find_nan_origin": "numerics", "NaNOrigin": "numerics",
    "summarize": "summary", "histogram": "summary",
    "check_node_gradient": "gradcheck",
    "why_none": "diagnosis", "diagnose": "diagnosis",
    # runner.py, replay.py
    "Runner": "runner", "RunnerStopped": "runner",
    "replay_tape": "replay", "Replay": "replay",
}


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(_WHERE)
