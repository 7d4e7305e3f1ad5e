"""reduce_mean's small case and sparse cross-entropy's forward skip numpy's Python wrappers
(np.mean, np.max, np.sum, take_along_axis) for speed: their results must stay those
wrappers' bits, and a label out of range must still fail as numpy's indexing fails."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.ops import REGISTRY


def _bits(value) -> bytes:
    return np.ascontiguousarray(np.atleast_1d(np.asarray(value))).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_small_mean_has_np_means_bits_type_and_shape(dtype):
    mean = REGISTRY["reduce_mean"].forward
    rng = np.random.default_rng(0)
    for _ in range(400):   # fewer than 64 values: never the sum by matmul
        shape = tuple(int(s) for s in rng.integers(1, 4, rng.integers(0, 4)))
        x = (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 6)).astype(dtype)
        axis = None
        if x.ndim and rng.random() < 0.6:
            axis = tuple(sorted({int(a) for a in rng.integers(0, x.ndim, x.ndim)}))
        keepdims = bool(rng.integers(0, 2))
        ours, numpy_s = mean(x, axis=axis, keepdims=keepdims), np.mean(x, axis=axis,
                                                                       keepdims=keepdims)
        assert type(ours) is type(numpy_s) and np.shape(ours) == np.shape(numpy_s)
        assert _bits(ours) == _bits(numpy_s), (shape, axis, keepdims)


def test_a_float16_or_integer_mean_is_still_np_means():
    mean = REGISTRY["reduce_mean"].forward
    halves = np.array([65504.0, 65504.0], np.float16)   # summed in float16 it would overflow
    assert mean(halves, axis=None, keepdims=False) == np.float16(65504.0)
    assert mean(np.array([1, 2], np.int32), axis=None, keepdims=False) == 1


def test_sparse_cross_entropy_gives_take_along_axis_bits():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((32, 10)).astype(np.float32) * 5
    for labels in (rng.integers(0, 10, 32), rng.integers(0, 10, 32).astype(np.uint8)):
        picked = np.take_along_axis(logits, labels[:, None].astype(np.intp), axis=-1)[:, 0]
        peak = np.max(logits, axis=-1)
        expected = peak + np.log(np.sum(np.exp(logits - peak[:, None]), axis=-1)) - picked
        ours = REGISTRY["sparse_softmax_cross_entropy_with_logits"].forward(labels, logits)
        assert _bits(ours) == _bits(expected)


def test_a_label_out_of_range_still_fails_naming_the_op():
    with pytest.raises(Exception, match="sparse_softmax_cross_entropy_with_logits") as info:
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 12]),
                                                       logits=tf.zeros([2, 10]))
    assert "12" in str(info.value)
