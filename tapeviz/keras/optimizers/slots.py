"""An optimizer's slot variables (Adam's m and v...): made on first sight of a variable.

`Optimizer` inherits these. Slots are kept per variable twice: by `var.ref()` (what keeps
each variable alive and orders `variables`) and by `id(var)` (what every apply looks up,
without a Reference made and hashed).
"""
from __future__ import annotations

import numpy as np

from ... import nest
from ...debugger.variable_names import shown_name
from ...dispatch import unrecorded
from ...variable import Variable


class _VariableList(list):
    """A list that can also be called: `opt.variables` (Keras 3) and `opt.variables()` (Keras 2)."""

    def __call__(self):
        return self


class Slots:
    """`Optimizer`'s slot variables and `build`."""

    def add_slot(self, var: Variable, slot_name: str, initializer="zeros") -> Variable:
        """The `slot_name` slot of `var`, created on first use (zeros, ones, a number, or a
        callable of (shape, dtype))."""
        slots = self._slots_of.get(id(var))
        if slots is None:
            slots = self._slots_of[id(var)] = self._slots.setdefault(var.ref(), {})
        if slot_name not in slots:
            dtype = var._value.dtype
            shape = tuple(var.shape)
            if callable(initializer):
                value = initializer(shape, dtype)
            else:
                fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
                value = np.full(shape, fill, dtype=dtype)
            base = var.name[:-2] if var.name.endswith(":0") else var.name
            slots[slot_name] = Variable(value, trainable=False, dtype=dtype,
                                        name=f"{self.name}/{base}/{slot_name}")
        return slots[slot_name]

    def get_slot(self, var: Variable, slot_name: str) -> Variable:
        """The slot variable `slot_name` of `var` (after the first update of `var`)."""
        slots = self._slots_of.get(id(var), {})
        if slot_name not in slots:
            raise KeyError(f"{self.name}: no slot {slot_name!r} for variable "
                           f"{shown_name(var)!r}; "
                           f"slots: {sorted(slots) or 'none yet (apply gradients first)'}")
        return slots[slot_name]

    def get_slot_names(self) -> list:
        return list(self._slot_names)

    def _create_slots(self, var: Variable) -> None:
        for slot_name in self._slot_names:
            self.add_slot(var, slot_name)

    @property
    def variables(self) -> list:
        """The iteration count and every slot variable, in creation order."""
        found = [self._iterations]
        for slots in self._slots.values():
            found.extend(slots.values())
        return _VariableList(found)

    @property
    def weights(self) -> list:
        return list(self.variables)

    def build(self, var_list) -> None:
        """Make `var_list` the variables this optimizer updates and create their slots, as
        Keras 3's `build` does (its first `apply_gradients` does it otherwise); once built,
        a later call changes nothing, as in Keras 3."""
        if self._first_variables is not None:
            return
        variables = nest.flatten(var_list)
        self._check_variables_are_known(variables)
        for var in variables:
            self._ensure_slots(var)

    def _ensure_slots(self, var) -> None:
        """`var`'s slots (Adam's m and v...), made the first time it is seen."""
        if id(var) not in self._slots_of:
            self._slots_of[id(var)] = self._slots.setdefault(var.ref(), {})
            with unrecorded():
                self._create_slots(var)
                for slot_name in self._settings.extra_slot_names():   # averages, accumulators
                    self.add_slot(var, slot_name)
