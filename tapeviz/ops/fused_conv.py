"""A Conv2D layer's conv2d, bias_add and relu as one pass over each block of output pixels.

`conv.convolve` hands each block of pixels it computes to a `store`; the one made here
adds the bias and takes relu there, while the block is in cache, and writes the result
once. Each value is what bias_add and then relu make of conv2d's own output, bit for bit
(the same float32 add and maximum, element by element): `nn_fused.py` keeps the tape's
nodes of those ops with values computed on a look (`lazy.py`).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .conv import convolve
from .nn import _trailing_run, _zeros

_RUN_ROWS = 256   # pixels a run of a flat block (bias repeated along it: long inner loops)
# values a run of an image block holds at most: one of the guide's 24x24x16 images, not five
# (its bias and zeros runs 36 KB each, not 184 KB: the second conv fused 1.60 against 1.69 ms
# cold, 80 alternated calls)
_LONGEST_STORE_RUN = 1 << 14


def conv2d_bias_relu(x, w, bias, *, strides, padding, dilations, relu: bool):
    """relu(conv2d(x, w) + bias) (without relu when `relu` is False) in one pass."""
    return convolve(x, w, strides, padding, dilations, _bias_store(bias, relu))


def _bias_store(bias, relu: bool):
    """`store(into, pixels)`: into = pixels + bias (then max(., 0)), `into` contiguous with
    channels last. The pixels are copied first, then the bias added and relu taken on flat
    runs of whole images (the bias and zeros repeated along a run, made once a run length a
    forward): numpy's loops then run long (15 against 27 us on a block of 5 of the guide's
    24x24x16 images, added straight from the strided pixels with a row of bias)."""
    runs = {}   # run length -> (the bias tiled along a run, zeros a run), this forward's

    def store(into, pixels):
        if pixels is not into:
            into[...] = pixels
        run = _run_length(into.shape)
        made = runs.get(run)
        if made is None:
            made = runs[run] = (bias[None].repeat(run // len(bias), 0).reshape(-1),
                                _zeros(run, bias.dtype))
        tiled, zeros = made
        flat = into.reshape(-1, run)
        np.add(flat, tiled, out=flat)
        if relu:
            np.maximum(flat, zeros, out=flat)
    return store


@functools.lru_cache(maxsize=64)
def _run_length(shape) -> int:
    """The values a run of a block of `shape` holds, kept per shape (~2 us a block worked
    out on a tiny image)."""
    run = _trailing_run(shape, _LONGEST_STORE_RUN)
    if len(shape) == 2 and run == shape[1]:   # a long block of flat pixel rows
        run *= math.gcd(shape[0], _RUN_ROWS)
    return run
