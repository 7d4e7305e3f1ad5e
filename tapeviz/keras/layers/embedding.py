"""The Embedding layer: integer ids to rows of a trainable table (a `gather`, so the
debugger shows which rows a batch read and the table's gradient lands on those rows)."""
from __future__ import annotations

import numpy as np

from ...errors import InvalidArgumentError, bad_argument
from ...fpwarnings import warn_from_user_line
from ...ops.gather import gather
from ...ops.assign import cast
from .. import initializers as _initializers
from .base import Layer
from .unbuilt import BuiltWeight


def _positive(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value <= 0:
        raise bad_argument("Embedding", name, "a positive integer", value, InvalidArgumentError)
    return int(value)


class Embedding(Layer):
    """Row `i` of an (input_dim, output_dim) table for each id `i` of the inputs.

    >>> import tapeviz as tf
    >>> layer = tf.keras.layers.Embedding(10, 4)
    >>> layer(tf.constant([[1, 2, 3]])).shape, tuple(layer.embeddings.shape)
    (TensorShape([1, 3, 4]), (10, 4))
    """

    _ONE_TENSOR = True

    embeddings = BuiltWeight()   # made by build()

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, input_length=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = _positive("input_dim", input_dim)
        self.output_dim = _positive("output_dim", output_dim)
        self.embeddings_initializer = _initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        if mask_zero:   # Keras passes the mask on to RNNs and losses; tapeviz's layers have none
            raise InvalidArgumentError("Embedding", "mask_zero=True: tapeviz's layers take no "
                                                    "masks, so padded steps would count as data",
                                       hint="leave mask_zero=False and weight the loss by "
                                            "tf.cast(ids != 0, tf.float32) yourself")
        if input_length is not None:   # Keras 2's; Keras 3 warns so and ignores it
            warn_from_user_line("Argument `input_length` is deprecated. Just remove it.")
        self.mask_zero = False
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)

    def call(self, inputs):
        if not inputs.dtype.is_integer:   # float or bool ids are cast, as Keras does (1.7 -> 1)
            inputs = cast(inputs, "int32")
        try:
            return gather(self.embeddings, inputs)
        except InvalidArgumentError as error:   # an id past the table: gather said which
            error.with_hint(self._ids_hint(inputs.numpy()))
            raise

    def _ids_hint(self, ids: np.ndarray) -> str:
        """What the table's size is, and the input_dim the ids given need."""
        rows = self.input_dim
        said = f"{self.name}'s table has input_dim={rows} rows, ids 0 to {rows - 1}"
        if ids.min() < 0:
            return f"{said}; a negative id names no row (padding is 0, with mask_zero=True)"
        return (f"{said}; ids up to {ids.max()} need Embedding({ids.max() + 1}, "
                f"{self.output_dim}): input_dim is the largest id plus one (the vocabulary "
                f"size, plus one when ids start at 1)")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": _initializers.serialize(self.embeddings_initializer),
                "mask_zero": self.mask_zero}
