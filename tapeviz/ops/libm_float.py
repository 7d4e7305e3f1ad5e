"""glibc's float32 `expf` and `logf` (since 2.28: Arm's optimized routines, evaluated in
binary64), vectorized in numpy: where TF's Eigen kernels call the C library on a value,
these give the word it gives, which a float64 exp rounded once does not always (both are
within 0.82 ULP of the truth, on different sides of it now and then).

Arguments are finite float32 arrays, `expf`'s below 88 (a softmax's shifted logits are at
most 0; below -103.97 it gives glibc's 0), `logf`'s positive and normal (a row's sum of
exps is at least 1); the callers keep other values off these paths.
"""
from __future__ import annotations

import numpy as np

_F32, _F64 = np.float32, np.float64

# exp2f_data.c: 2^(i/32) as binary64 words, each less i << 47 (added back with the exponent)
_EXP2_TABLE = np.array([
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540],
    dtype=np.uint64)
_EXP2_BITS = 5
_INV_LN2_N = float.fromhex("0x1.71547652b82fep+0") * (1 << _EXP2_BITS)
_SHIFT = float.fromhex("0x1.8p+52")   # adding it rounds to an integer, ties to even
_UNDERFLOW = _F32(float.fromhex("-0x1.9fe368p6"))   # at or below it, glibc's expf is 0
_EXP_C = (float.fromhex("0x1.c6af84b912394p-5") / 32 ** 3,
          float.fromhex("0x1.ebfce50fac4f3p-3") / 32 ** 2,
          float.fromhex("0x1.62e42ff0c52d6p-1") / 32)


def expf(x):
    """glibc's expf of each element: x/ln2 = (k + r)/32, 2^(k/32) from the table, times a
    cubic in r."""
    z = _INV_LN2_N * x.astype(_F64)
    shifted = z + _SHIFT
    k = shifted.view(np.uint64)
    r = z - (shifted - _SHIFT)
    scale = (_EXP2_TABLE[k % 32] + (k << np.uint64(52 - _EXP2_BITS))).view(_F64)
    y = (_EXP_C[0] * r + _EXP_C[1]) * (r * r) + (_EXP_C[2] * r + 1.0)
    out = (y * scale).astype(_F32)
    out[x <= _UNDERFLOW] = 0
    return out


# logf_data.c: 1/c and log(c) for 16 subintervals of [0.7, 1.4), ln2, and the polynomial
_LOG_INVC = np.array([float.fromhex(h) for h in (
    "0x1.661ec79f8f3bep+0", "0x1.571ed4aaf883dp+0", "0x1.49539f0f010bp+0",
    "0x1.3c995b0b80385p+0", "0x1.30d190c8864a5p+0", "0x1.25e227b0b8eap+0",
    "0x1.1bb4a4a1a343fp+0", "0x1.12358f08ae5bap+0", "0x1.0953f419900a7p+0", "0x1p+0",
    "0x1.e608cfd9a47acp-1", "0x1.ca4b31f026aap-1", "0x1.b2036576afce6p-1",
    "0x1.9c2d163a1aa2dp-1", "0x1.886e6037841edp-1", "0x1.767dcf5534862p-1")])
_LOG_LOGC = np.array([float.fromhex(h) for h in (
    "-0x1.57bf7808caadep-2", "-0x1.2bef0a7c06ddbp-2", "-0x1.01eae7f513a67p-2",
    "-0x1.b31d8a68224e9p-3", "-0x1.6574f0ac07758p-3", "-0x1.1aa2bc79c81p-3",
    "-0x1.a4e76ce8c0e5ep-4", "-0x1.1973c5a611cccp-4", "-0x1.252f438e10c1ep-5", "0x0p+0",
    "0x1.aa5aa5df25984p-5", "0x1.c5e53aa362eb4p-4", "0x1.526e57720db08p-3",
    "0x1.bc2860d22477p-3", "0x1.1058bc8a07ee1p-2", "0x1.4043057b6ee09p-2")])
_LN2 = float.fromhex("0x1.62e42fefa39efp-1")
_LOG_A = tuple(float.fromhex(h) for h in ("-0x1.00ea348b88334p-2", "0x1.5575b0be00b6ap-2",
                                           "-0x1.ffffef20a4123p-2"))
_OFF = 0x3f330000


def logf(x):
    """glibc's logf of each element: x = 2^k z, z near a table point c, log(c) + k ln2 +
    a polynomial in z/c - 1."""
    word = x.view(np.uint32)
    tmp = word - np.uint32(_OFF)
    i = (tmp >> np.uint32(19)) % 16
    k = tmp.view(np.int32) >> 23
    z = (word - (tmp & np.uint32(0xff800000))).view(_F32).astype(_F64)
    r = z * _LOG_INVC[i] - 1.0
    r2 = r * r
    y = (_LOG_A[1] * r + _LOG_A[2]) + _LOG_A[0] * r2
    y = y * r2 + ((_LOG_LOGC[i] + k * _LN2) + r)
    return y.astype(_F32)
