"""2-D convolution over NHWC images with HWIO kernels: one `defop` row each (the pools
are `pool.py`'s, on the same window views and padding arithmetic).

A stride-1 convolution of 8 or more channels (and its two gradients) runs by kernel
taps (`conv_taps.py`): one small matmul per tap on shifted slices of the flat padded
input, no window matrix. Otherwise a forward is a strided window view of the padded input
followed by one BLAS matmul of the im2col matrix; conv2d then keeps its last few window
matrices (`_RecentWindows`) so the filter gradient of the same input takes them, and a
stride-1 input gradient of few channels is one matmul for all kernel taps and shifted adds
(`_scatter_shifted`). As in TensorFlow, conv2d's gradients are ops of their own
(`conv2d_backprop_input`, a full convolution, and `conv2d_backprop_filter`) whose VJPs are
written in terms of each other, so nested tapes give gradients of any order. Rows take
normalized params: `strides` and `dilations` are (height, width) pairs; `padding` is
"SAME", "VALID" or explicit ((top, bottom), (left, right)).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from ..errors import ShapeError
from . import conv_taps, recycler, relu_fold
from .registry import defop


# ---- geometry: output sizes and TF's padding arithmetic ------------------------------------
def _axis_geometry(size: int, k: int, stride: int, dilation: int, padding) -> tuple:
    """(output size, pad before, pad after) along one spatial axis, as TF computes them."""
    span = (k - 1) * dilation + 1
    if padding == "VALID":
        return (size - span) // stride + 1, 0, 0
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return out, total // 2, total - total // 2  # the odd pixel goes bottom/right, as in TF
    before, after = padding
    return (size + before + after - span) // stride + 1, before, after


def geometry(hw, khw, strides, padding, dilations) -> tuple:
    """((OH, OW), ((top, bottom), (left, right))) for an image of spatial size `hw`; looked
    up once per shape and params (each conv op and gradient asks: ~10k instructions a call
    worked out, five calls a training step of two convs)."""
    key = (hw, khw, strides, padding, dilations)
    try:
        return _geometries[key]
    except KeyError:
        pass
    except TypeError:   # a list among them: not a key
        return _geometry(hw, khw, strides, padding, dilations)
    if len(_geometries) >= 256:
        _geometries.clear()
    found = _geometries[key] = _geometry(hw, khw, strides, padding, dilations)
    return found


_geometries: dict = {}


def _geometry(hw, khw, strides, padding, dilations) -> tuple:
    rows = [_axis_geometry(hw[i], khw[i], strides[i], dilations[i],
                           padding if isinstance(padding, str) else padding[i]) for i in (0, 1)]
    return (rows[0][0], rows[1][0]), ((rows[0][1], rows[0][2]), (rows[1][1], rows[1][2]))


def _pad(x, pads, value=0):
    """`x` (NHWC) padded spatially by `pads`; negative pads crop instead."""
    if pads == ((0, 0), (0, 0)):  # VALID: the usual case, nothing to make
        return x
    crop = tuple(slice(max(-b, 0), x.shape[i + 1] - max(-a, 0)) for i, (b, a) in enumerate(pads))
    x = x[:, crop[0], crop[1], :]
    grow = ((0, 0),) + tuple((max(b, 0), max(a, 0)) for b, a in pads) + ((0, 0),)
    if not any(b or a for b, a in grow):
        return x
    return np.pad(x, grow, constant_values=value)


def _windows(xp, khw, strides, dilations, out_hw):
    """A read-only (N, OH, OW, KH, KW, C) view: the receptive field of each output pixel."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    shape = (n, out_hw[0], out_hw[1], khw[0], khw[1], c)
    steps = (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sw * dilations[1], sc)
    return conv_taps.strided_view(xp, shape, steps)


