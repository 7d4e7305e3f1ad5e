"""BatchNormalization: normalize with batch statistics when training, moving ones otherwise;
LayerNormalization: normalize each example over its own features.

The moving mean and variance are non-trainable variables updated by `assign_sub` (a
non-differentiable op the tape shows) on each training call.
"""
from __future__ import annotations

from ...ops.math import rsqrt
from ...ops.reduce import reduce_mean
from ...ops.shape import reshape
from .. import initializers as _initializers
from .base import Layer, shape_error


class BatchNormalization(Layer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta, per feature along `axis`.

    With training=True the batch's mean and variance are used and the moving
    statistics updated: moving = moving * momentum + batch * (1 - momentum), with the
    biased batch variance for every rank, as Keras 3 does (Keras 2's fused rank-4 path
    used the unbiased n / (n - 1) one). A frozen layer (trainable=False) always runs in
    inference mode, as in TF 2.

    >>> import tapeviz as tf
    >>> bn = tf.keras.layers.BatchNormalization()
    >>> y = bn(tf.constant([[0.0], [2.0]]), training=True)
    >>> [round(float(v), 3) for v in y[:, 0]], round(float(bn.moving_mean[0]), 3)
    ([-1.0, 1.0], 0.01)
    """

    _ONE_TENSOR = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise NotImplementedError("BatchNormalization: only one feature axis is "
                                          f"supported; got axis={axis!r}")
            axis = axis[0]
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = _initializers.get(beta_initializer)
        self.gamma_initializer = _initializers.get(gamma_initializer)
        self.moving_mean_initializer = _initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = _initializers.get(moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or rank < 2:
            raise shape_error(self, f"axis {self.axis} is out of range for an input of shape "
                                    f"{tuple(input_shape)}")
        size = input_shape[axis]
        if size is None:
            raise shape_error(self, f"axis {self.axis} of the input should be defined; got "
                                    f"shape {tuple(input_shape)}")
        self._axis, self._rank, param = axis, rank, (int(size),)
        self.gamma = self.add_weight("gamma", param, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer) if self.scale else None
        self.beta = self.add_weight("beta", param, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", param, trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight("moving_variance", param, trainable=False,
                                               initializer=self.moving_variance_initializer)
        self.built = True

    def call(self, inputs, training=None):
        size = int(self.moving_mean.shape[0])
        if inputs.ndim != self._rank or inputs.shape[self._axis] != size:
            raise shape_error(self, f"expected a rank-{self._rank} input with {size} features "
                                    f"on axis {self.axis}; got shape {tuple(inputs.shape)}")
        if inputs.dtype.name != self.dtype:
            from ...ops.assign import cast
            inputs = cast(inputs, self.dtype)
        reduce_axes = [i for i in range(self._rank) if i != self._axis]
        broadcast = [size if i == self._axis else 1 for i in range(self._rank)]
        if training and self.trainable:
            mean = reduce_mean(inputs, axis=reduce_axes, keepdims=True)
            variance = reduce_mean((inputs - mean) * (inputs - mean), axis=reduce_axes,
                                   keepdims=True)
            mean, variance = reshape(mean, [size]), reshape(variance, [size])
            self._update_moving(mean, variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        inv = rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + self.beta
        return inputs * reshape(inv, broadcast) + reshape(shift, broadcast)

    def _update_moving(self, mean, variance) -> None:
        decay = 1.0 - self.momentum
        self.moving_mean.assign_sub((self.moving_mean - mean) * decay)
        self.moving_variance.assign_sub((self.moving_variance - variance) * decay)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}


class LayerNormalization(Layer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta, the mean and variance of each example
    over `axis` (the features), the same in training and inference.

    >>> import tapeviz as tf
    >>> y = tf.keras.layers.LayerNormalization()(tf.constant([[1.0, 3.0], [0.0, 4.0]]))
    >>> [round(float(v), 4) for v in y[:, 0]]   # epsilon 1e-3 keeps them off -1
    [-0.9995, -0.9999]
    """

    _ONE_TENSOR = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = _initializers.get(beta_initializer)
        self.gamma_initializer = _initializers.get(gamma_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer

    def build(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if not axes or any(not -rank <= a < rank for a in axes):
            raise shape_error(self, f"axis {self.axis} is out of range for an input of shape "
                                    f"{tuple(input_shape)}")
        self._axes = sorted(a % rank for a in axes)
        param = tuple(int(input_shape[a]) for a in self._axes)
        self._broadcast = [int(input_shape[i]) if i in self._axes else 1 for i in range(rank)]
        self.gamma = self.add_weight("gamma", param, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer) if self.scale else None
        self.beta = self.add_weight("beta", param, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer) if self.center else None
        self.built = True

    def call(self, inputs):
        if inputs.dtype.name != self.dtype:
            from ...ops.assign import cast
            inputs = cast(inputs, self.dtype)
        mean = reduce_mean(inputs, axis=self._axes, keepdims=True)
        variance = reduce_mean((inputs - mean) * (inputs - mean), axis=self._axes,
                               keepdims=True)
        inv = rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * reshape(self.gamma, self._broadcast)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + reshape(self.beta, self._broadcast)
        return inputs * inv + shift

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}
