"""What the bug-hunt programs (tests/test_hunt_*.py, tests/pytorch/test_hunt_*.py) go through
beyond tf_program_tools': a Recorder over many steps, the Runner paused at its first op and
stopped there, and where a finding or a note points."""
from tapeviz.debugger import Recorder, Runner, diagnose
from tf_program_tools import stepped_to_the_end, trained_by_dashboard, widget_of

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


def found(findings, kind: str):
    """The one finding of `kind` among `findings` (it fails naming every kind found)."""
    chosen = [f for f in findings if f.kind == kind]
    assert len(chosen) == 1, [(f.kind, f.message) for f in findings]
    return chosen[0]
