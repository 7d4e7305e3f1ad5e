"""Keras's RMSprop: gradients scaled by a running root mean square (optionally centered)."""
from __future__ import annotations

from . import update
from .base import Optimizer
from .settings import setting


class RMSprop(Optimizer):
    """RMSprop as Keras 3 computes it: w -= lr g / sqrt(rms + epsilon), through a momentum
    slot when `momentum` is set (Keras 2 put epsilon outside the square root without one).

    >>> import tapeviz as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.RMSprop(0.01).apply_gradients([(tf.constant(2.0), w)])
    >>> round(float(w), 4)  # rms = 0.1 * 4: w -= 0.01 * 2 / sqrt(0.4 + 1e-7)
    0.9684
    """

    _hyper_names = ("rho", "momentum", "epsilon", "centered")

    epsilon = setting("epsilon", "The small constant that keeps the division by the "
                                 "gradient's size finite (in Settings: a finding reads it "
                                 "after the optimizer is gone).")

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str = "RMSprop",
                 **kwargs):
        super().__init__(learning_rate, name, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)
        self._slot_names = ("rms",) + (("momentum",) if self.momentum else ()) \
            + (("mg",) if self.centered else ())

    def _apply_dense(self, grad, var, lr, step):
        rms = self.get_slot(var, "rms")
        mg = self.get_slot(var, "mg") if self.centered else None
        mom = self.get_slot(var, "momentum") if self.momentum else None
        update.rmsprop(var, grad, rms, mg, mom, lr, self.rho, self.momentum, self.epsilon)
