"""Keras 3's decoupled weight decay (`weight_decay=`, AdamW's): before its update, each
variable not excluded loses `variable * weight_decay * learning_rate`.

`Optimizer` inherits it. `_apply` runs `_decay` ahead of a variable's update formula, in
the same undo scope (an update cut short leaves the decayed variable as it was); an update
nobody hears takes `_decayed`, the same bits by the decay ops' own forwards. As in Keras
3, a variable is excluded by `exclude_from_weight_decay` (the variable itself, or a
regular expression found in its name), the verdict kept per variable.
"""
from __future__ import annotations

import re

import numpy as np

from ... import arguments
from ...ops.assign import assign_sub
from ...ops.math import multiply
from .settings import setting

DECAY_OPS = (multiply, assign_sub)   # what `_decayed` runs off dispatch


class WeightDecay:
    """`Optimizer`'s weight decay."""

    weight_decay = setting("weight_decay", "The decay rate (None: no decay).")

    def _set_weight_decay(self, weight_decay) -> None:
        self._settings.weight_decay = None if weight_decay is None else arguments.number(
            type(self).__name__, "weight_decay", weight_decay)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Leave `var_list`'s variables, and those whose name contains a pattern of
        `var_names` (regular expressions, e.g. ['bias']), out of the weight decay.

        >>> import tapeviz as tf
        >>> w, b = tf.Variable([1.0], name="w"), tf.Variable([1.0], name="bias")
        >>> opt = tf.keras.optimizers.SGD(0.5, weight_decay=0.2)
        >>> opt.exclude_from_weight_decay(var_names=["bias"])
        >>> _ = opt.apply_gradients([(tf.constant([0.0]), w), (tf.constant([0.0]), b)])
        >>> w.numpy(), b.numpy()
        (array([0.9], dtype=float32), array([1.], dtype=float32))
        """
        settings = self._settings
        settings.excluded_ids = frozenset(map(id, var_list or ()))
        settings.excluded_names = re.compile("|".join(set(var_names))) if var_names else None
        settings.decays_of = {}

    def _decays(self, var) -> bool:
        """Whether `var` takes the weight decay (not excluded), decided once per variable."""
        settings = self._settings
        verdict = settings.decays_of.get(id(var))
        if verdict is None:
            pattern = settings.excluded_names
            verdict = settings.decays_of[id(var)] = id(var) not in settings.excluded_ids and (
                pattern is None or pattern.search(var.name) is None)
        return verdict

    def _decay_rate(self) -> float:
        """The rate as Keras 3 casts it: a float32 tensor first, then the variable's dtype."""
        return float(np.float32(self._settings.weight_decay))

    def _decay(self, var, lr: float) -> None:
        """var -= var * weight_decay * lr, by ops the debugger hears (Keras 3's order)."""
        var.assign_sub(var * self._decay_rate() * lr)

    def _decayed(self, var, lr: float):
        """`_decay`'s new value of `var` by its ops' forwards, on the array (`var`'s own when
        it takes no decay). Run it under `update.warnings_raised()`."""
        value = var._value
        if not self._decays(var):
            return value
        dtype = value.dtype
        scaled = multiply.forward(multiply.forward(value, np.asarray(self._decay_rate(), dtype)),
                                  np.asarray(lr, dtype))
        return assign_sub.forward(value, scaled)
