"""Convolutions by kernel taps: BLAS products that add into their output (`ops/blas.py`)
against numpy's matmul-and-add fallback, which every other BLAS build takes."""
import gc
import weakref

import numpy as np
import pytest

from tapeviz.ops import blas, conv_taps

needs_openblas = pytest.mark.skipif(
    blas.products(np.float32) is None,
    reason="this numpy does not ship OpenBLAS beside it (numpy.libs / .dylibs): conv_taps "
           "runs numpy's matmul and adds, tested below")


@pytest.fixture(autouse=True)
def fresh_plans():
    """The taps' plans are kept by geometry (`conv_taps._plan`): a test that takes BLAS's
    makers away must not meet a plan made with them, nor leave one made without them."""
    conv_taps._plan.cache_clear()
    yield
    conv_taps._plan.cache_clear()


@needs_openblas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
def test_products_add_into_their_output_with_leading_dimensions(dtype, trans_a):
    rng = np.random.default_rng(0)
    # A's rows are 7 apart in a wider array, so lda != k; C sits inside a wider array too
    wide_a = rng.standard_normal((9, 7)).astype(dtype)
    a = wide_a[:, :5] if not trans_a else wide_a[:5, :]      # (9, 5), or (5, 7) read as A^T
    m, k = (9, 5) if not trans_a else (7, 5)
    b = rng.standard_normal((k, 4)).astype(dtype)
    c = rng.standard_normal((m, 6)).astype(dtype)
    before = c.copy()
    product = blas.products(dtype)(trans_a=trans_a, m=m, n=4, k=k, lda=7, ldb=4, ldc=6)
    matrix = a if not trans_a else a.T
    product.sum_into(blas.address(c), [blas.address(wide_a)], [blas.address(b)], True)
    np.testing.assert_allclose(c[:, :4], before[:, :4] + matrix @ b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(c[:, 4:], before[:, 4:])  # past n: untouched
    twice = [blas.address(wide_a)] * 2, [blas.address(b), blas.address(b)]
    product.sum_into(blas.address(c), *twice)  # the first product written, the second added
    np.testing.assert_allclose(c[:, :4], 2 * (matrix @ b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.complex64])
def test_products_are_only_bound_for_float32_and_float64(dtype):
    assert blas.products(dtype) is None


def test_without_openblas_beside_numpy_there_are_no_products(monkeypatch, tmp_path):
    not_a_library = tmp_path / "libscipy_openblas64_.so"
    not_a_library.write_text("numpy built on another BLAS")
    monkeypatch.setattr(blas, "_library_files", lambda: [not_a_library])
    found = (blas._library, blas._routines, blas._small_kernels)
    for cache in found:
        cache.cache_clear()
    try:
        assert blas.products(np.float32) is None
        assert blas.overlapping_products(np.float32) is None
    finally:
        for cache in found:
            cache.cache_clear()


def test_small_kernels_are_only_called_on_cores_they_are_written_for(monkeypatch):
    """Other cores' builds carry OpenBLAS's generic small-matrix loops (Haswell's, which
    valgrind's CPU gets): far slower than their gemm, so the taps keep one product a tap."""
    monkeypatch.setattr(blas, "_TUNED_SMALL_KERNELS", frozenset())
    blas._small_kernels.cache_clear()
    try:
        assert blas.overlapping_products(np.float32) is None
    finally:
        blas._small_kernels.cache_clear()


@pytest.mark.parametrize("channels, by_rows", [(16, True), (64, True), (128, False)])
def test_kernel_rows_are_one_product_only_for_few_channels(monkeypatch, channels, by_rows):
    """Past 64 channels OpenBLAS's packed gemm beats its small-matrix kernel (512 channels:
    2.3x slower by kernel rows), so each tap stays a product of its own there."""
    asked = []
    monkeypatch.setattr(blas, "overlapping_products", lambda dtype: asked.append(dtype))
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 6, 6, channels)).astype(np.float32)
    w = rng.standard_normal((3, 3, channels, 8)).astype(np.float32)
    conv_taps.correlate(x, w, (1, 1), (4, 4))
    assert bool(asked) == by_rows


