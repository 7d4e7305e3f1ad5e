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
