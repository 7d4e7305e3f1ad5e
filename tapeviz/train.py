"""`tapeviz.train`: TF1's optimizer names (`tf.train.AdamOptimizer`, ...) in eager mode.

The Stanford CS20 lecture on eager execution trains with these and
`tfe.implicit_value_and_gradients`. They share the Keras optimizers' bookkeeping
(`keras.optimizers.base.Optimizer`) and update formulas (`keras.optimizers.update`);
only TF1's signatures, defaults and `global_step` handling live here.

>>> import tapeviz as tf
>>> import tapeviz.contrib.eager as tfe
>>> w = tf.Variable(2.0)
>>> value_and_grads = tfe.implicit_value_and_gradients(lambda: w * w)
>>> loss, grads_and_vars = value_and_grads()
>>> tf.train.GradientDescentOptimizer(0.25).apply_gradients(grads_and_vars)
>>> float(w)
1.0
"""
from __future__ import annotations

import numpy as np

from .checkpoint import (Checkpoint, CheckpointManager, latest_checkpoint, list_variables,
                         load_variable)
from .dispatch import unrecorded
from .keras.optimizers import update
from .keras.optimizers.base import Optimizer as _KerasOptimizer
from .variable import Variable

__all__ = ["AdagradOptimizer", "AdamOptimizer", "Checkpoint", "CheckpointManager",
           "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "RMSPropOptimizer",
           "get_global_step", "get_or_create_global_step", "latest_checkpoint",
           "list_variables", "load_variable"]


class Optimizer(_KerasOptimizer):
    """TF1's optimizer base: `apply_gradients(grads_and_vars, global_step)` and `minimize(loss)`."""

    _warn_missing_gradients = False  # TF1 skips None gradients without a word
    _keeps_first_variables = False   # TF1 makes slots for any variable it meets

    def __init__(self, use_locking: bool = False, name: str = "Optimizer", learning_rate=0.001):
        super().__init__(learning_rate, name)
        self._use_locking = use_locking

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Update each variable from its gradient; increments `global_step` when given."""
        self._apply(self._usable_pairs(grads_and_vars))
        if global_step is not None:
            with unrecorded():
                global_step.assign_add(1)

    def compute_gradients(self, loss, var_list=None, gate_gradients=1, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """[(gradient, variable), ...] of the callable `loss` (every variable it read when
        var_list is None); gradients of variables it does not use are None."""
        if not callable(loss):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled.")
        return self._compute_gradients(loss, var_list, grad_loss)

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """compute_gradients then apply_gradients; `loss` is a callable in eager mode.

        >>> import tapeviz as tf
        >>> w = tf.Variable(3.0)
        >>> tf.train.GradientDescentOptimizer(0.25).minimize(lambda: w * w)
        >>> float(w)
        1.5
        """
        grads_and_vars = self.compute_gradients(loss, var_list, grad_loss=grad_loss)
        self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def get_name(self) -> str:
        return self.name


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient."""

    def __init__(self, learning_rate, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(use_locking, name, learning_rate)

    def _apply_dense(self, grad, var, lr, step):
        update.gradient_descent(var, grad, lr)


class MomentumOptimizer(Optimizer):
    """TF1 momentum: accum = momentum * accum + g; var -= learning_rate * accum."""

    _slot_names = ("momentum",)

    def __init__(self, learning_rate, momentum, use_locking: bool = False,
                 name: str = "Momentum", use_nesterov: bool = False):
        super().__init__(use_locking, name, learning_rate)
        self._momentum, self._use_nesterov = float(momentum), bool(use_nesterov)

    def _apply_dense(self, grad, var, lr, step):
        update.tf1_momentum(var, grad, self.get_slot(var, "momentum"), lr, self._momentum,
                            self._use_nesterov)


class AdamOptimizer(Optimizer):
    """TF1 Adam: lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t); var -= lr_t m / (sqrt(v) + eps).

    As TF1's ApplyAdam gets them: the rate, betas and epsilon are float32 tensors cast to the
    variable's dtype, and beta1^t, beta2^t float32 variables multiplied by the betas once an
    apply (its `_finish`), not powers: a float64 variable's update is TF1's bits."""

    _slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, use_locking: bool = False, name: str = "Adam"):
        super().__init__(use_locking, name, learning_rate)
        self._beta1, self._beta2, self._epsilon = (float(np.float32(beta1)),
                                                   float(np.float32(beta2)),
                                                   float(np.float32(epsilon)))
        self._powers = (0, np.float32(1.0), np.float32(1.0))   # (step, beta1^t, beta2^t)

    def _beta_powers(self, step: int) -> tuple:
        """beta1^step and beta2^step as TF1's float32 accumulators hold them."""
        known, beta1_power, beta2_power = self._powers
        if known > step:
            known, beta1_power, beta2_power = 0, np.float32(1.0), np.float32(1.0)
        while known < step:
            known += 1
            beta1_power = beta1_power * np.float32(self._beta1)
            beta2_power = beta2_power * np.float32(self._beta2)
        self._powers = (known, beta1_power, beta2_power)
        return beta1_power, beta2_power

    def _apply_dense(self, grad, var, lr, step):
        kind = var.dtype.as_numpy_dtype
        beta1_power, beta2_power = (kind(power) for power in self._beta_powers(step))
        one = kind(1.0)
        lr_t = float(kind(np.float32(lr)) * np.sqrt(one - beta2_power) / (one - beta1_power))
        update.adam(var, grad, self.get_slot(var, "m"), self.get_slot(var, "v"), None, lr,
                    self._beta1, self._beta2, self._epsilon, step, lr_t=lr_t)


