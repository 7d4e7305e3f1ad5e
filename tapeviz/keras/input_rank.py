"""A built model's input of more axes than it was built for, taken as Keras 3's Functional
`_adjust_input_rank` takes it (a built Sequential runs one; a functional Model, each input):
a trailing axis of 1 more is squeezed, any other extra axis refused, naming the shape the
model was built for. Without it, Dense ran over the extra axis ((2, 1, 4) into a model of
(None, 4) gave (2, 1, 2)) and the loss broadcast the labels against it. An input of fewer
axes is left to the layers, which say what is missing (a batch axis, a channel axis; Keras 3
adds a missing trailing 1 where tapeviz's Conv2D says to add it), but a vector given to a
Sequential declared for one feature, which Keras 3's trailing 1 makes a column."""
from __future__ import annotations

import math

from ..ops.shape import expand_dims, squeeze
from .layers.base import shape_error


def adjusted_rank(model, inputs, built_for, declared=None):
    """`inputs` with no more axes than `built_for` (the shape `model` was built for, or its
    Input's), or a ShapeError at the user's line; a vector given to a model declared for one
    feature, `declared` (None, 1), made a column as Keras 3 makes it (the regression
    tutorial's `Normalization(input_shape=[1,])` model fed `horsepower`)."""
    shape = getattr(inputs, "shape", None)
    if shape is not None and len(shape) == 1 and declared is not None and \
            len(declared) == 2 and declared[-1] == 1:
        return expand_dims(inputs, -1)
    if built_for is None or shape is None or len(built_for) < 2 or \
            len(shape) <= len(built_for):
        return inputs
    shape = tuple(shape)
    if len(shape) == len(built_for) + 1 and shape[-1] == 1:
        return squeeze(inputs, [-1])
    features = built_for[1:]
    built = f"the model was built for inputs of shape {built_for} (its tf.keras.Input, or its " \
            "first call)"
    if None not in features and None not in shape and \
            math.prod(shape) % max(math.prod(features), 1) == 0:
        built = f"reshape it into the examples it holds: tf.reshape(x, {(-1, *features)}); " \
                + built
    raise shape_error(model, f"expected an input of shape {built_for}; got shape {shape}",
                      hint=built)
