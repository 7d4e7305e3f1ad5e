"""What the graph, the toolbar's count and the inspector call a tensor no op made and no
variable holds: an 'input' (the batch a loop feeds, its labels, one example's numbers) or a
'const' (a number the code wrote, `x * 2.0`), alike on both engines.

The torch adapter draws only tensors the program made (a Python number stays an argument):
each is an input. The numpy engine turns a Python number or list an op is given into a
tensor, and the conversion lists it (`python_numbers.from_python`): that is a constant, wherever the
number came from (`2.0` written in the line, or the `m=1.0` a function's default gave, read
by name at three ops); a tensor the program made before the op (the dataset's example, a
numpy batch, `tf.constant(x)`) is an input. Guessing from the line instead (a name is an
input, a literal a constant) drew the Huber loss's `m` 'input 1' at one op and 'const 1' at
the next.
"""
from __future__ import annotations

from ..debugger.nan_entry import written_input
from ..python_numbers import from_python
from .vocabulary import made_by_torch


def leaf_word(tensor, reader) -> str:
    """'input' or 'const' for `tensor`, read by `reader` (a dispatch Node, a RecordedOp).

    >>> import tapeviz as tf
    >>> w, batch, m = tf.Variable(2.0), tf.ones([4, 1]), 3.0
    >>> with tf.GradientTape() as tape:
    ...     y = w * batch
    ...     z = y * m
    >>> [leaf_word(node.inputs[1], node) for node in tape.nodes]
    ['input', 'const']
    """
    node = getattr(reader, "node", reader)
    if made_by_torch(node.op):
        return "input"
    # what tapeviz itself gave an op (a VJP's seed, an optimizer's own values) is no input
    if from_python(tensor) or node.phase != "forward" or node.source is None:
        return "const"
    return "input"


def leaf_label(tensor, reader) -> str:
    """What the box of `tensor`, first read by `reader`, says: an input by what the user's
    line passed for it ('images'), as the NaN alert names it (nan_entry.written_input), when
    the line shows it; else leaf_word's 'input' or 'const'.

    >>> import tapeviz as tf
    >>> w, images = tf.Variable(2.0), tf.ones([4, 1])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.multiply(images, w)
    ...     z = y * tf.ones([4, 1])
    >>> [leaf_label(node.inputs[i], node) for node, i in zip(tape.nodes, (0, 1))]
    ['images', 'tf.ones([4, 1])']
    """
    word = leaf_word(tensor, reader)
    node = getattr(reader, "node", reader)
    position = next((i for i, x in enumerate(node.inputs) if x is tensor), None)
    if word != "input" or position is None:
        return word
    return written_input(node, position) or word


__all__ = ["leaf_label", "leaf_word"]
