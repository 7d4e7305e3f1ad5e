"""A class written where one of its objects was meant: `with tf.GradientTape as tape:` (the
parentheses forgotten) was Python's "'type' object does not support the context manager
protocol", naming neither the class nor the fix. The class's metaclass says both; it adds
nothing to making or using an object of the class (no `__call__` of its own)."""
from __future__ import annotations

from .errors import InvalidArgumentTypeError


class EnteredUncalled(type):
    """The metaclass of a class used as a context manager: `with` given the class itself is
    refused naming it and the call meant."""

    def __enter__(cls):
        raise InvalidArgumentTypeError(
            cls.__name__, f"`with` was given the class {cls.__name__} itself, not a "
                          f"{cls.__name__} object; in Python's words: 'type' object does not "
                          "support the context manager protocol",
            hint=f"call it to make one: with tf.{cls.__name__}() as tape:")

    def __exit__(cls, *exc_info):   # `with` asks for both before it enters
        return False


__all__ = ["EnteredUncalled"]
