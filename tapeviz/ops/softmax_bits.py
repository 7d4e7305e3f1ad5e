"""TensorFlow's float32 softmax arithmetic on x86 CPUs, step by step, so tapeviz's softmax,
log_softmax and softmax cross-entropies give TF's bits, not values a last digit apart.

TF 2.21's x86 build (oneDNN on, the default) runs `Softmax` by oneDNN's AVX-512 kernel: exp
by its degree-5 polynomial with FMAs, each row summed in 16 lanes by four accumulators (the
row's masked tail added to the first), the lanes added by halves, and every value
multiplied by 1/sum. `LogSoftmax` and the cross-entropy kernels are Eigen's
(`softmax_op_functor.h`, `xent_op.h`, `sparse_xent_op.h`), built for AVX without FMA:
packets of 8 floats run Eigen's `pexp_float`/`plog_float` polynomials, elements past a
row's (or a vector's) last whole packet run the C library's expf/logf (glibc's,
`libm_float.py`), and a row's sum takes `InnerMostDimReducer`'s order. numpy has
no single-rounding fused multiply-add, so an FMA is a float64 multiply-add rounded to
float32 (exact but for a tie after the first rounding, about one in 2^29). TF's threads
flush denormal results to zero (FTZ), so these do too where one can arise. Only finite
float32 inputs take these paths; the callers keep numpy's formulas for the rest.

Cost: each step is a numpy call, ~50 for a softmax. On (32, 10) logits, alternated in one
process (6 rounds x 1000 calls, CPU time, load 6-9, 2026-12-07): softmax 6.5 -> 34.4 us,
sparse cross-entropy's forward 8.1 -> 50.8 us, so a step of a sparse cross-entropy from
logits (its forward, and the softmax its gradient calls) pays ~70 us more.
"""
from __future__ import annotations

import numpy as np

from .libm_float import expf, logf

_F32, _F64 = np.float32, np.float64


def _bits(word: int):
    return np.array([word], np.uint32).view(_F32)[0]


_TINY = np.finfo(_F32).tiny


def _flushed(values):
    """`values` with its denormals zero, as TF's threads' FTZ mode leaves an op's result."""
    values[np.abs(values) < _TINY] = 0
    return values


# ---- oneDNN's softmax (jit_uni_softmax, jit_uni_eltwise_injector's exp) --------------------
_LANES = 16   # an AVX-512 register of floats
_LOG2E, _LN2 = _bits(0x3fb8aa3b), _bits(0x3f317218)
_LN_FLT_MAX, _LN_FLT_MIN = _bits(0x42b17218), _bits(0xc2aeac50)
_EXP_POLY = tuple(float(_bits(w)) for w in (0x3c07cfce, 0x3d2b9d0d, 0x3e2aad40, 0x3efffee3,
                                             0x3f7ffffb)) + (1.0,)   # p5 .. p1, then 1
_LN2_64 = float(_LN2)


def _onednn_exp(x):
    """oneDNN's exp of `x` <= 0: 2^n * p(r), r = x - n ln2 by an FMA (exact in float64:
    n ln2 has 31 bits), p's Horner steps FMAs (float64, then float32). Mixed float32 and
    float64 operands cost numpy ~8 us a call, so each step converts first."""
    deep = x.min() < _LN_FLT_MIN + _F32(1)   # a result near or below FLT_MIN: clamp, flush
    clamped = np.maximum(x, _LN_FLT_MIN) if deep else x
    n = np.floor(clamped * _LOG2E + _F32(0.5))
    r = (clamped.astype(_F64) - n.astype(_F64) * _LN2_64).astype(_F32).astype(_F64)
    p = (r * _EXP_POLY[0] + _EXP_POLY[1]).astype(_F32)
    for coefficient in _EXP_POLY[2:]:
        p = (p.astype(_F64) * r + coefficient).astype(_F32)
    scale = (n.astype(np.int32) + 126) << 23   # 2^(n-1), then times 2
    if not deep:
        return p * scale.view(_F32) * _F32(2)
    scale[x < _LN_FLT_MIN] = 0
    return _flushed(p * scale.view(_F32)) * _F32(2)


