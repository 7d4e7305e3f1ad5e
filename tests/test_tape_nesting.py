"""Tapes within tapes: the thread's stack of recording tapes keeps their entry order across
stop_recording, and TF's refusals (a tape entered while it records, stop_recording where
it does not) leave every tape as it was; and the warnings TF logs about a tape's use (a
persistent tape's gradient inside its block, an integer tensor watched), in TF's words."""
import warnings

import pytest

import tapeviz as tf
from tapeviz.errors import TapeStateError
from tapeviz.threadstate import local


def test_outer_tape_paused_under_inner_is_outer_again():
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            with outer.stop_recording():
                assert local.state.tapes == [inner]
            assert local.state.tapes == [outer, inner]
        assert local.state.tapes == [outer]
    assert local.state.tapes == []


def test_a_tape_entered_while_it_records_is_refused_and_still_leaves_at_its_exit():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(TapeStateError) as raised:
            with tape:
                pass
        assert local.state.tapes == [tape]
    assert local.state.tapes == []
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, RuntimeError)
    assert "re-enter an already-active tape" in str(raised.value)
    assert "test_tape_nesting.py" in str(raised.value)


@pytest.mark.parametrize("where", ["never entered", "after its block", "inside itself"])
def test_stop_recording_where_the_tape_does_not_record_names_the_users_line(where):
    tape = tf.GradientTape()
    if where == "after its block":
        with tape:
            pass
    with pytest.raises(TapeStateError) as raised:
        if where == "inside itself":
            with tape, tape.stop_recording():
                with tape.stop_recording():   # the line named
                    pass
        else:
            with tape.stop_recording():   # the line named
                pass
    message = str(raised.value)
    assert message.startswith("GradientTape.stop_recording: Tape is not recording.")
    assert "# the line named" in message and "test_tape_nesting.py" in message
    assert local.state.tapes == []



def _gradient_warnings(persistent: bool, inside: bool) -> list:
    """The warnings of `gradient` called inside or after the tape's block, and its result."""
    x = tf.constant(3.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape(persistent=persistent) as tape:
            tape.watch(x)
            y = x * x
            if inside:
                gradient = tape.gradient(y, x)
        if not inside:
            gradient = tape.gradient(y, x)
    assert float(gradient) == 6.0
    return caught


def test_a_persistent_tapes_gradient_inside_its_block_warns_as_tf_logs_at_the_users_line():
    caught = _gradient_warnings(persistent=True, inside=True)
    assert len(caught) == 1 and caught[0].filename == __file__
    assert str(caught[0].message).startswith(
        "GradientTape.gradient: calling gradient on a persistent tape inside its context is "
        "significantly less efficient")


@pytest.mark.parametrize("persistent, inside", [(True, False), (False, True), (False, False)])
def test_gradient_after_the_block_or_of_a_tape_that_lets_go_is_silent(persistent, inside):
    assert _gradient_warnings(persistent, inside) == []


def test_watching_an_integer_tensor_warns_in_tfs_words():
    with pytest.warns(UserWarning) as caught:
        with tf.GradientTape() as tape:
            tape.watch(tf.constant(3))
    assert "The dtype of the watched tensor must be floating (e.g. tf.float32), got " \
           "tf.int32".lower() in str(caught[0].message).lower()
