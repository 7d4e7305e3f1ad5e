"""convert.py: a first operand that TF converts on its own (tf.add, tf.math.truediv,
tf.matmul) is converted once, and refused naming the argument when it cannot be."""
import numpy as np
import pytest

import tapeviz as tf


class CountedArrayLike:
    """An array-like that counts its reads (a big list or a data frame costs one each)."""

    def __init__(self, values):
        self.values = np.asarray(values, np.float32)
        self.reads = 0

    def __array__(self, dtype=None, copy=None):
        self.reads += 1
        return self.values


CALLS = {"add": lambda x, y: tf.add(x, y), "truediv": lambda x, y: tf.math.truediv(x, y),
         "matmul": lambda x, y: tf.matmul(x, y)}


@pytest.mark.parametrize("name", CALLS)
def test_a_first_operand_converted_on_its_own_is_read_once(name):
    x, y = CountedArrayLike([[1.0, 2.0]]), tf.Variable(tf.ones([2, 2]))
    with tf.GradientTape() as tape:
        out = CALLS[name](x, y)
        total = tf.reduce_sum(out)
    ones = np.ones((2, 2), np.float32)
    expected = {"add": x.values + ones, "truediv": x.values / ones, "matmul": x.values @ ones}
    np.testing.assert_array_equal(out.numpy(), expected[name])
    assert x.reads == 1
    assert tape.gradient(total, y) is not None


@pytest.mark.parametrize("name", CALLS)
def test_a_first_operand_that_does_not_convert_is_named(name):
    with pytest.raises(tf.DTypeError, match=rf"^{name}: (x|a): expected a tensor, number"):
        CALLS[name]("abc", tf.ones([2, 2]))
