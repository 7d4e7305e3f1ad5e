"""The runs of ops that share a scope, as `GradientTape.record` notes them, so that the widget's
first view of a long tape reads no node's scope and numbers a scope once per run.

A run starts where an op's scope is not the same object as the op's before: one identity
check an op (`name_scope` makes its path string once per entry, so the ops of one block
share it); the scope is numbered then, by path, so two runs of one path share a number. A
tape whose ops all ran outside every scope makes no `ScopeRuns`; one filled by other means
(`GradientTape.from_nodes`) notes none, and the widget reads its nodes' scopes.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left

import numpy as np


class ScopeRuns:
    """Where each run of ops in one scope starts, and its scope's number among `paths`; the
    first run is the root scope's ("", number 0) from op 0, and may hold no op."""

    __slots__ = ("starts", "codes", "numbers")

    def __init__(self):
        self.starts = array("q", [0])   # ints unboxed: read back as one copy, not one by one
        self.codes = array("q", [0])
        self.numbers: dict = {"": 0}   # path -> its number, in order of first run

    def add(self, at: int, scope: str) -> None:
        """Op `at` begins a run in `scope`."""
        numbers = self.numbers
        self.starts.append(at)
        self.codes.append(numbers.setdefault(scope, len(numbers)))

    def runs(self, count: int) -> tuple:
        """(where each run among the first `count` ops starts, its scope number, both arrays,
        the paths by number): a run may be empty (the root's first, before a scope's)."""
        kept = bisect_left(self.starts, count, lo=1)
        starts = np.array(self.starts[:kept], dtype=np.int64)
        codes, paths = np.array(self.codes[:kept], dtype=np.int64), list(self.numbers)
        if kept < len(self.starts):   # runs recorded since (another thread): not their paths
            paths = paths[:int(codes.max()) + 1]
        return starts, codes, paths

    def of(self, count: int) -> tuple:
        """(each of the first `count` ops' scope number as an array, the paths by number)."""
        starts, codes, paths = self.runs(count)
        return np.repeat(codes, np.diff(starts, append=count)), paths
