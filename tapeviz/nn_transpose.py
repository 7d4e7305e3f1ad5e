"""`tf.nn.conv2d_transpose` and `tf.nn.conv_transpose` (2-D): the output shape, layout,
strides, dilations and padding checked as TF checks them, then `ops/conv_transpose.py`'s
row. Filters are (height, width, output channels, input channels)."""
from __future__ import annotations

from . import arguments
from .errors import InvalidArgumentError, ShapeError
from .nn_checks import _check_rank, _shape
from .nn_images import _data_format, _in_nhwc, _padding, _spatial_pair
from .ops.conv_transpose import conv2d_transpose_op, mismatch


def _output_shape(op: str, output_shape, fmt: str) -> tuple:
    """`output_shape` (a list, tuple or 1-D int tensor of 4) in NHWC order."""
    sizes = arguments.int_entries(output_shape)
    if sizes is None or arguments.ndim(output_shape) != 1 or len(sizes) != 4 or min(sizes) < 0:
        raise InvalidArgumentError(op, f"output_shape must be 4 non-negative ints (the "
                                       f"output's {fmt} shape); got {output_shape!r}")
    return tuple(sizes) if fmt == "NHWC" else (sizes[0], sizes[2], sizes[3], sizes[1])


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """The transpose of conv2d (its gradient for an image of `output_shape`), as TF's.

    >>> import tapeviz as tf
    >>> tf.nn.conv2d_transpose(tf.ones([1, 3, 3, 4]), tf.ones([3, 3, 2, 4]), [1, 6, 6, 2],
    ...                        strides=2).shape
    TensorShape([1, 6, 6, 2])
    """
    op = "conv2d_transpose"
    fmt = _data_format(op, data_format)
    strides = _spatial_pair(op, "strides", strides, fmt)
    dilations = _spatial_pair(op, "dilations", 1 if dilations is None else dilations, fmt)
    padding = _padding(op, padding, fmt)
    _check_rank(op, "input", input, 4, fmt)
    _check_rank(op, "filters", filters, 4, "height, width, output channels, input channels")
    shape, kernel = _shape(op, "input", input), _shape(op, "filters", filters)
    nhwc = shape if fmt == "NHWC" else (shape[0], shape[2], shape[3], shape[1])
    out = _output_shape(op, output_shape, fmt)
    why = mismatch(nhwc, kernel, out, strides, padding, dilations)
    if why is not None:
        raise ShapeError(op, why)
    return _in_nhwc(lambda t: conv2d_transpose_op(t, filters, output_shape=out, strides=strides,
                                                  padding=padding, dilations=dilations),
                    input, fmt)


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """tf.nn.conv_transpose for 4-D input: conv2d_transpose (1-D and 3-D are not covered)."""
    rank = len(_shape("conv_transpose", "input", input))
    if rank != 4:
        raise ShapeError("conv_transpose", f"only 2-D transposed convolutions (rank-4 input) "
                                           f"are covered; got an input of rank {rank}")
    return conv2d_transpose(input, filters, output_shape, strides, padding,
                            _data_format("conv_transpose", data_format), dilations)
