"""TF's `tf.keras.Model` names that tapeviz's Model lacks (`model.export`,
`model.get_metrics_result`): each a descriptor whose reading raises coverage's 'not covered'
AttributeError, so `hasattr` is False and the message says whose name it is. Descriptors,
not a class `__getattr__`, which would stop CPython specialising every attribute load of
every model (as pytorch_habits' are)."""
from __future__ import annotations

from ..coverage import missing_method
from ..tf_names import TF_NAMES

# set on the instance by compile(): absent before it, as in TF, not uncovered
_SET_BY_COMPILE = frozenset({"loss", "compiled_loss", "compiled_metrics"})


class Uncovered:
    """A TF name `cls` lacks; an instance's or a subclass's own attribute of that name wins
    (no `__set__`)."""

    def __init__(self, space: str, name: str):
        self.space, self.name = space, name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        raise missing_method(self.space, obj, self.name)


def add_uncovered(cls, space: str) -> None:
    """Give `cls` an `Uncovered` for each of TF's `space` names it lacks."""
    for name in TF_NAMES[space]:
        if name not in _SET_BY_COMPILE and not hasattr(cls, name):
            setattr(cls, name, Uncovered(space, name))
