"""The runs of ops that share a scope, as `GradientTape.record` notes them, so that the widget's
first view of a long tape reads no node's scope and numbers a scope once per run.

A run starts where an op's scope is not the same object as the op's before: one identity
check an op (`name_scope` makes its path string once per entry, so the ops of one block
share it); the scope is numbered then, by path, so two runs of one path share a number, and
a new path's name stem too (`stem`: what tells a model's N blocks alike by name), so the
widget compares 33,000 blocks' names as numbers (viz/outline.py). A
tape whose ops all ran outside every scope makes no `ScopeRuns`; one filled by other means
(`GradientTape.from_nodes`) notes none, and the widget reads its nodes' scopes.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left

import numpy as np


DIGITS = "0123456789"


def stem(name: str) -> str:
    """A layer name without the number that tells its copies apart; '' for a number alone
    (torch's `nn.Sequential` and `nn.ModuleList` name their blocks '0', '1', ...).

    >>> stem("dense_12"), stem("block3"), stem("conv2d"), stem("7")
    ('dense', 'block', 'conv2d', '')
    """
    bare = name.rstrip(DIGITS)   # str methods: a regex per block costs 3x more
    if bare == name or not bare:
        return bare
    return bare[:-1] if bare[-1] == "_" else bare


class ScopeRuns:
    """Where each run of ops in one scope starts, and its scope's number among `paths`; the
    first run is the root scope's ("", number 0) from op 0, and may hold no op."""

    __slots__ = ("starts", "codes", "numbers", "paths", "stems", "stem_numbers", "nested")

    def __init__(self):
        self.starts = array("q", [0])   # ints unboxed: read back as one copy, not one by one
        self.codes = array("q", [0])
        self.numbers: dict = {"": 0}   # path -> its number, in order of first run
        self.paths = [""]              # the paths by number (only ever appended to)
        self.stems = array("q", [0])   # each path's number of the stem of its last name
        self.stem_numbers: dict = {"": 0}
        self.nested = False            # whether a path holds a '/'

    def add(self, at: int, scope: str) -> None:
        """Op `at` begins a run in `scope`."""
        numbers = self.numbers
        self.starts.append(at)
        code = numbers.get(scope)
        if code is None:   # a new path (a name_scope's entry costs far more than this)
            code = numbers[scope] = len(numbers)
            self.paths.append(scope)
            stems = self.stem_numbers
            parent, _, name = scope.rpartition("/")
            self.stems.append(stems.setdefault(stem(name), len(stems)))
            self.nested = self.nested or bool(parent)
        self.codes.append(code)

    def runs(self, count: int) -> tuple:
        """(where each run among the first `count` ops starts, its scope number, both arrays,
        the paths by number, to be read, not changed (a 33,000-path list is not copied: each
        copy touches every string), each path's stem number as an array, whether a path
        holds a '/'): a run may be empty (the root's first, before a scope's)."""
        kept = bisect_left(self.starts, count, lo=1)
        starts = np.array(self.starts[:kept], dtype=np.int64)
        codes, paths = np.array(self.codes[:kept], dtype=np.int64), self.paths
        if kept < len(self.starts):   # runs recorded since (another thread): not their paths
            paths = paths[:int(codes.max()) + 1]
        stems = np.frombuffer(self.stems, dtype=np.int64, count=len(paths)).copy()
        return starts, codes, paths, stems, self.nested

    def of(self, count: int) -> tuple:
        """(each of the first `count` ops' scope number as an array, the paths by number)."""
        starts, codes, paths, _, _ = self.runs(count)
        return np.repeat(codes, np.diff(starts, append=count)), list(paths)
