"""Mistakes a student makes with the lecture programs, said naming the call, what it
expected, what came and the user's line (w6's sweep; the cases already clear are pinned in
test_newcomer_mistakes, test_student_mistakes and test_mistakes_keras)."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import DTypeError, InvalidArgumentTypeError, ShapeError
from tapeviz.errors_shown import said_by_tapeviz

X = np.random.default_rng(0).random((8, 4), dtype=np.float32)


def test_an_activation_given_a_tensor_says_pass_the_function_uncalled():
    """Dense(3, activation=tf.nn.softmax(x)) was a bare TypeError printing the whole
    tensor: 'Could not interpret activation function identifier: <tapeviz.Tensor ...>'."""
    with pytest.raises(InvalidArgumentTypeError) as info:
        tf.keras.layers.Dense(3, activation=tf.nn.softmax(X))
    message = str(info.value)
    assert message.startswith("activation: expected a name ('relu') or a function "
                              "(tf.nn.relu); got a float32 tensor of shape (8, 4)")
    assert "Could not interpret activation function identifier: a tensor" in message
    assert "test_errors_student_sweep.py" in message
    assert "activation=tf.nn.softmax" in message and "0." not in message   # no values
    assert isinstance(info.value, ValueError)   # as Keras 3 raises it


def test_an_activation_of_another_kind_names_what_came():
    with pytest.raises(InvalidArgumentTypeError, match=r"got 3 \(int\)"):
        tf.keras.activations.get(3)


def test_conv2d_on_nchw_images_too_short_to_fit_says_the_layout_not_the_padding():
    """Conv2D(4, 3) on (2, 1, 28, 28) said 'use padding='SAME' or a smaller kernel'."""
    with pytest.warns(UserWarning):
        with pytest.raises(ShapeError) as info:
            tf.keras.layers.Conv2D(4, 3)(tf.ones((2, 1, 28, 28)))
    message = str(info.value)
    assert "the input (2, 1, 28, 28) looks NCHW" in message
    assert "1 row tall with 28 channels" in message
    assert "tf.transpose(x, [0, 2, 3, 1])" in message and "padding='SAME'" not in message
    assert "test_errors_student_sweep.py" in message


def test_conv2d_built_on_nchw_images_warns_at_the_users_line():
    """Conv2D(4, 3) on (2, 3, 28, 28) built a kernel for 28 channels and said nothing, as
    TF does: it still runs, now told."""
    layer = tf.keras.layers.Conv2D(4, 3)
    with pytest.warns(UserWarning) as told:
        out = layer(tf.ones((2, 3, 28, 28)))
    assert out.shape == (2, 1, 26, 4)   # TF's result, kept
    text = str(told[0].message)
    assert 'layer "conv2d' in text and "built for 28 input channels" in text
    assert "looks NCHW" in text and "data_format='channels_first'" in text
    assert told[0].filename == __file__


def test_conv2d_on_nhwc_images_and_on_channels_first_layers_is_not_told():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tf.keras.layers.Conv2D(4, 3)(tf.ones((2, 28, 28, 3)))
        tf.keras.layers.Conv2D(4, 3, data_format="channels_first")(tf.ones((2, 3, 28, 28)))
        tf.nn.max_pool2d(tf.ones((2, 3, 28, 28)), 2, 2, "VALID")   # fits: no hint needed


def test_a_pool_window_too_large_for_nchw_images_says_the_layout():
    with pytest.raises(ShapeError, match="looks NCHW"):
        tf.nn.max_pool2d(tf.ones((2, 1, 28, 28)), 2, 2, "VALID")


@pytest.mark.parametrize("call, meant", [
    (lambda: tf.cast(tf.ones(2), "flaot32"), "'float32'"),
    (lambda: tf.zeros([2], dtype="int23"), "'int32'"),
], ids=["cast", "zeros"])
def test_a_misspelt_dtype_name_says_the_one_meant(call, meant):
    with pytest.raises(DTypeError) as info:
        call()
    assert f"hint: did you mean {meant}?" in str(info.value)
    assert "test_errors_student_sweep.py" in str(info.value)


def test_a_dtype_name_close_to_none_lists_them_without_a_guess():
    with pytest.raises(DTypeError) as info:
        tf.cast(tf.ones(2), "banana")
    assert "float16, float32" in str(info.value) and "did you mean" not in str(info.value)


def test_a_tape_opened_without_parentheses_is_shown_naming_the_class_and_the_call():
    """`with tf.GradientTape as tape:` was "'type' object does not support the context
    manager protocol": shown (errors_shown.py, where a script's or a cell's traceback is
    made) naming the class and the line with the call, the error caught staying Python's."""
    with pytest.raises(TypeError) as info:
        with tf.GradientTape as tape:   # noqa: F841  (the mistake itself)
            pass
    assert type(info.value) is TypeError
    shown = said_by_tapeviz(info.value)
    assert isinstance(shown, InvalidArgumentTypeError)
    message = str(shown)
    assert message.startswith("GradientTape: `with` was given the class GradientTape itself")
    assert "hint: call it to make one: with tf.GradientTape() as tape:" in message
    assert "test_errors_student_sweep.py" in message


def test_a_with_of_another_class_is_left_as_python_said_it():
    class Plain:
        pass

    with pytest.raises(TypeError) as info:
        with Plain:
            pass
    assert said_by_tapeviz(info.value) is None


def test_to_categorical_given_too_few_classes_names_the_largest_label_and_the_count():
    """to_categorical(y, num_classes=2) of labels 0..2 was numpy's bare IndexError 'index 2
    is out of bounds for axis 1 with size 2'."""
    with pytest.raises(IndexError) as info:
        tf.keras.utils.to_categorical(np.array([0, 1, 2, 1]), num_classes=2)
    message = str(info.value)
    assert message.startswith("to_categorical: labels must be class indices below "
                              "num_classes=2; got labels up to 2")
    assert "num_classes=3" in message and "test_errors_student_sweep.py" in message
