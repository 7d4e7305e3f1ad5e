"""Bidirectional: a recurrent layer run over the sequence both ways, the two outputs merged
(a text classifier's usual encoder), with Keras 3's naming, reversal and merge modes."""
from __future__ import annotations

from ...errors import InvalidArgumentError, InvalidArgumentTypeError, describe
from ...ops.indexing import reverse
from ...ops.join import concat
from .base import Layer

_MERGES = ("concat", "sum", "ave", "mul", None)


class Bidirectional(Layer):
    """`layer` forwards and a copy of it backwards over the time axis, merged by `merge_mode`.

    >>> import tapeviz as tf
    >>> both = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(3, return_sequences=True))
    >>> both(tf.ones([2, 5, 4])).shape, both.backward_layer.name
    (TensorShape([2, 5, 6]), 'backward_gru')
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not hasattr(layer, "go_backwards") or not hasattr(layer, "return_sequences"):
            raise InvalidArgumentTypeError("Bidirectional", f"layer must be a recurrent layer "
                                                            f"(SimpleRNN, GRU, LSTM); got "
                                                            f"{describe(layer)}")
        if merge_mode not in _MERGES:
            raise InvalidArgumentError("Bidirectional", f"merge_mode must be one of {_MERGES}; "
                                                        f"got {merge_mode!r}")
        super().__init__(**kwargs)
        self.merge_mode = merge_mode
        self.forward_layer = _copy(layer, f"forward_{layer.name.removeprefix('forward_')}")
        self.backward_layer = backward_layer if backward_layer is not None else _copy(
            layer, f"backward_{layer.name.removeprefix('backward_')}",
            go_backwards=not layer.go_backwards)
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise InvalidArgumentError("Bidirectional", "the forward and backward layers must "
                                                        "run in opposite directions "
                                                        "(go_backwards)")
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def call(self, inputs, initial_state=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, initial_state=forward_state, training=training)
        y_back = self.backward_layer(inputs, initial_state=backward_state, training=training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_back[1:])
            y, y_back = y[0], y_back[0]
        if self.return_sequences:   # the backward layer's steps back in time order
            y_back = reverse(y_back, [1])
        if self.merge_mode == "concat":
            output = concat([y, y_back], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_back
        elif self.merge_mode == "ave":
            output = (y + y_back) / 2.0
        elif self.merge_mode == "mul":
            output = y * y_back
        else:
            output = (y, y_back)
        if not self.return_state:
            return output
        return (*output, *states) if self.merge_mode is None else (output, *states)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": self.forward_layer,
                "merge_mode": self.merge_mode}


def _copy(layer, name: str, **changes):
    """A new, unbuilt layer made from `layer`'s config (so no weights are shared)."""
    config = {**layer.get_config(), **changes, "name": name}
    return type(layer).from_config(config)
