"""Numbers for keys and ids, by C-level passes: each key's number among the distinct keys
(a graph's scopes, ops, signatures), each dtype's name asked once, and each input id's
producer found by numpy, so a 100,000-node tape is numbered without a Python step per node.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import shown_name


def codes_of(keys) -> list:
    """Each key's number among the distinct keys, in order of first sight: equal keys, equal
    numbers.

    >>> codes_of(["a", "b", "a", "c"])
    [0, 1, 0, 2]
    """
    table = dict(zip(dict.fromkeys(keys), range(len(keys))))
    return list(map(table.__getitem__, keys))


def numbered(keys: list) -> tuple:
    """(each key's number among the distinct keys as an array, the distinct keys): `codes_of`
    with the keys it numbered.

    >>> codes, distinct = numbered(["a", "b", "a"]); codes.tolist(), distinct
    ([0, 1, 0], ['a', 'b'])
    """
    distinct = dict.fromkeys(keys)
    numbers = dict(zip(distinct, range(len(distinct))))
    return np.fromiter(map(numbers.__getitem__, keys), np.int64, len(keys)), list(distinct)


def codes_but_none(keys) -> list:
    """`codes_of(keys)`, with -1 for each None (a node the codes say nothing of)."""
    return [-1 if key is None else code for key, code in zip(keys, codes_of(keys))]


def dtype_names(dtypes) -> list:
    """numpy's name of each dtype, asked once per distinct dtype (`dtype.name` costs
    microseconds)."""
    # by identity: a widened copy's dtype (torch's bfloat16, `dtypes.widened`) equals float32
    distinct = {id(dtype): dtype for dtype in dtypes}
    names = {key: shown_name(dtype) for key, dtype in distinct.items()}
    return [names[id(dtype)] for dtype in dtypes]


def producers(made: np.ndarray, wanted: np.ndarray, consumers) -> np.ndarray:
    """For each input id in `wanted`, the op (by order) whose output it is, or -1: the latest
    op before its reader that made that tensor. The ids are joined by numpy (sorted output
    ids searched for each input's: a third of a dict's lookups on a long tape)."""
    order = np.argsort(made, kind="stable")
    ordered = made[order]
    at = np.maximum(np.searchsorted(ordered, wanted, side="right") - 1, 0)
    producers = np.where(ordered[at] == wanted, order[at], -1) if len(made) else \
        np.full(len(wanted), -1, dtype=np.int64)
    if not (ordered[1:] == ordered[:-1]).any() and not (producers >= consumers).any():
        return producers
    seen: dict = {}   # an output object seen twice, or read before it was made: in order
    found, at = [], 0
    readers, ids = consumers.tolist(), wanted.tolist()
    for op, output_id in enumerate(made.tolist()):
        while at < len(ids) and readers[at] == op:
            found.append(seen.get(ids[at], -1))
            at += 1
        seen[output_id] = op
    return np.asarray(found, dtype=np.int64)
