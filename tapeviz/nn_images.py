"""`tf.nn`'s image functions: `conv2d` and pooling, their layouts, paddings and strides.

Each takes TF's exact signature, checks the data format (NHWC, or NCHW transposed there
and back), strides, dilations and window sizes (an int, or lists of 1, 2 or 4 entries),
the padding ('SAME', 'VALID', or TF's explicit pairs for conv2d) and that the window
fits, then calls a row of `ops/conv.py` or `ops/pool.py`. Kernels are HWIO.
"""
from __future__ import annotations

from . import arguments
from .errors import InvalidArgumentError, ShapeError, bad_argument
from .nn_checks import _check_float, _check_rank, _shape
from .ops import conv as _conv
from .ops import pool as _pool_ops
from .ops.shape import transpose

_TO_NHWC, _TO_NCHW = (0, 2, 3, 1), (0, 3, 1, 2)


def _spatial_pair(op: str, name: str, value, data_format: str) -> tuple:
    """An int or a list of 1, 2 or 4 ints (TF's strides/dilations/ksize) as (h, w)."""
    values = arguments.int_entries(value)
    if not values or arguments.ndim(value) > 1 or min(values) < 1:
        raise InvalidArgumentError(op, f"{name} must be a positive int or a list of 1, 2 or "
                                       f"4 positive ints; got {value!r}")
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) == 2:
        return tuple(values)
    if len(values) == 4:
        batch, channel = (0, 3) if data_format == "NHWC" else (0, 1)
        if values[batch] != 1 or values[channel] != 1:
            raise InvalidArgumentError(op, f"{name} must be 1 on the batch and channel "
                                           f"dimensions; got {list(values)} ({data_format})")
        spatial = (1, 2) if data_format == "NHWC" else (2, 3)
        return tuple(values[i] for i in spatial)
    raise InvalidArgumentError(op, f"{name} must have 1, 2 or 4 entries; got {list(values)}")


def _padding(op: str, padding, data_format: str, explicit_ok: bool = True):
    """'SAME', 'VALID', or TF's explicit [[0, 0], [top, bottom], [left, right], [0, 0]]."""
    if isinstance(padding, str):
        upper = padding.upper()
        if upper in ("SAME", "VALID"):
            if padding != upper:   # TF refuses Keras's spelling here
                raise InvalidArgumentError(op, f"padding must be 'SAME' or 'VALID' (upper "
                                               f"case in tf.nn); got {padding!r}",
                                           hint=f"padding={upper!r}; Keras layers take "
                                                f"{padding.lower()!r}")
            return upper
    elif explicit_ok and isinstance(padding, (list, tuple)) and len(padding) == 4:
        pairs = [arguments.int_entries(p) if isinstance(p, (list, tuple)) else None
                 for p in padding]
        if all(p is not None and len(p) == 2 and min(p) >= 0 for p in pairs):
            spatial = (1, 2) if data_format == "NHWC" else (2, 3)
            if all(pairs[i] == [0, 0] for i in range(4) if i not in spatial):
                return tuple(tuple(pairs[i]) for i in spatial)
    explicit = " or a list of 4 [before, after] pairs" if explicit_ok else ""
    raise bad_argument(op, "padding", f"'SAME' or 'VALID'{explicit}", padding,
                       InvalidArgumentError)


def _data_format(op: str, data_format) -> str:
    if data_format is None:
        return "NHWC"
    return arguments.choice(op, "data_format", data_format, ("NHWC", "NCHW"))


def _in_nhwc(run, input, data_format):
    """Run `run` on `input` in NHWC, transposing an NCHW input there and back."""
    if data_format == "NHWC":
        return run(input)
    return transpose(run(transpose(input, _TO_NHWC)), _TO_NCHW)


def looks_channels_first(shape) -> bool:
    """Whether a rank-4 shape read as NHWC looks like images laid out (N, C, H, W), as torch
    gives them: 1 or 3 on axis 1, then a square image (read as NHWC: an image 1 or 3 rows
    tall with as many channels as columns)."""
    return len(shape) == 4 and shape[1] in (1, 3) and shape[2] == shape[3] and shape[3] > 4


def channels_first_words(shape) -> str:
    """What an NCHW-looking `shape` is read as, and the way over."""
    return (f"the input {tuple(shape)} looks NCHW (N, C, H, W, as torch lays images out): "
            f"read as NHWC its images are {shape[1]} row{'s' if shape[1] > 1 else ''} tall "
            f"with {shape[3]} channels; transpose it, tf.transpose(x, [0, 2, 3, 1])")


