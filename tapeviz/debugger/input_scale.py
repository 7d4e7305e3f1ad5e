"""Unscaled image input: pixels 0-255 (whole numbers in a float batch of images, or bytes
cast to float) fed to the first Conv2D or Dense layer, whose outputs then come out a
hundred times larger than initialisers plan for, saturating the activations and the loss.
Data that is legitimately large (ages, prices: a few features, not whole-number images)
is not image-like, and a first layer whose outputs stay near 1 says nothing is wrong.
Pixels divided by 255 twice (0 to 1/255, each a whole number over 65025) are said too.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, maker, role
from .variable_names import torch_layer_in_code

_CARRIES = ("cast", "identity")   # ops that hand the data on as it is (besides shape ops)
HEALTHY_SPREAD = 5.0   # a first layer's output std above this: inputs far from scale 1
_SCALED = {"tf": "images / 255 (for bytes, tf.cast(images, tf.float32) / 255.0)",
           "torch": "images / 255 (for bytes, images.float() / 255, or "
                    "torchvision's transforms.ToTensor())"}


def _image_like(value) -> bool:
    """A float batch of images: NHWC, or rows of at least 64 pixels (flattened)."""
    return value.dtype.kind == "f" and (value.ndim == 4 or value.ndim == 2
                                        and value.shape[1] >= 64)


def _whole_pixels(value, brightest: float) -> bool:
    """Whole numbers from 0 to 255 reaching `brightest` or more: bytes, not scaled values (a
    sample of at most ~100k of them is looked at)."""
    sample = value.ravel()[::max(1, value.size // 100_000)]
    low, high = float(sample.min()), float(sample.max())
    return 0 <= low and brightest <= high <= 255 and bool(np.all(sample == np.floor(sample)))


def _entry(nodes, position: int):
    """(the first op that read the data, a cast from uint8 on the way or None), following
    the first layer's input back through shape ops and casts; None when an op computed
    it (scaled, normalised, or a layer before)."""
    first, cast = nodes[position], None
    while True:
        made = maker(nodes, position)
        if made is None:
            return first, cast
        position, first = made
        carries = role(first.op)
        if first.op.kind != "shape" and carries not in _CARRIES:
            return None
        if carries == "cast" and first.inputs[0]._value.dtype == np.uint8:
            cast = first


def _came_in(first, cast=None) -> str:
    """Where the batch came in, no more than the recording knows: the cast made the float
    batch; a batch made before the recording (an earlier cell) is only known by its reader."""
    if cast is not None:
        return f"the bytes were cast to float at {_where(cast.source)}"
    return f"the batch was first read at {_where(first.source)}"


def unscaled_input(by_op: dict, nodes) -> list:
    """A Finding when the first layer's op (among `by_op`, from `op_index.ops_named`) reads
    image data of whole numbers 0-255 and its outputs spread far beyond scale 1."""
    layers = [pair for op in WEIGHING for pair in by_op.get(op, ())]
    if not layers:
        return []
    position, layer = min(layers, key=lambda pair: pair[0])
    value = np.asarray(layer.inputs[0]._value)
    entered = _entry(nodes, position) if value.size and _image_like(value) else None
    if entered is None:
        return []
    first, cast = entered
    # bytes cast in the recording say pixels; else a batch of whole numbers has to reach
    # the bright end (counts, like a bag of words, rarely do; a batch of images does)
    if not _whole_pixels(value, 16 if cast is not None else 128):
        return _scaled_twice(layer, value, first)
    output = np.asarray(layer.output._value, np.float64)
    spread = float(np.std(output))
    if spread <= HEALTHY_SPREAD:
        return []
    shape = "x".join(map(str, value.shape))
    scope = f" in layer {_layer_named(layer)}" if layer.scope else ""
    where = cast if cast is not None else first
    was = " (bytes cast to float)" if cast is not None else " (whole numbers)"
    message = (f"{layer.op.name}{scope}, the first layer, reads pixels "
               f"{value.min():.4g} to {value.max():.4g}{was}, a {shape} batch, where about "
               f"0 to 1 is expected: its outputs reach {np.max(np.abs(output)):.3g} (std "
               f"{spread:.3g}; about 1 for scaled inputs), which saturates the activations "
               f"and the loss; {_came_in(first, cast)}; fix: scale the pixels to 0-1 where "
               f"the batch is made: {_SCALED[engine_of(layer.op)]}")
    return [Finding("unscaled_input", message, layer, where.source)]


def _layer_named(layer) -> str:
    """A torch layer as code reaches it ('model.conv1', 'model[0] (Linear)'), a Keras layer
    by its scope."""
    if engine_of(layer.op) == "torch":
        return torch_layer_in_code(layer.op.name, layer.scope)
    return layer.scope


def _scaled_twice(layer, value, entered) -> list:
    """A Finding when the first layer reads images divided by 255 twice: every value a whole
    number over 255 * 255 = 65025, the brightest at most 1/255, so the model sees nearly
    black images, its first outputs about 255 times too small, and it learns slowly or not at
    all (the loss stays at its starting value)."""
    sample = np.asarray(value.ravel()[::max(1, value.size // 100_000)], np.float64)
    brightest = float(sample.max())
    if not (0 <= sample.min() and 16 / 65025 <= brightest <= 1.0001 / 255):
        return []
    steps = sample * 65025
    if not np.all(np.abs(steps - np.round(steps)) < 1e-2):
        return []
    output = np.asarray(layer.output._value, np.float64)
    shape = "x".join(map(str, value.shape))
    scope = f" in layer {_layer_named(layer)}" if layer.scope else ""
    message = (f"{layer.op.name}{scope}, the first layer, reads pixels {sample.min():.4g} to "
               f"{brightest:.4g}, a {shape} batch, every value a whole number over 65025 = "
               f"255 * 255: the images were divided by 255 twice, so the model sees nearly "
               f"black images (its outputs' std {np.std(output):.3g}; about 1 for inputs "
               f"scaled to 0-1) and learns slowly or not at all; {_came_in(entered)}; "
               f"fix: divide the pixels by 255 once, where the batch is made")
    return [Finding("scaled_twice", message, layer, entered.source)]
