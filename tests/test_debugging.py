"""tf.debugging assertions: pass silently on good input, raise InvalidArgumentError naming the
check, the values and this file's line on bad input."""
import numpy as np
import pytest

import tapeviz as tf


def test_assert_equal_accepts_a_shape_against_a_tuple():
    assert tf.debugging.assert_equal(tf.zeros([32, 10]).shape, (32, 10)) is None


def test_assert_equal_failure_names_the_values_and_the_line():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.debugging.assert_equal(tf.zeros([31, 10]).shape, (32, 10), message="logits")
    text = str(info.value)
    assert "assert_equal" in text and "logits" in text and "[31 10]" in text and "[32 10]" in text
    assert "test_debugging.py" in text
    assert isinstance(info.value, ValueError)


def test_assert_near_uses_tolerances():
    tf.debugging.assert_near([1.0, 2.0], [1.0, 2.0 + 1e-7])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.debugging.assert_near([1.0], [1.1])
    tf.debugging.assert_near([1.0], [1.1], atol=0.2)


def test_assert_rank_and_shapes():
    tf.debugging.assert_rank(tf.zeros([2, 3]), 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 3"):
        tf.debugging.assert_rank(tf.zeros([2, 3]), 3)
    tf.debugging.assert_shapes([(tf.zeros([4, 3]), ("N", 3)), (tf.zeros([4]), ("N",))])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.debugging.assert_shapes([(tf.zeros([4, 3]), ("N", 3)), (tf.zeros([5]), ("N",))])


def test_check_numerics_counts_nan_and_inf():
    good = tf.constant([1.0, 2.0])
    assert tf.debugging.check_numerics(good, "ok") is good
    bad = tf.constant([np.nan, np.inf, 1.0, np.nan])
    with pytest.raises(tf.errors.InvalidArgumentError, match="2 NaN and 1 Inf"):
        tf.debugging.check_numerics(bad, "activations")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.debugging.assert_all_finite(bad, "activations")


def test_check_numerics_counts_only_what_the_tensor_holds_as_nan_origins_do():
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        tf.debugging.check_numerics(tf.constant([1.0, np.inf]), "batch")
    assert "batch : Tensor had 1 Inf (of 2 values, shape (2,))" in str(caught.value)
