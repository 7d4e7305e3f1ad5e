"""`tf.print`: values written as TensorFlow's PrintV2 writes them (to stderr by default).

Tensors are summarized as TF does: along each axis the first and last `summarize` entries
around `...`; float32 values in 6 significant digits when those read back exactly, else 9
(float64: 15, else 17), bools as 1 and 0. Lists and dicts are written with the tensors in
them formatted the same way.
"""
from __future__ import annotations

import sys

import numpy as np

from .errors import bad_argument
from .tensor import Tensor

_DIGITS = {np.dtype(np.float16): (6, 9), np.dtype(np.float32): (6, 9),
           np.dtype(np.float64): (15, 17)}


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None) -> None:
    """Write `inputs` separated by `sep`, as tf.print does (to stderr unless told).

    >>> import sys, tapeviz as tf
    >>> tf.print("loss:", tf.constant([0.1, 1 / 3]), output_stream=sys.stdout)
    loss: [0.1 0.333333343]
    """
    stream = sys.stderr if output_stream is None else output_stream
    if not hasattr(stream, "write"):
        raise bad_argument("print", "output_stream", "a stream such as sys.stdout or "
                           "sys.stderr", output_stream)
    if type(summarize) is not int:
        raise bad_argument("print", "summarize", "an int (-1 or None: every entry)", summarize)
    limit = None if summarize is None or summarize < 0 else summarize
    stream.write(sep.join(_formatted(value, limit) for value in inputs) + end)


def _formatted(value, limit) -> str:
    if isinstance(value, Tensor):
        return _array(np.asarray(value._value), limit, 0)
    if isinstance(value, np.ndarray):
        return _array(value, limit, 0)
    if isinstance(value, (list, tuple)) and any(_holds_tensor(v) for v in value):
        inner = ", ".join(_formatted(v, limit) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict) and any(_holds_tensor(v) for v in value.values()):
        return "{" + ", ".join(f"{k!r}: {_formatted(v, limit)}" for k, v in value.items()) + "}"
    return str(value)


def _holds_tensor(value) -> bool:
    if isinstance(value, (Tensor, np.ndarray)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    return isinstance(value, dict) and any(_holds_tensor(v) for v in value.values())


def _array(array, limit, depth: int) -> str:
    if array.ndim == 0:
        return _scalar(array[()], array.dtype)
    count = array.shape[0]
    cut = limit is not None and count > 2 * limit
    indices = list(range(limit)) + [None] + list(range(count - limit, count)) if cut \
        else list(range(count))
    if array.ndim == 1:
        return "[" + " ".join("..." if i is None else _scalar(array[i], array.dtype)
                              for i in indices) + "]"
    rows = ["..." if i is None else _array(array[i], limit, depth + 1) for i in indices]
    return "[" + ("\n" + " " * (depth + 1)).join(rows) + "]"


def _scalar(value, dtype) -> str:
    if dtype.kind == "b":
        return "1" if value else "0"
    if dtype.kind != "f":
        return str(int(value))
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    short, full = _DIGITS[dtype]
    text = f"{float(value):.{short}g}"
    return text if dtype.type(text) == value else f"{float(value):.{full}g}"
