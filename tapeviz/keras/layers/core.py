"""Core layers: Dense, Flatten, Reshape, Dropout, ReLU, LeakyReLU, ELU, Softmax, Activation
and Lambda.

Each `call` is built from tapeviz ops (matmul, bias_add, reshape, ...), which the
tape records under the layer's name scope.
"""
from __future__ import annotations

import warnings

import numpy as np

from ... import arguments
from ... import nn as _nn
from ...errors import DTypeError, InvalidArgumentError, bad_argument
from ...ops.linalg import matmul, tensordot
from ...ops.assign import cast, identity
from ...ops.nn import bias_add_op
from ...ops.shape import reshape
from .. import activations as _activations
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..keras_tensor import input_tensor
from .base import Layer, shape_error
from .unbuilt import BuiltWeight


def _as_float(layer, inputs):
    """Inputs in the layer's dtype (Dense and Conv2D cast integer inputs too, as Keras)."""
    return inputs if inputs.dtype.name == layer.dtype else cast(inputs, layer.dtype)


def bias_and_activation(layer, outputs, axis: int):
    """`outputs` plus the layer's bias (if it has one) along `axis`, then its activation,
    as Dense and Conv2D end. The bias_add and relu rows are called straight: the layer's
    build fixed the bias's shape to the outputs' channels, and Keras's relu given no options
    is tf.nn.relu (their public functions' checks cost ~1-2 us a call each)."""
    if layer.use_bias:
        outputs = bias_add_op(outputs, layer.bias, axis=axis % outputs._value.ndim)
    if layer.activation is _activations.relu:
        return _nn.relu(outputs)
    return layer.activation(outputs)


def configure_kernel(layer, activation, use_bias, kernel_initializer, bias_initializer,
                     kernel_regularizer, bias_regularizer) -> None:
    """The settings Dense and Conv2D share: activation, bias, initializers, regularizers."""
    layer.activation = _activations.get(activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = _initializers.get(kernel_initializer)
    layer.bias_initializer = _initializers.get(bias_initializer)
    layer.kernel_regularizer = _regularizers.get(kernel_regularizer)   # a bad name said at
    layer.bias_regularizer = _regularizers.get(bias_regularizer)       # the layer's own line


def add_kernel_and_bias(layer, kernel_shape: tuple) -> None:
    """A layer's `kernel` and, with use_bias, its `bias` (one per output unit, the last
    kernel axis), from the layer's initializers and regularizers."""
    layer.kernel = layer.add_weight("kernel", kernel_shape, initializer=layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer)
    layer.bias = layer.add_weight("bias", (kernel_shape[-1],),
                                  initializer=layer.bias_initializer,
                                  regularizer=layer.bias_regularizer) if layer.use_bias else None


def _rank_error(layer, shape):
    one_example = ("one example needs a batch axis: x[None] or tf.expand_dims(x, 0) "
                   "(model.predict(x[None]) for a single sample; a Dataset given to fit is "
                   "batched first: ds.batch(32))")
    features = int(layer.kernel.shape[0]) if layer.built else None
    hint = one_example
    if len(shape) == 1 and features != shape[0]:   # a vector of examples, one feature each?
        hint = (f"{shape[0]} examples of one feature need a feature axis: x[:, None] or "
                f"tf.expand_dims(x, -1)" + ("" if features == 1 else f"; or {one_example}"))
    return shape_error(layer, f"expected an input of rank >= 2 (batch, ..., features); got "
                              f"shape {tuple(shape)}", hint=hint)


class Dense(Layer):
    """activation(inputs @ kernel + bias) on the last axis; the kernel is (in, units).

    >>> import tapeviz as tf
    >>> layer = tf.keras.layers.Dense(4, activation="relu")
    >>> layer(tf.ones([2, 5, 3])).shape, tuple(layer.kernel.shape)
    (TensorShape([2, 5, 4]), (3, 4))
    """

    _ONE_TENSOR = True

    kernel, bias = BuiltWeight(), BuiltWeight()   # made by build()

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self.units = arguments.count("Dense", "units", units, minimum=1)
        except DTypeError:   # Keras 3 says ValueError for units=3.5 too
            raise bad_argument("Dense", "units", "an int >= 1", units,
                               InvalidArgumentError) from None
        configure_kernel(self, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise _rank_error(self, input_shape)
        if input_shape[-1] is None:
            raise shape_error(self, "the last dimension of the inputs to a Dense layer should "
                                    f"be defined; got shape {tuple(input_shape)}")
        add_kernel_and_bias(self, (int(input_shape[-1]), self.units))
        self.built = True

    def call(self, inputs):
        inputs = _as_float(self, inputs)
        fitted = (inputs._value.shape[1:], self.kernel._value.shape)
        if self.__dict__.get("_fitted") != fitted:   # a shape (any batch) checked once (~4 us)
            self._check_features(inputs)
            self.__dict__["_fitted"] = fitted   # shapes: no attribute tracking to tell
        rank = len(fitted[0]) + 1
        if rank == 2:
            outputs = matmul(inputs, self.kernel)
        else:
            outputs = tensordot(inputs, self.kernel, [[rank - 1], [0]])
        return bias_and_activation(self, outputs, -1)

    def _check_features(self, inputs) -> None:
        """Refuse inputs of rank under 2 or of other features than the kernel's."""
        features = int(self.kernel.shape[0])
        if inputs.ndim < 2:
            raise _rank_error(self, inputs.shape)
        if inputs.shape[-1] != features:
            raise shape_error(
                self, f"expected axis -1 of input shape to have value {features}, but received "
                      f"input with shape {tuple(inputs.shape)}",
                hint=f"{self.name} was built for {features} input features but was fed "
                     f"{inputs.shape[-1]}")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": _activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "bias_initializer": _initializers.serialize(self.bias_initializer)}


class Flatten(Layer):
    """Reshape each example to one axis: (batch, ...) -> (batch, product of the rest).

    >>> import tapeviz as tf
    >>> tf.keras.layers.Flatten()(tf.ones([2, 3, 4])).shape
    TensorShape([2, 12])
    """

    _ONE_TENSOR = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs):
        if inputs.ndim == 0:
            raise shape_error(self, "expected an input with a batch axis; got a scalar")
        return reshape(inputs, [inputs.shape[0], -1])

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest, dtype=np.int64))
        return (input_shape[0], size)