def _columns(xp, khw, strides, dilations, out_hw):
    """The im2col matrix: one row per output pixel, its window's KH*KW*C values (a copy).

    With few channels (grayscale, RGB) it is built transposed, one contiguous plane per
    window value (a shifted slice, copied in one call through the window view), and
    returned as the transpose's view (BLAS takes either layout): copying the windows
    directly moves runs of only KW*C values (0.05 ms against 0.32 ms for the guide's
    32x28x28x1 images). The planes are recycled (`recycler.py`): a fresh 0.78 MB array a
    step faulted in again and freed back to the system, 0.175 against 0.05 ms hot."""
    kh, kw = khw
    windows = _windows(xp, khw, strides, dilations, out_hw)
    if xp.shape[3] > _FEW_CHANNELS:
        return windows.reshape(-1, kh * kw * xp.shape[3])
    planes = recycler.empty(windows.shape[3:] + windows.shape[:3], xp.dtype)
    np.copyto(planes, windows.transpose(3, 4, 5, 0, 1, 2))
    return planes.reshape(kh * kw * xp.shape[3], -1).T


_FEW_CHANNELS = 3


def _correlate(xp, w, strides, dilations, out_hw):
    """Cross-correlation of padded `xp` with HWIO `w`: windows reshaped, then one matmul."""
    kh, kw, c, o = w.shape
    cols = _columns(xp, (kh, kw), strides, dilations, out_hw)
    return (cols @ w.reshape(kh * kw * c, o)).reshape(xp.shape[0], out_hw[0], out_hw[1], o)


class _RecentWindows:
    """The im2col matrices of the last conv2d forwards, keyed by their input array.

    conv2d_backprop_filter of the same input (its backward step) takes one instead of
    building it again, and the entry goes: its matrix is then free for the recycler to hand
    to the next forward (another gradient of the same forward builds it again). Tensor
    values are immutable, so while an entry holds its input array, that array's identity
    names the same windows. Bounded in entries and bytes; the oldest go first."""

    def __init__(self, entries: int = 8, budget: int = 64 << 20):
        self._entries, self._budget = entries, budget
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key, x, cols) -> None:
        if cols.nbytes > self._budget:
            return
        with self._lock:
            self._kept[(id(x),) + key] = (x, cols)
            total = sum(c.nbytes for _, c in self._kept.values())
            while len(self._kept) > self._entries or total > self._budget:
                _, (_, dropped) = self._kept.popitem(last=False)
                total -= dropped.nbytes

    def take(self, key, x):
        """The windows put for this very `x` and key, removed from here; else None."""
        with self._lock:
            kept = self._kept.get((id(x),) + key)
            if kept is None or kept[0] is not x:
                return None
            del self._kept[(id(x),) + key]
        return kept[1]


_recent_windows = _RecentWindows()


def _window_key(x, khw, strides, padding, dilations) -> tuple:
    return (x.shape, x.dtype.str, tuple(khw), tuple(strides), str(padding), tuple(dilations))


# ---- convolution: three ops, each one's VJP made of the others -----------------------------
def _conv2d_forward(x, w, *, strides, padding, dilations):
    return convolve(x, w, strides, padding, dilations)


def convolve(x, w, strides, padding, dilations, store=None):
    """conv2d's forward; with `store(into, pixels)`, each block of output pixels is written
    by it (a fused layer's bias and relu on the block while in cache: `fused_conv.py`),
    the products themselves computed exactly as conv2d's own."""
    kh, kw, c, o = w.shape
    out_hw, pads = geometry(x.shape[1:3], (kh, kw), strides, padding, dilations)
    if conv_taps.by_taps(x.shape, strides, out_hw):
        return conv_taps.correlate(conv_taps.padded(x, pads), w, dilations, out_hw, store)
    cols = _columns(_pad(x, pads), (kh, kw), strides, dilations, out_hw)
    _recent_windows.put(_window_key(x, (kh, kw), strides, padding, dilations), x, cols)
    out = recycler.empty((x.shape[0], out_hw[0], out_hw[1], o), np.result_type(x, w))
    flat, w2d = out.reshape(-1, o), w.reshape(kh * kw * c, o)
    step = _ROW_BLOCK if not cols.flags.c_contiguous else max(len(cols), 1)  # 0: an empty batch
    for start in range(0, len(cols), step):
        np.matmul(cols[start:start + step], w2d, out=flat[start:start + step])
        if store is not None:
            store(flat[start:start + step], flat[start:start + step])
    return out


