"""tf.random: reproducible after set_seed, TF's shapes, dtypes and ranges, seen by dispatch."""
import numpy as np
import pytest

import tapeviz as tf


def _draws():
    return [tf.random.normal([3, 2]).numpy(), tf.random.uniform([4]).numpy(),
            tf.random.truncated_normal([5]).numpy(),
            tf.random.uniform([6], 0, 10, dtype=tf.int32).numpy(),
            tf.random.shuffle(tf.range(8)).numpy(),
            tf.random.normal([2], seed=7).numpy(), tf.random.normal([2], seed=7).numpy()]


def test_the_same_calls_after_set_seed_give_the_same_values():
    tf.random.set_seed(42)
    first = _draws()
    tf.random.set_seed(42)
    second = _draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tf.random.set_seed(43)
    assert not np.array_equal(tf.random.normal([3, 2]).numpy(), first[0])


def test_an_op_seed_gives_new_values_on_each_call_and_restarts_with_set_seed():
    tf.random.set_seed(1)
    a, b = tf.random.uniform([3], seed=5).numpy(), tf.random.uniform([3], seed=5).numpy()
    assert not np.array_equal(a, b)
    tf.random.set_seed(1)
    np.testing.assert_array_equal(tf.random.uniform([3], seed=5).numpy(), a)


def test_shapes_and_dtypes_follow_tf():
    assert tf.random.normal([2, 3]).dtype == tf.float32
    assert tf.random.normal((4,), dtype=tf.float64).dtype == tf.float64
    assert tf.random.uniform([2, 2], maxval=5, dtype=tf.int32).dtype == tf.int32
    assert tf.random.uniform([2, 2], maxval=5, dtype=tf.int64).dtype == tf.int64
    assert tf.random.truncated_normal([1, 2, 3]).shape == (1, 2, 3)
    assert tf.random.uniform([]).shape == ()
    assert tf.random.normal(tf.constant([2, 5])).shape == (2, 5)


def test_values_have_the_requested_distribution_and_range():
    tf.random.set_seed(0)
    x = tf.random.normal([20000], mean=3.0, stddev=2.0).numpy()
    assert abs(x.mean() - 3.0) < 0.05 and abs(x.std() - 2.0) < 0.05
    u = tf.random.uniform([20000], minval=-1.0, maxval=3.0).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    i = tf.random.uniform([20000], minval=-2, maxval=3, dtype=tf.int32).numpy()
    assert set(np.unique(i)) == {-2, -1, 0, 1, 2}


def test_truncated_normal_stays_within_two_standard_deviations():
    tf.random.set_seed(0)
    t = tf.random.truncated_normal([50000], mean=1.0, stddev=0.5).numpy()
    assert np.all(np.abs(t - 1.0) <= 1.0)
    assert abs(t.std() - 0.5 * 0.8796) < 0.01   # a 2-sigma truncated normal's spread


def test_shuffle_permutes_rows_and_keeps_them_intact():
    rows = np.arange(20).reshape(10, 2)
    shuffled = tf.random.shuffle(rows).numpy()
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, rows))
    assert np.all(shuffled[:, 1] == shuffled[:, 0] + 1)
    assert not np.array_equal(tf.random.shuffle(tf.range(50)).numpy(), np.arange(50))


def test_bad_arguments_raise_errors_that_name_the_op():
    with pytest.raises(tf.InvalidArgumentError, match="uniform: maxval must be given"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.InvalidArgumentError, match="minval must be less than maxval"):
        tf.random.uniform([2], 3, 3, dtype=tf.int32)
    with pytest.raises(tf.DTypeError, match="normal: dtype must be a floating type"):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(tf.InvalidArgumentError, match="shape must be a list of non-negative"):
        tf.random.normal([2, -1])
    for draw in (tf.random.normal, tf.random.uniform, tf.random.truncated_normal):
        # a bare number is a shape for tf.zeros, not for TF's random ops
        with pytest.raises(tf.InvalidArgumentError, match=r"shape must be a list of ints "
                                                          r"\(a vector\), not a scalar; got 3"):
            draw(3)
        assert draw([]).shape == () and draw(tf.constant([3])).shape == (3,)


def test_shuffle_of_a_scalar_returns_it_as_tf_does():
    assert tf.random.shuffle(3).numpy() == 3
    assert tf.random.shuffle(tf.constant(2.5)).dtype == tf.float32


def test_random_ops_go_through_dispatch_but_never_onto_a_tape():
    seen = []
    callback = tf.subscribe(lambda event: seen.append(event.node.op.name))
    try:
        with tf.GradientTape() as tape:
            tf.random.normal([2])
            tf.random.uniform([2], maxval=4, dtype=tf.int32)
    finally:
        tf.unsubscribe(callback)
    assert seen == ["random_standard_normal", "random_uniform_int"]
    assert len(tape.nodes) == 0


def test_gradients_flow_to_a_tensor_mean_and_stddev():
    mean, stddev = tf.Variable([1.0, 2.0]), tf.Variable([0.5, 3.0])
    tf.random.set_seed(3)
    with tf.GradientTape() as tape:
        x = tf.random.normal([2], mean=mean, stddev=stddev)
    d_mean, d_stddev = tape.gradient(x, [mean, stddev])
    np.testing.assert_allclose(d_mean.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(d_stddev.numpy(), (x.numpy() - mean.numpy()) / stddev.numpy(),
                               rtol=1e-6)
