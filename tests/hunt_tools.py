"""What the bug-hunt programs (tests/test_hunt_*.py, tests/pytorch/test_hunt_*.py) go through
beyond tf_program_tools': a Recorder over many steps, the Runner paused at its first op and
stopped there, a loop that trains well under every tool, and where a finding or a note
points."""
from tapeviz.debugger import Recorder, Runner, diagnose, find_nan_origin
from tf_program_tools import (paused_by, runs_past, stepped_to_the_end, trained_by_dashboard,
                              widget_of)

T = 60.0   # the longest a program run by a Runner may take (the machine is shared)


def recorded_steps(program, *args, **kwargs) -> Recorder:
    """The Recorder of `program(*args, **kwargs)` run in it."""
    with Recorder() as rec:
        program(*args, **kwargs)
    return rec


def diagnosed_clean(program, *args, **kwargs) -> Recorder:
    """The Recorder of `program(*args, **kwargs)`, in whose steps diagnose finds nothing."""
    rec = recorded_steps(program, *args, **kwargs)
    findings = diagnose(rec)
    assert findings == [], [(f.kind, f.message) for f in findings]
    return rec


def drawn_and_stepped(tape) -> int:
    """How many steps the widget of `tape` took to step its backward pass to the end."""
    widget = widget_of(tape)
    try:
        return stepped_to_the_end(widget)
    finally:
        widget.close()


def trained_quietly(program) -> dict:
    """What a Dashboard showed of `program`, which must finish with no alert."""
    shown = trained_by_dashboard(program)
    assert shown["state"] == "finished" and shown["alerts"] == [], shown
    return shown


def paused_then_stopped(program) -> tuple:
    """(the op name, the user's line number) where a Runner of `program` paused at its first
    op; the runner is stopped there, and must end 'stopped' with no error."""
    runner = Runner(program)
    runner.pause()
    runner.start()
    try:
        assert runner.wait_paused(T), (runner.state, runner.error)
        at = runner.paused_at
        where = (at.op_name, at.source.lineno if at.source is not None else None)
    finally:
        runner.stop()
        assert runner.join(T)
    assert runner.state == "stopped" and runner.error is None, (runner.state, runner.error)
    return where


def quiet_under_every_tool(program, op: str, line: int) -> Recorder:
    """`program`, a loop that trains well, under every tool a student reaches for, none saying
    anything wrong: a breakpoint on an op it never runs (conv2d), run past; one on `op`, which
    pauses it at `line`; a Recorder in which diagnose and find_nan_origin find nothing; a
    Runner paused at its first op and stopped there; the Dashboard, with no alert. Returns
    the Recorder."""
    runs_past(program, op="conv2d")
    paused_at, _ = paused_by(program, op=op)
    assert paused_at.source.lineno == line, (paused_at, line)
    rec = diagnosed_clean(program)
    assert find_nan_origin(rec.steps[-1]) is None
    assert paused_then_stopped(program)[1] is not None
    trained_quietly(program)
    return rec


def found(findings, kind: str):
    """The one finding of `kind` among `findings` (it fails naming every kind found)."""
    chosen = [f for f in findings if f.kind == kind]
    assert len(chosen) == 1, [(f.kind, f.message) for f in findings]
    return chosen[0]
