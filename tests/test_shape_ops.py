"""Joining, splitting, tiling, padding, gathering and slicing: values against numpy,
gradients through composites, and errors that name the op and the shapes."""
import numpy as np
import pytest

import tapeviz as tf

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4))


def grad_of(fn, x0):
    """d(sum(fn(x)))/dx at x0, as a numpy array."""
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fn(x))
    return tape.gradient(loss, x).numpy()


def raised(exc_type, call):
    """Run `call` (a one-line lambda) expecting `exc_type`; return the error's text.

    The error must name the lambda's line: the user's line, not one inside tapeviz.
    """
    with pytest.raises(exc_type) as info:
        call()
    source = info.value.source
    assert source.filename == __file__ and source.lineno == call.__code__.co_firstlineno
    return str(info.value)


# ---- values against numpy ------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concat_matches_numpy(axis):
    parts = [A, A * 2, A[:, :, :1] if axis in (2, -1) else A]
    if axis in (2, -1):
        parts[1] = A[:, :, :2]
    got = tf.concat([tf.constant(p) for p in parts], axis=axis)
    np.testing.assert_array_equal(got.numpy(), np.concatenate(parts, axis=axis))


def test_concat_of_one_tensor_and_of_python_lists():
    np.testing.assert_array_equal(tf.concat([A], 1).numpy(), A)
    got = tf.concat([[1, 2], [3]], axis=0)
    assert got.dtype == tf.int32 and got.numpy().tolist() == [1, 2, 3]


@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4])
def test_stack_matches_numpy(axis):
    got = tf.stack([tf.constant(A), tf.constant(-A)], axis=axis)
    np.testing.assert_array_equal(got.numpy(), np.stack([A, -A], axis=axis))


def test_stack_of_scalars_makes_a_vector():
    assert tf.stack([1.0, 2.0, 3.0]).numpy().tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_matches_numpy(axis):
    pieces = tf.unstack(tf.constant(A), axis=axis)
    assert len(pieces) == A.shape[axis]
    for i, piece in enumerate(pieces):
        np.testing.assert_array_equal(piece.numpy(), np.take(A, i, axis=axis))


@pytest.mark.parametrize("spec,axis", [(2, -1), (2, -3), (3, 1), ([1, 3], -1), ([2, -1, 1], 2),
                                        ([0, 4], 2), (1, 0)])
def test_split_matches_numpy(spec, axis):
    pieces = tf.split(tf.constant(A), spec, axis=axis)
    length = A.shape[axis]
    cuts = np.cumsum([s if s >= 0 else length - (sum(spec) + 1) for s in spec])[:-1] \
        if isinstance(spec, list) else spec
    expected = np.split(A, cuts, axis=axis)
    assert [p.shape for p in pieces] == [e.shape for e in expected]
    for piece, want in zip(pieces, expected):
        np.testing.assert_array_equal(piece.numpy(), want)


def test_split_accepts_a_tensor_of_sizes():
    pieces = tf.split(tf.constant(A), tf.constant([1, 2]), axis=1)
    assert [p.shape for p in pieces] == [(2, 1, 4), (2, 2, 4)]


@pytest.mark.parametrize("multiples", [(1, 1, 1), (2, 1, 3), (1, 3, 2)])
def test_tile_matches_numpy(multiples):
    np.testing.assert_array_equal(tf.tile(tf.constant(A), list(multiples)).numpy(),
                                  np.tile(A, multiples))


@pytest.mark.parametrize("mode", ["CONSTANT", "reflect", "Symmetric"])
def test_pad_matches_numpy(mode):
    paddings = [[1, 0], [2, 1], [0, 3]]
    got = tf.pad(tf.constant(A), paddings, mode=mode)
    np.testing.assert_array_equal(got.numpy(), np.pad(A, paddings, mode=mode.lower()))


def test_pad_constant_values_and_dtype():
    got = tf.pad([[1, 2]], [[1, 0], [0, 1]], constant_values=7)
    assert got.dtype == tf.int32
    assert got.numpy().tolist() == [[7, 7, 7], [1, 2, 7]]


@pytest.mark.parametrize("axis", [None, 0, 1, -1, 2])
def test_gather_matches_numpy(axis):
    indices = np.array([[3, 0], [1, 1]]) if axis in (-1, 2) else np.array([[1, 0], [1, 1]])
    got = tf.gather(tf.constant(A), indices, axis=axis)
    np.testing.assert_array_equal(got.numpy(), np.take(A, indices, axis=axis or 0))


def test_gather_with_a_scalar_index_drops_the_axis():
    assert tf.gather(tf.constant(A), 2, axis=1).shape == (2, 4)


