"""A level too large to show, cut into ranges: round ranges of op indices ("g:#100-199"),
or of positions where all its entries share one op index (the 400 constants one `tf.stack`
reads), each named by what it holds ("100 ops: mul, add, tanh (ops 101-200)", "200 constants
(1-200 of 401)"), its ops counted from 1 as the title and the inspector count them.
collapse.py folds each range into one box, which opens to a smaller level.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .panel import counted
from .scopetree import Level
from .table import NodeTable


def chunks(entries: Level, gid: str, budget: int, table: NodeTable):
    """`entries` (a level too large to show) cut into 2 to `budget` consecutive chunks, each
    smaller than the level, so opening one always shows less; yields (id, label, chunk).

    Chunks are round ranges of op indices ("g:#100-199", named by what they hold: "100 ops:
    mul, add, tanh (ops 101-200)"); entries that all share one op index (the 400 constants
    `tf.stack` reads) are cut by position instead ("g:#7:0-199", "200 constants (1-200 of
    401)")."""
    keys = entries.keys
    if keys[0] == keys[-1]:   # keys never decrease along a level
        per = _round_up(-(-len(entries) // budget))
        if per >= len(entries):
            per = -(-len(entries) // budget)
        for first in range(0, len(entries), per):
            chunk = entries[first:first + per]
            last = first + len(chunk) - 1
            yield (f"{gid}#{keys[0]}:{first}-{last}",
                   f"{_contents(chunk, table.letters)} ({first + 1}-{last + 1} of "
                   f"{len(entries)})", chunk)
        return
    rising = bool((keys[1:] >= keys[:-1]).all())

    def ranges(size: int) -> int:   # how many ranges of `size` op indices the keys fall in
        buckets = keys // size
        return int((buckets[1:] != buckets[:-1]).sum()) + 1 if rising else \
            len(np.unique(buckets))

    size = 1
    while ranges(size) > budget:
        size *= 10
    if ranges(size) == 1:
        size //= 10   # one range would hold them all: ten times finer, merged to the budget
    buckets = keys // size
    starts = [0, *(np.flatnonzero(buckets[1:] != buckets[:-1]) + 1).tolist()]
    ends = starts[1:] + [len(entries)]
    buckets = buckets[starts].tolist()   # each range's bucket: its ops' index // size
    per = -(-len(starts) // budget)
    for at in range(0, len(starts), per):
        upto = min(at + per, len(starts)) - 1
        chunk = entries[starts[at]:ends[upto]]
        yield (f"{gid}#{buckets[at] * size}-{buckets[upto] * size + size - 1}",
               _range_label(chunk, table), chunk)


def ops_among(table: NodeTable, members) -> np.ndarray:
    """The places in `members` (positions: a range or a list) of the op nodes, in order."""
    codes = table.loop_codes
    if type(members) is range:
        return np.flatnonzero(codes[members.start:members.stop] >= 0)
    return np.flatnonzero(codes[np.asarray(members, dtype=np.int64)] >= 0)


NAMED_OPS = 3   # a range's box names this many of the ops it holds


def _range_label(chunk: Level, table: NodeTable) -> str:
    """What a range of a level holds, as the other boxes say it: '30 ops: mul, add, tanh
    (ops 1-30)', the first distinct op names in order, the ops' places last ('12 ops in 4
    scopes: ...' when it holds scopes)."""
    members = chunk.members()
    ops_at = ops_among(table, members)
    if not len(ops_at):
        return f"{_contents(chunk, table.letters)} ({_span(chunk.keys)})"
    positions = np.asarray(members, dtype=np.int64)[ops_at] if type(members) is not range \
        else ops_at + members.start
    indices = _span(table.keys[positions])   # a scope's key is its first op: not its last
    _, firsts = np.unique(table.loop_codes[positions], return_index=True)
    names: list = []   # the first distinct names, and one more to know there are more
    for at in np.sort(firsts).tolist():
        name = table.op_name(int(positions[at]))
        if name not in names:
            names.append(name)
            if len(names) > NAMED_OPS:
                break
    named = ", ".join(names[:NAMED_OPS] + ["…"] * (len(names) > NAMED_OPS))
    scopes = chunk.scope_count()
    inside = f" in {counted(scopes, 'scope')}" if scopes else ""
    return f"{counted(len(ops_at), 'op')}{inside}: {named} ({indices})"


def _span(keys: np.ndarray) -> str:
    """'ops 4-98' of op indices 3 to 97, 'op 8' of index 7: counted from 1, as 'op 8 of the
    tape' (op_place.py) and the title count (a box said '(0-99)' beside 'tape: 4001 ops')."""
    first, last = int(keys.min()) + 1, int(keys.max()) + 1
    return f"ops {first}-{last}" if last != first else f"op {last}"


def _round_up(number: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= `number`.

    >>> [_round_up(n) for n in (1, 3, 14, 51)]
    [1, 5, 20, 100]
    """
    size = 1
    while True:
        for step in (1, 2, 5):
            if size * step >= number:
                return size * step
        size *= 10


def _contents(chunk: Level, letters: list) -> str:
    """What a chunk of one op's entries holds, by kind: '199 constants, 1 variable'."""
    kinds = Counter("scope" if position < 0 else
                    {"v": "variable", "c": "constant", "n": "op"}.get(letters[position], "node")
                    for position in chunk.positions.tolist())
    return ", ".join(counted(number, kind) for kind, number in kinds.items())