@needs_openblas
def test_a_geometry_is_planned_once_and_each_call_reads_its_own_arrays(monkeypatch):
    """The products' maker, shifts and block sizes are kept from call to call of one
    geometry (~10 us a call on a tiny image); the arrays' addresses are read each call."""
    asked = []
    for name in ("overlapping_products", "products"):
        maker = getattr(blas, name)
        monkeypatch.setattr(blas, name, lambda dtype, maker=maker: asked.append(dtype) or
                            maker(dtype))
    rng = np.random.default_rng(6)
    for _ in range(3):
        x = rng.standard_normal((2, 6, 7, 16)).astype(np.float32)
        w = rng.standard_normal((3, 3, 16, 8)).astype(np.float32)
        np.testing.assert_allclose(conv_taps.correlate(x, w, (1, 1), (4, 5)),
                                   _naive_forward(x, w, ((0, 0), (0, 0))), rtol=1e-5,
                                   atol=1e-5)
    assert len(asked) == 1


def test_a_geometry_is_laid_out_in_blocks_once_and_each_call_keeps_its_own_outputs(
        monkeypatch):
    """The taps' shifts, the blocks and the output pixels each block keeps are kept from call
    to call of one geometry (~15 us a call on a tiny image), not worked out again; each call
    still writes its own arrays' outputs."""
    conv_taps._layout.cache_clear()
    worked_out = []
    offsets = conv_taps._tap_offsets
    monkeypatch.setattr(conv_taps, "_tap_offsets",
                        lambda *args: worked_out.append(args) or offsets(*args))
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.standard_normal((2, 6, 7, 16)).astype(np.float32)
        w = rng.standard_normal((3, 3, 16, 8)).astype(np.float32)
        g = rng.standard_normal((2, 4, 5, 8)).astype(np.float32)
        np.testing.assert_allclose(conv_taps.correlate(x, w, (1, 1), (4, 5)),
                                   _naive_forward(x, w, ((0, 0), (0, 0))), rtol=1e-5,
                                   atol=1e-5)
        expected = np.zeros(x.shape, np.float32)
        for a in range(3):
            for b in range(3):
                expected[:, a:a + 4, b:b + 5] += g @ w[a, b].T
        np.testing.assert_allclose(
            conv_taps.input_gradient(g, w, ((0, 0), (0, 0)), (1, 1), x.shape), expected,
            rtol=1e-5, atol=1e-5)
    assert len(worked_out) == 2   # the forward's geometry and the input gradient's, once each


def _taps_ops(x, w, g, pads):
    """conv_taps' forward, input gradient and filter gradient, copied out of reused arrays."""
    out_hw = g.shape[1:3]
    return (conv_taps.correlate(conv_taps.padded(x, pads), w, (1, 1), out_hw).copy(),
            conv_taps.input_gradient(g, w, pads, (1, 1), x.shape).copy(),
            conv_taps.filter_gradient(conv_taps.padded(x, pads), g, w.shape[:2], (1, 1)))