class Reshape(Layer):
    """Reshape each example to `target_shape` (the batch axis is kept)."""

    _ONE_TENSOR = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        return reshape(inputs, [inputs.shape[0], *self.target_shape])

    def compute_output_shape(self, input_shape):
        target = list(self.target_shape)
        if -1 in target:
            known = int(np.prod([d for d in target if d != -1]))
            rest = input_shape[1:]
            target[target.index(-1)] = None if None in rest else int(np.prod(rest)) // known
        return (input_shape[0], *target)


class Dropout(Layer):
    """Zero a fraction `rate` of the inputs (scaling the rest) only when training=True.

    >>> import tapeviz as tf
    >>> x = tf.ones([2, 4])
    >>> bool(tf.reduce_all(tf.keras.layers.Dropout(0.5)(x) == x))
    True
    """

    _ONE_TENSOR = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise InvalidArgumentError("Dropout", f"rate must be in [0, 1]; got {rate!r}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs, training=None):
        if training and self.rate > 0:
            if self.rate == 1:
                return inputs * 0.0
            return _nn.dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return identity(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class ReLU(Layer):
    """Rectified linear unit, with Keras's max_value, negative_slope and threshold."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return _activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                 threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class LeakyReLU(Layer):
    """x where positive, else negative_slope * x (Keras 3's default slope: 0.3; Keras 2's
    `alpha=` is taken with its deprecation warning, as Keras 3 takes it).

    >>> import tapeviz as tf
    >>> tf.keras.layers.LeakyReLU()(tf.constant([-1.0, 2.0])).numpy()
    array([-0.3,  2. ], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = arguments.number("LeakyReLU", "negative_slope", negative_slope)
        if self.negative_slope < 0:
            raise bad_argument("LeakyReLU", "negative_slope", "a number >= 0", negative_slope,
                               InvalidArgumentError)

    def call(self, inputs):
        return _activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """x where positive, else alpha * (exp(x) - 1)."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = arguments.number("ELU", "alpha", alpha)

    def call(self, inputs):
        return _activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """softmax(inputs) along `axis` (the last by default), as a layer.

    >>> import tapeviz as tf
    >>> tf.keras.layers.Softmax()(tf.constant([[0.0, 0.0]])).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            raise InvalidArgumentError("Softmax", "mask= is not covered: tapeviz's layers take "
                                                  "no masks")
        return _activations.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Activation(Layer):
    """Apply an activation function (a name like "relu" or a callable).

    >>> import tapeviz as tf
    >>> tf.keras.layers.Activation("relu")(tf.constant([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "activation": _activations.serialize(self.activation)}


class Lambda(Layer):
    """Wrap a function of the inputs as a layer (its ops show under the layer's scope)."""

    def __init__(self, function, output_shape=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function, self.arguments = function, dict(arguments or {})
        self._given_output_shape = output_shape

    def call(self, inputs):
        return self.function(inputs, **self.arguments)


class InputLayer(Layer):
    """Declares the input shape of a Sequential model (it adds no computation); the shape
    comes as Keras 3's `shape=` or Keras 2's `input_shape=`."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None, shape=None,
                 **kwargs):
        if shape is not None and input_shape is not None:
            raise ValueError(f"InputLayer: give shape= or input_shape=, not both; got "
                             f"shape={shape!r}, input_shape={input_shape!r}")
        super().__init__(name=name, dtype=dtype,
                         input_shape=input_shape if shape is None else shape,
                         batch_size=batch_size, **kwargs)
        self.built = True


def Input(shape=None, batch_size=None, name=None, dtype=None, **kwargs):  # noqa: N802
    """The KerasTensor of a model's input, for `Model(inputs, outputs)` or
    `Sequential([Input(shape=(4,)), ...])`."""
    if shape is not None:
        shape = arguments.input_shape("Input", "shape", shape)
    return input_tensor(InputLayer(input_shape=shape, batch_size=batch_size, name=name,
                                   dtype=dtype, **kwargs))
