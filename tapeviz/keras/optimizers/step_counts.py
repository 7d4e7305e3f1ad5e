"""What an optimizer's step count (`iterations`, the variable 'SGD/iter') tells of the
optimizer that counts it, for the debugger: a recorded update told to be the count's, the
line that made the optimizer, its class, clips and epsilon. A recording keeps the count and may
outlive the optimizer, so what a finding reads of it is kept past it: its class and its
`Settings` (which hold no reference to it), not the optimizer."""
from __future__ import annotations

import weakref
from typing import NamedTuple

# id -> each live optimizer's step count, so a recorded update can be told to be one
_STEP_COUNTS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
# id -> (the class name of the optimizer each live step count counts, its Settings and its
# learning rate's holder, which hold no reference to it): the count, kept by a recording,
# may outlive the optimizer, and a finding read then needs its clips, epsilon and rate
_COUNTED_BY: dict = {}


def optimizer_made_at(variable):
    """The user's line that made the optimizer whose step count (`iterations`) `variable` is,
    where its learning rate was set (the count's own `made_at`); None for any other variable.
    """
    return variable.made_at if _STEP_COUNTS.get(id(variable)) is variable else None


def optimizer_class_of(variable) -> str | None:
    """The class name ("SGD", "Adam") of the optimizer whose step count `variable` is, read
    after the optimizer itself is gone; None for any other variable."""
    return _counted_by(variable)[0]


class Clips(NamedTuple):
    """What a finding about its clips reads of the optimizer whose step count it saw."""
    kind: str                       # its class name, 'SGD'
    global_clipnorm: float | None
    clipnorm: float | None
    epsilon: float | None           # an adaptive one's (Adam, RMSprop, Adagrad); else None


def optimizer_clips(variable) -> Clips | None:
    """The clips and epsilon of the optimizer whose step count `variable` is, read after the
    optimizer is gone too (from its Settings); None for any other variable."""
    kind, settings, _ = _counted_by(variable)
    if kind is None:
        return None
    return Clips(kind, settings.global_clipnorm, settings.clipnorm, settings.epsilon)


def optimizer_learning_rate(variable) -> float | None:
    """The learning rate now of the optimizer whose step count `variable` is, read after the
    optimizer is gone too; None for a schedule's, or for any other variable."""
    rate = _counted_by(variable)[2]
    return float(rate.numpy()) if hasattr(rate, "numpy") else None


def counts(optimizer) -> None:
    """`optimizer`'s step count is one: noted, with what is kept of it, until the count goes."""
    count = optimizer._iterations
    _STEP_COUNTS[id(count)] = count
    _COUNTED_BY[id(count)] = (type(optimizer).__name__, optimizer._settings,
                              optimizer._learning_rate)
    weakref.finalize(count, _COUNTED_BY.pop, id(count), None).atexit = False


def _counted_by(variable) -> tuple:
    if optimizer_made_at(variable) is None:
        return None, None, None
    return _COUNTED_BY.get(id(variable), (None, None, None))
