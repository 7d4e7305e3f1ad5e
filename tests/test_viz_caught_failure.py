"""An op that raised inside a tape's block, its error caught by the user's own try/except,
is drawn where it happened (red, 'raised, caught') with an alert that says the code caught
it and the tape recorded on; one that left the block is drawn failed (9c4879b). Was: a
caught error left no mark, so a person could not see it happened."""
import pytest

import tapeviz as tf

pytest.importorskip("anywidget")
from tapeviz.viz.widget import TapeWidget  # noqa: E402

FAILED_NODE = 'class="node kind&#45;failed"'
CAUGHT_NODE = 'class="node kind&#45;caught"'


def caught_tape():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        doubled = x * 2.0
        try:
            tf.matmul(doubled, doubled)               # rank 1: refused, and caught
        except tf.errors.InvalidArgumentError:
            pass
        total = tf.reduce_sum(doubled)
    return tape, x, total


def test_a_caught_op_error_is_drawn_without_saying_the_tape_failed():
    tape, x, total = caught_tape()
    assert tape.raised is None and tape.caught is not None
    widget = TapeWidget(tape, check_later=False)
    assert CAUGHT_NODE in widget.svg and "matmul raised, caught" in widget.svg
    assert FAILED_NODE not in widget.svg and "matmul failed" not in widget.svg
    assert "2 ops and an op that raised (caught)," in widget.status, widget.status
    [alert] = [alert for alert in widget.alerts if alert["node"] == "failed"]
    assert alert["message"].startswith("matmul raised at "), alert
    assert "test_viz_caught_failure.py" in alert["message"]
    assert "your code caught it; the tape recorded on" in alert["message"], alert
    assert widget.inspect("failed")["title"] == "matmul raised, caught: ShapeError"
    assert tape.gradient(total, x).numpy().tolist() == [2.0, 2.0]   # the tape is whole


def test_a_block_that_ends_well_after_none_caught_draws_nothing_failed():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        tf.reduce_sum(x * 2.0)
    assert tape.caught is None
    svg = TapeWidget(tape, check_later=False).svg
    assert FAILED_NODE not in svg and CAUGHT_NODE not in svg


def test_an_error_that_left_the_block_is_still_the_failure_not_a_caught_one():
    x = tf.Variable([1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError):
        with tf.GradientTape() as tape:
            tf.matmul(x, x)
    assert tape.raised is not None and tape.caught is None
    assert "matmul failed" in TapeWidget(tape, check_later=False).svg


def test_reset_forgets_a_caught_error():
    tape, _, _ = caught_tape()
    tape.reset()
    assert tape.caught is None
