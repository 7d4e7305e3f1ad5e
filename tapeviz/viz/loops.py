"""A loop body recorded pass after pass, found in one level's flat list of ops.

`for t in range(100): h = tf.tanh(h @ w + b)` under no name scope records matmul, add, tanh
a hundred times side by side; collapse.py folds such a stretch into one box marked ×100
instead of cutting it into op ranges. A pass is a run of `body` ops (each with the leaves
drawn just before it) whose op names, shapes, dtypes and phases repeat exactly; the stretch
covering the most ops wins, the shortest body among equals.
"""
from __future__ import annotations

import numpy as np

MIN_PASSES = 3
MIN_OPS = 6        # fewer ops than this in all passes together stay as they are
MAX_BODY = 40      # the longest loop body looked for, in ops


def loop_stretches(positions, loop_codes, min_passes: int = MIN_PASSES,
                   max_body: int = MAX_BODY):
    """[(start, stop, body, passes)]: entries `start:stop` of a level are `passes` passes of
    a `body`-op loop body; the stretches do not overlap and come in order.

    `positions` are one level's entries as collapse.py's scope tree holds them: a node's
    table position, or -1 for a scope (never part of a pass). `loop_codes[position]`
    numbers an op's name, shape, dtype and phase (equal numbers: the same op), -1 for a
    leaf (table.py).

    >>> codes = np.array([0, 1, 0, 1, 0, 1, 0, 1, 2, 2])   # a, b four times, then c, c
    >>> loop_stretches(np.arange(10), codes)
    [(0, 8, 2, 4)]
    """
    positions = np.asarray(positions, dtype=np.int64)
    scoped = positions < 0
    if len(positions) - int(scoped.sum()) < MIN_OPS:
        return []   # a level of scopes (33,000 blocks) holds no pass: no scope is in one
    codes = np.where(scoped, -1, np.asarray(loop_codes)[np.maximum(positions, 0)])
    # a unit is an op with the leaves drawn just before it, or a scope (equal to nothing)
    units_at = np.flatnonzero(scoped | (codes >= 0))
    stops = (units_at + 1).tolist()
    starts = [0, *stops[:-1]]
    code = codes[units_at]
    code[scoped[units_at]] = -1 - units_at[scoped[units_at]]
    units = len(code)
    found = []
    for body in range(1, min(max_body, units // min_passes) + 1):
        same = (code[:-body] == code[body:]) & (code[:-body] >= 0)
        edges = np.diff(np.concatenate(([0], same.view(np.int8), [0])))
        firsts = np.flatnonzero(edges == 1)
        passes = (np.flatnonzero(edges == -1) - firsts + body) // body
        kept = (passes >= min_passes) & (passes * body >= MIN_OPS)   # most runs are short
        found += [(count * body, -body, first, count)
                  for first, count in zip(firsts[kept].tolist(), passes[kept].tolist())]
    found.sort(reverse=True)
    taken = np.zeros(units, dtype=bool)
    chosen = []
    for covered, minus_body, first, passes in found:
        if not taken[first:first + covered].any():
            taken[first:first + covered] = True
            chosen.append((starts[first], stops[first + covered - 1], -minus_body, passes))
    return sorted(chosen)
