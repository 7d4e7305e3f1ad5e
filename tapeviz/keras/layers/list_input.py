"""A list of tensors given to a layer that takes one (Dense, Conv2D, BatchNormalization, ...):
refused at the call, naming the layer, what came and how to join them, as Keras 3's 'Layer
"dense" expects 1 input(s), but it received 2 input tensors' refuses it. Without this, the
list reached the layer's build or call and failed there on Python's terms ("int() argument
must be ... not 'TensorShape'", "'list' object has no attribute 'dtype'")."""
from __future__ import annotations

from ...errors import InvalidArgumentError, describe
from ...tensor import Tensor


def list_refused(layer, inputs) -> InvalidArgumentError:
    """The error for `inputs`, a list, tuple or dict of tensors (or, to a Sequential being
    built, of their shapes), given to `layer`, which takes one tensor."""
    named = inputs.items() if isinstance(inputs, dict) else ((None, t) for t in inputs)
    items = ", ".join(("" if key is None else f"{key!r}: ") + (
                      f"{t.dtype.name} {tuple(t.shape)}" if isinstance(t, Tensor) else
                      f"shape {tuple(t)}" if isinstance(t, (list, tuple)) else describe(t))
                      for key, t in named)
    many = len(inputs) != 1
    return InvalidArgumentError(
        f'layer "{layer.name}" ({type(layer).__name__})',
        f"expects one tensor; got a {type(inputs).__name__} of {len(inputs)}: {items}",
        hint="join them into one first: tf.concat(inputs, axis=-1), or in a functional model "
             "tf.keras.layers.Concatenate()([a, b])" if many else
             "pass the tensor itself: layer(x), not " + (
                 f"layer({{{next(iter(inputs))!r}: x}})" if isinstance(inputs, dict) else
                 "layer([x])"))
