"""`tapeviz.keras.optimizers`: SGD, Adam, AdamW, RMSprop and Adagrad with Keras 3's formulas.

`base.Optimizer` does the bookkeeping (pairs, None gradients, clipping, slots,
`iterations`); `update.py` holds the formulas, which `tapeviz.train`'s TF1 optimizers
share; each class picks its formula. Updates run unrecorded: subscribers see them,
tapes do not.
"""
from ...errors import unknown_name as _unknown_name
from . import legacy, schedules
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "deserialize", "get",
           "legacy", "schedules", "serialize"]

_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier):
    """An optimizer from a name ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'), a config or an
    instance.

    >>> import tapeviz as tf
    >>> tf.keras.optimizers.get("adam").epsilon
    1e-07
    """
    if isinstance(identifier, Optimizer) or hasattr(identifier, "apply_gradients"):
        return identifier  # TF1 optimizers (tapeviz.train) work as they are
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise _unknown_name("optimizer", "Unknown optimizer", identifier, _BY_NAME)
        return cls()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer: Optimizer) -> dict:
    """{'class_name': ..., 'config': ...}, which `deserialize` turns back into an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict) -> Optimizer:
    """The inverse of `serialize`."""
    cls = _BY_NAME.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer class: {config.get('class_name')!r}")
    return cls.from_config(config.get("config", {}))


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ...coverage import missing
    raise missing('keras.optimizers', __name__, name)


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
