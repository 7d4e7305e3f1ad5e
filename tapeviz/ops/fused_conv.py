"""A Conv2D layer's conv2d, bias_add and relu as one pass over each block of output pixels.

`conv.convolve` hands each block of pixels it computes to a `store`; the one made here
adds the bias and takes relu there, while the block is in cache, and writes the result
once. Each value is what bias_add and then relu make of conv2d's own output, bit for bit
(the same float32 add and maximum, element by element): `nn_fused.py` keeps the tape's
nodes of those ops with values computed on a look (`lazy.py`).
"""
from __future__ import annotations

import math

import numpy as np

from .conv import convolve
from .nn import _zeros

_RUN_ROWS = 256   # pixels a run of a flat block (bias repeated along it: long inner loops)


def conv2d_bias_relu(x, w, bias, *, strides, padding, dilations, relu: bool):
    """relu(conv2d(x, w) + bias) (without relu when `relu` is False) in one pass."""
    return convolve(x, w, strides, padding, dilations, _bias_store(bias, relu))


def _bias_store(bias, relu: bool):
    """`store(into, pixels)`: into = pixels + bias (then max(., 0)); both (..., W, C),
    `into` contiguous, or (rows, C) and the same array. The bias is repeated along W
    (numpy then adds runs of W*C values, not C at a time), once a width a forward."""
    rows = {}

    def store(into, pixels):
        if into.ndim == 2:   # flat pixel rows, written in place
            run = math.gcd(len(into), _RUN_ROWS)
            into = pixels = into.reshape(-1, run, into.shape[1])
        width = into.shape[-2]
        made = rows.get(width)
        if made is None:
            made = rows[width] = (bias[None].repeat(width, 0),
                                  _zeros(width * len(bias), bias.dtype).reshape(width, -1))
        tiled, zeros = made
        np.add(pixels, tiled, out=into)
        if relu:
            np.maximum(into, zeros, out=into)
    return store
