"""TimeDistributed: one layer applied to every time step of a (batch, time, ...) input, with
the same weights (a sequence model's per-step Dense). The steps are folded into the batch
axis, so the layer runs once and the tape shows one call."""
from __future__ import annotations

from ...errors import InvalidArgumentError, describe
from ...ops.shape import reshape
from .base import Layer, shape_error


class TimeDistributed(Layer):
    """`layer` applied to each time step (axis 1) of the inputs.

    >>> import tapeviz as tf
    >>> tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(3))(tf.ones([2, 5, 4])).shape
    TensorShape([2, 5, 3])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise InvalidArgumentError("TimeDistributed", f"layer must be a Keras layer; got "
                                                          f"{describe(layer)}")
        super().__init__(**kwargs)
        self.layer = layer

    def call(self, inputs, training=None):
        if inputs.ndim < 3:
            raise shape_error(self, f"expected an input of rank >= 3 (batch, time, ...); got "
                                    f"shape {tuple(inputs.shape)}")
        batch, steps = int(inputs.shape[0]), int(inputs.shape[1])
        folded = reshape(inputs, [batch * steps, *[int(d) for d in inputs.shape[2:]]])
        out = self.layer(folded, training=training)
        return reshape(out, [batch, steps, *[int(d) for d in out.shape[1:]]])

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((input_shape[0], *input_shape[2:]))
        return (input_shape[0], input_shape[1], *inner[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": self.layer}
