"""A new user's mistakes with GradientTape, each made on purpose: the error names what was
expected, what came and the user's line, and the tape still gives the gradient after it."""
import pytest

import tapeviz as tf


def test_output_gradients_of_another_dtype_are_refused_as_such_and_the_tape_still_works():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    with pytest.raises(TypeError) as raised:
        tape.gradient(y, x, output_gradients=tf.constant([1, 1]))
    said = str(raised.value)
    assert said.startswith("output_gradients: each must have its target's dtype float32; got "
                           "int32")
    assert "test_mistakes_tapes.py" in said and "tf.cast(g, tf.float32)" in said
    assert tape.gradient(y, x, output_gradients=tf.constant([1.0, -1.0])).numpy().tolist() \
        == [2.0, -4.0]


def test_an_op_raising_out_of_the_tapes_block_is_drawn_failed_by_the_tapes_widget():
    from tapeviz.viz.widget import TapeWidget
    x = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError):
        with tf.GradientTape() as tape:
            doubled = x * 2.0
            tf.matmul(doubled, doubled)               # rank 1: refused
    widget = TapeWidget(tape, check_later=False)
    failed_node = 'class="node kind&#45;failed"'
    assert failed_node in widget.svg and "matmul failed" in widget.svg and "multiply" in widget.svg
    [alert] = widget.alerts
    assert alert["node"] == "failed" and alert["message"].startswith("matmul failed at ")
    assert "test_mistakes_tapes.py" in alert["message"]
    assert tape.gradient(doubled, x).numpy().tolist() == [2.0, 2.0]   # what ran still counts
    with tf.GradientTape(persistent=True) as again:   # a block that ends well draws no failure
        doubled = x * 2.0
    assert again.raised is None
    assert failed_node not in TapeWidget(again, check_later=False).svg


def test_a_recorded_step_that_raised_draws_its_failed_op_when_shown_and_the_others_do_not():
    from tapeviz.debugger import Recorder
    from tapeviz.viz.widget import TapeWidget
    w = tf.Variable([1.0, 2.0])
    with Recorder() as recorder:
        for step in range(3):
            try:
                with tf.GradientTape() as tape:
                    doubled = w * 2.0
                    loss = tf.matmul(doubled, doubled) if step == 1 else tf.reduce_sum(doubled)
                w.assign_sub(0.1 * tape.gradient(loss, w))
            except ValueError:   # the student's loop goes on
                pass
    widget = TapeWidget(recorder, check_later=False)
    assert "failed" not in widget.graph.nodes and widget.alerts == []   # the last step
    widget.step_index = 1
    assert widget.title.endswith("raised ShapeError") and "failed" in widget.graph.nodes
    assert widget.alerts[0]["message"].startswith("matmul failed at ")
    widget.step_index = 2
    assert "failed" not in widget.graph.nodes
