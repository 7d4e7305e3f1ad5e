"""`tf.Module`: a named container whose variables are found by walking its attributes."""
from __future__ import annotations

import re

from .dispatch import name_scope as _name_scope
from .variable import Variable


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Module:
    """A container of variables and sub-modules, as `tf.Module`.

    `variables`, `trainable_variables` and `submodules` walk the instance's attributes
    (and the lists, tuples and dicts they hold) in attribute-name order, as TF does, each
    variable or module once.

    >>> import tapeviz as tf
    >>> class Line(tf.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = tf.Variable(5.0)
    ...         self.b = tf.Variable(0.0)
    >>> [float(v.numpy()) for v in Line().variables]
    [0.0, 5.0]
    """

    def __init__(self, name=None):
        if name is None:
            name = _snake_case(type(self).__name__)
        elif not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            raise ValueError(f"tf.Module: name must be a valid Python identifier, got {name!r}")
        self._name = name
        self._scope_name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self):
        """A name scope named after the module (a new context manager on each use)."""
        return _name_scope(self._scope_name)

    def _walk(self, want, seen: set, out: list, modules: bool) -> None:
        # as TF: this module's own leaves in attribute-name order, then each sub-module's
        found = []
        for key in sorted(vars(self)):
            _collect(vars(self)[key], want, seen, out, modules, found)
        for module in found:
            module._walk(want, seen, out, modules)

    @property
    def variables(self) -> tuple:
        """Every variable this module and its sub-modules hold, each once."""
        out = []
        self._walk(lambda v: isinstance(v, Variable), {id(self)}, out, modules=False)
        return tuple(out)

    @property
    def trainable_variables(self) -> tuple:
        """The variables with `trainable=True`."""
        return tuple(v for v in self.variables if v.trainable)

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if not v.trainable)

    @property
    def submodules(self) -> tuple:
        """Every module held, directly or through other modules, each once."""
        out = []
        self._walk(lambda v: isinstance(v, Module), {id(self)}, out, modules=True)
        return tuple(out)

    @classmethod
    def with_name_scope(cls, method):
        """Decorate a method to run inside the module's name scope."""
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        wrapped.__name__, wrapped.__doc__ = method.__name__, method.__doc__
        return wrapped

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__} object named {self.name!r}>"


def _collect(value, want, seen: set, out: list, modules: bool, found: list) -> None:
    if id(value) in seen:
        return
    if isinstance(value, Variable):
        seen.add(id(value))
        if want(value):
            out.append(value)
    elif isinstance(value, Module):
        seen.add(id(value))
        if modules:
            out.append(value)
        found.append(value)
    elif isinstance(value, (list, tuple)):
        seen.add(id(value))
        for item in value:
            _collect(item, want, seen, out, modules, found)
    elif isinstance(value, dict):
        seen.add(id(value))
        for key in sorted(value, key=str):
            _collect(value[key], want, seen, out, modules, found)
