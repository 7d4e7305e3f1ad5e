"""Keras's weight regularizers: the penalty a layer adds to its `losses` for a weight, given
to a layer as an instance (`L2(0.01)`), a name (`"l2"`) or any callable of the weight."""
from __future__ import annotations

from .. import arguments
from ..creation import constant
from ..errors import bad_argument, unknown_name
from ..ops.math import abs, square
from ..ops.reduce import reduce_sum

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2",
           "serialize"]


class Regularizer:
    """The base class: a callable of a weight giving a scalar penalty (none here)."""

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _factor(name: str, value) -> float:
    value = arguments.number(name, name.lower(), value)
    if value < 0:
        raise bad_argument(name, name.lower(), "a non-negative float", value)
    return float(value)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2).

    >>> import tapeviz as tf
    >>> float(tf.keras.regularizers.L1L2(l1=0.1)(tf.constant([1.0, -2.0])))
    0.30000001192092896
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor("L1", l1), _factor("L2", l2)

    def __call__(self, x):
        penalty = constant(0.0, dtype=x.dtype)
        if self.l1:
            penalty += self.l1 * reduce_sum(abs(x))
        if self.l2:
            penalty += self.l2 * reduce_sum(square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(x**2).

    >>> import tapeviz as tf
    >>> float(tf.keras.regularizers.L2(0.1)(tf.constant([1.0, 2.0])))
    0.5
    """

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2   # Keras 3's lowercase names are the classes


_BY_NAME = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2}


def serialize(regularizer) -> dict:
    return {"module": "keras.regularizers", "class_name": type(regularizer).__name__,
            "config": regularizer.get_config(), "registered_name": None}


def deserialize(config: dict) -> Regularizer:
    return get(config)


def get(identifier):
    """A regularizer from a name ("l1", "l2"), a config dict, an instance or any callable of
    a weight; None stays None."""
    if identifier is None or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise unknown_name("regularizer", "Could not interpret regularizer identifier",
                               identifier, ["l1", "l2"])
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    raise bad_argument("regularizer", "identifier", "a name ('l1', 'l2'), a config dict or a "
                                                    "callable of a weight", identifier)


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ..coverage import missing
    raise missing('keras.regularizers', __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