@pytest.mark.parametrize("mask_shape,axis", [((2,), None), ((2, 3), 0), ((3,), 1), ((4,), -1),
                                             ((3, 4), 1)])
def test_boolean_mask_matches_numpy(mask_shape, axis):
    mask = RNG.random(mask_shape) > 0.4
    got = tf.boolean_mask(tf.constant(A), mask, axis=axis)
    start = axis % 3 if axis is not None else 0
    want = A[(slice(None),) * start + (mask,)]
    np.testing.assert_array_equal(got.numpy(), want)


def test_one_hot_matches_tensorflow_defaults():
    got = tf.one_hot([0, 2, -1, 5], 3)
    assert got.dtype == tf.float32
    assert got.numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]


def test_one_hot_axis_values_and_dtype():
    got = tf.one_hot([[1, 0]], 2, on_value=5, off_value=-1, axis=0)
    assert got.dtype == tf.int32 and got.shape == (2, 1, 2)
    assert got.numpy()[:, 0].tolist() == [[-1, 5], [5, -1]]
    assert tf.one_hot([1], 2, dtype=tf.float64).dtype == tf.float64


def test_one_hot_has_no_gradient():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.one_hot(tf.cast(x, tf.int32), 2) * x[0])
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 0.0]


STRIDED_CASES = [
    # (begin, end, strides, masks, numpy key)
    ([0, 1], [2, 3], [1, 1], {}, np.s_[0:2, 1:3]),
    ([1, -1], [2, 0], [1, -1], {}, np.s_[1:2, -1:0:-1]),
    ([1, 0, 0], [0, 3, 4], [1, 2, 1], {"shrink_axis_mask": 1}, np.s_[1, 0:3:2, 0:4]),
    ([0, 2], [0, 0], [1, 1], {"begin_mask": 1, "end_mask": 3}, np.s_[:, 2:]),
    ([0, 1], [0, 3], [1, 1], {"ellipsis_mask": 1}, np.s_[..., 1:3]),
    ([0, 0, 1], [0, 0, 2], [1, 1, 1], {"ellipsis_mask": 1, "new_axis_mask": 2},
     np.s_[..., None, 1:2]),
    ([0, 0], [1, 0], [1, 1], {"new_axis_mask": 2, "begin_mask": 1}, np.s_[:1, None]),
]


@pytest.mark.parametrize("begin,end,strides,masks,key", STRIDED_CASES)
def test_strided_slice_matches_numpy_indexing(begin, end, strides, masks, key):
    got = tf.strided_slice(tf.constant(A), begin, end, strides, **masks)
    np.testing.assert_array_equal(got.numpy(), A[key])


def test_shape_size_and_rank_are_int32_constants():
    x = tf.Variable(A)
    assert tf.shape(x).dtype == tf.int32 and tf.shape(x).numpy().tolist() == [2, 3, 4]
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64
    assert int(tf.size(x)) == 24 and tf.size(x).dtype == tf.int32
    assert int(tf.rank(x)) == 3 and int(tf.rank(5.0)) == 0
    assert tf.reshape(tf.zeros([6]), tf.shape(x)[:2]).shape == (2, 3)


# ---- gradients through composites ----------------------------------------------------------
def test_the_issue_example():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        parts = tf.unstack(x)
        y = tf.concat([parts[0] * 2.0, tf.gather(x, [1, 1], axis=0)[0]], axis=0)
        loss = tf.reduce_sum(tf.tile(y[tf.newaxis], [3, 1]))
    assert tape.gradient(loss, x).numpy().tolist() == [[6.0, 6.0], [3.0, 3.0]]


def test_unstack_then_stack_round_trips_the_gradient():
    weights = RNG.standard_normal(A.shape)
    got = grad_of(lambda x: tf.stack(tf.unstack(x, axis=1), axis=1) * weights, A)
    np.testing.assert_allclose(got, weights)


def test_split_pieces_used_unequally():
    def f(x):
        a, _, c = tf.split(x, [1, -1, 1], axis=-1)
        return tf.concat([tf.reduce_sum(a * 3.0, axis=-1), tf.reduce_sum(c * c, axis=-1)], 0)
    want = np.zeros_like(A)
    want[..., 0] = 3.0
    want[..., 3] = 2 * A[..., 3]
    np.testing.assert_allclose(grad_of(f, A), want)


def test_gather_with_repeated_indices_adds_gradients():
    got = grad_of(lambda x: tf.gather(x, [[2, 0], [2, 2]], axis=1), A)
    want = np.zeros_like(A)
    want[:, 0] = 1.0
    want[:, 2] = 3.0
    np.testing.assert_allclose(got, want)


