"""A torch backward pass refused while tapeviz listens, and the notes tapeviz added to it:
the one harness of the tests on torch's refusals (graph cut, loss binding, not scalar)."""
import pytest

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, clear_breakpoints


def refusal(program, args: tuple, match: str, listening: str = "recorder",
            **options) -> RuntimeError:
    """The error `program(*args, **options)` raises while tapeviz listens as `listening` says
    (a Recorder; a nan breakpoint alone, whose pass runs without the adapter's mode)."""
    if listening == "recorder":
        with Recorder(), pytest.raises(RuntimeError, match=match) as raised:
            program(*args, **options)
    else:
        tvt.break_on(op="log", nan=True)
        try:
            with pytest.raises(RuntimeError, match=match) as raised:
                program(*args, **options)
        finally:
            clear_breakpoints()
    return raised.value


def tapeviz_notes(error) -> list:
    return [note for note in getattr(error, "__notes__", ()) if note.startswith("tapeviz:")]
