"""Conv2D: Keras's 2-D convolution layer over `tf.nn.conv2d` (NHWC images, HWIO kernels)."""
from __future__ import annotations

from ... import arguments
from ... import nn as _nn
from ...nn_fused import conv_bias_activation
from ...errors import DTypeError, InvalidArgumentError, bad_argument
from ...fpwarnings import warn_from_user_line
from ...nn_images import channels_first_words, looks_channels_first
from ...ops.conv import conv2d_op
from .. import activations as _activations
from .. import initializers as _initializers
from .base import Layer, shape_error
from .unbuilt import BuiltWeight
from .core import _as_float, add_kernel_and_bias, bias_and_activation, configure_kernel


def normalize_tuple(value, name: str, owner: str) -> tuple:
    """An int or a pair of ints as a pair: Keras's kernel_size/strides/pool_size rule."""
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValueError(f"{owner}: the `{name}` argument must be an int or a tuple of 2 "
                         f"positive ints; got {value!r}")
    return value


def normalize_padding(value, owner: str) -> str:
    padding = str(value).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{owner}: padding must be 'valid' or 'same'; got {value!r}")
    return padding


def normalize_data_format(value, owner: str) -> str:
    data_format = value or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: data_format must be 'channels_last' or 'channels_first'; "
                         f"got {value!r}")
    return data_format


def output_length(size, window: int, stride: int, padding: str, dilation: int = 1):
    """Output length along one spatial axis (None stays None)."""
    if size is None:
        return None
    if padding == "same":
        return (size + stride - 1) // stride
    return (size - (window - 1) * dilation - 1) // stride + 1


def spatial_output_shape(input_shape, window, strides, padding, dilation, channels,
                         data_format) -> tuple:
    """The NHWC (or NCHW) output shape of a conv or pooling layer."""
    first = data_format == "channels_first"
    h, w = (input_shape[2], input_shape[3]) if first else (input_shape[1], input_shape[2])
    out = tuple(output_length(n, k, s, padding, d)
                for n, k, s, d in zip((h, w), window, strides, dilation))
    return (input_shape[0], channels) + out if first else (input_shape[0],) + out + (channels,)


def _channels_hint(layer, shape: tuple, expected: int) -> str:
    """Why a built Conv2D's input has another channel count: no channel axis, the channels
    on the other side (torch's NCHW given to an NHWC layer), or other images than it was
    built on."""
    if _one_image(layer, shape, expected):
        return _ONE_IMAGE
    if len(shape) == 3:
        return ("the batch has no channel axis (grayscale images): add one where the batch is "
                "made, images[..., tf.newaxis]")
    if len(shape) != 4:
        return f"give images of rank 4, {layer._layout}"
    first, last = (1, -1) if layer.data_format == "channels_last" else (-1, 1)
    channels = f"{expected} channel{'s' if expected != 1 else ''}"
    if shape[first] == expected:
        moved = "[0, 2, 3, 1]" if first == 1 else "[0, 3, 1, 2]"
        return (f"the input has its {channels} on axis {first}, as "
                f"{'torch gives images (N, C, H, W)' if first == 1 else 'channels-last data'}"
                f"; this layer reads {layer._layout}: tf.transpose(x, {moved})")
    return (f"{layer.name} was built for images of {channels}, on its first call or its "
            f"Input, and was fed {shape[last]}: give it images of {channels} (a model is built "
            f"for one kind of image)")

_ONE_IMAGE = ("one image (height, width, channels) needs a batch axis: x[tf.newaxis]; a "
              "Dataset gives one example at a time until it is batched: dataset.batch(32)")


def _one_image(layer, shape: tuple, channels: int | None = None) -> bool:
    """Whether a rank-3 input looks like one channels-last image, not a batch of grayscale
    images: its last axis is the channels the layer was built for, or (unbuilt) 1 or 3."""
    return len(shape) == 3 and layer.data_format == "channels_last" and (
        shape[-1] == channels if channels is not None else shape[-1] in (1, 3))


def _rank_hint(layer, shape: tuple) -> str | None:
    """How an image batch of `shape` gets the four axes Conv2D reads."""
    if _one_image(layer, shape):
        return _ONE_IMAGE
    if len(shape) == 3:
        return "a single grayscale image batch needs a channel axis: tf.expand_dims(x, -1)"
    if len(shape) == 2:
        return ("one grayscale image needs a batch and a channel axis: "
                "x[tf.newaxis, ..., tf.newaxis]")
    return None


