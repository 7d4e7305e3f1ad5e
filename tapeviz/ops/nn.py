"""Neural-network ops: activations, softmax, cross-entropy losses, bias_add, l2_loss.

One `defop` row each; the public functions with TensorFlow's signatures live in
`tapeviz.nn`, which checks the arguments and calls these rows with static params. A row
that a `tapeviz.nn` function of the same TF name wraps ends in `_op` (`softmax_op(x, axis=)`
is the row, `tf.nn.softmax(logits, axis=None)` the function); the registry and the widget
still call the op "softmax". The losses are computed stably in numpy (log-sum-exp, |x|
splits) and their VJPs are written with tapeviz ops, so nested tapes give higher
derivatives.
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from ..tensor import wrap
from ..threadstate import local
from . import compare as _compare
from . import kinds as _kinds
from . import math as _m
from . import recycler, relu_fold
from .unheard import unheard
from . import reduce as _reduce
from . import shape as _shape
from .registry import defop

AXIS_SAMPLES = ((((2, 3),), {"axis": 1}), (((3, 2, 2),), {"axis": 0}))


def _all_but(axis, rank) -> list:
    return [i for i in range(rank) if i != axis]


# ---- activations -------------------------------------------------------------------------
def _relu_forward(x):
    """max(x, 0), NaN kept. numpy's SIMD loop for maximum takes two arrays, not an array and
    a scalar, so a contiguous batch is taken as rows of one item against a row of zeros
    (0.045 against 0.128 ms on the guide's 32x26x26x16)."""
    if x.dtype.kind != "f" or not x.ndim:
        return np.maximum(x, 0).astype(x.dtype, copy=False)
    out = recycler.empty(x.shape, x.dtype)
    run = _trailing_run(x.shape) if x.size >= _SIMD_RUN and x.flags.c_contiguous else 0
    if run < _SIMD_RUN:
        return np.maximum(x, 0, out=out)
    np.maximum(x.reshape(-1, run), _zeros(run, x.dtype), out=out.reshape(-1, run))
    return out


# below it, numpy's loop over rows costs what the SIMD loop saves
_SIMD_RUN = 4096
_LONGEST_RUN = 1 << 16  # a row of zeros or of bias that stays in L2


def _trailing_run(shape, longest: int = _LONGEST_RUN) -> int:
    """The size of the longest run of trailing axes holding at most `longest` values (the
    last axis whatever its size): contiguous rows numpy's inner loop takes whole."""
    run = 1
    for size in reversed(shape):
        if run > 1 and run * size > longest:
            break
        run *= size
    return run


@functools.lru_cache(maxsize=8)
def _zeros(count: int, dtype) -> np.ndarray:
    zeros = np.zeros(count, dtype)
    zeros.flags.writeable = False  # shared by every call
    return zeros


# the mask read from relu's output, as TF's _ReluGrad does (ans > 0 exactly where x > 0): in a
# conv stack it is the next layer's input, which that layer's filter gradient has just read
# (or made already, folded into the next conv's input gradient: relu_fold.py)
relu = defop("relu", _kinds._numbers_only("relu", _relu_forward), kind="activation",
             vjp=lambda g, ans, x: (relu_fold.relu_gradient(relu_grad, g, ans),),
             inputs=("features",),
             doc="max(x, 0) elementwise.")


def _relu_grad_forward(gradients, features):
    """gradients where features > 0, else +0: np.where's result, computed on the bits as
    gradients times the 0/1 mask, because np.where branches per element and mispredicts on
    activations' random signs (1.8 ms against 0.1 ms on the guide's 32x24x24x16); an
    integer product keeps a NaN or infinite gradient where features > 0 and gives +0
    elsewhere, as np.where does."""
    keep = features > 0
    if gradients.dtype.kind != "f" or gradients.dtype.itemsize not in relu_fold.SAME_SIZE_INTS \
            or not keep.ndim or keep.shape != gradients.shape:
        return np.where(keep, gradients, 0).astype(gradients.dtype, copy=False)
    out = recycler.empty(gradients.shape, gradients.dtype)
    relu_fold.masked_product(_rows_coalesced(gradients), keep, out)
    return out


def _rows_coalesced(g):
    """`g`, or where it is broadcast along its rows and columns (a global average pool's
    gradient) with contiguous channels, its values with whole rows of columns contiguous and
    length 1 along the axes it is broadcast on, which the product broadcasts again (not
    np.broadcast_to: ~6 us of Python): numpy then loops over runs of W*C values, not C
    (0.12 against 0.20 ms on the guide's 32x24x24x16)."""
    if g.ndim >= 3 and g.strides[-2] == 0 and g.strides[-1] == g.itemsize:
        one_each = tuple(slice(0, 1) if stride == 0 else slice(None) for stride in g.strides[:-2])
        return np.ascontiguousarray(g[one_each])
    return g


# relu's VJP as one op (TF's ReluGrad); zero a.e. in features, so no gradient flows there
relu_grad = defop("relu_grad", _relu_grad_forward, label="relu′",
                  vjp=lambda g, ans, gradients, features: (relu_grad(g, features), None),
                  samples=_m.PAIR_SAMPLES, doc="gradients where features > 0, else 0.")
relu6 = defop("relu6", _kinds._numbers_only("relu6", lambda x: np.clip(x, 0, 6).astype(x.dtype,
                                                                               copy=False)),
              kind="activation", domain=(-2.0, 8.0),
              vjp=lambda g, ans, x: (_m.where(_compare.logical_and(x > 0, x < 6), g, 0),),
              inputs=("features",), doc="min(max(x, 0), 6) elementwise.")
def _attr_float(alpha) -> float:
    """`alpha` rounded to float32, as TF holds a float attr (so float64 inputs match TF's)."""
    return float(np.float32(alpha))


leaky_relu_op = defop("leaky_relu", lambda x, *, alpha: np.where(x > 0, x, x * _attr_float(alpha))
                      .astype(x.dtype, copy=False), kind="activation",
                      vjp=lambda g, ans, x, *, alpha: (_m.where(x > 0, g, g * _attr_float(alpha)),),
                      samples=((((2, 3),), {"alpha": 0.2}), (((4,),), {"alpha": 0.01})),
                      doc="x where x > 0, else alpha * x.")
elu = defop("elu", _kinds._floats_only("elu", lambda x: np.where(x > 0, x, np.expm1(x))
                                   .astype(x.dtype, copy=False)),
            kind="activation", vjp=lambda g, ans, x: (_m.where(x > 0, g, g * (ans + 1)),),
            inputs=("features",), doc="x where x > 0, else exp(x) - 1.")


# ---- softmax -----------------------------------------------------------------------------
# the softmaxes reduce by the ufuncs' reduce methods: np.max and np.sum call the same loops
# through Python wrappers that cost more than the work on a batch of logits (the same bits)
def _softmax_forward(x, *, axis):
    e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
    return e / np.add.reduce(e, axis=axis, keepdims=True)


def _log_softmax_forward(x, *, axis):
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


softmax_op = defop("softmax", _softmax_forward, kind="activation", samples=AXIS_SAMPLES,
                   vjp=lambda g, ans, x, *, axis:
                   (ans * (g - _reduce.reduce_sum(g * ans, axis=axis, keepdims=True)),),
                   doc="exp(x) / sum(exp(x)) along `axis`, computed stably.")
log_softmax_op = defop("log_softmax", _log_softmax_forward, kind="activation",
                       label="log softmax", samples=AXIS_SAMPLES,
                       vjp=lambda g, ans, x, *, axis:
                       (g - _m.exp(ans) * _reduce.reduce_sum(g, axis=axis, keepdims=True),),
                       doc="x - log(sum(exp(x))) along `axis`, computed stably.")


# ---- losses ------------------------------------------------------------------------------
def _sparse_ce_forward(labels, logits):
    if labels.ndim == 1 and logits.ndim == 2 and labels.dtype.kind in "iu":
        # a batch of class indices: one fancy index (the same values and IndexError), not
        # take_along_axis's index arrays built in Python
        picked = logits[_arange(len(labels)), labels]
    else:
        picked = np.take_along_axis(logits, labels[..., None].astype(np.intp), axis=-1)[..., 0]
    # log(sum(exp(x))) over the last axis, shifted by its maximum (reduced as the softmaxes
    # reduce); its exponentials and sums are softmax's, kept for the VJP
    peak = np.maximum.reduce(logits, axis=-1, keepdims=True)
    exps = np.exp(logits - peak)
    sums = np.add.reduce(exps, axis=-1, keepdims=True)
    losses = (peak + np.log(sums))[..., 0] - picked
    if local.state.tapes:   # (no tape, no VJP: nothing kept)
        _sparse_ce_kept.last = (losses, exps, sums)
    return losses


@functools.lru_cache(maxsize=8)
def _arange(count: int) -> np.ndarray:
    rows = np.arange(count)
    rows.flags.writeable = False   # shared by every call
    return rows


def _one_hot_like(labels, logits):
    """One-hot rows of `labels` with the logits' depth and dtype: a constant (labels get no
    gradient), so made in numpy rather than by three ops a step (expand_dims, equal, cast)."""
    values = logits._value
    return wrap((labels._value[..., None] == np.arange(values.shape[-1])).astype(values.dtype))


# the last forward's (losses, exponentials, sums) on this thread, for its VJP
_sparse_ce_kept = threading.local()


def _sparse_ce_vjp(g, ans, labels, logits):
    gradient = _unheard_sparse_ce_gradient(g, ans, labels, logits)
    if gradient is not None:
        return None, gradient
    probs = softmax_op(logits, axis=np.ndim(logits._value) - 1)
    # expand_dims(g, -1)'s row and shape, without its argument checks (the axis is known)
    column = _shape._reshape(g, shape=np.shape(g._value) + (1,))
    return None, column * (probs - _one_hot_like(labels, logits))


def _unheard_sparse_ce_gradient(g, ans, labels, logits):
    """The VJP's logits gradient in numpy, the same bits as its ops (softmax, reshape,
    subtract, multiply), while nobody can tell (unheard.py), the softmax's
    exponentials and sums its forward's when `ans` is that forward's own; None otherwise."""
    upstream, values = g._value, logits._value
    if type(upstream) is not np.ndarray or type(values) is not np.ndarray \
            or upstream.dtype != values.dtype or values.dtype.kind != "f" \
            or not unheard(softmax_op, _shape._reshape, _m.subtract, _m.multiply):
        return None
    kept = getattr(_sparse_ce_kept, "last", None)
    if kept is not None and kept[0] is ans._value:
        _sparse_ce_kept.last = None   # (not held past its use)
        probs = kept[1] / kept[2]
    else:
        probs = _softmax_forward(values, axis=values.ndim - 1)
    probs -= _one_hot_like(labels, logits)._value
    return wrap(upstream[..., None] * probs)


sparse_softmax_cross_entropy = defop(
    "sparse_softmax_cross_entropy_with_logits", _sparse_ce_forward, _sparse_ce_vjp,
    kind="loss", label="sparse CE", dtype_args=(1,), domain=(-3.0, 3.0),
    samples=(((np.array([0, 2]), (2, 3)), {}),
             ((np.array([[1, 0], [3, 3]]), (2, 2, 4)), {})),
    doc="-log(softmax(logits)[label]) per example; labels are class indices.")


def _dense_ce_forward(labels, logits, *, axis):
    return -np.sum(labels * _log_softmax_forward(logits, axis=axis), axis=axis)


def _dense_ce_vjp(g, ans, labels, logits, *, axis):
    g = _shape.expand_dims(g, axis)
    total = _reduce.reduce_sum(labels, axis=axis, keepdims=True)
    # exact for any labels; equals TF's softmax - labels when each row of labels sums to 1
    return (-g * log_softmax_op(logits, axis=axis),
            g * (softmax_op(logits, axis=axis) * total - labels))


softmax_cross_entropy = defop(
    "softmax_cross_entropy_with_logits", _dense_ce_forward, _dense_ce_vjp, kind="loss",
    label="CE", domain=(0.0, 2.0),
    samples=((((2, 3), (2, 3)), {"axis": 1}), (((3, 2, 2), (3, 2, 2)), {"axis": 0})),
    doc="-sum(labels * log_softmax(logits)) along `axis`; labels are distributions.")


def _sigmoid_ce_forward(labels, logits):
    x, z = logits, labels
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


sigmoid_cross_entropy = defop(
    "sigmoid_cross_entropy_with_logits", _sigmoid_ce_forward, kind="loss", label="σ CE",
    vjp=lambda g, ans, labels, logits: (-g * logits, g * (_m.sigmoid(logits) - labels)),
    samples=((((2, 3), (2, 3)), {}),),
    doc="Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)), z the labels.")


# ---- layers' building blocks ---------------------------------------------------------------
def _bias_shape(rank, axis, size) -> tuple:
    return tuple(size if i == axis else 1 for i in range(rank))


def _bias_add_vjp(g, ans, value, bias, *, axis):
    # the reduce_sum row itself: its axes are known good, so not checked again
    return g, _reduce._sum(g, axis=tuple(_all_but(axis, g.ndim)), keepdims=False)


def _bias_add_forward(value, bias, *, axis):
    """value + bias along `axis`. Channels last in a contiguous image batch: the bias repeated
    along a whole image (or the longest run of trailing axes that stays in cache), so numpy
    adds runs of H*W*C values, not C at a time (0.046 against 0.063 ms for image rows, 0.15
    for C, on the guide's 32x26x26x16)."""
    if axis == value.ndim - 1 and value.ndim >= 3 and value.size and value.flags.c_contiguous \
            and value.dtype == bias.dtype:
        row = _trailing_run(value.shape)
        out = recycler.empty(value.shape, value.dtype)
        # np.tile's: 1.5 against 10 us
        tiled = bias[None].repeat(row // value.shape[-1], 0).reshape(-1)
        np.add(value.reshape(-1, row), tiled, out=out.reshape(-1, row))
        return out
    return value + bias.reshape(_bias_shape(value.ndim, axis, bias.shape[0]))


bias_add_op = defop("bias_add", _bias_add_forward, _bias_add_vjp, kind="nn", label="+b",
                    samples=((((2, 3), (3,)), {"axis": 1}), (((2, 3, 4), (3,)), {"axis": 1}),
                             (((2, 2, 2, 3), (3,)), {"axis": 3})),
                    doc="value + bias, bias added along the channel axis.")
def _l2_loss_forward(t):
    return np.asarray(np.sum(t * t) / 2, dtype=t.dtype)[()]


l2_loss = defop("l2_loss", _kinds._floats_only("l2_loss", _l2_loss_forward),
                kind="loss", label="½‖x‖²", vjp=lambda g, ans, t: (g * t,),
                doc="sum(t ** 2) / 2.")
