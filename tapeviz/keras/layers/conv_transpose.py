"""Conv2DTranspose: Keras 3's transposed 2-D convolution layer over `tf.nn.conv2d_transpose`
(the kernel is height, width, filters, input channels)."""
from __future__ import annotations

from ... import nn_transpose
from ...errors import DTypeValueError
from .convolutional import ConvLayer
from .core import _as_float, bias_and_activation, configure_kernel

def output_length(size, kernel: int, stride: int, padding: str, output_padding, dilation: int):
    """Keras 3's output length along one spatial axis (None stays None): the input's length
    times the stride, widened by the kernel where 'valid' pads nothing, or with
    output_padding, (size - 1) * stride + the kernel's span ('valid') or its parity ('same')
    plus output_padding."""
    if size is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return (size - 1) * stride + span + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + span % 2 + output_padding


def _output_padding(value, strides: tuple, owner: str):
    if value is None:
        return None
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 0 for v in pair):
        raise ValueError(f"{owner}: the `output_padding` argument must be an int or a tuple of "
                         f"2 non-negative ints; got {value!r}")
    for axis, (extra, stride) in enumerate(zip(pair, strides)):
        if extra >= stride:
            raise ValueError(f"{owner}: `output_padding` must be strictly less than `strides` "
                             f"for all dimensions. At dimension {axis}, `output_padding` is "
                             f"{extra} but `strides` is {stride}. Received: "
                             f"output_padding={pair}, strides={strides}")
    return pair


class Conv2DTranspose(ConvLayer):
    """The transposed 2-D convolution (a learned upsampling): activation(conv2d_transpose(
    inputs, kernel) + bias).

    >>> import tapeviz as tf
    >>> up = tf.keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
    >>> up(tf.ones([1, 5, 5, 8])).shape, tuple(up.kernel.shape)
    (TensorShape([1, 10, 10, 4]), (3, 3, 4, 8))
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self._configure(owner, filters, kernel_size, strides, padding, data_format,
                        dilation_rate)
        self.output_padding = _output_padding(output_padding, self.strides, owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        configure_kernel(self, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (self.filters, self._input_channels(input_shape)),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.is_floating:
            raise DTypeValueError(
                f'layer "{self.name}" ({type(self).__name__})',
                f"expected {self.dtype} inputs, as its kernel; got {inputs.dtype.name} "
                f"(Keras 3 refuses to convert the {self.dtype} kernel to {inputs.dtype.name})",
                hint=f"cast the inputs first: tf.cast(x, tf.{self.dtype})")
        inputs = _as_float(self, inputs)   # refuses to convert the kernel to the inputs' ints
        self._check_channels(inputs, int(self.kernel.shape[3]))
        outputs = nn_transpose.conv2d_transpose(
            inputs, self.kernel, self.compute_output_shape(tuple(inputs.shape)),
            strides=self.strides, padding=self.padding.upper(), data_format=self._layout,
            dilations=self.dilation_rate)
        return bias_and_activation(self, outputs, self._channel_axis)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:4] if first else input_shape[1:3]
        extras = self.output_padding or (None, None)
        out = tuple(output_length(n, k, s, self.padding, e, d) for n, k, s, e, d in
                    zip(spatial, self.kernel_size, self.strides, extras, self.dilation_rate))
        batch = input_shape[0]
        return (batch, self.filters) + out if first else (batch,) + out + (self.filters,)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_padding": self.output_padding}


Convolution2DTranspose = Conv2DTranspose
