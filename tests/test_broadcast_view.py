"""broadcast_to's forward is numpy's view, made without np.broadcast_to where it can: the same
values, strides and read-only flag, the input's memory shared, and numpy's refusals."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import ShapeError
from tapeviz.tensor import wrap

CASES = [((32, 1, 1, 16), (32, 24, 24, 16)), ((), (3,)), ((3,), (2, 3)), ((2, 1), (2, 4)),
         ((1, 3), (5, 1, 3)), ((2, 3), (2, 3)), ((1,), (0,)), ((1, 1), (4, 1, 1))]


def layouts(shape):
    """An array of `shape` C-contiguous, and the same values laid out transposed (which
    np.broadcast_to itself lays out)."""
    values = np.arange(1, 1 + int(np.prod(shape)), dtype=np.float32).reshape(shape)
    yield values
    yield np.asfortranarray(values)


@pytest.mark.parametrize("have, shape", CASES)
def test_broadcast_to_is_numpys_view(have, shape):
    for array in layouts(have):
        got = tf.broadcast_to(wrap(array), shape)._value
        expected = np.broadcast_to(array, shape)
        assert got.shape == expected.shape and got.strides == expected.strides
        np.testing.assert_array_equal(got, expected)
        assert not got.flags.writeable


def test_broadcast_to_shares_the_input_and_sums_its_gradient():
    x = tf.Variable(np.arange(16, dtype=np.float32).reshape(1, 1, 16))
    with tf.GradientTape() as tape:
        out = tf.broadcast_to(x, (4, 3, 16))
        loss = tf.reduce_sum(out)
    assert np.shares_memory(out._value, x._value)
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), np.full((1, 1, 16), 12.0))


@pytest.mark.parametrize("have, shape", [((2,), (3,)), ((3,), (3, 0)), ((1, 1), (1,))])
def test_broadcast_to_refuses_what_numpy_refuses(have, shape):
    with pytest.raises(ShapeError, match="broadcast_to.*cannot broadcast"):
        tf.broadcast_to(tf.zeros(have), shape)
