"""A listener that raises: its error surfaces from the op (or the gradient call) as itself,
with a note naming the listener, the line that subscribed it and what it heard."""
import sys

import pytest

import tapeviz as tf
from tapeviz import events


@pytest.fixture(autouse=True)
def _nobody_listens():
    assert events.subscribers() == ()
    yield
    assert events.subscribers() == (), "a test left a subscriber behind"


class Planted(Exception):
    pass


def _raise(*_):
    raise Planted("planted")


def _listener_note(error) -> str:
    notes = [note for note in getattr(error, "__notes__", ()) if "by the listener" in note]
    assert len(notes) == 1, getattr(error, "__notes__", None)
    return notes[0]


def test_an_op_listener_that_raises_is_named_with_its_line_and_the_op_it_heard():
    subscribed_at = sys._getframe().f_lineno + 1
    events.subscribe(_raise, kinds=(tf.OpExecuted,))
    try:
        with pytest.raises(Planted) as raised:
            ran_at = sys._getframe().f_lineno + 1
            tf.constant(2.0) * 3.0
    finally:
        events.unsubscribe(_raise)
    note = _listener_note(raised.value)
    assert note.startswith(f"raised by the listener {__name__}._raise, subscribed at ")
    assert f"test_events_listener_errors.py:{subscribed_at}" in note
    assert "hearing the OpExecuted of multiply in the forward pass at " in note
    assert note.endswith(f"test_events_listener_errors.py:{ran_at} in "
                         f"test_an_op_listener_that_raises_is_named_with_its_line_and_the_op_"
                         f"it_heard")


def test_a_node_form_that_raises_is_named_by_its_subscription_on_both_paths():
    def keeps_nothing(event):
        pass

    events.subscribe(keeps_nothing, kinds=(tf.OpExecuted,), on_node=_raise, timed=False)
    try:
        with pytest.raises(Planted) as untaped:   # no tape: the deferred node's path
            tf.exp(tf.constant(1.0))
        with tf.GradientTape() as tape:
            x = tf.constant(1.0)
            tape.watch(x)
            with pytest.raises(Planted) as taped:   # a tape records it: a whole node
                tf.exp(x)
    finally:
        events.unsubscribe(keeps_nothing)
    for raised in (untaped, taped):
        note = _listener_note(raised.value)
        assert ".keeps_nothing, subscribed at " in note
        assert "hearing the OpExecuted of exp in the forward pass" in note


def test_a_node_form_with_an_output_test_is_named_by_its_subscription():
    def keeps_nothing(event):
        pass

    events.subscribe(keeps_nothing, kinds=(tf.OpExecuted,), on_node=_raise, timed=False,
                     only_if=lambda value: True)
    try:
        with pytest.raises(Planted) as raised:
            tf.exp(tf.constant(1.0))
    finally:
        events.unsubscribe(keeps_nothing)
    assert ".keeps_nothing, subscribed at " in _listener_note(raised.value)


def test_a_gradient_and_a_step_listener_that_raise_are_named_from_the_gradient_call():
    w = tf.Variable(2.0)
    for kind, heard in ((tf.GradientComputed, "hearing GradientComputed"),
                        (tf.VJPApplied, "hearing the VJPApplied of multiply's backward step")):
        events.subscribe(_raise, kinds=(kind,))
        try:
            with tf.GradientTape() as tape:
                loss = w * w
            with pytest.raises(Planted) as raised:
                tape.gradient(loss, w)
        finally:
            events.unsubscribe(_raise)
        note = _listener_note(raised.value)
        assert note.startswith(f"raised by the listener {__name__}._raise, subscribed at ")
        assert note.endswith(heard)


def test_an_emitted_events_listener_that_raises_is_named():
    events.subscribe(_raise, kinds=(tf.GradientComputed,))
    try:
        with pytest.raises(Planted) as raised:
            events.emit(tf.GradientComputed(None, [], [], []))
    finally:
        events.unsubscribe(_raise)
    assert _listener_note(raised.value).endswith("hearing GradientComputed")


def test_an_interrupt_and_an_ops_own_error_get_no_listener_note():
    def interrupts(event):
        raise KeyboardInterrupt

    events.subscribe(interrupts, kinds=(tf.OpExecuted,))
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            tf.constant(2.0) * 3.0
    finally:
        events.unsubscribe(interrupts)
    assert not getattr(raised.value, "__notes__", ())
    heard = []
    events.subscribe(heard.append, kinds=(tf.OpExecuted,))
    try:
        with pytest.raises(ValueError) as raised:
            tf.reshape(tf.constant([1.0, 2.0, 3.0]), [2])
    finally:
        events.unsubscribe(heard.append)
    assert not any("by the listener" in note for note in getattr(raised.value, "__notes__", ()))


@pytest.mark.parametrize("criteria", [{"op": "log"}, {"condition": lambda node: 1 / 0}],
                         ids=["hit", "condition"])
def test_a_breakpoints_own_error_gets_no_listener_note(criteria):
    """A hit where no debugger takes input raises BreakpointError, and a condition's error
    has break_on's own note: each says what it is, so no second note names the listener."""
    from tapeviz.debugger import break_on, clear_breakpoints
    from tapeviz.debugger.breakpoint_listener import BreakpointError

    break_on(**criteria, action="raise")
    try:
        with pytest.raises((BreakpointError, ZeroDivisionError)) as raised:
            tf.math.log(tf.constant(2.0))
    finally:
        clear_breakpoints()
    notes = getattr(raised.value, "__notes__", ())
    assert not any("by the listener" in note for note in notes), notes
    assert ("condition" not in criteria) or any(note.startswith("break_on: raised by the "
                                                                "condition") for note in notes)


def test_a_debugger_quit_gets_no_listener_note():
    from bdb import BdbQuit

    events.note_listener_error(quit := BdbQuit(), _raise, None)
    assert not getattr(quit, "__notes__", ())


def test_a_once_nan_breakpoints_hit_gets_no_listener_note():
    """A once breakpoint is cleared as it hits: its subscription is gone when the error is
    noted, so its node form (wrapped by the output test) is asked itself."""
    from tapeviz.debugger import break_on, clear_breakpoints
    from tapeviz.debugger.breakpoint_listener import BreakpointError

    break_on(nan=True, once=True, action="raise")
    try:
        with pytest.raises(BreakpointError) as raised:   # was: a note naming _when's wrapper
            tf.constant(float("inf")) + 1.0
    finally:
        clear_breakpoints()
    assert not any("by the listener" in note for note in getattr(raised.value, "__notes__", ()))
