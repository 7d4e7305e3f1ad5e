"""Stride-1 convolutions of 8 or more channels by kernel taps, for `conv.py`'s rows.

On the flat grid of padded pixels (N*Hp*Wp rows of C values) a kernel tap is a constant
row shift, so a tap's input is a contiguous slice: a convolution is one small
(rows, C) @ (C, O) matmul per tap, accumulated, with no im2col matrix (10.6 MB on the
guide's second conv). The grid's pixels past each image's last output row and column are
computed too and never kept (17% more rows on the guide's 26x26 images). The input
gradient is the same correlation, with the flipped kernel, of g laid on the input's grid;
the filter gradient contracts the shifted input with g laid the same way (on the input
gradient's own grid when that just laid out the same g), all taps of an image (or of a
block of rows, for large images) in one matmul call. A block's taps add into its total
inside BLAS where numpy's OpenBLAS is found (`blas.py`: a kernel row's taps as one product
of depth KW*C where its small-matrix kernel is), else by a numpy matmul and an add a tap.
Work goes in blocks of rows that stay in cache, and zero-padded inputs are laid into per-thread
buffers reused from call to call: a fresh large array costs a page fault per 4 KB each
time it is touched (glibc hands freed memory back to the system), 1,100 of the guide
step's 3,400 faults came from such temporaries.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import blas, recycler

MIN_CHANNELS = 8  # below it im2col's one deep matmul wins (4 channels: even; 1: 30x slower)
# in L2 with its operands (forward 0.94x of 120 KB's time); past 3,906 rows of a 16x16
# product OpenBLAS leaves its small-matrix kernel (360 KB: 1.3x)
_BLOCK_BYTES = 240 << 10
# channels up to which a kernel row is one product by the small-matrix kernel (3x3, hot,
# forward and input gradient: 16 -> 16 0.81x/0.83x, 64 -> 64 0.84x/0.90x of one product a
# tap; 128 -> 128 1.28x/1.05x, 512 -> 512 2.3x: past it OpenBLAS's packed gemm wins)
_MOST_ROW_CHANNELS = 64


def by_taps(input_shape, strides, out_hw) -> bool:
    """Whether a correlation of an NHWC input of this shape runs here."""
    return (tuple(strides) == (1, 1) and input_shape[3] >= MIN_CHANNELS
            and input_shape[0] > 0 and min(out_hw) > 0)


def strided_view(x, shape, strides):
    """A read-only view of `x` (its first element on) with `shape` and byte `strides`: an
    ndarray over x's buffer where x is contiguous (0.7 us), else numpy's as_strided (9 us)."""
    if not x.flags.c_contiguous:
        return as_strided(x, shape, strides, writeable=False)
    view = np.ndarray(shape, x.dtype, x, 0, strides)
    view.flags.writeable = False
    return view


def _tap_offsets(khw, dilations, width) -> list:
    """Each kernel tap's shift on the flat grid of an image batch `width` pixels wide."""
    return [a * dilations[0] * width + b * dilations[1]
            for a in range(khw[0]) for b in range(khw[1])]


class _Scratch(threading.local):
    """This thread's reusable zero-bordered buffers, by (key, shape, dtype), newest last.
    A buffer's zeros stay zeros because its users only ever write the part their key
    names. At most 4 buffers and 64 MB are kept; the oldest go first."""

    def __init__(self, entries: int = 4, budget: int = 64 << 20):
        self.entries, self.budget = entries, budget
        self.kept: OrderedDict = OrderedDict()
        # (g, g laid on its grid) from the last input gradient, for the filter gradient of
        # the same g that conv2d's VJP runs next; held, so g's array cannot be recycled
        # (its contents changed) while it names this grid
        self.laid_out = None

    def zeros(self, key, shape, dtype) -> np.ndarray:
        full_key = (key, shape, dtype)
        buffer = self.kept.get(full_key)
        if buffer is not None:   # the kept set unchanged: only its order
            self.kept.move_to_end(full_key)
            return buffer
        buffer = np.zeros(shape, dtype)
        if buffer.nbytes <= self.budget:
            self.kept[full_key] = buffer
        while len(self.kept) > self.entries or \
                sum(b.nbytes for b in self.kept.values()) > self.budget:
            self.kept.popitem(last=False)
        return buffer


_scratch = _Scratch()
_NO_PADS = ((0, 0), (0, 0))


