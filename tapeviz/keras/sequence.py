"""`pad_sequences`: token-id sequences of different lengths made one array, as text models'
programs prepare them (`tf.keras.utils.pad_sequences`, and Keras 2's
`tf.keras.preprocessing.sequence.pad_sequences`)."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import InvalidArgumentError, ShapeError, describe


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """A (count, maxlen) array of `sequences`: each filled out with `value` before it (after
    it with padding='post') and cut to `maxlen` keeping its end (its start with
    truncating='post').

    >>> import tapeviz as tf
    >>> tf.keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
    [[2, 3], [0, 4]]
    """
    op = "pad_sequences"
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise InvalidArgumentError(op, f'{name} must be "pre" or "post"; got {given!r}')
    try:
        rows = [np.asarray(sequence, dtype=dtype) for sequence in sequences]
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(op, f"sequences must be a list of sequences of {dtype} "
                                       f"values; got {describe(sequences)} ({error})") from None
    if any(row.ndim == 0 for row in rows):
        raise InvalidArgumentError(op, f"sequences must be a list of sequences (lists or arrays "
                                       f"of ids); got {describe(sequences)}",
                                   hint="one sequence is [[...]], not [...]")
    maxlen = arguments.count(op, "maxlen", max((len(row) for row in rows), default=0)
                             if maxlen is None else maxlen)
    sample_shape = next((row.shape[1:] for row in rows if len(row)), ())
    out = np.full((len(rows), maxlen) + sample_shape, value, dtype=dtype)
    for index, row in enumerate(rows):
        if not len(row) or not maxlen:
            continue
        kept = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if kept.shape[1:] != sample_shape:
            raise ShapeError(op, f"every step must have shape {sample_shape}; sequence {index} "
                                 f"has steps of shape {kept.shape[1:]}")
        if padding == "pre":
            out[index, maxlen - len(kept):] = kept
        else:
            out[index, :len(kept)] = kept
    return out
