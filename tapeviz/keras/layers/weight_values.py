"""The arrays `set_weights` (and `load_weights`) are given, checked against the layer's weights
before any is assigned: a list of another length or an array of another shape is refused at
the user's line naming the weight, and no weight changes (Keras 3 raises ValueError too)."""
from __future__ import annotations

import numpy as np

from ...errors import InvalidArgumentError, ShapeError, describe


def checked_weight_values(layer, weights) -> list:
    """`weights` as numpy arrays, one per weight of `layer` in the order of `get_weights()`."""
    call = f"{type(layer).__name__}.set_weights"
    params = layer.weights
    if isinstance(weights, np.ndarray) or not hasattr(weights, "__iter__"):
        raise InvalidArgumentError(call, f"expected a list of arrays, one per weight; got "
                                         f"{describe(weights)}",
                                   hint="give what get_weights() returns: "
                                        "layer.set_weights(other.get_weights())")
    values = [np.asarray(value) for value in weights]
    if len(values) != len(params):
        shapes = ", ".join(f"{_short(v)} {tuple(v.shape)}" for v in params)
        hint = (f"layer {layer.name!r} is not built yet, so it has no weights: call it on a "
                f"batch first, or build it for an input shape" if not layer.built else
                "give one array per weight, in the order and shapes of get_weights()")
        raise InvalidArgumentError(call, f"layer {layer.name!r} was expecting {len(params)} "
                                         f"weights{' (' + shapes + ')' if shapes else ''}; got "
                                         f"a list of {len(values)}", hint=hint)
    for i, (variable, value) in enumerate(zip(params, values)):
        expected = tuple(variable.shape)
        if value.shape != expected:
            transposed = value.ndim == 2 and value.shape[::-1] == expected
            raise ShapeError(call, f"weight {i} of layer {layer.name!r}, {_short(variable)}, has "
                                   f"shape {expected}; got an array of shape {value.shape} "
                                   f"(no weight was changed)",
                             hint="the array transposed fits: value.T (a Keras kernel is "
                                  "(inputs, units); a torch Linear's weight is (units, inputs))"
                             if transposed else None)
    return values


def _short(variable) -> str:
    """A weight's name without TF's ':0' ('dense/kernel')."""
    return variable.name.split(":")[0]