class ConvLayer(Layer):
    """What Conv2D and Conv2DTranspose share: their arguments' checks, the channel axis of
    their layout, the input's rank and channels checked at build and at each call, and
    their config."""

    _ONE_TENSOR = True

    kernel, bias = BuiltWeight(), BuiltWeight()   # made by build()

    def _configure(self, owner: str, filters, kernel_size, strides, padding, data_format,
                   dilation_rate) -> None:
        try:   # Keras 3 refuses filters=0 by name, not at the kernel's reshape
            self.filters = arguments.count(owner, "filters", filters, minimum=1)
        except DTypeError:
            raise bad_argument(owner, "filters", "an int >= 1", filters,
                               InvalidArgumentError) from None
        self.kernel_size = normalize_tuple(kernel_size, "kernel_size", owner)
        self.strides = normalize_tuple(strides, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, "dilation_rate", owner)

    @property
    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    @property
    def _layout(self) -> str:
        return "NCHW" if self.data_format == "channels_first" else "NHWC"

    def _input_channels(self, input_shape) -> int:
        """The channels of a rank-4 `input_shape` that build() is given, or a clear error."""
        if len(input_shape) != 4:
            raise shape_error(self, f"expected an input of rank 4 (batch, height, width, "
                                    f"channels); got shape {tuple(input_shape)}",
                              hint=_rank_hint(self, tuple(input_shape)))
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise shape_error(self, f"the channel dimension of the inputs should be defined; "
                                    f"got shape {tuple(input_shape)}")
        if self.data_format == "channels_last" and looks_channels_first(input_shape):
            # TF builds it as asked and trains on the images read across: said, not refused
            warn_from_user_line(f'layer "{self.name}" ({type(self).__name__}) is built for '
                                f"{channels} input channels: {channels_first_words(input_shape)}"
                                f", or make the layer with data_format='channels_first'")
        return int(channels)

    def _check_channels(self, inputs, expected: int) -> None:
        """Refuse a call whose `inputs` are not rank 4 with `expected` channels."""
        shape = tuple(inputs.shape)
        if inputs.ndim != 4:   # a (H, W, C) image's last axis may well be `expected`
            raise shape_error(self, f"expected an input of rank 4 (batch, height, width, "
                                    f"channels); got shape {shape}",
                              hint=_channels_hint(self, shape, expected))
        if shape[self._channel_axis] != expected:
            raise shape_error(
                self, f"expected axis {self._channel_axis} of input shape to have value "
                      f"{expected} (a rank-4 {self._layout} input), but received input with "
                      f"shape {shape}", hint=_channels_hint(self, shape, expected))

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": _activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "bias_initializer": _initializers.serialize(self.bias_initializer)}


class Conv2D(ConvLayer):
    """2-D convolution: activation(conv2d(inputs, kernel) + bias); the kernel is HWIO.

    >>> import tapeviz as tf
    >>> conv = tf.keras.layers.Conv2D(8, 3, strides=2, padding="same")
    >>> conv(tf.ones([1, 5, 5, 3])).shape, tuple(conv.kernel.shape)
    (TensorShape([1, 3, 3, 8]), (3, 3, 3, 8))
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self._configure(owner, filters, kernel_size, strides, padding, data_format,
                        dilation_rate)
        if groups != 1:
            raise NotImplementedError(f"{owner}: grouped convolutions (groups={groups}) are "
                                      f"not supported")
        if self.strides != (1, 1) and self.dilation_rate != (1, 1):
            raise ValueError(f"{owner}: strides > 1 are not supported with dilation_rate > 1; "
                             f"got strides={self.strides}, dilation_rate={self.dilation_rate}")
        configure_kernel(self, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer)

    def build(self, input_shape):
        add_kernel_and_bias(self, self.kernel_size + (self._input_channels(input_shape),
                                                      self.filters))
        self.built = True

    def call(self, inputs):
        inputs = _as_float(self, inputs)
        fmt = self._layout
        fitted = (inputs._value.shape[1:], self.kernel._value.shape)
        # an image shape (any batch) checked and run with this kernel before: not checked again
        # (the channels' check and tf.nn.conv2d's, ~8 us a call)
        if fmt == "NHWC" and self.__dict__.get("_fitted") == fitted:
            if self.use_bias and (self.activation is _activations.relu
                                  or self.activation is _activations.linear):
                fused = conv_bias_activation(self, inputs, self.activation is _activations.relu)
                if fused is not None:   # one pass, the tape's three nodes as the ops' own
                    return fused
            outputs = conv2d_op(inputs, self.kernel, strides=self.strides,
                                padding=self.padding.upper(), dilations=self.dilation_rate)
        else:
            self._check_channels(inputs, int(self.kernel.shape[2]))
            outputs = _nn.conv2d(inputs, self.kernel, strides=self.strides,
                                 padding=self.padding.upper(), data_format=fmt,
                                 dilations=self.dilation_rate)
            self.__dict__["_fitted"] = fitted   # shapes: no attribute tracking to tell
        return bias_and_activation(self, outputs, self._channel_axis)

    def compute_output_shape(self, input_shape):
        return spatial_output_shape(input_shape, self.kernel_size, self.strides, self.padding,
                                    self.dilation_rate, self.filters, self.data_format)


Convolution2D = Conv2D