def test_boolean_mask_gradient_lands_on_the_kept_entries():
    mask = np.array([[True, False, True], [False, False, True]])
    got = grad_of(lambda x: tf.boolean_mask(x, mask) * 2.0, A)
    np.testing.assert_allclose(got, np.broadcast_to(2.0 * mask[..., None], A.shape))


def test_tile_gradient_counts_the_copies():
    np.testing.assert_allclose(grad_of(lambda x: tf.tile(x, [2, 1, 3]), A), np.full(A.shape, 6.0))


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_gradient_counts_each_entrys_copies(mode):
    paddings = [[0, 0], [2, 1], [1, 2]]
    counts = np.zeros(A.size)
    np.add.at(counts, np.pad(np.arange(A.size).reshape(A.shape), paddings, mode=mode.lower(),
                             **({"constant_values": -1} if mode == "CONSTANT" else {})), 1.0)
    if mode == "CONSTANT":
        counts[-1] -= np.sum(np.pad(np.zeros(A.shape), paddings, constant_values=1))
    np.testing.assert_allclose(grad_of(lambda x: tf.pad(x, paddings, mode=mode), A),
                               counts.reshape(A.shape))


def test_strided_slice_gradient_scatters_into_place():
    got = grad_of(lambda x: tf.strided_slice(x, [1, 0], [2, 3], [1, 2], shrink_axis_mask=1), A)
    want = np.zeros_like(A)
    want[1, 0:3:2] = 1.0
    np.testing.assert_allclose(got, want)


def _second_derivative(fn, x0):
    x = tf.Variable(x0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(fn(x))
        dy = inner.gradient(y, x)
        z = tf.reduce_sum(dy * dy)
    return dy.numpy(), outer.gradient(z, x).numpy()


def test_second_derivative_through_gather():
    x0 = np.array([1.0, 2.0, 3.0])
    # y = sum(gather(x, [0, 2, 2])**3): dy = 3 c x^2 with c = [1, 0, 2] hits per entry,
    # z = sum(dy^2) = sum(9 c^2 x^4): dz = 36 c^2 x^3
    dy, dz = _second_derivative(lambda x: tf.gather(x, [0, 2, 2]) ** 3, x0)
    c = np.array([1.0, 0.0, 2.0])
    np.testing.assert_allclose(dy, 3 * c * x0 ** 2)
    np.testing.assert_allclose(dz, 36 * c ** 2 * x0 ** 3)


def test_second_derivative_through_pad_and_concat():
    x0 = np.array([1.0, 2.0, 3.0])
    # reflect-padding [1, 1] copies x[1] twice more: c = [1, 3, 1]
    dy, dz = _second_derivative(
        lambda x: tf.concat([tf.pad(x, [[1, 1]], mode="REFLECT") ** 2, x[:0]], 0), x0)
    c = np.array([1.0, 3.0, 1.0])
    np.testing.assert_allclose(dy, 2 * c * x0)
    np.testing.assert_allclose(dz, 8 * c ** 2 * x0)


# ---- errors name the op and the shapes -----------------------------------------------------
def test_concat_shape_mismatch_names_both_shapes():
    a, b = tf.zeros([2, 3]), tf.zeros([2, 4])
    text = raised(tf.ShapeError, lambda: tf.concat([a, b], axis=0))
    assert text.startswith("concat: all inputs must have the same shape except on axis 0; "
                           "got (2, 3) and (2, 4)")


def test_concat_rank_mismatch_and_scalars():
    assert "(2, 3) and (3,)" in raised(tf.ShapeError,
                                       lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([3])], 0))
    assert "tf.stack" in raised(tf.InvalidArgumentError, lambda: tf.concat([1.0, 2.0], 0))
    assert "axis 2 is out of range" in raised(tf.InvalidArgumentError,
                                              lambda: tf.concat([tf.zeros([2, 3])], 2))


def test_concat_dtype_mismatch_is_a_dtype_error():
    text = raised(tf.DTypeError, lambda: tf.concat([tf.zeros([2]), tf.constant([1, 2])], 0))
    assert text.startswith("concat:")


def test_stack_needs_equal_shapes():
    text = raised(tf.ShapeError, lambda: tf.stack([tf.zeros([2]), tf.zeros([3])]))
    assert text.startswith("stack: all inputs must have the same shape; got (2,) and (3,)")


def test_unstack_num_must_match():
    text = raised(tf.ShapeError, lambda: tf.unstack(tf.zeros([2, 3]), num=3))
    assert text.startswith("unstack: num=3 does not match the length 2 of axis 0")
    assert "scalar" in raised(tf.InvalidArgumentError, lambda: tf.unstack(tf.constant(1.0)))


