"""Sums and means over a run of axes with a short kept tail (a bias gradient, a global average
pool) go through one matmul with ones (`ops/reduce.py`); a non-finite total, or one whose own
sum overflows, is summed again by numpy, so the result is numpy's."""
import tracemalloc
import warnings

import numpy as np
import pytest

import tapeviz as tf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis", [((32, 24, 24, 16), [0, 1, 2]),   # a bias gradient
                                         ((32, 24, 24, 16), [1, 2]),      # global average pool
                                         ((8, 70, 3), [0, 1])])
def test_sum_and_mean_by_matmul_match_numpy(dtype, shape, axis):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(tf.reduce_sum(x, axis=axis).numpy(),
                               x.sum(axis=tuple(axis), dtype=np.float64), rtol=tolerance,
                               atol=tolerance * 10)  # sums near 0: rounding is absolute
    np.testing.assert_allclose(tf.reduce_mean(x, axis=axis).numpy(),
                               x.mean(axis=tuple(axis), dtype=np.float64), rtol=tolerance,
                               atol=tolerance / 10)


def _numpy_sum_quietly(x, axis):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.sum(x, axis=axis, dtype=x.dtype)


def test_a_nan_or_inf_in_one_channel_gives_numpys_sum_in_every_channel():
    x = np.random.default_rng(1).standard_normal((32, 24, 24, 16)).astype(np.float32)
    x[3, 4, 5, 2] = np.inf
    x[7, 1, 1, 9] = np.nan
    x[0, 0, 0, 11], x[1, 1, 1, 11] = np.inf, -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = tf.reduce_sum(x, axis=[0, 1, 2]).numpy()
    np.testing.assert_array_equal(ours, _numpy_sum_quietly(x, (0, 1, 2)))
    assert np.isposinf(ours[2]) and np.isnan(ours[9]) and np.isnan(ours[11])
    assert np.isfinite(np.delete(ours, [2, 9, 11])).all()


def test_finite_totals_whose_sum_overflows_are_summed_by_numpy():
    x = np.full((64, 16), 3e36, dtype=np.float32)  # each total 1.9e38: finite; all 16: inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = tf.reduce_sum(x, axis=[0]).numpy()
    np.testing.assert_array_equal(ours, _numpy_sum_quietly(x, 0))
    assert np.isfinite(ours).all()


def test_a_large_sum_by_matmul_holds_no_memory_after_it():
    x = np.random.default_rng(2).standard_normal((1 << 20, 2))  # its ones vector: 8 MB
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        total = tf.reduce_sum(x, axis=0).numpy()
        held = tracemalloc.get_traced_memory()[0] - before - total.nbytes
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=1e-10)
    assert held < 1 << 20, f"{held} bytes still held after reduce_sum"


@pytest.mark.parametrize("shape, axis", [((64, 0), [0]), ((2, 64, 0), [1]), ((0, 64, 3), [1])])
def test_sums_and_means_over_many_values_with_an_empty_kept_axis_are_empty(shape, axis):
    x = np.ones(shape, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's mean of nothing
        expected_mean = x.mean(axis=tuple(axis))
    assert tuple(tf.reduce_sum(x, axis=axis).shape) == x.sum(axis=tuple(axis)).shape
    np.testing.assert_array_equal(tf.reduce_mean(x, axis=axis).numpy(), expected_mean)
