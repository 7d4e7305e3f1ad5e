"""`tapeviz.keras.activations`: Keras's activation functions, by name or as callables.

Each is built from tapeviz ops, so it shows on the tape under its layer's scope.
"""
from __future__ import annotations

from .. import arguments
from .. import math as _math
from .. import nn as _nn
from ..errors import InvalidArgumentTypeError, describe
from ..errors import unknown_name as _unknown_name
from ..creation import convert_to_tensor
from ..dispatch import name_scope
from ..ops import math as _m
from ..ops.assign import cast as _cast


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0, alpha=None):
    """max(x, 0), with Keras's options: a slope below `threshold` (Keras 3's `negative_slope`,
    Keras 2's `alpha`) and a cap `max_value`.

    >>> import tapeviz as tf
    >>> tf.keras.activations.relu(tf.constant([-1.0, 2.0, 9.0]), max_value=6.0).numpy()
    array([0., 2., 6.], dtype=float32)
    """
    x = convert_to_tensor(x)
    slope = ("negative_slope", negative_slope) if alpha is None else ("alpha", alpha)
    alpha, threshold = (arguments.number("relu", name, value)
                        for name, value in (slope, ("threshold", threshold)))
    if max_value is not None:
        max_value = arguments.number("relu", "max_value", max_value)
    if alpha and max_value is None and threshold == 0:
        return _nn.leaky_relu(x, alpha=alpha)
    # Keras 3's terms, so its gradient at each kink is Keras's: x where x > threshold (0 at
    # it), relu6 for a cap of 6, clipped to [0, max_value], less alpha * relu(threshold - x)
    if threshold != 0:
        out = x * _cast(x > threshold, x.dtype)
    elif max_value == 6:
        out, max_value = _nn.relu6(x), None
    else:
        out = _nn.relu(x)
    if max_value is not None:
        out = _m.clip_by_value(out, 0.0, max_value)
    if alpha:
        out = out - alpha * _nn.relu(threshold - x)
    return out


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _m.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent."""
    return _m.tanh(x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`.

    >>> import tapeviz as tf
    >>> tf.keras.activations.softmax(tf.constant([[0.0, 0.0]])).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """
    return _nn.softmax(x, axis=axis)


def linear(x):
    """x unchanged (the activation of a layer given none)."""
    return x


def softplus(x):
    """log(1 + exp(x))."""
    return _m.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return _nn.softsign(x)


def elu(x, alpha=1.0):
    """x where positive, else alpha * (exp(x) - 1)."""
    out = _nn.elu(x)
    alpha = arguments.number("elu", "alpha", alpha)
    if alpha == 1.0:
        return out
    return _m.where(convert_to_tensor(x) > 0, out, alpha * out)


def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    return _nn.selu(x)


def leaky_relu(x, negative_slope=0.2):
    """x where positive, else negative_slope * x."""
    return _nn.leaky_relu(x, alpha=negative_slope)


def silu(x):
    """x * sigmoid(x) (Keras 3's swish is this function)."""
    return _nn.silu(x)


def exponential(x):
    """exp(x)."""
    return _m.exp(x)


def relu6(x):
    """min(max(x, 0), 6)."""
    return _nn.relu6(x)


def gelu(x, approximate=False):
    """0.5 x (1 + erf(x / sqrt(2))), or tanh's approximation (tf.nn.gelu)."""
    return _nn.gelu(x, approximate=approximate)


def hard_sigmoid(x):
    """Keras 3's relu6(x + 3) / 6 (Keras 2's was 0.2 x + 0.5, clipped to [0, 1]).

    >>> import tapeviz as tf
    >>> tf.keras.activations.hard_sigmoid(tf.constant([-4.0, 0.0, 1.5])).numpy()
    array([0.  , 0.5 , 0.75], dtype=float32)
    """
    x = convert_to_tensor(x)
    with name_scope("hard_sigmoid"):
        return _nn.relu6(x + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x) (hard_swish)."""
    return x * hard_sigmoid(x)


def mish(x):
    """x * tanh(softplus(x))."""
    x = convert_to_tensor(x)
    with name_scope("mish"):
        return x * _m.tanh(_m.softplus(x))


def log_softmax(x, axis=-1):
    """x - log(sum(exp(x))) along `axis`."""
    return _nn.log_softmax(x, axis=axis)


def log_sigmoid(x):
    """log(sigmoid(x)), computed as -softplus(-x)."""
    return _math.log_sigmoid(x)


swish, hard_swish = silu, hard_silu
_BY_NAME = {f.__name__: f for f in (relu, sigmoid, tanh, softmax, linear, softplus, softsign,
                                    elu, selu, leaky_relu, silu, exponential, relu6, gelu,
                                    hard_sigmoid, hard_silu, mish, log_softmax, log_sigmoid)}
_BY_NAME.update(swish=silu, hard_swish=hard_silu)


def serialize(activation) -> str:
    """The name of a Keras activation function (or the callable's own name)."""
    return getattr(activation, "__name__", repr(activation))


def deserialize(name: str):
    return get(name)


def get(identifier):
    """The activation for a name, a callable, or None (None gives `linear`).

    >>> import tapeviz as tf
    >>> tf.keras.activations.get("relu").__name__
    'relu'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier]
        except KeyError:
            raise _unknown_name("activation", "Unknown activation function", identifier,
                               _BY_NAME) from None
    if callable(identifier):
        return identifier
    from ..tensor import Tensor
    said = "a tensor" if isinstance(identifier, Tensor) else repr(identifier)[:60]
    raise InvalidArgumentTypeError(
        "activation", f"expected a name ('relu') or a function (tf.nn.relu); got "
                      f"{describe(identifier)}; in TensorFlow's words: Could not interpret "
                      f"activation function identifier: {said}",
        hint="a tensor is what a function returned: pass the function itself, uncalled: "
             "activation=tf.nn.softmax" if isinstance(identifier, Tensor) else None)


__all__ = ["deserialize", "elu", "exponential", "gelu", "get", "hard_sigmoid", "hard_silu",
           "hard_swish", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
           "relu6", "selu", "serialize", "sigmoid", "silu", "softmax", "softplus", "softsign",
           "swish", "tanh"]


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