def _check_fits(op: str, hw, khw, strides, padding, dilations, shape=()) -> None:
    """Refuse a window larger than the padded input (`shape`, NHWC, tells an NCHW one)."""
    out_hw, _ = _conv.geometry(hw, khw, strides, padding, dilations)
    if min(out_hw) < 1:
        span = tuple((k - 1) * d + 1 for k, d in zip(khw, dilations))
        raise ShapeError(op, f"the window (spatial size {span} with dilation) is larger than "
                             f"the padded input {tuple(hw)}; the output would be {out_hw}",
                         hint=channels_first_words(shape) if looks_channels_first(shape) else
                         "use padding='SAME' or a smaller kernel")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D cross-correlation of NHWC `input` with HWIO `filters`, as tf.nn.conv2d.

    >>> import tapeviz as tf
    >>> tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 8]), strides=2,
    ...              padding="SAME").shape
    TensorShape([1, 3, 3, 8])
    """
    fmt = _data_format("conv2d", data_format)
    strides = _spatial_pair("conv2d", "strides", strides, fmt)
    dilations = _spatial_pair("conv2d", "dilations", 1 if dilations is None else dilations, fmt)
    padding = _padding("conv2d", padding, fmt)
    _check_rank("conv2d", "input", input, 4, fmt)
    _check_rank("conv2d", "filters", filters, 4, "HWIO: height, width, in, out channels")
    shape, kernel = _shape("conv2d", "input", input), _shape("conv2d", "filters", filters)
    channels = shape[3] if fmt == "NHWC" else shape[1]
    if channels != kernel[2]:
        hint = None
        if fmt == "NHWC" and shape[1] == kernel[2]:
            hint = "the input looks NCHW: pass data_format='NCHW' or transpose it to NHWC"
        elif kernel[3] == channels:
            hint = "the filters look HWOI: tf.transpose(filters, [0, 1, 3, 2]) would fit"
        raise ShapeError("conv2d", f"input has {channels} channels but filters expect "
                                   f"{kernel[2]} (filters are HWIO); got input {shape} "
                                   f"({fmt}), filters {kernel}", hint=hint)
    hw = shape[1:3] if fmt == "NHWC" else shape[2:4]
    _check_fits("conv2d", hw, kernel[:2], strides, padding, dilations,
                shape if fmt == "NHWC" else ())
    return _in_nhwc(lambda t: _conv.conv2d_op(t, filters, strides=strides, padding=padding,
                                           dilations=dilations), input, fmt)


def _pool(op: str, row, input, ksize, strides, padding, data_format):
    fmt = _data_format(op, data_format)
    ksize = _spatial_pair(op, "ksize", ksize, fmt)
    strides = _spatial_pair(op, "strides", strides, fmt)
    padding = _padding(op, padding, fmt, explicit_ok=False)
    _check_rank(op, "input", input, 4, fmt)
    shape = _shape(op, "input", input)
    hw = shape[1:3] if fmt == "NHWC" else shape[2:4]
    _check_fits(op, hw, ksize, strides, padding, (1, 1), shape if fmt == "NHWC" else ())
    return _in_nhwc(lambda t: row(t, ksize=ksize, strides=strides, padding=padding), input, fmt)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Maximum over each ksize window of NHWC `input`, as tf.nn.max_pool2d.

    >>> import tapeviz as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> tf.reshape(tf.nn.max_pool2d(x, 2, 2, "VALID"), [-1]).numpy()
    array([ 5.,  7., 13., 15.], dtype=float32)
    """
    return _pool("max_pool2d", _pool_ops.max_pool2d_op, input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Mean over each ksize window of NHWC `input`; SAME windows average real pixels only."""
    _check_float("avg_pool2d", "input", input)
    return _pool("avg_pool2d", _pool_ops.avg_pool2d_op, input, ksize, strides, padding, data_format)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """tf.nn.max_pool for 4-D (NHWC or NCHW) input: the same as max_pool2d."""
    return max_pool2d(input, ksize, strides, padding, _data_format("max_pool", data_format))


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """tf.nn.avg_pool for 4-D (NHWC or NCHW) input: the same as avg_pool2d."""
    return avg_pool2d(input, ksize, strides, padding, _data_format("avg_pool", data_format))