def _lane_sums(e):
    """Each row of `e` summed as oneDNN's kernel sums it: whole vectors of 16 lanes into four
    accumulators in turn, the row's partial last vector (zero-padded) into the first, the
    accumulators added pairwise, then the lanes by halves. An accumulator never used is
    zero, and adding it changes nothing, so it is left out."""
    rows, length = e.shape
    vectors = -(-length // _LANES)
    if length % _LANES:
        padded = np.zeros((rows, vectors * _LANES), _F32)
        padded[:, :length] = e
        e = padded
    blocks = e.reshape(rows, vectors, _LANES)
    whole = length // _LANES
    accs = [blocks[:, j].copy() for j in range(min(whole, 4))]
    for j in range(4, whole):
        accs[j % 4] += blocks[:, j]
    if whole < vectors:   # the tail, into the first
        if accs:
            accs[0] += blocks[:, whole]
        else:
            accs = [blocks[:, 0]]
    while len(accs) > 1:
        accs = [accs[i] + accs[i + 1] if i + 1 < len(accs) else accs[i]
                for i in range(0, len(accs), 2)]
    return _halves(accs[0])


def _halves(acc):
    """A vector's lanes added as a horizontal reduction adds them: upper half onto lower."""
    while acc.shape[1] > 1:
        half = acc.shape[1] // 2
        acc = acc[:, :half] + acc[:, half:]
    return acc


def softmax_rows(x):
    """TF's float32 Softmax of each row of the 2-D `x` (oneDNN's kernel)."""
    e = _onednn_exp(x - x.max(axis=1, keepdims=True))
    out = e * (_F32(1) / _lane_sums(e))
    return _flushed(out) if out.min() < _TINY else out


# ---- Eigen's kernels (LogSoftmax, SoftmaxCrossEntropyWithLogits, the sparse one) -------------
_PACKET = 8   # an AVX register of floats
_EXP_LO = _F32(-104.0)
_CEPHES_LOG2EF = _F32(1.44269504088896341)
_C1, _C2 = _F32(-0.693359375), _F32(2.12194440e-4)
_P2, _P3, _P4, _P5, _P6 = (_F32(0.49999988079071044921875), _F32(0.16666518151760101318359375),
                           _F32(4.166965186595916748046875e-2),
                           _F32(8.36894474923610687255859375e-3),
                           _F32(1.37449637986719608306884765625e-3))
_SQRTHF = _F32(0.707106781186547524)
_LOG_ALPHA = (_F32(0.18256296349849254), _F32(1.0000000190281063), _F32(1.0000000190281136))
_LOG_BETA = (_F32(0.049616247954120038), _F32(0.59923249590823520), _F32(1.4999999999999927),
             _F32(1.0))
_LN2_EIGEN = _F32(0.693147180559945309417232121458)


def _eigen_pexp(x):
    """Eigen's pexp_float without FMA, of `x` <= 0: m = floor(x log2e + 1/2), r = x - m ln2
    in two parts, an even/odd degree-6 polynomial, times 2^m (its fast pldexp: the
    exponent's bits; a result below FLT_MIN is zero, as TF's FTZ leaves it)."""
    m = np.floor(x * _CEPHES_LOG2EF + _F32(0.5))
    r = m * _C1 + x
    r = m * _C2 + r
    r2 = r * r
    even = (r2 * _P6 + _P4) * r2 + _P2
    odd = r2 * _P5 + _P3
    y = r2 * (r * odd + even) + (r + _F32(1))
    exponent = m.astype(np.int32) + 127
    if exponent.min() > 1:
        return y * (exponent << 23).view(_F32)
    out = _flushed(y * (np.maximum(exponent, 0) << 23).view(_F32))
    out[x < _EXP_LO] = 0
    return out


def _eigen_plog(v):
    """Eigen's plog_float without FMA: log(m) of v = m 2^e, m in [sqrt(1/2), sqrt(2)), by
    a rational polynomial, plus e ln2."""
    m, e = np.frexp(v)
    m, e = m.astype(_F32), e.astype(_F32)
    low = m < _SQRTHF
    x = (m - _F32(1)) + np.where(low, m, _F32(0))
    e = e - low.astype(_F32)
    p = (_LOG_ALPHA[0] * x + _LOG_ALPHA[1]) * x + _LOG_ALPHA[2]
    q = ((_LOG_BETA[0] * x + _LOG_BETA[1]) * x + _LOG_BETA[2]) * x + _LOG_BETA[3]
    return e * _LN2_EIGEN + (x * p) / q


def _by_packets(packet_fn, exact_fn, x):
    """`x` (a vector, or rows) through Eigen's packet function where whole packets of 8
    lie along the last axis and through the C library's function past them."""
    whole = x.shape[-1] // _PACKET * _PACKET
    out = np.empty_like(x)
    if whole:
        out[..., :whole] = packet_fn(x[..., :whole])
    if whole < x.shape[-1]:
        out[..., whole:] = _flushed(exact_fn(x[..., whole:]))
    return out


_LEAF = 1024   # Eigen's tree reduction splits a row longer than 1024 packets in halves


def row_sums(values, packet_fn=None, exact_fn=None):
    """Each row of the 2-D float32 `values` summed in Eigen's InnerMostDimReducer order;
    with `packet_fn`, of those values through it (and `exact_fn`) as the reducer reads them
    (whole packets from where it starts reading)."""
    rows, length = values.shape
    if length > _PACKET * _LEAF:
        return np.array([_long_row_sum(values[i], i * length, packet_fn, exact_fn)
                         for i in range(rows)], _F32)
    if packet_fn is not None:
        values = _by_packets(packet_fn, exact_fn, values)
    start, acc = 0, None   # no packet yet: a zero packet, which adding leaves out
    if length >= 4 * _PACKET:
        start = length // (4 * _PACKET) * (4 * _PACKET)
        blocks = values[:, :start].reshape(rows, -1, 4, _PACKET)
        parts = [blocks[:, 0, i].copy() for i in range(4)]
        for j in range(1, blocks.shape[1]):
            for i in range(4):
                parts[i] += blocks[:, j, i]
        acc = ((parts[0] + parts[1]) + parts[2]) + parts[3]
    whole = length // _PACKET * _PACKET
    for j in range(start, whole, _PACKET):
        acc = values[:, j:j + _PACKET] if acc is None else acc + values[:, j:j + _PACKET]
    scalar = values[:, whole] if whole < length else None
    for j in range(whole + 1, length):
        scalar = scalar + values[:, j]
    if acc is None:
        return scalar
    packets = _halves(acc)[:, 0]
    return packets if scalar is None else scalar + packets


def _long_row_sum(row, first: int, packet_fn, exact_fn):
    """A row of more than 1024 packets: its halves' sums added, the split on a packet
    boundary of the flat tensor (`first` is the row's flat index), as Eigen splits it."""
    length = len(row)
    if length <= _PACKET * _LEAF:
        return row_sums(row[None], packet_fn, exact_fn)[0]
    split = _PACKET * -(-(first + -(-length // 2)) // _PACKET)
    left = min(split - first, length)
    total = _long_row_sum(row[:left], first, packet_fn, exact_fn)
    if left < length:
        total = total + _long_row_sum(row[left:], split, packet_fn, exact_fn)
    return total


def shifted_and_sums(x):
    """(x - its row maxima, each row's sum of exp of that), as Eigen's kernels make them."""
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted, row_sums(shifted, _eigen_pexp, expf)


def log_of_sums(sums):
    """log of a vector of row sums, as Eigen evaluates `scratch.log()` over it."""
    return _by_packets(_eigen_plog, logf, sums)


def log_softmax_rows(x):
    """TF's float32 LogSoftmax of each row of the 2-D `x` (Eigen's kernel)."""
    shifted, sums = shifted_and_sums(x)
    return shifted - log_of_sums(sums)[:, None]


def dense_cross_entropy_rows(labels, logits):
    """TF's float32 SoftmaxCrossEntropyWithLogits loss of 2-D labels and logits:
    sum(labels * (log(sum) - shifted)) per row, each step as Eigen evaluates it."""
    shifted, sums = shifted_and_sums(logits)
    return row_sums(_flushed(labels * (log_of_sums(sums)[:, None] - shifted)))


def sparse_cross_entropy_rows(labels, logits):
    """TF's float32 SparseSoftmaxCrossEntropyWithLogits loss: logf(sum) - shifted[label]
    per row (its generator calls the C library's logf)."""
    shifted, sums = shifted_and_sums(logits)
    picked = shifted[np.arange(len(labels)), labels]
    return logf(sums) - picked


def _exact_float32(x) -> bool:
    return x.dtype == _F32 and x.size and np.isfinite(x).all()


def along(rows_fn, x, axis: int, reduces: bool = False):
    """`rows_fn` of `x` along `axis`: the axis moved last and the rest flattened into rows
    (as TF's kernels see any rank), the result shaped back; None when `x` is not finite
    float32, for the caller's own formula."""
    if not _exact_float32(x):
        return None
    if axis % x.ndim == x.ndim - 1:   # the usual case: no moves (~10 us of numpy's Python)
        out = rows_fn(x.reshape(-1, x.shape[-1]))
        return out.reshape(x.shape[:-1]) if reduces else out.reshape(x.shape)
    moved = np.moveaxis(x, axis, -1)
    out = rows_fn(np.ascontiguousarray(moved).reshape(-1, moved.shape[-1]))
    if reduces:
        return out.reshape(moved.shape[:-1])
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def dense_cross_entropy(labels, logits, axis: int):
    """TF's float32 softmax_cross_entropy_with_logits along `axis` (None: not for it)."""
    if not _exact_float32(logits) or labels.dtype != _F32 or labels.shape != logits.shape:
        return None
    moved = np.moveaxis(logits, axis, -1)
    rows = moved.shape[-1]
    flat = np.ascontiguousarray(moved).reshape(-1, rows)
    flat_labels = np.ascontiguousarray(np.moveaxis(labels, axis, -1)).reshape(-1, rows)
    return dense_cross_entropy_rows(flat_labels, flat).reshape(moved.shape[:-1])


def sparse_cross_entropy(labels, logits):
    """TF's float32 sparse_softmax_cross_entropy_with_logits (None: not for it)."""
    if not _exact_float32(logits) or labels.shape != logits.shape[:-1]:
        return None
    flat = logits.reshape(-1, logits.shape[-1])
    return sparse_cross_entropy_rows(labels.reshape(-1), flat).reshape(labels.shape)
