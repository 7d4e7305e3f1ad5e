"""A caught layer or loss argument check (a try/except around a bad call inside a tape) is
drawn 'raised, caught' with the inputs it was given, as a caught op's error is: each a box
wired into the red node, listed in its label and in its inspector. Was: the check carried no
inputs, so the node stood alone and a person could not see what came in."""
import re

import numpy as np
import pytest

import tapeviz as tf

pytest.importorskip("anywidget")
from tapeviz.viz.widget import TapeWidget  # noqa: E402

from test_caught_argument_errors import (bad_axis, one_hot_labels, one_image,  # noqa: E402
                                         student_step)


def edges_into_failed(svg: str) -> list:
    return re.findall(r"<title>([^<]*)&#45;&gt;failed</title>", svg)


@pytest.mark.parametrize("bad_call, given", [
    (one_image, [["inputs", "float32[5, 5, 1]"]]),
    (one_hot_labels, [["y_true", "float32[2, 2]"], ["y_pred", "float32[2, 2]"]]),
    (bad_axis, [["tensor", "float32[2, 5, 5, 1]"]])])
def test_a_caught_check_is_drawn_with_the_inputs_it_was_given(bad_call, given):
    tape, _ = student_step(bad_call)
    widget = TapeWidget(tape, check_later=False)
    inspected = widget.inspect("failed")
    [inputs] = [s for s in inspected["sections"] if s["title"] == "Inputs"]
    assert inputs["content"][1:] == given, inputs
    assert len(edges_into_failed(widget.svg)) == len(given), widget.svg
    for name, value in given:   # the red node lists each by name and shape
        shape = value[value.index("["):].replace("[", "(").replace("]", ")")
        assert f"{name}: {shape}" in widget.svg.replace(",)", ")"), (name, shape)


def test_the_models_output_given_to_a_loss_is_wired_from_the_op_that_made_it():
    tape, _ = student_step(one_hot_labels)
    widget = TapeWidget(tape, check_later=False)
    sources = edges_into_failed(widget.svg)
    assert any(re.fullmatch(r"n\d+", source) for source in sources), sources   # y_pred: an op


def test_a_check_raised_with_no_tape_recording_reads_no_frame():
    model = tf.keras.layers.Conv2D(2, 3)
    model(tf.constant(np.ones((1, 5, 5, 1), np.float32)))
    with pytest.raises(ValueError) as info:
        model(tf.constant(np.ones((5, 5, 1), np.float32)))
    assert info.value.given == ()
