"""relu's gradient folded into the input gradient of the convolution that reads relu's output.

In a conv stack the gradient reaching a fused Conv2D layer's relu output (`nn_fused.py`)
is the next convolution's input gradient (conv2d_backprop_input), and relu's VJP sends it
through relu_grad at once: one more pass writing an array the size of the activations.
While nobody can tell (no tape records the backward pass, no one hears either op), the
input gradient's blocks are masked by relu's output while in cache and written once: that
array is relu_grad's result, the same bits (the same integer product, block by block). The
input gradient's own value, the upstream gradient a debugger stepping the pass may show,
is a LazyTensor (`lazy.py`) its op's forward makes from the same arrays on the first read;
relu's VJP takes the masked array only when given that very, still unread, tensor for
that very relu output, and calls relu_grad otherwise.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..lazy import LazyTensor, folded
from ..tensor import wrap
from .blas import address
from .unheard import unheard

# relu's outputs made by fused layers under a tape, by id (a tensor's hash is its values')
_relu_outputs: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
# relu_grad's integer views by size (a dtype made from a string costs ~1 us a call)
SAME_SIZE_INTS = {size: np.dtype(f"i{size}") for size in (2, 4, 8)}


def masked_product(gradients, keep, out) -> None:
    """out = gradients where `keep`, else +0: relu_grad's product of the bits and the 0/1
    mask as integers (`nn._relu_grad_forward` says why)."""
    bits = SAME_SIZE_INTS[gradients.dtype.itemsize]
    np.multiply(gradients.view(bits), keep.view(np.int8), out=out.view(bits))


def mark(output) -> None:
    """Note `output` as a fused layer's relu output, whose gradient may come folded."""
    _relu_outputs[id(output)] = output



def input_gradient(backprop_input, by_taps, g, x, w, params):
    """conv2d's input gradient of relu's output `x` as a LazyTensor whose relu gradient is
    made already (`by_taps(g, w, input_shape, store_into=...)` masking each block); None
    where it cannot be (`x` not a fused relu's, someone could tell, another path or dtype)."""
    if _relu_outputs.get(id(x)) is not x or not unheard(backprop_input):
        return None
    upstream, features, kernel = g._value, x._value, w._value
    if type(upstream) is not np.ndarray or type(features) is not np.ndarray \
            or upstream.dtype.kind != "f" or upstream.dtype.itemsize not in SAME_SIZE_INTS \
            or not upstream.dtype == features.dtype == kernel.dtype \
            or not features.flags.c_contiguous:
        return None
    params = dict(params, input_shape=features.shape)
    masked = by_taps(upstream, kernel, store_into=lambda out: _masking_store(features, out),
                     **params)
    if masked is None:
        return None
    return LazyTensor(lambda: backprop_input.forward(upstream, kernel, **params),
                      upstream.dtype, (x, masked))


def _masking_store(features, out):
    """`store(into, pixels)` for blocks of `out` (features' shape): into = pixels, then
    relu's gradient of it by the features at the same place."""
    flat, start_of_out, size = features.reshape(-1), address(out), out.itemsize

    def store(into, pixels):
        if pixels is not into:
            into[...] = pixels
        start = (address(into) - start_of_out) // size   # (ndarray.ctypes: 3.6 against 0.9 us)
        masked_product(into, flat[start:start + into.size].reshape(into.shape) > 0, into)
    return store


def relu_gradient(relu_grad, g, features):
    """relu's VJP: the gradient `input_gradient` made already for this `g` and these
    `features` while nobody hears relu_grad, else relu_grad(g, features)."""
    found = folded(g) if type(g) is LazyTensor else None
    if found is None or found[0] is not features or not unheard(relu_grad):
        return relu_grad(g, features)
    return wrap(found[1])

