"""Keras 3's `use_ema=`: a moving average of each variable the optimizer updates, kept in
its "average" slot, optionally copied into the variables every `ema_overwrite_frequency`
steps, and swapped in by `finalize_variable_values` (which `fit` calls when it ends).

`Optimizer` inherits it. `_apply` calls `_update_averages` after a step's updates, inside
their undo scope (`_undo_averages` lists what a step cut short puts back).
"""
from __future__ import annotations

import numpy as np

from ...errors import InvalidArgumentError, bad_argument
from .settings import setting


class MovingAverage:
    """`Optimizer`'s exponential moving average of the weights."""

    use_ema = setting("use_ema", "Whether the optimizer keeps a moving average of the weights.")
    ema_momentum = setting("ema_momentum", "The average's momentum (0.99 by default).")
    ema_overwrite_frequency = setting("ema_overwrite_frequency",
                                      "Every how many steps the weights take their averages.")

    def _set_moving_average(self, use_ema, ema_momentum, ema_overwrite_frequency) -> None:
        """Keras 3's checks, made only under use_ema, as Keras 3 makes them."""
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise bad_argument(type(self).__name__, "ema_momentum", "a number in [0, 1]",
                                   ema_momentum, InvalidArgumentError)
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise bad_argument(type(self).__name__, "ema_overwrite_frequency",
                                   "an integer >= 1 or None", ema_overwrite_frequency,
                                   InvalidArgumentError)
        settings = self._settings
        settings.use_ema, settings.ema_momentum = bool(use_ema), ema_momentum
        settings.ema_overwrite_frequency = ema_overwrite_frequency

    def _ensure_average_slots(self) -> None:
        """An average for each variable of the first update, a None gradient's too."""
        for ref in self._first_variables or ():
            self._ensure_slots(ref.deref())

    def _averaged(self) -> list:
        """[(variable, its average)] for every variable of the first update (Keras 3 averages
        all it was built with, a None gradient's too)."""
        pairs = []
        for ref in self._first_variables or ():
            var = ref.deref()
            pairs.append((var, self._slots_of[id(var)]["average"]))
        return pairs

    def _undo_averages(self) -> list:
        """(variable or average, its value) of everything `_update_averages` may change."""
        return [(each, each._value) for pair in self._averaged() for each in pair]

    def _update_averages(self, step: int) -> None:
        """average = momentum average + (1 - momentum) variable (momentum 0 at the first step,
        so the average starts as the variable); then, every `ema_overwrite_frequency` steps,
        each variable takes its average. `step`: the 1-based count of updates."""
        momentum = float(np.float32(self.ema_momentum)) if step > 1 else 0.0
        averaged = self._averaged()
        for var, average in averaged:
            average.assign(momentum * average + (1.0 - momentum) * var)
        frequency = self.ema_overwrite_frequency
        if frequency and step % frequency == 0:
            for var, average in averaged:
                var.assign(average)

    def finalize_variable_values(self, var_list) -> None:
        """Under use_ema, each variable of `var_list` takes its moving average (as `fit` does
        when it ends); otherwise nothing changes.

        >>> import tapeviz as tf
        >>> w = tf.Variable(1.0)
        >>> opt = tf.keras.optimizers.SGD(0.5, use_ema=True, ema_momentum=0.5)
        >>> for _ in range(2):
        ...     _ = opt.apply_gradients([(tf.constant(1.0), w)])
        >>> opt.finalize_variable_values([w])
        >>> float(w)   # the average of 0.5 (first step) and 0.0 (second)
        0.25
        """
        if not self.use_ema:
            return
        for var in var_list:
            slots = self._slots_of.get(id(var))
            if slots and "average" in slots:
                var.assign(slots["average"])
