"""2-D max and average pooling over NHWC images: one `defop` row each, and their gradients.

A forward is a strided window view of the padded input (conv.py's `_windows`, TF's padding
arithmetic from conv.py's `geometry`) reduced by a max or a sum; a gradient adds g back onto
each window offset, one strided add per kernel offset. Rows take normalized params: `ksize`
and `strides` are (height, width) pairs; `padding` is "SAME", "VALID" or explicit.
"""
from __future__ import annotations

import numpy as np

from .conv import _pad, _shape_of, _windows, geometry
from .registry import defop


def _pool_windows(x, ksize, strides, padding, fill):
    out_hw, pads = geometry(x.shape[1:3], ksize, strides, padding, (1, 1))
    return _windows(_pad(x, pads, fill), ksize, strides, (1, 1), out_hw), out_hw, pads


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _argmax_in_window(x, ksize, strides, padding):
    """Flat index (row-major in the window) of each window's first maximum, as TF picks."""
    win, out_hw, pads = _pool_windows(x, ksize, strides, padding, _lowest(x.dtype))
    n, oh, ow, kh, kw, c = win.shape
    return np.argmax(win.reshape(n, oh, ow, kh * kw, c), axis=3), out_hw, pads


def _scatter_windows(values, input_shape, ksize, strides, padding, select=None):
    """Sum of `values` (N, OH, OW, C) placed back on each window offset, pads cropped.

    `select(a, b)` picks, per output pixel, whether window offset (a, b) receives it.
    One strided add per kernel offset (KH * KW of them), never a per-element loop.
    """
    (oh, ow), pads = geometry(input_shape[1:3], ksize, strides, padding, (1, 1))
    (top, bottom), (left, right) = pads
    n, h, w, c = input_shape
    out = np.zeros((n, h + top + bottom, w + left + right, c), dtype=values.dtype)
    for a in range(ksize[0]):
        for b in range(ksize[1]):
            part = values if select is None else np.where(select(a, b), values, 0)
            out[:, a:a + (oh - 1) * strides[0] + 1:strides[0],
                b:b + (ow - 1) * strides[1] + 1:strides[1], :] += part
    return out[:, top:top + h, left:left + w, :]


def _max_pool_forward(x, *, ksize, strides, padding):
    win, _, _ = _pool_windows(x, ksize, strides, padding, _lowest(x.dtype))
    return win.max(axis=(3, 4))


def _max_pool_grad_forward(x, g, *, ksize, strides, padding):
    """g routed to the first maximum of each window (overlapping windows add up)."""
    index, _, _ = _argmax_in_window(x, ksize, strides, padding)
    return _scatter_windows(g, x.shape, ksize, strides, padding,
                            select=lambda a, b: index == a * ksize[1] + b)


def _max_pool_grad_grad_forward(x, G, *, ksize, strides, padding):
    """The adjoint of max_pool2d_grad in g: G gathered at each window's argmax."""
    index, out_hw, pads = _argmax_in_window(x, ksize, strides, padding)
    win = _windows(_pad(G, pads), ksize, strides, (1, 1), out_hw)
    n, oh, ow, kh, kw, c = win.shape
    flat = win.reshape(n, oh, ow, kh * kw, c)
    return np.take_along_axis(flat, index[:, :, :, None], axis=3)[:, :, :, 0]


def _window_counts(input_shape, ksize, strides, padding, dtype):
    """How many real (not padded) pixels each window covers, shaped (1, OH, OW, 1)."""
    ones = np.ones((1,) + tuple(input_shape[1:3]) + (1,), dtype=dtype)
    return _pool_windows(ones, ksize, strides, padding, 0)[0].sum(axis=(3, 4))


def _avg_pool_forward(x, *, ksize, strides, padding):
    win, _, _ = _pool_windows(x, ksize, strides, padding, 0)
    counts = _window_counts(x.shape, ksize, strides, padding, x.dtype)
    return (win.sum(axis=(3, 4)) / counts).astype(x.dtype, copy=False)


def _avg_pool_grad_forward(g, *, input_shape, ksize, strides, padding):
    counts = _window_counts(input_shape, ksize, strides, padding, g.dtype)
    return _scatter_windows(g / counts, input_shape, ksize, strides, padding)


def _pool_params(ksize=(2, 2), strides=(2, 2), padding="VALID"):
    return {"ksize": ksize, "strides": strides, "padding": padding}


# (input shape, params): non-overlapping, overlapping, SAME with an asymmetric pad
POOL_CASES = (
    ((2, 4, 4, 2), _pool_params()),
    ((1, 5, 6, 2), _pool_params((3, 3), (2, 2), "VALID")),
    ((1, 5, 6, 1), _pool_params((2, 3), (2, 2), "SAME")),
    ((1, 5, 5, 2), _pool_params((3, 3), (1, 1), "SAME")),
)


def _pool_out(x, p) -> tuple:
    (oh, ow), _ = geometry(x[1:3], p["ksize"], p["strides"], p["padding"], (1, 1))
    return (x[0], oh, ow, x[3])


max_pool2d_op = defop("max_pool2d", _max_pool_forward, kind="pool", label="max pool",
                   vjp=lambda g, ans, x, **p: (_max_pool2d_grad(x, g, **p),),
                   samples=tuple(((x,), p) for x, p in POOL_CASES),
                   doc="Maximum over each window of NHWC input.")
_max_pool2d_grad = defop(
    "max_pool2d_grad", _max_pool_grad_forward, kind="pool", label="max poolᵀ",
    # piecewise constant in x (its gradient there is zero); linear in g
    vjp=lambda G, ans, x, g, **p: (None, _max_pool2d_grad_grad(x, G, **p)),
    samples=tuple(((x, _pool_out(x, p)), p) for x, p in POOL_CASES),
    doc="max_pool2d's gradient: g routed to each window's first maximum.")
_max_pool2d_grad_grad = defop(
    "max_pool2d_grad_grad", _max_pool_grad_grad_forward, kind="pool", label="max poolᵀᵀ",
    vjp=lambda g, ans, x, G, **p: (None, _max_pool2d_grad(x, g, **p)),
    samples=tuple(((x, x), p) for x, p in POOL_CASES),
    doc="max_pool2d_grad's gradient: the upstream gradient gathered at each window's argmax.")
avg_pool2d_op = defop("avg_pool2d", _avg_pool_forward, kind="pool", label="avg pool",
                   vjp=lambda g, ans, x, **p: (_avg_pool2d_grad(g, input_shape=_shape_of(x),
                                                                **p),),
                   samples=tuple(((x,), p) for x, p in POOL_CASES),
                   doc="Mean over each window of NHWC input (SAME: over the real pixels only).")
_avg_pool2d_grad = defop(
    "avg_pool2d_grad", _avg_pool_grad_forward, kind="pool", label="avg poolᵀ",
    vjp=lambda G, ans, g, *, input_shape, **p: (avg_pool2d_op(G, **p),),
    samples=tuple(((_pool_out(x, p),), {"input_shape": x, **p}) for x, p in POOL_CASES),
    doc="avg_pool2d's gradient: g shared equally among the pixels of each window.")
