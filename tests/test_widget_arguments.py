"""TapeWidget and to_svg refuse what they cannot draw or step, naming the argument, what was
expected, what came and the user's line, before a widget exists: a `max_nodes` below 1 (a
RecursionError at the first Step), one that is no int, a target no op of the tape made (its
backward pass reached nothing, stepped to 'none flows here' with no word of why)."""
import pytest

import tapeviz as tf
from tapeviz.errors import DTypeError, InvalidArgumentError
from tapeviz.viz.export import to_svg
from tapeviz.viz.widget import TapeWidget

pytest.importorskip("anywidget")


@pytest.fixture
def tape():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(w * w)
    tape.loss = loss
    return tape


def _widgets() -> int:
    from ipywidgets.widgets.widget import _instances
    return len(_instances)


@pytest.mark.parametrize("max_nodes, kind, got", [(0, InvalidArgumentError, "got 0 (int)"),
                                                  (-3, InvalidArgumentError, "got -3 (int)"),
                                                  (2.5, DTypeError, "got 2.5 (float)"),
                                                  ("10", DTypeError, "got '10' (str)")])
def test_max_nodes_below_one_or_not_an_int_is_refused(tape, max_nodes, kind, got):
    made = _widgets()
    with pytest.raises(kind) as caught:
        TapeWidget(tape, max_nodes=max_nodes)
    message = str(caught.value)
    assert message.startswith("TapeWidget: max_nodes must be an int >= 1; " + got)
    assert "test_widget_arguments.py" in message   # the user's line
    assert _widgets() == made   # no half-made widget left open
    with pytest.raises(kind, match="to_svg: max_nodes must be an int >= 1"):
        to_svg(tape, max_nodes=max_nodes)


def test_a_target_the_tape_did_not_record_is_refused(tape):
    after = tf.constant(3.0) * 2   # computed after the `with tape:` block
    made = _widgets()
    for target in (after, [tape.loss, after]):
        with pytest.raises(InvalidArgumentError) as caught:
            TapeWidget(tape, target=target)
        message = str(caught.value)
        assert "TapeWidget: target must be a tensor this tape recorded; got a float32 " \
               "tensor of shape (), which no op of the tape made" in message
        assert "inside the `with tape:` block" in message
        assert "test_widget_arguments.py" in message
    assert _widgets() == made


def test_a_recorded_target_and_max_nodes_one_still_draw_and_step(tape):
    widget = TapeWidget(tape, target=tape.loss, max_nodes=1, check_later=False)
    widget.step()
    assert widget.stepper["op"] == "reduce_sum" and "<svg" in widget.svg
    widget.close()


def test_a_step_index_past_the_kept_steps_puts_the_slider_back():
    """Was: the error said, but step_index kept 99 while the widget showed the last step."""
    from tapeviz.debugger import Recorder
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            w.assign_sub(0.1 * tape.gradient(loss, w))
    widget = TapeWidget(rec, check_later=False)
    for wrong in (99, -1):
        widget.step_index = wrong
        assert widget.step_index == 1 and widget.title.startswith("step 2 of 2")
        assert widget.error == f"IndexError: TapeWidget: no kept step at index {wrong} (the " \
                               f"recorder keeps 2: indices 0 to 1)"
    widget.step_index = 0
    assert widget.title.startswith("step 1 of 2") and widget.error == ""
    with pytest.raises(DTypeError, match=r"Recorder: index must be an int \(rec\[-1\]: the "
                                         r"last step\) or a slice; got 'loss' \(str\)"):
        rec["loss"]
    assert len(rec[0:2]) == 2
    widget.close()