def test_split_into_unequal_count_suggests_sizes():
    text = raised(tf.ShapeError, lambda: tf.split(tf.zeros([2, 5]), 2, axis=1))
    assert text.startswith("split: cannot split axis 1 of length 5 into 2 equal pieces")
    assert "hint: pass sizes instead, e.g. [3, 2]" in text


@pytest.mark.parametrize("sizes,message", [
    ([2, 2], "sizes must sum to 5 (the length of axis 1); got [2, 2]"),
    ([-1, -1], "at most one -1; got [-1, -1]"),
    ([4, -1, 3], "sizes must sum to 5 (the length of axis 1); got [4, -1, 3]"),
    ([-2, 7], "non-negative"),
])
def test_split_bad_sizes(sizes, message):
    text = raised(tf.InvalidArgumentError, lambda: tf.split(tf.zeros([2, 5]), sizes, axis=1))
    assert text.startswith("split:") and message in text


def test_gather_out_of_range_names_the_index_and_shape():
    params = tf.zeros([3, 2])
    text = raised(tf.InvalidArgumentError, lambda: tf.gather(params, [[0, 1], [5, 2]]))
    assert text.startswith("gather: indices[1, 0] = 5 is not in [0, 3) "
                           "(axis 0 of params with shape (3, 2))")
    assert "indices[0] = -1" in raised(tf.InvalidArgumentError,
                                       lambda: tf.gather(params, [-1], axis=-1))


def test_gather_out_of_range_inside_a_tape():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape():
        assert "is not in [0, 2)" in raised(tf.InvalidArgumentError, lambda: tf.gather(x, 2))


def test_gather_rejects_batch_dims_out_of_range_and_float_indices():
    assert "batch_dims must be in [-2, 2]" in raised(
        tf.InvalidArgumentError, lambda: tf.gather(tf.zeros([2, 2]), [[0], [1]], batch_dims=3))
    assert "indices must be integers" in raised(tf.DTypeError,
                                                lambda: tf.gather(tf.zeros([2]), [0.0]))


def test_pad_bad_paddings_shape():
    text = raised(tf.ShapeError, lambda: tf.pad(tf.zeros([2, 3]), [[1, 1]]))
    assert text.startswith("pad: paddings must have shape [2, 2]")
    assert "shape (2, 3)); got shape [1, 2]" in text


def test_pad_bad_mode_and_reflect_width():
    assert "mode must be one of 'CONSTANT', 'REFLECT', 'SYMMETRIC'; got 'wrap'" in raised(
        tf.InvalidArgumentError, lambda: tf.pad(tf.zeros([3]), [[1, 1]], mode="wrap"))
    assert "REFLECT paddings on axis 0 (length 3) must be at most 2; got [3, 0]" in raised(
        tf.InvalidArgumentError, lambda: tf.pad(tf.zeros([3]), [[3, 0]], mode="REFLECT"))
    assert "non-negative" in raised(tf.InvalidArgumentError,
                                    lambda: tf.pad(tf.zeros([3]), [[-1, 0]]))


def test_tile_multiples_must_match_rank():
    text = raised(tf.InvalidArgumentError, lambda: tf.tile(tf.zeros([2, 3]), [3]))
    assert text.startswith("tile: multiples must hold one non-negative int per axis of input "
                           "(rank 2); got [3]")


def test_boolean_mask_shape_mismatch():
    text = raised(tf.ShapeError, lambda: tf.boolean_mask(tf.zeros([2, 3]), [True, False, True]))
    assert text.startswith("boolean_mask: mask shape (3,) must equal")
    assert "got (2,) (tensor shape (2, 3))" in text


def test_strided_slice_argument_errors():
    x = tf.zeros([2, 3])
    assert "same length; got 2, 1 and 2" in raised(
        tf.InvalidArgumentError, lambda: tf.strided_slice(x, [0, 0], [1], [1, 1]))
    assert "strides must be non-zero" in raised(
        tf.InvalidArgumentError, lambda: tf.strided_slice(x, [0], [1], [0]))
    assert "the tensor has shape (2, 3)" in raised(
        tf.InvalidArgumentError, lambda: tf.strided_slice(x, [5], [6], shrink_axis_mask=1))


def test_tensor_arguments_checked_under_a_tape_are_not_values_leaving_it():
    """Axes, perms, sizes and indices given as tensors are read by the argument checks, not
    converted through __array__ (which a tape notes as the value leaving tapeviz)."""
    x = tf.Variable(tf.ones([2, 3]))
    with tf.GradientTape() as tape:
        tf.reduce_sum(x, axis=tf.constant(1))
        tf.transpose(x, tf.constant([1, 0]))
        tf.split(x, tf.constant(3), axis=tf.constant(1))
        _ = x[tf.constant(0)]
        tf.reshape(x, tf.constant([3, 2]))
    assert tape.value_exits() == ()
