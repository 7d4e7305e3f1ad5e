"""Pixels scaled by integer division: `images // 255` where `images / 255` was meant. Every
pixel below 255 becomes 0 and only the brightest ones 1, so most of each image is lost and
the model learns from what is left, slowly. Seen where the first layer reads images of 0
and 1 alone and the function calling the model, or its file's top level, divides by 255
with `//`, the line named (an image binarised on purpose is no finding: it is not written
so; the division done in another file or notebook cell is not seen).
"""
from __future__ import annotations

import ast

import numpy as np

from ..sourceinfo import SourceInfo
from .findings import Finding
from .input_scale import _image_like
from .label_source import innermost_scope, own_nodes
from .op_index import WEIGHING

_SCALES = (255, 255.0, 256, 256.0)   # what pixels are divided by to scale them to 0-1


def integer_divided_pixels(by_op: dict) -> list:
    """A Finding when the first layer's op (among `by_op`, from `op_index.ops_named`) reads
    images holding only 0 and 1, and its line's file divides by 255 with `//`."""
    layers = [pair for op in WEIGHING for pair in by_op.get(op, ())]
    if not layers:
        return []
    _, layer = min(layers, key=lambda pair: pair[0])
    value = np.asarray(layer.inputs[0]._value)
    if not _image_like(value) or layer.source is None:
        return []
    sample = value.ravel()[::max(1, value.size // 100_000)]
    ones = np.count_nonzero(sample == 1)
    if not 0 < ones < sample.size or np.count_nonzero(sample) != ones:
        return []   # (some value neither 0 nor 1, or all one of them)
    divided = _floor_division_by_255(layer.source)
    if divided is None:
        return []
    return [_finding(layer, value, divided)]


def _floor_division_by_255(source) -> SourceInfo | None:
    """The first line dividing by 255 (or 256) with `//` or `//=` in the function that holds
    `source`'s line (the model's call) or at its module's top level: a script's or a
    notebook cell's data preparation, or the training function's."""
    module, scope = innermost_scope(source.filename, source.lineno)
    if module is None:
        return None
    nodes = list(own_nodes(module)) + (list(own_nodes(scope)) if scope is not module else [])
    lines = [node.lineno for node in nodes if _divides_by_255(node)]
    return SourceInfo(source.filename, min(lines), "") if lines else None


def _divides_by_255(node) -> bool:
    """Whether `node` is `x // 255` or `x //= 255` (or 256)."""
    if isinstance(node, ast.BinOp):
        divisor = node.right
    elif isinstance(node, ast.AugAssign):
        divisor = node.value
    else:
        return False
    return isinstance(node.op, ast.FloorDiv) and isinstance(divisor, ast.Constant) and \
        divisor.value in _SCALES


def _finding(layer, value, divided: SourceInfo) -> Finding:
    zeros = float(np.mean(value == 0))
    shape = "x".join(map(str, value.shape))
    scope = f" in layer {layer.scope}" if layer.scope else ""
    message = (f"{layer.op.name}{scope}, the first layer, reads images of 0 and 1 alone "
               f"({zeros:.0%} zeros, a {shape} batch), and {divided.location}: "
               f"{divided.line} divides by 255 with //, an integer division: every pixel "
               f"below 255 became 0 and only the brightest 1, so most of each image is lost "
               f"and the model learns from what is left, slowly; fix: divide with / "
               f"(images / 255; for bytes, tf.cast(images, tf.float32) / 255.0)")
    return Finding("integer_division", message, layer, divided, related=layer.source)
