"""TF's `tf.keras.Model` names that tapeviz's Model lacks (`model.export`,
`model.get_metrics_result`): each a descriptor whose reading raises coverage's 'not covered'
AttributeError, so `hasattr` is False and the message says whose name it is. Descriptors,
not a class `__getattr__`, which would stop CPython specialising every attribute load of
every model (as pytorch_habits' are). Keras 2's names TF 2.16 removed (`fit_generator`) say
what replaces them, as old tutorials still call them."""
from __future__ import annotations

from ..coverage import missing_method
from ..errors import MissingAttributeError
from ..tf_names import TF_NAMES

# set on the instance by compile(): absent before it, as in TF, not uncovered
_SET_BY_COMPILE = frozenset({"loss", "compiled_loss", "compiled_metrics"})
# Keras 2's Model names that TF 2.16 (Keras 3) removed and older tutorials still call: what
# takes their place
_REMOVED = {"fit_generator": "fit", "evaluate_generator": "evaluate",
            "predict_generator": "predict"}


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


class Removed:
    """A Keras 2 name TensorFlow removed: reading it says what to call instead (`hasattr` is
    False, as in TF)."""

    def __init__(self, name: str, instead: str):
        self.name, self.instead = name, instead

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        raise MissingAttributeError(
            f"{type(obj).__name__}.{self.name}", f"TensorFlow 2.16 (Keras 3) removed "
            f"{self.name}; {self.instead} takes its place",
            hint=f"model.{self.instead}(...) takes a Python generator or a tf.data.Dataset "
                 f"as x, as {self.name} did")


def add_removed(cls) -> None:
    """Give `cls` a `Removed` for each Keras 2 name of `_REMOVED` it lacks."""
    for name, instead in _REMOVED.items():
        if not hasattr(cls, name):
            setattr(cls, name, Removed(name, instead))
