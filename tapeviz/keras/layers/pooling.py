"""Pooling layers: MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D (+ Keras aliases)."""
from __future__ import annotations

from ... import nn as _nn
from ...ops.reduce import _max as reduce_max_row, _mean as reduce_mean_row
from .base import Layer, shape_error
from .convolutional import (normalize_data_format, normalize_padding, normalize_tuple,
                            spatial_output_shape)


class _Pooling2D(Layer):
    _pool = None  # the tf.nn function
    _ONE_TENSOR = True

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, "pool_size", owner)
        self.strides = self.pool_size if strides is None else \
            normalize_tuple(strides, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)

    def call(self, inputs):
        if inputs.ndim != 4:
            raise shape_error(self, f"expected an input of rank 4 (batch, height, width, "
                                    f"channels); got shape {tuple(inputs.shape)}")
        fmt = "NCHW" if self.data_format == "channels_first" else "NHWC"
        return type(self)._pool(inputs, self.pool_size, self.strides, self.padding.upper(), fmt)

    def compute_output_shape(self, input_shape):
        channels = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        return spatial_output_shape(input_shape, self.pool_size, self.strides, self.padding,
                                    (1, 1), channels, self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling2D(_Pooling2D):
    """Maximum over each pool_size window (strides default to pool_size).

    >>> import tapeviz as tf
    >>> tf.keras.layers.MaxPooling2D()(tf.ones([1, 4, 4, 3])).shape
    TensorShape([1, 2, 2, 3])
    """

    _pool = staticmethod(_nn.max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Mean over each pool_size window (strides default to pool_size)."""

    _pool = staticmethod(_nn.avg_pool2d)


class _GlobalPooling2D(Layer):
    _reduce = None   # the registry row: its axes given normalized (reduce_mean's checks of
    #                  them cost ~10 us a call, the row's own work ~18 on a tiny batch)
    _ONE_TENSOR = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    @property
    def _axes(self) -> tuple:
        return (2, 3) if self.data_format == "channels_first" else (1, 2)

    def call(self, inputs):
        if inputs.ndim != 4:
            raise shape_error(self, f"expected an input of rank 4 (batch, height, width, "
                                    f"channels); got shape {tuple(inputs.shape)}")
        return type(self)._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        channels = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        if not self.keepdims:
            return (input_shape[0], channels)
        if self.data_format == "channels_first":
            return (input_shape[0], channels, 1, 1)
        return (input_shape[0], 1, 1, channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over the height and width axes: (batch, h, w, c) -> (batch, c).

    >>> import tapeviz as tf
    >>> tf.keras.layers.GlobalAveragePooling2D()(tf.ones([2, 5, 5, 3])).shape
    TensorShape([2, 3])
    """

    _reduce = reduce_mean_row


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Maximum over the height and width axes: (batch, h, w, c) -> (batch, c)."""

    _reduce = reduce_max_row


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
