"""What TF's fidelity cases cannot check of the new eager pieces: that their errors name the
call and the user's line, and what tapeviz says it does not cover."""
import pytest

import tapeviz as tf


def test_a_write_past_the_end_names_the_call_the_index_the_size_and_the_line():
    squares = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.OutOfRangeError) as caught:
        squares.write(2, 4.0)   # the line the error names
    message = str(caught.value)
    assert message.startswith("TensorArray.write: Tried to write to index 2 but array is not "
                              "resizeable and size is: 2"), message
    assert "test_tensor_array.py" in message and "squares.write(2, 4.0)" in message
    assert isinstance(caught.value, IndexError)


def test_a_tensor_of_another_dtype_is_refused_naming_both_dtypes_and_the_cast():
    values = tf.TensorArray(tf.float32, size=1)
    with pytest.raises(tf.DTypeError, match="TensorArray dtype is float32 but Op is trying to "
                                            "write dtype int32") as caught:
        values.write(0, tf.constant(3))
    assert "hint: tf.cast(value, tf.float32)" in str(caught.value)


def test_a_stack_reaches_every_written_value_on_the_tape():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        rows = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in range(3):
            rows = rows.write(i, x[i] * float(i + 1))
        total = tf.reduce_sum(rows.stack())
    assert tape.gradient(total, x).numpy().tolist() == [1.0, 2.0, 3.0]


def test_a_concrete_function_of_a_method_is_said_not_covered():
    class Scaler(tf.Module):
        @tf.function
        def __call__(self, x):
            return x * 3.0

    with pytest.raises(tf.errors.MisuseError, match="__call__ is a method: .*not covered"):
        Scaler().__call__.get_concrete_function(tf.TensorSpec([], tf.float32))


def test_a_group_by_window_key_that_is_not_int64_is_refused_naming_the_cast():
    pairs = tf.data.Dataset.range(4).group_by_window(
        lambda x: tf.cast(x % 2, tf.int32), lambda key, window: window.batch(2), 2)
    with pytest.raises(tf.InvalidArgumentError, match="key_func must return an int64 scalar; "
                                                      "got an int32 tensor") as caught:
        list(pairs)
    assert "hint: tf.cast(key, tf.int64)" in str(caught.value)
