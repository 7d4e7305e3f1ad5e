"""Keras's merge layers, which join the branches of a functional model: `Concatenate` along an
axis, and `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum` elementwise; each with
its lowercase function (`tf.keras.layers.concatenate([a, b])`)."""
from __future__ import annotations

import functools

from ...ops import math as _math
from ...ops.join import concat
from .base import Layer, shape_error


class _Merge(Layer):
    """A layer of a list of tensors; subclasses say how two of them join."""

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise shape_error(self, f"a merge layer is called on a list of at least 2 inputs; "
                                    f"got {_count(inputs)}")
        return self._merge(list(inputs))

    def _merge(self, inputs: list):
        return functools.reduce(self._join, inputs)


def _count(inputs) -> str:
    if isinstance(inputs, (list, tuple)):
        return f"a list of {len(inputs)}"
    return f"one input of shape {tuple(getattr(inputs, 'shape', ()))}"


class Concatenate(_Merge):
    """The inputs joined along `axis` (the last by default)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, inputs: list):
        shapes = [tuple(x.shape) for x in inputs]
        axis = self.axis % len(shapes[0]) if shapes[0] else self.axis
        if len({len(s) for s in shapes}) > 1 or len({s[:axis] + s[axis + 1:]
                                                     for s in shapes}) > 1:
            raise shape_error(self, f"the inputs' shapes must match except on axis {self.axis}; "
                                    f"got {', '.join(map(str, shapes))}")
        return concat(inputs, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Add(_Merge):
    """The inputs' elementwise sum."""
    _join = staticmethod(_math.add_v2)


class Subtract(_Merge):
    """The first input minus the second."""
    _join = staticmethod(_math.subtract)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise shape_error(self, f"Subtract is called on a list of exactly 2 inputs; got "
                                    f"{_count(inputs)}")
        return _math.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """The inputs' elementwise product."""
    _join = staticmethod(_math.multiply)


class Maximum(_Merge):
    """The inputs' elementwise maximum."""
    _join = staticmethod(_math.maximum)


class Minimum(_Merge):
    """The inputs' elementwise minimum."""
    _join = staticmethod(_math.minimum)


class Average(Add):
    """The inputs' elementwise mean."""

    def _merge(self, inputs: list):
        return super()._merge(inputs) / float(len(inputs))


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def _functional_form(layer_class):
    def merge(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = layer_class.__name__.lower()
    merge.__doc__ = f"`{layer_class.__name__}()(inputs)`."
    return merge


add, subtract, multiply, average, maximum, minimum = map(
    _functional_form, (Add, Subtract, Multiply, Average, Maximum, Minimum))
