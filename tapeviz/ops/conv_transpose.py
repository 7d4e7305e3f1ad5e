"""The transposed 2-D convolution (`tf.nn.conv2d_transpose`, Keras's Conv2DTranspose): one
`defop` row, conv2d's input gradient taken as an op of its own.

`conv2d_transpose(x, w, output_shape=...)` is the gradient of a conv2d whose input has
`output_shape` (NHWC) and whose HWIO kernel is `w` (height, width, the output's channels,
x's channels), evaluated at upstream `x`: TF's kernel is Conv2DBackpropInput given `x` as
its out_backprop. Its VJPs are conv2d's: in `x` the convolution itself, in `w` conv2d's
filter gradient of the output-shaped image that g is, so nested tapes go to any order.
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .conv import _backprop_input_forward, conv2d_op, _conv2d_backprop_filter, _shape_of, geometry
from .registry import defop


def _forward(x, w, *, output_shape, strides, padding, dilations):
    return _backprop_input_forward(x, w, input_shape=output_shape, strides=strides,
                                   padding=padding, dilations=dilations)


_vjp = (
    lambda g, ans, x, w, *, output_shape, **p: conv2d_op(g, w, **p),
    lambda g, ans, x, w, *, output_shape, **p:
    _conv2d_backprop_filter(g, x, filter_shape=_shape_of(w), **p))


def _explain(x, w, *, output_shape, strides, padding, dilations):
    if np.ndim(x) != 4 or np.ndim(w) != 4:
        return ShapeError, (f"input must be NHWC (rank 4) and filters (height, width, output "
                            f"channels, input channels) rank 4; got shapes {np.shape(x)} and "
                            f"{np.shape(w)}"), None
    return None


def mismatch(input_shape, filter_shape, output_shape, strides, padding, dilations) -> str | None:
    """Why an NHWC `output_shape` cannot be conv2d_transpose's (None when it can): the
    convolution of an image of that shape must give the input's shape back, as TF's
    Conv2DBackpropInput checks."""
    if output_shape[3] != filter_shape[2]:
        return (f"output_shape has {output_shape[3]} channels but filters make "
                f"{filter_shape[2]} (filters are height, width, output channels, input "
                f"channels); got output_shape {tuple(output_shape)}, filters "
                f"{tuple(filter_shape)}")
    if input_shape[3] != filter_shape[3]:
        return (f"input has {input_shape[3]} channels but filters expect {filter_shape[3]} "
                f"(their last axis); got input {tuple(input_shape)}, filters "
                f"{tuple(filter_shape)}")
    back, _ = geometry(tuple(output_shape[1:3]), tuple(filter_shape[:2]), strides, padding,
                       dilations)
    if output_shape[0] != input_shape[0] or tuple(back) != tuple(input_shape[1:3]):
        return (f"an image of output_shape {tuple(output_shape)} convolved with strides "
                f"{tuple(strides)} and {padding} padding is {back[0]}x{back[1]}, not the "
                f"input's {input_shape[1]}x{input_shape[2]} (input shape "
                f"{tuple(input_shape)}); in TensorFlow's words: Conv2DCustomBackpropInput: "
                f"Size of out_backprop doesn't match computed")
    return None


def _sample(x, w, output_hw, strides=(1, 1), padding="SAME", dilations=(1, 1)):
    return ((x, w), {"output_shape": (x[0],) + output_hw + (w[2],), "strides": strides,
                     "padding": padding, "dilations": dilations})


# stride 1 and 2, SAME and VALID, an output one pixel larger (Keras's output_padding),
# dilation 2, 8 channels (by taps)
SAMPLES = (
    _sample((1, 3, 3, 2), (3, 3, 3, 2), (3, 3)),
    _sample((2, 3, 2, 2), (3, 3, 2, 2), (6, 4), (2, 2)),
    _sample((1, 3, 4, 1), (3, 2, 2, 1), (5, 7), (2, 2), "SAME"),
    _sample((1, 3, 3, 2), (3, 3, 2, 2), (7, 7), (2, 2), "VALID"),
    _sample((1, 3, 3, 2), (3, 3, 2, 2), (8, 8), (2, 2), "VALID"),
    _sample((1, 3, 3, 1), (2, 2, 2, 1), (5, 5), (1, 1), "VALID", (2, 2)),
    _sample((1, 4, 4, 8), (3, 3, 8, 8), (4, 4)),
)

conv2d_transpose_op = defop(
    "conv2d_transpose", _forward, _vjp, kind="conv", label="convᵀ", explain=_explain,
    inputs=("input", "filters"), samples=SAMPLES,
    doc="The transposed 2-D convolution: conv2d's input gradient for an image of "
        "output_shape.")