def _naive_forward(x, w, pads):
    xp = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    kh, kw = w.shape[:2]
    oh, ow = xp.shape[1] - kh + 1, xp.shape[2] - kw + 1
    return sum(xp[:, a:a + oh, b:b + ow] @ w[a, b] for a in range(kh) for b in range(kw))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, pads", [
    ((32, 26, 26, 16), ((0, 0), (0, 0))),   # the guide's second conv: several blocks
    ((3, 9, 7, 8), ((1, 1), (1, 1))),       # one short block, SAME
    ((90, 12, 12, 8), ((2, 0), (1, 0))),    # uneven pads, a last block shorter than the rest
    ((2, 150, 120, 8), ((1, 1), (1, 1))),   # taller images than a block: copied out by rows
])
def test_taps_by_blas_equal_numpy_matmul_and_adds(monkeypatch, dtype, shape, pads):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((3, 3, shape[3], 9)).astype(dtype)
    expected = _naive_forward(x, w, pads)
    g = rng.standard_normal(expected.shape).astype(dtype)
    ours = _taps_ops(x, w, g, pads)
    monkeypatch.setattr(blas, "overlapping_products", lambda dtype: None)
    by_tap = _taps_ops(x, w, g, pads)   # one BLAS product a tap, not a kernel row
    monkeypatch.setattr(blas, "products", lambda dtype: None)
    fallback = _taps_ops(x, w, g, pads)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours[0], expected, rtol=tolerance, atol=tolerance * 10)
    for by_blas, by_blas_taps, by_numpy in zip(ours, by_tap, fallback):
        np.testing.assert_allclose(by_blas, by_numpy, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(by_blas_taps, by_numpy, rtol=tolerance, atol=tolerance)


@pytest.mark.skipif(blas.overlapping_products(np.float32) is None,
                    reason="no OpenBLAS small-matrix kernel for this CPU (SkylakeX and later)")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels, width", [(16, 3), (9, 3), (8, 2)])
def test_overlapping_products_read_a_kernel_rows_taps_in_place(dtype, channels, width):
    """A's rows `channels` apart and `width * channels` long (cblas refuses lda < k): the
    products of a kernel row's taps on a flat pixel grid, written then added."""
    rng = np.random.default_rng(3)
    flat = rng.standard_normal((300, channels)).astype(dtype)
    m, k = 300 - width + 1, width * channels
    rows = np.lib.stride_tricks.as_strided(flat, (m, k), (flat.strides[0], flat.itemsize))
    b = rng.standard_normal((k, 16)).astype(dtype)
    c = np.full((m, 16), np.nan, dtype)   # written over, never read, by the first product
    product = blas.overlapping_products(dtype)(m=m, n=16, k=k, lda=channels, ldb=16, ldc=16)
    product.sum_into(blas.address(c), [blas.address(flat)] * 2, [blas.address(b)] * 2)
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, 2 * (rows @ b), rtol=tolerance, atol=tolerance)
    product.sum_into(blas.address(c), [blas.address(flat)], [blas.address(b)], True)
    np.testing.assert_allclose(c, 3 * (rows @ b), rtol=tolerance, atol=tolerance)


def test_filter_gradient_uses_the_input_gradients_grid_only_for_the_same_g():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 10, 10, 8)).astype(np.float32)
    w = rng.standard_normal((3, 3, 8, 8)).astype(np.float32)
    g, other = rng.standard_normal((2, 4, 8, 8, 8)).astype(np.float32)
    fresh = conv_taps.filter_gradient(x, other, (3, 3), (1, 1))  # nothing laid out before
    conv_taps.input_gradient(g, w, ((0, 0), (0, 0)), (1, 1), x.shape)
    # an input gradient with no filter gradient after it (a frozen kernel): the next filter
    # gradient, of another g of the same shape, lays its own g out
    np.testing.assert_array_equal(conv_taps.filter_gradient(x, other, (3, 3), (1, 1)), fresh)
    conv_taps.input_gradient(other, w, ((0, 0), (0, 0)), (1, 1), x.shape)
    np.testing.assert_array_equal(conv_taps.filter_gradient(x, other, (3, 3), (1, 1)), fresh)


