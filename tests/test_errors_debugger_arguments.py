"""The debugger's objects given a bad argument refuse it at once, naming the call, the
argument, what was expected and what came, at the user's line: a Recorder's warn_every
and first_index, a Dashboard's max_nodes, show_tape, show_alerts and clock, break_on's
layer. Before, warn_every="a" and max_nodes="a" raised int()'s bare ValueError, first_index
"a" a TypeError from inside, layer=5 an AttributeError, and warn_every=0, max_nodes=0,
show_tape="no" and clock=5 were taken (the last failing later in the push timer's thread).
"""
import pytest

from tapeviz.debugger import Recorder, break_on, breakpoints
from tapeviz.errors import DTypeError, InvalidArgumentError
from tapeviz.viz.dashboard import Dashboard
from raising import assert_said_at_its_line

MISTAKES = [
    (lambda: Recorder(warn_every="a"),
     DTypeError, ("Recorder", "warn_every must be an int >= 1", "'a' (str)")),
    (lambda: Recorder(warn_every=0),
     InvalidArgumentError, ("Recorder", "warn_every must be an int >= 1", "0 (int)")),
    (lambda: Recorder(warn_every=2.5),
     DTypeError, ("Recorder", "warn_every", "2.5 (float)")),
    (lambda: Recorder(first_index="a"),
     DTypeError, ("Recorder", "first_index must be an int >= 0", "'a' (str)")),
    (lambda: Dashboard(max_nodes="a"),
     DTypeError, ("Dashboard", "max_nodes must be an int >= 1", "'a' (str)")),
    (lambda: Dashboard(max_nodes=0),
     InvalidArgumentError, ("Dashboard", "max_nodes", "0 (int)")),
    (lambda: Dashboard(show_tape="no"),
     DTypeError, ("Dashboard", "show_tape must be a bool", "'no' (str)")),
    (lambda: Dashboard(show_alerts=None),
     DTypeError, ("Dashboard", "show_alerts must be a bool", "None")),
    (lambda: Dashboard(clock=5),
     DTypeError, ("Dashboard", "clock must be None or an object with Clock's now()", "5 (int)")),
    (lambda: break_on(layer=5),
     DTypeError, ("break_on", "layer must be a layer path (a str)", "5 (int)")),
]


@pytest.mark.parametrize("mistake, cls, words", MISTAKES, ids=lambda case: str(case)[:40])
def test_a_bad_argument_is_refused_naming_it_at_the_users_line(mistake, cls, words):
    armed = breakpoints()
    with pytest.raises(cls) as info:
        mistake()
    assert_said_at_its_line(info.value, mistake, words)
    assert breakpoints() == armed   # a refused break_on arms nothing


def test_the_arguments_taken_as_before():
    recorder = Recorder(warn_every=5, first_index=3)
    assert recorder.warn_every == 5
    dash = Dashboard(max_nodes=40, show_tape=False, show_alerts=1)
    try:
        assert (dash.max_nodes, dash.show_tape, dash.show_alerts) == (40, False, True)
    finally:
        dash.close()
