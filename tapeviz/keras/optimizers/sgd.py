"""Keras's SGD: plain gradient descent, or with (Nesterov) momentum."""
from __future__ import annotations

from . import update
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent: v = momentum v - lr g; w += v (nesterov: w += momentum v - lr g).

    >>> import tapeviz as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> _ = opt.apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)
    0.9
    """

    _hyper_names = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str = "SGD", **kwargs):
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be between [0, 1]; got {momentum}")
        super().__init__(learning_rate, name, **kwargs)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self._slot_names = ("momentum",) if self.momentum else ()

    def _apply_dense(self, grad, var, lr, step):
        if self.momentum:
            update.keras_momentum(var, grad, self.get_slot(var, "momentum"), lr, self.momentum,
                                  self.nesterov)
        else:
            update.gradient_descent(var, grad, lr)