@pytest.mark.parametrize("n, hw, dilations", [
    (32, (26, 26), (1, 1)),   # the guide's second conv: one batched product of every image
    (57, (6, 7), (1, 1)),     # more images than one product holds: two groups
    (3, (9, 8), (2, 1)),      # dilated: an image's rows end 2 grid rows above its last
])
def test_filter_gradient_image_by_image_reads_no_grid_row_under_an_images_outputs(
        n, hw, dilations, monkeypatch):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n,) + hw + (16,)).astype(np.float32)
    oh, ow = hw[0] - 2 * dilations[0], hw[1] - 2 * dilations[1]
    g = rng.standard_normal((n, oh, ow, 16)).astype(np.float32)
    expected = np.zeros((3, 3, 16, 16))
    for a in range(3):
        for b in range(3):
            rows = x[:, a * dilations[0]:a * dilations[0] + oh,
                     b * dilations[1]:b * dilations[1] + ow].reshape(-1, 16)
            expected[a, b] = rows.T.astype(np.float64) @ g.reshape(-1, 16)
    monkeypatch.setattr(conv_taps, "_MOST_PRODUCT_VALUES", 56 * 9 * 16 * 16, raising=False)
    laid = conv_taps._scratch.zeros

    def nan_under_outputs(key, shape, dtype):
        """g's grid with NaN under each image's last output row: a product that read those
        rows would give NaN (the blocks of rows read them, as zeros)."""
        if key[0] != "placed":
            return laid(key, shape, dtype)
        grid = np.zeros(shape, dtype)
        grid[:, oh:] = np.nan
        return grid

    monkeypatch.setattr(conv_taps._scratch, "zeros", nan_under_outputs)
    conv_taps._scratch.laid_out = None
    got = conv_taps.filter_gradient(x, g, (3, 3), dilations)
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-4)


@pytest.mark.parametrize("contiguous", [True, False])
def test_strided_view_reads_the_same_windows_as_as_strided_and_is_read_only(contiguous):
    x = np.arange(2 * 5 * 6 * 3, dtype=np.float32).reshape(2, 5, 6, 3)
    if not contiguous:  # an NCHW input seen as NHWC: conv2d's windows of a transposed view
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)
    sn, sh, sw, sc = x.strides
    shape, strides = (2, 3, 4, 3, 3, 3), (sn, sh, sw, sh, sw, sc)
    view = conv_taps.strided_view(x, shape, strides)
    expected = np.lib.stride_tricks.as_strided(x, shape, strides)
    np.testing.assert_array_equal(view, expected)
    assert view[1, 2, 3, 2, 2, 1] == x[1, 4, 5, 1]
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view[0, 0, 0, 0, 0, 0] = 1.0



def test_strided_view_of_an_offset_input_outlives_it_and_reads_its_values():
    batch = np.arange(4 * 5 * 6 * 8, dtype=np.float64).reshape(4, 5, 6, 8)
    x = batch[1:3]  # contiguous, starting past its base's first element
    expected = x[:, :3, :3].copy()
    sn, sh, sw, sc = x.strides
    view = conv_taps.strided_view(x, (2, 3, 3, 8), (sn, sh, sw, sc))
    origin = weakref.ref(batch.base if batch.base is not None else batch)
    del batch, x
    gc.collect()
    assert origin() is not None  # the view keeps the buffer it reads
    np.testing.assert_array_equal(view, expected)


@pytest.mark.parametrize("channels", [1, 8])  # im2col's transposed windows; the taps' width
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_an_empty_batch_convolves_to_an_empty_batch_with_zero_filter_gradient(channels, padding):
    import tapeviz as tf

    x = tf.Variable(np.zeros((0, 5, 5, channels), np.float32))
    w = tf.Variable(np.ones((3, 3, channels, 2), np.float32))
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(x, w, 1, padding)
        total = tf.reduce_sum(y)
    dx, dw = tape.gradient(total, [x, w])
    assert tuple(y.shape) == ((0, 3, 3, 2) if padding == "VALID" else (0, 5, 5, 2))
    assert tuple(dx.shape) == (0, 5, 5, channels)
    np.testing.assert_array_equal(dw.numpy(), np.zeros((3, 3, channels, 2), np.float32))
