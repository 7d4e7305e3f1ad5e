"""Keras's Adagrad: per-coordinate step sizes from the running sum of squared gradients."""
from __future__ import annotations

import numpy as np

from . import update
from .base import Optimizer
from .settings import setting


class Adagrad(Optimizer):
    """Adagrad: acc += g^2; w -= lr g / sqrt(acc + epsilon), acc starting at 0.1.

    >>> import tapeviz as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.Adagrad(0.1).apply_gradients([(tf.constant(0.3), w)])
    >>> round(float(w), 4)  # acc = 0.1 + 0.09: w -= 0.1 * 0.3 / sqrt(0.19)
    0.9312
    """

    _hyper_names = ("initial_accumulator_value", "epsilon")
    _slot_names = ("accumulator",)

    epsilon = setting("epsilon", "The small constant that keeps the division by the "
                                 "gradient's size finite (in Settings: a finding reads it "
                                 "after the optimizer is gone).")

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str = "Adagrad", **kwargs):
        if initial_accumulator_value < 0:
            raise ValueError(f"Adagrad: initial_accumulator_value must be non-negative; got "
                             f"{initial_accumulator_value}")
        super().__init__(learning_rate, name, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _create_slots(self, var):
        # Keras 3 fills it by Constant(value), whose ops.cast converts the Python float to
        # float32 first: a float64 variable's accumulator starts at 0.10000000149011612
        self.add_slot(var, "accumulator", float(np.float32(self.initial_accumulator_value)))

    def _apply_dense(self, grad, var, lr, step):
        update.adagrad(var, grad, self.get_slot(var, "accumulator"), lr, self.epsilon)
