"""Keras's AdamW: Adam with a decoupled weight decay on by default (0.004)."""
from __future__ import annotations

from ...errors import InvalidArgumentError
from .adam import Adam


class AdamW(Adam):
    """Adam whose variables each lose `variable * weight_decay * learning_rate` before the
    update (Loshchilov and Hutter's decoupled decay, as Keras 3 computes it).

    >>> import tapeviz as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.AdamW(0.1, weight_decay=0.5).apply_gradients(
    ...     [(tf.constant(5.0), w)])
    >>> round(float(w), 4)   # 1 - 1 * 0.5 * 0.1, then Adam's first step of about lr
    0.85
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 name: str = "AdamW", **kwargs):
        if weight_decay is None:
            raise InvalidArgumentError("AdamW", "Argument `weight_decay` must be a float; got "
                                                "weight_decay=None",
                                       hint="AdamW(weight_decay=0.004) (its default), or Adam "
                                            "for no weight decay")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name,
                         weight_decay=weight_decay, **kwargs)