# rows a matmul over a transposed few-channel window matrix takes: each block is small
# enough for OpenBLAS's one-thread small-matrix kernels, and stays in cache (the first
# conv's forward 0.07 against 0.12 ms, its filter gradient 0.13 against 0.17 ms)
_ROW_BLOCK = 4096


def _scatter_shifted(g, w, pads, dilations):
    """d(conv2d)/dx at stride 1 in one matmul: every kernel tap times g at once,
    W (KH*KW*C x O) @ G^T, then each tap's C rows added into the channel-major gradient of
    the padded input, shifted by the tap's offset. On the flat grid of padded pixels
    (N*Hp*Wp) an offset is a constant shift, so each add is contiguous; g sits in the
    grid's top-left corner with zeros elsewhere, so what wraps past a row's end adds zeros.
    One BLAS call rather than one per tap: a multithreaded call waits for its second thread,
    which on a busy machine can cost a scheduler slice per call."""
    n, oh, ow, o = g.shape
    kh, kw, c, _ = w.shape
    (top, bottom), (left, right) = pads
    hp = oh + (kh - 1) * dilations[0]
    wp = ow + (kw - 1) * dilations[1]
    grid = np.zeros((n, hp, wp, o), dtype=g.dtype)
    grid[:, :oh, :ow, :] = g
    offsets = [a * dilations[0] * wp + b * dilations[1] for a in range(kh) for b in range(kw)]
    rows = n * hp * wp - offsets[-1]
    taps = w.reshape(kh * kw * c, o) @ grid.reshape(-1, o)[:rows].T  # (KH*KW*C, rows)
    dxp = np.empty((c, n * hp * wp), dtype=taps.dtype)
    dxp[:, :rows] = taps[:c]  # offsets[0] is 0
    dxp[:, rows:] = 0
    for k, offset in enumerate(offsets[1:], start=1):
        dxp[:, offset:offset + rows] += taps[k * c:(k + 1) * c]
    dxp = dxp.T.reshape(n, hp, wp, c)
    return np.ascontiguousarray(dxp[:, top:hp - bottom, left:wp - right, :])


def _taps_input_gradient(g, w, input_shape, strides, padding, dilations, store_into=None):
    """d(conv2d)/dx by kernel taps (stride 1, pads >= 0, g of 8 or more channels), each
    block of it written by `store_into(out)`'s store when given; None where it does not
    run so."""
    _, pads = geometry(tuple(input_shape[1:3]), tuple(w.shape[:2]), strides, padding,
                       dilations)
    if tuple(strides) != (1, 1) or min(min(pads[0]), min(pads[1])) < 0 \
            or g.shape[3] < conv_taps.MIN_CHANNELS or not g.size:
        return None
    return conv_taps.input_gradient(g, w, pads, dilations, input_shape, store_into)


