"""Keras's gradient clipping: `clipnorm` (each gradient), `global_clipnorm` (all together) or
`clipvalue` (each element), at most one of them, as Keras 3 allows; a clip of 0 or less
clips nothing, as in Keras 3.

`Optimizer` inherits it; `_apply` clips the gradients (after `loss_scale_factor`'s
unscaling) before any update.
"""
from __future__ import annotations

import numpy as np

from ... import arguments
from ...errors import InvalidArgumentError
from ...ops.math import clip_by_value, maximum, sqrt, square
from ...ops.reduce import reduce_sum
from .settings import setting


class Clipping:
    """`Optimizer`'s clipping of the gradients it is given."""

    clipnorm = setting("clipnorm", "Each gradient's norm clipped to it (None: not clipped).")
    clipvalue = setting("clipvalue", "Each gradient's elements clipped to [-it, it].")
    global_clipnorm = setting("global_clipnorm", "The gradients' joint norm clipped to it.")

    def _set_clipping(self, clipnorm, clipvalue, global_clipnorm) -> None:
        given = {name: arguments.number(type(self).__name__, name, value)
                 for name, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                     ("global_clipnorm", global_clipnorm)) if value is not None}
        if len(given) > 1:
            raise InvalidArgumentError(
                type(self).__name__, "only one of `clipnorm`, `clipvalue` and `global_clipnorm` "
                "can be set, as in Keras 3; got " + ", ".join(f"{k}={v}" for k, v in given.items()),
                hint="keep one: clipnorm clips each gradient's norm, global_clipnorm their "
                     "joint norm, clipvalue each element")
        settings = self._settings
        settings.clipnorm = given.get("clipnorm")
        settings.clipvalue = given.get("clipvalue")
        settings.global_clipnorm = given.get("global_clipnorm")

    def _clip(self, grads: list) -> list:
        """The gradients clipped by whichever of the three is set (and above 0)."""
        settings = self._settings
        c = settings.clipnorm
        if c is not None and c > 0:
            return [g * c / maximum(sqrt(reduce_sum(square(g))), c) for g in grads]
        c = settings.global_clipnorm
        if c is not None and c > 0:
            norm = float(np.sqrt(sum(float(reduce_sum(square(g))) for g in grads)))
            return [g * (c / max(norm, c)) for g in grads]
        c = settings.clipvalue
        if c is not None and c > 0:
            return [clip_by_value(g, -c, c) for g in grads]
        return grads
