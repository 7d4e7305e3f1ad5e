"""The optimizer settings that change what an apply does beyond its formula: Keras 3's
clips, `weight_decay`, `loss_scale_factor`, `use_ema` and `gradient_accumulation_steps`; and
an adaptive formula's `epsilon`, which the debugger's findings read after the optimizer is
gone (`step_counts.py` keeps the Settings, not the optimizer).

They live in one `Settings` object, not as attributes of the optimizer: each instance
attribute past a few dozen makes every attribute load of the optimizer slower (CPython's
shared-key instance dicts), and `_apply` reads several per call. The optimizer shows each
as the attribute Keras 3 has (`setting` makes the property); setting one makes the
optimizer decide again whether its applies are plain (`_settings_changed`): a plain apply
reads one attribute, `_plain`, where the clips alone took three.
"""
from __future__ import annotations


class Settings:
    """An optimizer's settings beyond its formula, and the weight decay's per-variable state."""

    __slots__ = ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay", "loss_scale_factor",
                 "use_ema", "ema_momentum", "ema_overwrite_frequency",
                 "gradient_accumulation_steps",
                 "epsilon",         # an adaptive optimizer's (Adam, RMSprop, Adagrad); else None
                 "decays_of",       # id(variable) -> whether it decays (kept alive by _slots)
                 "excluded_ids",    # exclude_from_weight_decay's variables
                 "excluded_names")  # its names' pattern, compiled, or None

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, None)
        self.use_ema = False
        self.decays_of, self.excluded_ids = {}, frozenset()

    def plain(self) -> bool:
        """Whether an apply runs the formula alone: nothing clipped, decayed, scaled,
        averaged or accumulated."""
        return (self.clipnorm is None and self.clipvalue is None and self.global_clipnorm is None
                and self.weight_decay is None and self.loss_scale_factor is None
                and not self.use_ema and not self.gradient_accumulation_steps)

    def extra_slot_names(self) -> tuple:
        """The slots a variable takes beside its formula's."""
        return (("average",) if self.use_ema else ()) + (
            ("gradient_accumulator",) if self.gradient_accumulation_steps else ())


def setting(name: str, doc: str) -> property:
    """The optimizer attribute `name`, kept in its `Settings`."""
    def get(optimizer):
        return getattr(optimizer._settings, name)

    def put(optimizer, value):
        setattr(optimizer._settings, name, value)
        optimizer._settings_changed()

    return property(get, put, doc=doc)
