"""`tf.print`: values written as TensorFlow's PrintV2 writes them (to stderr by default).

Tensors are summarized as TF does: along each axis the first and last `summarize` entries
around `...` (blocks of rank 3 and up apart by blank lines, as numpy writes them); float32
values in 6 significant digits when those read back exactly, else 9 (float64: 15, else 17),
bools as 1 and 0. A string is written as it is; anything else (lists, tuples, dicts, numpy
arrays, numbers) as `pprint.pformat` writes it, with each tensor inside formatted as above.
"""
from __future__ import annotations

import logging
import pprint
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
    write = _writer(sys.stderr if output_stream is None else output_stream)
    if summarize is None:   # TF's default
        summarize = 3
    if type(summarize) is not int:
        raise bad_argument("print", "summarize", "an int (-1: every entry)", summarize)
    limit = None if summarize < 0 else summarize
    write(sep.join(_formatted(value, limit) for value in inputs), end)


def _writer(output_stream):
    """How to write to `output_stream`, any that TF takes: a stream, a 'file://' path
    (appended to), a logging function (logging.info, tf.compat.v1.logging.warning) or a
    logging level (logging.INFO), the last two given the text without `end`."""
    if hasattr(output_stream, "write"):
        return lambda text, end: output_stream.write(text + end)
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        def append(text, end):
            with open(output_stream[len("file://"):], "a") as file:
                file.write(text + end)
        return append
    if type(output_stream) is int:
        return lambda text, end: logging.log(output_stream, text)
    if callable(output_stream):
        return lambda text, end: output_stream(text)
    raise bad_argument("print", "output_stream", "sys.stdout, sys.stderr, a logging function "
                       "or level, or a 'file://' path", output_stream)


def _formatted(value, limit) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Tensor):
        return _array(np.asarray(value._value), limit, 0)
    texts = []
    template = pprint.pformat(_with_slots(value, texts, limit))
    for index, text in enumerate(texts):
        template = template.replace(repr(_Slot(index)), text, 1)
    return template


class _Slot:
    """Where the `index`th tensor of a structure goes in its pprint template (as TF's
    placeholders); NUL characters cannot occur in pprint's own output."""

    def __init__(self, index: int):
        self.index = index

    def __repr__(self) -> str:
        return f"\0{self.index}\0"


def _with_slots(value, texts: list, limit):
    """`value` with each tensor in its lists, tuples and dicts replaced by a `_Slot`, the
    tensor's text appended to `texts`."""
    if isinstance(value, Tensor):
        texts.append(_array(np.asarray(value._value), limit, 0))
        return _Slot(len(texts) - 1)
    if isinstance(value, dict):
        return type(value)((k, _with_slots(v, texts, limit)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        items = [_with_slots(v, texts, limit) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value


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
    return "[" + ("\n" * (array.ndim - 1) + " " * (depth + 1)).join(rows) + "]"


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
