"""A weight a layer makes in `build()` (Dense's kernel, an Embedding's table), read before
the layer is built: an AttributeError that says so and how to build it, as Keras 3's 'You
must build the layer before accessing `kernel`' does, instead of Python's bare "'Dense'
object has no attribute 'kernel'"."""
from __future__ import annotations

import sys

from ...errors import MissingAttributeError
from ...sourceinfo import in_a_library


class BuiltWeight:
    """A class attribute standing for a weight `build()` sets on the instance. No `__set__`:
    the instance's own attribute wins once built, so a built layer's reads cost nothing."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        plain = f"{type(layer).__name__!r} object has no attribute {self.name!r}"
        if in_a_library(sys._getframe(1).f_code.co_filename):
            raise AttributeError(plain)   # a probe (hasattr in a library): no user line to look up
        raise MissingAttributeError(
            f"{type(layer).__name__}.{self.name}",
            f"layer {layer.name!r} is not built yet: Keras makes its weights when it is "
            f"first called, so it has no {self.name} before",
            hint="call it on a batch first, layer(x), or build it for an input shape: "
                 "layer.build((None, features)) (a Sequential: model.build((None, "
                 "features)), or give it tf.keras.Input((features,)) first)")
