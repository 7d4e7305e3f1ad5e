"""NaN made by a softmax (or an attention op) over rows that a mask set wholly to -inf.

An attention mask's -inf is written on purpose (`masked_fill(mask, -inf)`, torch's
key_padding_mask made a float mask, `tf.where(keep, scores, -np.inf)`): it is no origin of
NaN, nor bad data. The op that read a row of it
with no entry left unmasked is: softmax over entries all -inf is 0 / 0. Said with the rows,
the mask's line and the usual cause, a mask whose True marks the tokens to keep."""
from __future__ import annotations

import math

import numpy as np

from .summary import _array

_UNMASKED = "leave at least one entry of every row unmasked: "
_NOTHING = ", and a row that may see nothing needs its output set to 0 rather than a softmax"
FIX = {   # in each engine's words
    "torch": (_UNMASKED + "a mask marks what to ignore (torch's key_padding_mask and "
              "attn_mask are True at the padding, so `arange(T) < lengths`, True on the real "
              "tokens, masks them instead: use >=)" + _NOTHING),
    "tf": (_UNMASKED + "tf.where(keep, scores, -np.inf) keeps the scores where `keep` is "
           "True, so `keep` must be True on the keys to attend to (a padding mask, True at "
           "the padding, hides the real tokens instead)" + _NOTHING)}


def masked_on_purpose(node) -> bool:
    """Whether `node` wrote ±inf because it was asked to: a fill whose value is infinite, or
    an op given a lone ±inf (`tf.where(keep, scores, -np.inf)`)."""
    return _fill_value(node) is not None


def _fill_value(node) -> float | None:
    value = (getattr(node, "params", None) or {}).get("value")
    if isinstance(value, (float, int)) and math.isinf(value):
        return value
    for given in node.inputs:   # (a variable's value grown to inf is no mask)
        if getattr(given, "variable", None) is not None:
            continue
        value = _array(given)
        if value.ndim == 0 and value.dtype.kind == "f" and np.isinf(value):
            return float(value)
    return None


def reader_of_whole_rows(nodes, mask_index: int) -> tuple | None:
    """(index, input position, rows masked, rows) of the first node after `mask_index` that
    read the mask's output and made NaN where every entry of a row along the last axis is
    infinite; None when no reader did."""
    mask = nodes[mask_index]
    mask_id = getattr(mask, "output_id", id(mask.output))
    for index in range(mask_index + 1, len(nodes)):
        node = nodes[index]
        ids = list(getattr(node, "input_ids", None) or map(id, node.inputs))
        if mask_id not in ids or not np.isnan(_array(node.output)).any():
            continue
        position = ids.index(mask_id)
        masked = whole_rows(node.inputs[position])
        return None if masked is None else (index, position, *masked)
    return None


def whole_rows(value) -> tuple | None:
    """(rows all ±inf along the last axis, rows) of `value`, or None when no row is."""
    given = _array(value)
    if given.ndim == 0 or given.dtype.kind != "f":
        return None
    rows = np.isinf(given).all(axis=-1)
    return (int(rows.sum()), rows.size) if rows.any() else None


def entered(masked: int, rows: int) -> str:
    """What a value given from outside is, when it is such a mask (made where nothing was
    recorded: inside nn.MultiheadAttention, for a tape of the ops gradients flow through)."""
    return (f"a mask that hides every entry of {masked} of its {rows} rows: a softmax over "
            f"entries all -inf is 0 / 0 = NaN")


def reason(mask, position: int, masked: int, rows: int, where: str) -> str:
    """Why the reader made NaN, in words."""
    return (f"input {position} is the mask {mask.op.name} filled with "
            f"{_fill_value(mask)} {where}, and it masks every entry of {masked} of its "
            f"{rows} rows: a softmax over entries all -inf is 0 / 0 = NaN")