def _backprop_input_forward(g, w, *, input_shape, strides, padding, dilations):
    """d(conv2d)/dx as a full convolution: dilate g by the stride, pad, correlate with w
    flipped in space and with its in/out channels swapped."""
    by_taps = _taps_input_gradient(g, w, input_shape, strides, padding, dilations)
    if by_taps is not None:
        return by_taps
    kh, kw = w.shape[:2]
    (oh, ow), pads = geometry(input_shape[1:3], (kh, kw), strides, padding, dilations)
    if tuple(strides) == (1, 1) and min(min(pads[0]), min(pads[1])) >= 0:
        return _scatter_shifted(g, w, pads, dilations)
    gd = g
    if tuple(strides) != (1, 1):
        gd = np.zeros((g.shape[0], (oh - 1) * strides[0] + 1, (ow - 1) * strides[1] + 1,
                       g.shape[3]), dtype=g.dtype)
        gd[:, ::strides[0], ::strides[1], :] = g
    full = tuple(((k - 1) * d - before, size + before - length)
                 for k, d, (before, _), size, length in
                 zip((kh, kw), dilations, pads, input_shape[1:3], gd.shape[1:3]))
    flipped = np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))
    if conv_taps.by_taps(gd.shape, (1, 1), input_shape[1:3]):
        return conv_taps.correlate(conv_taps.padded(gd, full), flipped, dilations, input_shape[1:3])
    return _correlate(_pad(gd, full), flipped, (1, 1), dilations, tuple(input_shape[1:3]))


def _backprop_filter_forward(x, g, *, filter_shape, strides, padding, dilations):
    """d(conv2d)/dw: by taps where they apply, else windows of x (the forward's, when still
    kept) contracted with g over batch and positions, one matmul."""
    kh, kw, c, o = filter_shape
    out_hw, pads = geometry(x.shape[1:3], (kh, kw), strides, padding, dilations)
    if conv_taps.by_taps(x.shape, strides, out_hw):
        return conv_taps.filter_gradient(conv_taps.padded(x, pads), g, (kh, kw), dilations)
    cols = _recent_windows.take(_window_key(x, (kh, kw), strides, padding, dilations), x)
    if cols is None:
        cols = _columns(_pad(x, pads), (kh, kw), strides, dilations, out_hw)
    rows = g.reshape(-1, o)
    if cols.flags.c_contiguous:  # a row-major window matrix is the faster second operand
        return (rows.T @ cols).T.reshape(filter_shape)  # (1.9 against 2.3 ms, 18432x144)
    planes = cols.T
    dw = np.zeros((planes.shape[0], o), dtype=np.result_type(planes, rows))
    part = np.empty_like(dw)
    for start in range(0, len(rows), _ROW_BLOCK):
        np.matmul(planes[:, start:start + _ROW_BLOCK], rows[start:start + _ROW_BLOCK], out=part)
        dw += part
    return dw.reshape(filter_shape)


def _shape_of(t) -> tuple:
    return tuple(np.shape(t._value))


def _input_gradient_rule(g, ans, x, w, **p):
    """conv2d's VJP for its input: with relu's gradient folded in where `x` is a fused
    layer's relu output and nobody can tell (`relu_fold.py`), else conv2d_backprop_input."""
    folded = relu_fold.input_gradient(_conv2d_backprop_input, _taps_input_gradient, g, x, w, p)
    if folded is not None:
        return folded
    return _conv2d_backprop_input(g, w, input_shape=_shape_of(x), **p)


# one rule per input, so a gradient nobody needs (the images') is never computed
_conv2d_vjp = (
    _input_gradient_rule,
    lambda g, ans, x, w, **p: _conv2d_backprop_filter(x, g, filter_shape=_shape_of(w), **p))
# linear in g and in w: the adjoint in g is conv2d itself, in w the filter gradient
_backprop_input_vjp = (
    lambda G, ans, g, w, *, input_shape, **p: conv2d_op(G, w, **p),
    lambda G, ans, g, w, *, input_shape, **p:
    _conv2d_backprop_filter(G, g, filter_shape=_shape_of(w), **p))
_backprop_filter_vjp = (
    lambda G, ans, x, g, *, filter_shape, **p:
    _conv2d_backprop_input(g, G, input_shape=_shape_of(x), **p),
    lambda G, ans, x, g, *, filter_shape, **p: conv2d_op(x, G, **p))