class AdagradOptimizer(Optimizer):
    """TF1 Adagrad: accum += g^2; var -= lr g / sqrt(accum), accum starting at 0.1."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate, initial_accumulator_value: float = 0.1,
                 use_locking: bool = False, name: str = "Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name, learning_rate)
        self._initial_accumulator_value = float(initial_accumulator_value)

    def _create_slots(self, var):
        self.add_slot(var, "accumulator", self._initial_accumulator_value)

    def _apply_dense(self, grad, var, lr, step):
        update.adagrad(var, grad, self.get_slot(var, "accumulator"), lr, 0.0)


class RMSPropOptimizer(Optimizer):
    """TF1 RMSProp (the ApplyRMSProp kernel); its mean-square slot starts at ones, as TF1's."""

    def __init__(self, learning_rate, decay: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-10, use_locking: bool = False, centered: bool = False,
                 name: str = "RMSProp"):
        super().__init__(use_locking, name, learning_rate)
        self._decay, self._momentum = float(decay), float(momentum)
        self._epsilon, self._centered = float(epsilon), bool(centered)
        self._slot_names = ("rms", "momentum") + (("mg",) if centered else ())

    def _create_slots(self, var):
        self.add_slot(var, "rms", "ones")
        self.add_slot(var, "momentum")
        if self._centered:
            self.add_slot(var, "mg")

    def _apply_dense(self, grad, var, lr, step):
        mg = self.get_slot(var, "mg") if self._centered else None
        update.rmsprop(var, grad, self.get_slot(var, "rms"), mg, self.get_slot(var, "momentum"),
                       lr, self._decay, self._momentum, self._epsilon)


_global_step: list = []


def get_or_create_global_step(graph=None) -> Variable:
    """The process-wide step counter: a non-trainable int64 Variable named 'global_step'."""
    if not _global_step:
        _global_step.append(Variable(np.int64(0), trainable=False, name="global_step"))
    return _global_step[0]


def get_global_step(graph=None):
    """The global step Variable, or None before `get_or_create_global_step`."""
    return _global_step[0] if _global_step else None


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from .coverage import missing as _missing
    raise _missing('train', __name__, name)


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
