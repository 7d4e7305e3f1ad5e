"""What the bug-hunt programs (tests/test_hunt_*.py, tests/pytorch/test_hunt_*.py) go through
beyond tf_program_tools': a Recorder over many steps, the Runner paused at its first op and
stopped there, and where a finding or a note points."""
from tapeviz.debugger import Recorder, Runner

T = 60.0   # the longest a program run by a Runner may take (the machine is shared)


def recorded_steps(program, *args, **kwargs) -> Recorder:
    """The Recorder of `program(*args, **kwargs)` run in it."""
    with Recorder() as rec:
        program(*args, **kwargs)
    return rec


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
