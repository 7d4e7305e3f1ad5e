"""The hint of tf.matmul's (and tf.add's) dtype error when its first operand is a numpy array
of another dtype than the tensor's says what the array holds: an integer array (np.array([1,
2]), int64, or one made int32) holds integers, a bool array True/False, a float array numpy's
default float64; each with the conversion to the tensor's dtype. Before, every array was said
to be "float64 by default", wrong for the integer and bool arrays."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import OpError


@pytest.mark.parametrize("array, said", [
    (np.array([[1, 2]]), "np.array([1, 2]) holds integers (int64 here)"),
    (np.array([[1, 2]], np.int32), "np.array([1, 2]) holds integers (int32 here)"),
    (np.array([[True, False]]), "an array of True/False is bool"),
    (np.array([[1.0, 2.0]]), "numpy float arrays are float64 by default"),
])
def test_matmul_of_a_numpy_array_with_a_float32_tensor_says_what_the_array_holds(array, said):
    weights = tf.constant(np.ones((2, 3), np.float32))
    with pytest.raises(OpError) as caught:
        tf.matmul(array, weights)
    hint = caught.value.hint
    assert hint.startswith(said), hint
    assert "convert a to float32 first, a.astype(np.float32) or tf.cast(a, tf.float32)" in hint
    assert f"a numpy {array.dtype.name} array of shape (1, 2)" in str(caught.value)
    if array.dtype != np.float64:
        assert "float64" not in hint, hint


def test_add_of_an_integer_array_and_a_float64_tensor_names_the_integers_and_float64():
    with pytest.raises(OpError) as caught:
        tf.add(np.arange(3), tf.constant(np.zeros(3)))
    assert caught.value.hint.startswith("np.array([1, 2]) holds integers (int64 here)")
    assert "x.astype(np.float64) or tf.cast(x, tf.float64)" in caught.value.hint


def test_a_float32_array_beside_a_float64_tensor_is_said_to_keep_its_dtype():
    with pytest.raises(OpError) as caught:
        tf.matmul(np.ones((1, 2), np.float32), tf.constant(np.ones((2, 2))))
    assert caught.value.hint.startswith("numpy arrays keep their dtype (float32 here): "
                                        "convert a to float64 first"), caught.value.hint
