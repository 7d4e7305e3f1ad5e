"""`tapeviz.contrib.eager`, TF1's `tf.contrib.eager`, usually imported as `tfe`.

The names the Stanford CS20 lecture on eager execution uses; each is defined elsewhere
(`tapeviz.functional`, `tapeviz.tensor`, `tapeviz.data`) and only re-exported here.

>>> import tapeviz.contrib.eager as tfe
>>> tfe.enable_eager_execution()
>>> [g.numpy().item() for g in tfe.gradients_function(lambda x: x * x)(3.0)]
[6.0]
"""
from ..creation import executing_eagerly
from ..functional import (gradients_function, implicit_gradients, implicit_value_and_gradients,
                          value_and_gradients_function)
from ..variable import Variable


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Does nothing: tapeviz always executes eagerly."""


def __getattr__(name):
    # Iterator lives in tapeviz.data, which loads on first use (see tapeviz/__init__.py)
    if name == "Iterator":
        from ..data.iterator import Iterator
        return Iterator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Iterator", "Variable", "enable_eager_execution",  # noqa: F822 (__getattr__)
           "executing_eagerly", "gradients_function", "implicit_gradients",
           "implicit_value_and_gradients", "value_and_gradients_function"]