def padded(x, pads):
    """`x` (NHWC) padded with zeros by `pads` ((top, bottom), (left, right); negative pads
    crop), in a reused buffer: read it before this thread pads again, never keep it."""
    if pads == _NO_PADS:   # VALID: `x` itself (the slicing below costs ~4 us a call)
        return x
    n, h, w, c = x.shape
    x = x[:, max(-pads[0][0], 0):h - max(-pads[0][1], 0),
          max(-pads[1][0], 0):w - max(-pads[1][1], 0), :]
    (top, bottom), (left, right) = ((max(b, 0), max(a, 0)) for b, a in pads)
    if not (top or bottom or left or right):
        return x
    shape = (n, x.shape[1] + top + bottom, x.shape[2] + left + right, c)
    buffer = _scratch.zeros(("padded", top, left, x.shape[1:3]), shape, x.dtype)
    buffer[:, top:top + x.shape[1], left:left + x.shape[2]] = x
    return buffer


def correlate(xp, w, dilations, out_hw, store=None):
    """Stride-1 cross-correlation of padded NHWC `xp` with HWIO `w`, (N, OH, OW, O); each
    block of output pixels written by `store(into, pixels)` when given (a fused layer's bias
    and relu, `fused_conv.py`, on the block while it is in cache), else copied."""
    n, hp, wp, c = xp.shape
    out = recycler.empty((n,) + tuple(out_hw) + (w.shape[3],), np.result_type(xp.dtype, w.dtype))
    _accumulate(np.ascontiguousarray(xp).reshape(-1, c), w, dilations, (n, hp, wp), (0, 0), out,
                store)
    return out


def input_gradient(g, w, pads, dilations, input_shape, store_into=None):
    """conv2d's stride-1 input gradient (pads >= 0): g sent back through every tap, as a
    correlation with the flipped kernel of g laid on the padded input's own grid (each
    image's output pixels in its top-left corner, zeros elsewhere, after a leading margin of
    zeros as long as the largest tap shift). A padded g's grid would carry a (KH-1)-pixel
    margin on every image: 14% more rows on the guide's second conv. With `store_into`,
    `store_into(out)` gives the `store(into, pixels)` that writes each block of `out` (relu's
    gradient folded in while the block is in cache: `relu_fold.py`)."""
    n, h, wd, _ = input_shape
    (top, bottom), (left, right) = pads
    hp, wp = h + top + bottom, wd + left + right
    kh, kw, _, o = w.shape
    oh, ow = g.shape[1:3]
    margin = (kh - 1) * dilations[0] * wp + (kw - 1) * dilations[1]   # the last tap's shift
    placed = _scratch.zeros(("scattered", hp, wp, oh, ow), (margin + n * hp * wp, o), g.dtype)
    grid = placed[margin:].reshape(n, hp, wp, o)
    grid[:, :oh, :ow] = g
    _scratch.laid_out = (g, grid)
    out = recycler.empty(tuple(input_shape), np.result_type(g.dtype, w.dtype))
    _accumulate(placed, w[::-1, ::-1].transpose(0, 1, 3, 2), dilations, (n, hp, wp),
                (top, left), out, None if store_into is None else store_into(out))
    return out


def _accumulate(flat, w, dilations, grid, origin, out, store=None):
    """out[m, i, j] = sum over taps k of flat[pixel (m, origin + (i, j)) + shift k] @ w[k],
    `flat` holding the (N, Hp, Wp) `grid` row by row. Blocks of image rows stay in cache and
    go straight into `out` when it is the whole grid."""
    kh, kw, c, o = w.shape
    # contiguous taps: a transposed view is 1.4x slower
    taps = np.ascontiguousarray(w, dtype=out.dtype).reshape(kh * kw, c, o)
    offsets, row_taps, blocks, block_shape, pieces = _layout(
        len(flat), c, o, (kh, kw), tuple(dilations), grid, tuple(origin), out.shape,
        out.itemsize)
    whole = block_shape is None
    block = None if whole else np.empty(block_shape, dtype=out.dtype)
    totals = out.reshape(-1, o) if whole else block.reshape(-1, o)
    most_rows = max((count for _, _, count in blocks), default=0)
    add_taps = _tap_adder(flat, taps, offsets, totals, most_rows, row_taps)
    for (start, first, count), kept in zip(blocks, pieces):
        add_taps(start, first, count)
        if not whole:
            _keep_outputs(block, kept, out, store)
        elif store is not None:
            written = totals[start:start + count]
            store(written, written)