def _conv2d_explain(x, w, *, strides, padding, dilations):
    if np.ndim(x) != 4 or np.ndim(w) != 4:
        return ShapeError, (f"input must be NHWC (rank 4) and filters HWIO (rank 4); got "
                            f"shapes {np.shape(x)} and {np.shape(w)}"), None
    if x.shape[3] != w.shape[2]:
        return ShapeError, (f"input has {x.shape[3]} channels but filters expect "
                            f"{w.shape[2]} (filters are HWIO); got input {x.shape}, filters "
                            f"{w.shape}"), None
    return None


def _conv_params(strides=(1, 1), padding="SAME", dilations=(1, 1)):
    return {"strides": strides, "padding": padding, "dilations": dilations}


# (input shape, filter shape, params): stride 1 and 2, VALID and SAME, dilation 2, odd
# sizes where SAME pads one more pixel at the bottom/right, explicit padding; the last
# five have 8 or more channels, so they run by taps (`conv_taps.py`): the strided two only
# in their input gradient (a stride-1 correlation of the dilated g, the last one cropped)
CONV_CASES = (
    ((1, 5, 5, 2), (3, 3, 2, 3), _conv_params()),
    ((2, 6, 5, 2), (3, 2, 2, 2), _conv_params((2, 2), "VALID")),
    ((1, 7, 6, 1), (2, 3, 1, 2), _conv_params((2, 2), "SAME")),
    ((1, 6, 6, 1), (2, 2, 1, 2), _conv_params((1, 1), "SAME")),
    ((1, 7, 7, 2), (3, 3, 2, 2), _conv_params((1, 1), "SAME", (2, 2))),
    ((1, 8, 7, 1), (2, 3, 1, 2), _conv_params((2, 1), "VALID", (2, 2))),
    ((1, 5, 6, 1), (3, 2, 1, 2), _conv_params((2, 2), ((1, 0), (2, 1)))),
    ((1, 5, 5, 8), (3, 3, 8, 8), _conv_params()),
    ((2, 6, 5, 8), (2, 3, 8, 9), _conv_params((1, 1), "VALID", (2, 1))),
    ((1, 5, 6, 9), (3, 2, 9, 8), _conv_params((1, 1), ((1, 0), (2, 1)))),
    ((1, 7, 6, 2), (3, 3, 2, 8), _conv_params((2, 2), "SAME")),
    ((1, 5, 5, 1), (2, 2, 1, 8), _conv_params((2, 2), ((2, 1), (3, 0)))),
)


def _out_shape(x_shape, k_shape, out_channels, params) -> tuple:
    (oh, ow), _ = geometry(x_shape[1:3], k_shape, params["strides"], params["padding"],
                           params.get("dilations", (1, 1)))
    return (x_shape[0], oh, ow, out_channels)


# the inputs by TF's names, as its error message and a failed cell's graph say them
conv2d_op = defop("conv2d", _conv2d_forward, _conv2d_vjp, kind="conv", label="conv",
               explain=_conv2d_explain, inputs=("input", "filters"),
               samples=tuple(((x, w), p) for x, w, p in CONV_CASES),
               doc="2-D cross-correlation of NHWC input with an HWIO kernel.")
_conv2d_backprop_input = defop(
    "conv2d_backprop_input", _backprop_input_forward, _backprop_input_vjp, kind="conv",
    label="convᵀ", samples=tuple(((_out_shape(x, w[:2], w[3], p), w), {"input_shape": x, **p})
                                 for x, w, p in CONV_CASES),
    doc="conv2d's gradient w.r.t. its input: a full convolution of g with the flipped kernel.")
_conv2d_backprop_filter = defop(
    "conv2d_backprop_filter", _backprop_filter_forward, _backprop_filter_vjp, kind="conv",
    label="conv ∂w", samples=tuple(((x, _out_shape(x, w[:2], w[3], p)), {"filter_shape": w, **p})
                                   for x, w, p in CONV_CASES),
    doc="conv2d's gradient w.r.t. its kernel: input windows contracted with g.")
