"""The debugger tools a student points at a TF program (tests/test_tf_programs_*.py): the tape
widget built without a browser, its inspector and backward stepper, breakpoints run by the
Runner, the Dashboard's train(); and a check that a program left no listener, breakpoint,
runner, tape or sink behind."""
import warnings

import pytest

from tapeviz import events, threadstate
from tapeviz.debugger import Recorder, Runner, break_on, breakpoints, live_runners
from tapeviz.viz import TapeWidget
from tapeviz.viz.dashboard import Dashboard

T = 60.0   # the longest a program run by a Runner may take (the machine is shared)


def left_behind() -> dict:
    """What tapeviz still holds once a program and its tools are done: all empty when clean."""
    states = threadstate.all_thread_states()
    return {"listeners": events.subscribers(), "breakpoints": breakpoints(),
            "runners": live_runners.live(), "tapes": [s.tapes for s in states if s.tapes],
            "sinks": [s.sink for s in states if s.sink is not None],
            "backward": [s.backward for s in states if s.backward is not None]}


def nothing_left_around():
    """A fixture's body: the test starts and ends with nothing of tapeviz's listening or
    recording (`yield from nothing_left_around()`)."""
    assert not any(left_behind().values()), left_behind()
    yield
    assert not any(left_behind().values()), left_behind()


def recorded(program, *args, **kwargs) -> tuple:
    """(what `program` returned, the Recorder of its run)."""
    with Recorder() as rec:
        result = program(*args, **kwargs)
    return result, rec


def widget_of(source, **kwargs) -> TapeWidget:
    """The tape widget as a notebook shows it, its checks done now (no kernel loop here)."""
    return TapeWidget(source, check_later=False, **kwargs)


def ops_drawn(widget) -> list:
    """The labels of the op boxes the widget draws, in order."""
    return [node.label for key, node in widget.view.nodes.items() if key.startswith("n")]


def stepped_to_the_end(widget, limit: int = 200) -> int:
    """Press Step until the pass is done; the number of presses."""
    for presses in range(1, limit + 1):
        widget.step()
        if widget.stepper["done"]:
            return presses
    raise AssertionError(f"the backward pass did not end in {limit} steps")


def stepped_gradients(widget) -> dict:
    """{variable name: its gradient's summary} as the stepping strip shows it."""
    return dict(map(tuple, widget.stepper["gradients"]))


def runs_past(program, **where) -> Runner:
    """`program` run by a Runner to its end under a breakpoint at `where` that never hits."""
    point = break_on(**where)
    runner = Runner(program)
    try:
        runner.start()
        assert runner.join(T) and runner.state == "finished", (runner.state, runner.error)
        assert point.hits == []
    finally:
        point.clear()
        if runner.state == "paused":   # (not left paused for the next test)
            runner.stop()
            runner.join(T)
    return runner


def paused_by(program, **where):
    """(the pause point, the breakpoint's hit) of `program` run by a Runner under a breakpoint
    at `where`, the runner resumed to its end after the pause."""
    point = break_on(**where)
    runner = Runner(program)
    try:
        with pytest.warns(RuntimeWarning, match="the runner paused there"):
            runner.start()
            assert runner.wait_paused(T), runner.state
        paused_at, [hit] = runner.paused_at, point.hits
    except BaseException:
        runner.stop()   # (not left paused for the next test)
        runner.join(T)
        raise
    finally:
        point.clear()
    runner.resume()
    assert runner.join(T) and runner.state == "finished", (runner.state, runner.error)
    return paused_at, hit


def trained_by_dashboard(program) -> dict:
    """The Dashboard's history of `program` run by its train(), the dashboard closed after."""
    dash = Dashboard(show_tape=True)
    try:
        runner = dash.train(program)
        assert runner.join(T) and runner.error is None, runner.error
        dash._timer.join(T)   # its last turn pushed the end
        dash.flush()
        assert dash.error == "", dash.error
        return {"state": dash.state, "steps": dash.step_count, "history": dash.history(),
                "alerts": list(dash.alerts), "tape_title": dash.tape_title}
    finally:
        dash.close()


def no_warning_from(look) -> object:
    """`look()`'s result; it must warn nothing (a look at what ran is not a run)."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        result = look()
    assert not said, [str(w.message) for w in said]
    return result