@functools.lru_cache(maxsize=64)
def _layout(flat_rows, c, o, khw, dilations, grid, origin, out_shape, itemsize):
    """How `_accumulate` goes over a geometry, kept from call to call (~15 us of Python a
    call worked out on a tiny image): (the taps' shifts, taps a product, the blocks as
    (first grid row, first row of the totals, rows), the shape of a block of totals (None:
    the totals are `out` itself), each block's (out index, block index) pairs of output
    pixels to keep)."""
    n, hp, wp = grid
    out_hw = out_shape[1:3]
    offsets = tuple(_tap_offsets(khw, dilations, wp))
    rows = min(n * hp * wp, flat_rows - offsets[-1])  # pixels whose every tap is on `flat`
    whole = tuple(origin) == (0, 0) and tuple(out_hw) == (hp, wp)
    band = max(1, _BLOCK_BYTES // (wp * max(c, o) * itemsize))  # image rows a block
    row_taps = khw[1] if dilations[1] == 1 else 1   # taps side by side on the grid: one product
    unkept = 0  # grid rows under a block's last output row: not computed
    if not whole and band >= hp:  # whole images a block: one copy out each (not one an image)
        band -= band % hp
        unkept = hp - origin[0] - out_hw[0]
    blocks, pieces = [], []
    for top in range(0, n * hp, band):  # `top`: the block's first row of the stacked images
        start, stop = top * wp, min((top + band - unkept) * wp, rows)
        if start >= stop:  # every pixel from here on is past the last output pixel
            break
        blocks.append((start, start if whole else 0, stop - start))
        pieces.append(() if whole else _output_pieces(top, band, hp, origin, out_shape))
    block_shape = None if whole else \
        (band // hp, hp, wp, o) if band % hp == 0 else (band, wp, o)
    return offsets, row_taps, tuple(blocks), block_shape, tuple(pieces)


def _output_pieces(top, band, hp, origin, out_shape):
    """(out index, block index) of the output pixels among a block's `band` image rows
    (stacked-image rows `top` on; an image's output starts at grid pixel `origin`), the block
    shaped (images, Hp, Wp, O) when `band` is whole images, else (rows, Wp, O); the rest of
    the block (and its unwritten tail) is never read."""
    n, oh, ow, _ = out_shape
    first_row, first_column = origin
    columns = slice(first_column, first_column + ow)
    if band % hp == 0:
        first = top // hp
        count = min(band // hp, n - first)
        return ((slice(first, first + count), (slice(0, count),
                                               slice(first_row, first_row + oh), columns)),)
    pieces = []
    for image in range(top // hp, min((top + band - 1) // hp + 1, n)):
        begin = image * hp + first_row
        first, last = max(top, begin), min(top + band, begin + oh)
        if first < last:
            pieces.append(((image, slice(first - begin, last - begin)),
                           (slice(first - top, last - top), columns)))
    return tuple(pieces)


def _keep_outputs(block, pieces, out, store=None):
    """Copy a block's output pixels (`pieces`, from `_output_pieces`) into `out`, or write
    them by `store(into, pixels)`."""
    for into, pixels in pieces:
        if store is None:
            out[into] = block[pixels]
        else:
            store(out[into], block[pixels])


def _tap_adder(flat, taps, offsets, totals, most_rows, row_taps=1):
    """A function (start, first, count) that writes into totals[first:first + count] (count at
    most `most_rows`) the sum over taps k of flat[start + offsets[k]:][:count] @ taps[k]: by
    BLAS calls that add into the total where numpy's OpenBLAS is found (`blas.py`: the guide's
    second conv, forward or input gradient, in 0.86x the time), else by a numpy matmul and an
    add a tap. Where OpenBLAS's small-matrix kernels are found, each run of `row_taps` taps
    one pixel apart (a kernel row) is one product with k = row_taps * C, its A the grid's
    rows read in place, overlapping (C apart). Every address is read once here: reading one
    costs ~1-3 us, a block's 9 products ~10."""
    c, o = taps.shape[1:]
    usable = flat.dtype == taps.dtype and flat.flags.c_contiguous
    plan = _plan(taps.dtype, c, o, tuple(offsets), row_taps, flat.strides[0],
                 taps.strides[0]) if usable else None
    if plan is None:
        term = np.empty((most_rows, o), totals.dtype)

        def add_taps(start, first, count):
            total, part = totals[first:first + count], term[:count]
            np.matmul(flat[start:start + count], taps[0], out=total)
            for tap, offset in zip(taps[1:], offsets[1:]):
                np.matmul(flat[start + offset:start + offset + count], tap, out=part)
                total += part
        return add_taps
    made, shifts, tap_steps = plan
    base, row = blas.address(flat), flat.strides[0]
    first_tap = blas.address(taps)
    tap_addresses = [first_tap + step for step in tap_steps]
    totals_at, total_row = blas.address(totals), totals.strides[0]

    def add_taps(start, first, count):
        at = base + start * row
        products = made.get(count)
        if products is None:
            products = made.made(count)
        products.sum_into(totals_at + first * total_row, [at + shift for shift in shifts],
                          tap_addresses)
    return add_taps


class _ProductsBySize(dict):
    """rows -> the Products of one geometry for blocks of that many rows, made on first use."""

    def __init__(self, make, **geometry):
        super().__init__()
        self._make, self._geometry = make, geometry

    def made(self, rows: int):
        products = self[rows] = self._make(m=rows, **self._geometry)
        return products


@functools.lru_cache(maxsize=64)
def _plan(dtype, c, o, offsets, row_taps, row, tap_row):
    """(Products by block rows, each product's shift of A in bytes, each tap's byte offset in
    the taps) for taps of this geometry on a flat grid `row` bytes a pixel, kept from call to
    call (working them out, the maker's lookup and its keywords cost ~10 us a call on a tiny
    image); None where numpy's OpenBLAS is not found."""
    make = blas.overlapping_products(dtype) \
        if row_taps > 1 and max(c, o) <= _MOST_ROW_CHANNELS else None
    if make is not None:
        offsets, depth = offsets[::row_taps], row_taps * c   # a kernel row's first tap
    else:
        make, depth, row_taps = blas.products(dtype), c, 1
        if make is None:
            return None
        make = functools.partial(make, trans_a=False)
    return (_ProductsBySize(make, n=o, k=depth, lda=c, ldb=o, ldc=o),
            tuple(offset * row for offset in offsets),
            tuple(k * row_taps * tap_row for k in range(len(offsets))))


def filter_gradient(xp, g, khw, dilations):
    """Stride-1 filter gradient: per kernel tap, the shifted flat input grid contracted with
    g laid on the same grid (zeros where the grid has no output pixel). Image by image
    where an image's rows fit a block (`_filter_gradient_by_images`), else blocks of rows
    stay in cache, and one matmul call takes all the taps of a block at once: the taps'
    (C, rows) slices form one strided view (1.0-1.2 against 1.8-2.1 ms for one matmul a tap
    over all rows, the guide's second conv)."""
    n, hp, wp, c = xp.shape
    oh, ow, o = g.shape[1:]
    kh, kw = khw
    laid_out, _scratch.laid_out = _scratch.laid_out, None
    if laid_out is not None and laid_out[0] is g and laid_out[1].shape == (n, hp, wp, o):
        placed = laid_out[1]  # the input gradient's grid: one copy of g a step less
    else:
        placed = _scratch.zeros(("placed", oh, ow), (n, hp, wp, o), g.dtype)
        placed[:, :oh, :ow] = g
    flat = np.ascontiguousarray(xp).reshape(-1, c)
    upstream = placed.reshape(-1, o)
    dtype = np.result_type(xp.dtype, g.dtype)
    step = flat.strides[0]
    per_image = (oh - 1) * wp + ow   # an image's grid rows from its first output to its last
    if per_image * max(c, o) * flat.itemsize <= _BLOCK_BYTES and flat.dtype == dtype:
        return _filter_gradient_by_images(flat, upstream, (n, hp, wp), khw, dilations,
                                          per_image)
    rows = n * hp * wp - _tap_offsets(khw, dilations, wp)[-1]
    dw, part = np.zeros((kh, kw, c, o), dtype), np.empty((kh, kw, c, o), dtype)
    taps = strided_view(flat, (kh, kw, c, rows),
                        (dilations[0] * wp * step, dilations[1] * step, flat.strides[1], step))
    # taps[a, b]: (C, rows), the input shifted by tap (a, b)
    block = max(256, _BLOCK_BYTES // (max(c, o) * flat.itemsize))
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        np.matmul(taps[..., start:stop], upstream[start:stop], out=part)
        dw += part
    return dw



# values of (images, KH, KW, C, O) products a call of `_filter_gradient_by_images` holds
_MOST_PRODUCT_VALUES = 1 << 17


def _filter_gradient_by_images(flat, upstream, grid, khw, dilations, per_image):
    """The filter gradient image by image: each image's taps, from its first output pixel's
    grid row to its last (`per_image` rows, not the grid's whole image: the rows under its
    last output row, where g is laid as zeros, left out), in one batched matmul of the
    images' taps in turn, while an image's rows stay in cache; the images' products then
    summed. The guide's second conv: 622 of 676 rows an image, 1.18-1.24 against 1.26-1.41
    ms hot (one thread, load 12)."""
    n, hp, wp = grid
    kh, kw = khw
    c, o = flat.shape[1], upstream.shape[1]
    step, image = flat.strides[0], hp * wp
    dw = np.zeros((kh, kw, c, o), flat.dtype)
    images = max(1, _MOST_PRODUCT_VALUES // (kh * kw * c * o))
    for first in range(0, n, images):
        count = min(images, n - first)
        # taps[m, a, b]: (C, rows) image m's rows shifted by tap (a, b); g's the same rows
        taps = strided_view(flat[first * image:], (count, kh, kw, c, per_image),
                            (image * step, dilations[0] * wp * step, dilations[1] * step,
                             flat.strides[1], step))
        g_rows = strided_view(upstream[first * image:], (count, 1, 1, per_image, o),
                              (image * upstream.strides[0], 0, 0) + upstream.strides)
        dw += np.add.reduce(np.matmul(taps, g_rows), axis=0)
    return dw
