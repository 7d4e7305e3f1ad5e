"""What the graph, the toolbar's count and the inspector call a tensor no op made and no
variable holds: an 'input' (the batch a loop feeds, its labels, one example's numbers) or a
'const' (a number the code wrote, `x * 2.0`), alike on both engines.

The torch adapter draws only tensors the program made (a Python number stays an argument):
each is an input. The numpy engine turns a written number into a tensor too: a value with an
axis is data; a single number is an input when the op's line passed it by name (`x * w`, one
example's `x`), else the constant the line wrote. Notebook 03's image batch was drawn 'const'.
"""
from __future__ import annotations

import ast
from functools import lru_cache

import numpy as np

from ..debugger.op_inputs import written_arguments
from .vocabulary import made_by_torch


def leaf_word(tensor, reader) -> str:
    """'input' or 'const' for `tensor`, read by `reader` (a dispatch Node, a RecordedOp).

    >>> import tapeviz as tf
    >>> w, batch = tf.Variable(2.0), tf.ones([4, 1])
    >>> with tf.GradientTape() as tape:
    ...     y = w * batch
    ...     z = y * 3.0
    >>> [leaf_word(node.inputs[1], node) for node in tape.nodes]
    ['input', 'const']
    """
    node = getattr(reader, "node", reader)
    if np.ndim(tensor._value) or made_by_torch(node.op):
        return "input"
    if node.phase != "forward" or node.source is None:
        return "const"
    position = next((i for i, seen in enumerate(node.inputs) if seen is tensor), None)
    if position is None:
        return "const"
    written = _written(node.op, node.source, len(node.inputs))[position]
    return "input" if written and not _literal(written) else "const"


@lru_cache(maxsize=4096)
def _written(op, source, count: int) -> tuple:
    """What the line wrote for each input (op_inputs.written_arguments), parsed once per
    call site: a graph of 400 constants reads one line 400 times."""
    return tuple(written_arguments(op, source, count))


def _literal(text: str) -> bool:
    """Whether `text` is a value as written ('2.0', '-1', 'True'), not a name or a call."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


__all__ = ["leaf_word"]
