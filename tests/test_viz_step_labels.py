"""A Recorder's step that has no backward pass says why, in the widget's title and in the
slider's name of it: a step stopped before its tape ("abandoned": an error caught outside
any tape, a `continue`), an evaluation (the model run with no tape); a step named by
`mark_step(label)` is named so; Step on one of them says why there is nothing to step."""
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder

pytest.importorskip("anywidget")
from tapeviz.viz.widget import TapeWidget  # noqa: E402


def _loop_with_a_skipped_step():
    """Four training steps, the second stopped by a `continue` after its batch was prepared,
    then the model evaluated with no tape."""
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for i in range(4):
            x = tf.add_n([tf.constant([1.0, 2.0]) * 2.0] * 2)
            if i == 1:
                continue
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * x)
            opt.apply_gradients([(tape.gradient(loss, w), w)])
        tf.reduce_sum(w * x)
    assert [step.label for step in rec.steps] == [None, "abandoned", None, None, "evaluation"]
    return rec


def test_a_step_stopped_before_its_tape_says_so_in_the_title_and_the_slider():
    widget = TapeWidget(_loop_with_a_skipped_step(), check_later=False)
    assert widget.step_labels == ["step 1 of 5", "step 2 of 5, stopped before its tape",
                                  "step 3 of 5", "step 4 of 5", "step 5 of 5, an evaluation"]
    widget.step_index = 1
    assert widget.title == ("step 2 of 5, stopped before its tape: 2 ops, no backward pass "
                            "(an error caught outside its tape, or a continue, ended it)")
    widget.step_index = 4
    assert widget.title == ("step 5 of 5, an evaluation: 2 ops, no backward pass (the model "
                            "was run with no tape)")
    widget.step_index = 2
    assert widget.title.startswith("step 3 of 5: ") and "no backward pass" not in widget.title
    widget.close()


def test_step_on_a_step_with_no_backward_pass_says_why():
    widget = TapeWidget(_loop_with_a_skipped_step(), check_later=False)
    widget.step_index = 1
    widget._guarded(widget.step)   # as the Step button runs it
    assert widget.error == ("ValueError: TapeWidget: step 2 has no backward pass to step: it "
                            "was stopped before its tape (an error caught outside its tape, "
                            "or a continue, ended it); choose another step on the slider")
    assert widget.stepper == {} and widget.title.startswith("step 2 of 5, ")
    # the Step and Continue buttons are disabled, saying why (tape.js reads no_backward)
    assert widget.no_backward == widget.error.removeprefix("ValueError: TapeWidget: ")
    widget.step_index = 2
    assert widget.no_backward == ""
    widget.close()


def test_a_step_named_by_mark_step_is_named_so():
    w = tf.Variable(1.0)
    with Recorder(split="mark") as rec:
        for label in ("warm-up", None):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
            rec.mark_step(label)
    widget = TapeWidget(rec, check_later=False)
    assert widget.step_labels[0] == "step 1 of 2, warm-up"
    widget.step_index = 0
    assert widget.title.startswith("step 1 of 2, warm-up: ")
    widget.close()


def test_a_step_that_raised_says_so_on_the_slider_once_in_the_title():
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        for i in range(3):
            try:
                with tf.GradientTape() as tape:
                    y = w * w
                    if i == 1:
                        y = y + tf.ones([3])
                    loss = tf.reduce_sum(y)
                w.assign_sub(0.1 * tape.gradient(loss, w))
            except ValueError:
                pass
    widget = TapeWidget(rec, check_later=False)
    assert widget.step_labels[1] == "step 2 of 3, raised ShapeError"
    widget.step_index = 1
    assert widget.title.count("raised") == 1 and widget.title.endswith(", raised ShapeError")
    assert TapeWidget(rec.steps[1], check_later=False).title.count("raised") == 1
