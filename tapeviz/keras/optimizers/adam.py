"""Keras's Adam (and AMSGrad), with Keras 2's bias correction folded into the step size."""
from __future__ import annotations

from . import joined, update
from ...variable import Variable
from .base import Optimizer
from .settings import setting


class Adam(Optimizer):
    """Adam: lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t); w -= lr_t m / (sqrt(v) + epsilon).

    >>> import tapeviz as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.Adam(learning_rate=0.1).apply_gradients([(tf.constant(5.0), w)])
    >>> round(float(w), 4)  # the first step moves by about lr, whatever the gradient's size
    0.9
    """

    _hyper_names = ("beta_1", "beta_2", "epsilon", "amsgrad")
    UPDATE_OPS = update.ADAM_OPS

    epsilon = setting("epsilon", "The small constant that keeps the division by the "
                                 "gradient's size finite (in Settings: a finding reads it "
                                 "after the optimizer is gone).")

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str = "Adam", **kwargs):
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)
        self._slot_names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")
        self._joined = None   # the last apply's arrays of all variables (joined.py)

    def _apply_dense(self, grad, var, lr, step):
        vhat = self.get_slot(var, "vhat") if self.amsgrad else None
        update.adam(var, grad, self.get_slot(var, "m"), self.get_slot(var, "v"), vhat, lr,
                    self.beta_1, self.beta_2, self.epsilon, step)

    def _unheard_update(self, grads, pairs, lr, step):
        """Adam's new values by its update ops' own numpy forwards (`update.adam_values`):
        four dispatches a variable less (a sixth of the guide CNN's step on tiny images),
        three more under weight decay (`_decayed`).
        Not for AMSGrad, a subclass's own formula or slots, or a variable of another class."""
        kind = type(self)
        if self.amsgrad or kind._apply_dense is not Adam._apply_dense \
                or kind.get_slot is not Optimizer.get_slot:
            return None
        slots, epsilon = self._slots_of, self.epsilon
        decaying = not self._plain and self._settings.weight_decay is not None
        variables = [var for _, var in pairs]
        if any(type(var) is not Variable for var in variables):
            return None
        ms = [slots[id(var)]["m"] for var in variables]
        vs = [slots[id(var)]["v"] for var in variables]
        with update.warnings_raised():
            try:
                if not decaying and len(variables) > 1:   # one update of them all
                    done = joined.adam_update(self._joined, [var._value for var in variables],
                                              grads, ms, vs, lr, self.beta_1, self.beta_2,
                                              epsilon, step)
                    if done is not None:
                        views, self._joined = done
                        return [pair for slot_or_var, new in zip((ms, vs, variables), views)
                                for pair in zip(slot_or_var, new)]
                updated = []
                for grad, var, m, v in zip(grads, variables, ms, vs):
                    value = self._decayed(var, lr) if decaying else var._value
                    values = update.adam_values(value, grad, m, v, lr, self.beta_1,
                                                self.beta_2, epsilon, step)
                    updated += zip((m, v, var), values)
            except FloatingPointError:   # the update ops say it, naming the op
                return None
        return updated
