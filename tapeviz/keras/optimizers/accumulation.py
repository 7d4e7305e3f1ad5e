"""Keras 3's `gradient_accumulation_steps=n`: n - 1 calls of `apply_gradients` only add their
gradients into each variable's "gradient_accumulator" slot; every n-th applies the mean of
the n gradients (then clipped and weight-decayed as any) and empties the accumulators.
`iterations` then counts updates: the calls divided by n.

`Optimizer` inherits it; `_apply` asks `_accumulates_only` and `_mean_gradients`.
"""
from __future__ import annotations

from ...errors import InvalidArgumentError, bad_argument
from .settings import setting


class GradientAccumulation:
    """`Optimizer`'s accumulation of gradients over several calls."""

    gradient_accumulation_steps = setting("gradient_accumulation_steps",
                                          "Over how many calls gradients add up (None: one).")

    def _set_accumulation(self, gradient_accumulation_steps) -> None:
        steps = gradient_accumulation_steps
        if steps and not (isinstance(steps, int) and steps >= 2):   # Keras 3's check
            raise bad_argument(type(self).__name__, "gradient_accumulation_steps",
                               "an integer >= 2", steps, InvalidArgumentError)
        self._settings.gradient_accumulation_steps = steps or None

    def _accumulates_only(self) -> bool:
        """Whether this call only adds its gradients (not the n-th of a round)."""
        return (int(self._iterations) + 1) % self.gradient_accumulation_steps != 0

    def _mean_gradients(self, grads: list, pairs: list) -> list:
        """The n-th call's gradients with the round's accumulated ones: their mean."""
        n = self.gradient_accumulation_steps
        return [(grad + self._slots_of[id(var)]["gradient_accumulator"]) / n
                for grad, (_, var) in zip(grads, pairs)]
