"""The argument checks `tf.nn`'s functions share: a shape, a dtype, a float, a rank.

Each raises the error the function's own check would (naming the op, the argument and
what came), before any op runs (arguments.py's rules: TF's dtypes, Python floats float32).
"""
from __future__ import annotations

import numpy as np

from . import arguments
from .errors import KernelDTypeError, ShapeError, attr_words


def _shape(op: str, name: str, value) -> tuple:
    return arguments.shape_of(op, name, value)


def _dtype(op: str, name: str, value) -> np.dtype:
    """The dtype `value` has as a tensor (TF's rules: Python floats are float32)."""
    return np.asarray(arguments.array_of(op, name, value)).dtype


def _check_float(op: str, name: str, value, cls=KernelDTypeError) -> None:
    """Refuse a `value` that is not floating, in `cls`: the kernel's InvalidArgumentError
    (KernelDTypeError), unless TF's Python wrapper checks first."""
    dtype = _dtype(op, name, value)
    if dtype.kind != "f":
        tf_words = attr_words(dtype.name) if cls is KernelDTypeError else ""
        raise cls(op, f"{name} must be a floating tensor (float16/32/64); got {dtype}{tf_words}",
                  hint=f"convert it first: tf.cast({name}, tf.float32)")


def _check_rank(op: str, name: str, value, rank: int, layout: str) -> None:
    shape = _shape(op, name, value)
    if len(shape) != rank:
        raise ShapeError(op, f"{name} must have rank {rank} ({layout}); got shape {shape}")
