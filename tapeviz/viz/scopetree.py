"""The scope tree a graph folds by: each layer path (name scope) of a built graph, holding its
nodes and its nested scopes in the order they ran.

The tree is kept as arrays over the table's scope codes (table.py): the runs of nodes that
share a scope, each scope's parent, its first and last run, and whether its runs follow each
other (a loop's block, a stage of blocks: its nodes are then one range of positions). A
scope's `entries()` are a `Level`: (key, node position or child Scope) in order, held as
three arrays, so a level of 33,000 blocks is searched for repeats and folded by numpy; a
`Scope` object is made only for an entry someone reads (the first block of a ×N box, the
boxes drawn, a scope opened). collapse.py opens and folds it; a scope says what its copies
share (`structure`: how the ×N boxes find repeated blocks).
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, repeat
from operator import eq, itemgetter

import numpy as np

from ..tape_index import DIGITS, stem
from .table import NodeTable

_NAME = itemgetter(2)


def stems(names: list) -> list:
    """`stem` of each name, by C-level passes (a level of 33,000 blocks has as many names): a
    name's stem is the name without its end digits, less the '_' before them (a name without
    end digits is its own stem; one of digits alone, '').

    >>> stems(["dense_12", "block3", "conv2d", "7", "a_", "a_1"])
    ['dense', 'block', 'conv2d', '', 'a_', 'a']
    """
    found = list(map(str.rstrip, names, repeat(DIGITS)))
    for at in compress(range(len(found)), map(str.endswith, found, repeat("_"))):
        if found[at] != names[at]:   # digits came off after the '_'
            found[at] = found[at][:-1]
    return found


class ScopeTree:
    """The scopes of one table as arrays indexed by scope code (a code of `paths`)."""

    def __init__(self, table: NodeTable):
        self.table = table
        codes = np.asarray(table.scope_codes, dtype=np.int64)
        paths = self.paths = list(table.scope_paths)
        numbers = None
        try:
            self.root_code = paths.index("")
        except ValueError:   # no node outside every scope
            self.root_code = len(paths)
            paths.append("")
        if "/" in "".join(paths):   # nested scopes: each path's parent, made where missing
            numbers = dict(zip(paths, range(len(paths))))
            parents = list(map(_parent_path, paths))
            for parent in parents:
                while parent not in numbers:   # a scope that holds only scopes
                    numbers[parent] = len(paths)
                    paths.append(parent)
                    parents.append(_parent_path(parent))
                    parent = parents[-1]
        count = len(paths)
        if numbers is None:
            self.parent = np.full(count, self.root_code, dtype=np.int64)
        else:
            self.parent = np.fromiter(map(numbers.__getitem__, parents), np.int64, count)
        self.parent[self.root_code] = -1
        # runs: stretches of positions that share one scope
        starts = np.flatnonzero(codes[1:] != codes[:-1]) + 1 if len(codes) else codes
        self.run_start = np.concatenate(([0], starts)).astype(np.int64) if len(codes) \
            else np.zeros(0, dtype=np.int64)
        self.run_stop = np.append(self.run_start[1:], len(codes)).astype(np.int64)
        self.run_code = codes[self.run_start]
        runs = len(self.run_start)
        # each scope's first and last run and how many runs it holds, its nested scopes'
        # included (a level's scopes after the level below them)
        first = np.full(count, runs, dtype=np.int64)
        last = np.full(count, -1, dtype=np.int64)
        run_numbers = np.arange(runs)
        np.minimum.at(first, self.run_code, run_numbers)
        np.maximum.at(last, self.run_code, run_numbers)
        held = np.bincount(self.run_code, minlength=count)
        depth = np.ones(count, dtype=np.int64) if numbers is None else \
            np.fromiter(map(str.count, paths, repeat("/")), np.int64, count) + 1
        depth[self.root_code] = 0
        levels = [np.flatnonzero(depth == level)
                  for level in range(int(depth.max(initial=0)), 0, -1)]
        for at in levels:
            np.minimum.at(first, self.parent[at], first[at])
            np.maximum.at(last, self.parent[at], last[at])
            np.add.at(held, self.parent[at], held[at])
        self.first_run = first
        # a scope whose runs, and each nested scope's, follow each other holds the
        # positions range(start, stop), in the order its entries list them
        spans = (last - first + 1 == held) & (held > 0)
        for at in levels:
            np.logical_and.at(spans, self.parent[at], spans[at])
        self.spans = spans
        self.start = self.run_start[np.minimum(first, max(runs - 1, 0))] if runs else first
        self.stop = self.run_stop[np.maximum(last, 0)] if runs else first
        self.scopes: dict = {}   # code -> its Scope, made when first read
        self._grouped = None      # (children, own runs) of every scope, once two levels are made

    def key(self, code: int) -> int:
        """The op index where scope `code` starts (its first run's; 0 in an empty table)."""
        first = int(self.first_run[code])
        return int(self.table.keys[self.run_start[first]]) if first < len(self.run_start) else 0

    def scope(self, code: int) -> "Scope":
        found = self.scopes.get(code)
        if found is None:
            found = self.scopes[code] = Scope(self, code)
        return found

    def level(self, code: int) -> "Level":
        """The entries of scope `code`: its own nodes, each, and its child scopes at their
        first runs, in the order they ran."""
        runs = len(self.run_start)
        children, own = self._contents(code)
        children = children[self.first_run[children] < runs]
        # one item per child scope (at its first run) and per run of the scope's own nodes
        item_run = np.concatenate((self.first_run[children], own))
        item_code = np.concatenate((children, np.full(len(own), -1, dtype=np.int64)))
        order = np.argsort(item_run, kind="stable")
        item_run, item_code = item_run[order], item_code[order]
        scoped = item_code >= 0
        starts = self.run_start[item_run]
        sizes = np.where(scoped, 1, self.run_stop[item_run] - starts)
        within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        positions = np.where(np.repeat(scoped, sizes), -1, np.repeat(starts, sizes) + within)
        codes = np.repeat(item_code, sizes)
        keys = self.table.keys[np.repeat(starts, sizes) + np.where(positions >= 0, within, 0)]
        return Level(self, keys, positions, codes, cuts={})

    def _contents(self, code: int) -> tuple:
        """(the codes of scope `code`'s children, the runs of its own nodes), by a pass over
        the arrays for the first level made (the root's, often the only one), then from the
        scopes grouped by parent and the runs by scope, once (a structure of nested blocks
        opens a level per block)."""
        grouped = self._grouped
        if grouped is None:
            self._grouped = False
            return np.flatnonzero(self.parent == code), np.flatnonzero(self.run_code == code)
        if grouped is False:
            count = len(self.parent)
            grouped = self._grouped = []
            for column in (self.parent, self.run_code):
                order = np.argsort(column, kind="stable")
                grouped.append((order, np.searchsorted(column[order], np.arange(count + 1))))
        (children, child_at), (runs, run_at) = grouped
        return (children[child_at[code]:child_at[code + 1]],
                runs[run_at[code]:run_at[code + 1]])

    def holder_codes(self, position: int) -> np.ndarray:
        """The codes of the scopes that hold the node at `position`: its own and each above."""
        code, found = int(self.table.scope_codes[position]), []
        while code >= 0:
            found.append(code)
            code = int(self.parent[code])
        return np.asarray(found, dtype=np.int64)

    def names(self, codes: np.ndarray) -> list:
        """The last part of each scope's path (its name)."""
        paths = list(map(self.paths.__getitem__, codes.tolist()))
        if "/" not in "".join(paths):
            return paths
        return list(map(_NAME, map(str.rpartition, paths, repeat("/"))))

    def positions(self, code: int):
        """Every node position inside scope `code`, nested scopes' too, in its entries'
        order: a range for a scope whose runs follow each other."""
        if self.spans[code]:
            return range(int(self.start[code]), int(self.stop[code]))
        return self.scope(code).entries().members()


def _parent_path(path: str) -> str:
    return path.rpartition("/")[0]


class Scope:
    """One layer path of the tree (a view of its row in the ScopeTree's arrays)."""

    __slots__ = ("tree", "code", "path", "key", "_entries", "_structure")

    def __init__(self, tree: ScopeTree, code: int):
        self.tree = tree
        self.code = code
        self.path = tree.paths[code]
        self.key = tree.key(code)   # the op index where the scope starts
        self._entries = self._structure = None

    def __repr__(self) -> str:
        return f"<Scope {self.path!r}>"

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    def entries(self) -> "Level":
        """(key, node position or child Scope) in order, made when the scope is opened."""
        if self._entries is None:
            self._entries = self.tree.level(self.code)
        return self._entries

    def positions(self):
        """Every node position inside, nested scopes' too, in order (a range: `spans`)."""
        return self.tree.positions(self.code)

    def structure(self) -> tuple:
        """What two copies of a block share: the name stem, then the kind, op, shape and
        dtype of each op and variable in order (nested scopes included, their names aside;
        constants left out, as the input that the first copy takes in), as table codes."""
        if self._structure is None:
            codes = self.tree.table.structure_codes
            positions = self.positions()
            run = codes[positions.start:positions.stop] if type(positions) is range \
                else codes[np.asarray(positions, dtype=np.int64)]
            self._structure = (stem(self.name), *run[run != -1].tolist())
        return self._structure


class Level(Sequence):
    """One scope's entries, or some of them: (key, node position or child Scope) pairs held
    as arrays (`keys`; `positions`, -1 for a scope; `codes`, the scope's code, -1 for a node).
    An entry's Scope is made when the entry is read; slices share the arrays."""

    __slots__ = ("tree", "keys", "positions", "codes", "cuts")

    def __init__(self, tree: ScopeTree, keys: np.ndarray, positions: np.ndarray,
                 codes: np.ndarray, cuts: dict | None = None):
        self.tree, self.keys, self.positions, self.codes = tree, keys, positions, codes
        self.cuts = cuts   # a scope's own entries: collapse.py's runs of them, kept

    @classmethod
    def of(cls, tree: ScopeTree, entries: list) -> "Level":
        """A Level of (key, node position or Scope) pairs."""
        keys = np.fromiter((key for key, _ in entries), np.int64, len(entries))
        positions = np.fromiter((entry if type(entry) is int else -1 for _, entry in entries),
                                np.int64, len(entries))
        codes = np.fromiter((-1 if type(entry) is int else entry.code for _, entry in entries),
                            np.int64, len(entries))
        return cls(tree, keys, positions, codes)

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, at):
        if isinstance(at, slice):
            return Level(self.tree, self.keys[at], self.positions[at], self.codes[at])
        position = int(self.positions[at])
        if position >= 0:
            return int(self.keys[at]), position
        return int(self.keys[at]), self.tree.scope(int(self.codes[at]))

    def __iter__(self):
        scope = self.tree.scope
        for key, position, code in zip(self.keys.tolist(), self.positions.tolist(),
                                       self.codes.tolist()):
            yield (key, position) if position >= 0 else (key, scope(code))

    def __repr__(self) -> str:
        return f"<Level: {len(self)} entries>"

    def scope_count(self) -> int:
        return int((self.codes >= 0).sum())

    def holds(self, position: int, codes: np.ndarray) -> bool:
        """Whether the node at `position`, or a scope of `codes`, is one of these entries."""
        return bool((self.positions == position).any() or np.isin(self.codes, codes).any())

    def members(self) -> range | list:
        """The positions of every node of these entries, in order: one range when they are
        scopes of one range each, side by side (the 33,000 blocks of a ×N box: no list of
        99,000 positions), else a list."""
        tree, codes, positions = self.tree, self.codes, self.positions
        if len(codes) == 1 and codes[0] >= 0:
            return tree.positions(int(codes[0]))
        scoped = codes >= 0
        if scoped.all() and tree.spans[codes].all() and \
                (tree.stop[codes[:-1]] == tree.start[codes[1:]]).all():
            return range(int(tree.start[codes[0]]), int(tree.stop[codes[-1]]))
        if not tree.spans[codes[scoped]].all():   # nested scopes: each in its own order
            found = []
            for position, code in zip(positions.tolist(), codes.tolist()):
                if position >= 0:
                    found.append(position)
                else:
                    found.extend(tree.positions(code))
            return found
        starts = np.where(scoped, tree.start[np.maximum(codes, 0)], positions)
        sizes = np.where(scoped, tree.stop[np.maximum(codes, 0)] - starts, 1)
        within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return (np.repeat(starts, sizes) + within).tolist()


def repeat_ends(entries: Level) -> np.ndarray:
    """For each entry of a level, where the run of scopes from it that share its
    `structure()` ends (exclusive): how collapse.py finds a model's N identical blocks.
    The structures of a level of scopes that each hold one range of positions (a loop's
    blocks) are compared by numpy over the table's codes, not made one tuple per scope."""
    count = len(entries)
    ends = np.arange(1, count + 1)
    at = np.flatnonzero(entries.codes >= 0)
    if len(at) < 2:
        return ends
    same = _same_as_next(entries.tree, entries.codes[at]) & (at[1:] == at[:-1] + 1)
    # an entry's run goes on while each scope has the structure of the one before it
    breaks = np.flatnonzero(~same)   # scope k+1 differs from scope k (or is not next to it)
    last = np.append(breaks, len(at) - 1)[np.searchsorted(breaks, np.arange(len(at)))]
    ends[at] = at[last] + 1
    return ends


def _same_as_next(tree: ScopeTree, codes: np.ndarray) -> np.ndarray:
    """For each scope but the last, whether the next one has its `structure()`."""
    if tree.spans[codes].all():
        return _same_runs(tree, codes)
    structures = [tree.scope(code).structure() for code in codes.tolist()]
    return np.fromiter(map(eq, structures[1:], structures[:-1]), bool, len(codes) - 1)


def _same_runs(tree: ScopeTree, scopes: np.ndarray) -> np.ndarray:
    """`_same_as_next` of scopes that each hold one range of table positions: the same
    name stem, and the same codes once constants are left out."""
    codes = tree.table.structure_codes
    kept = codes != -1
    before = np.concatenate(([0], np.cumsum(kept)))    # codes kept before each position
    starts = before[tree.start[scopes]]
    lengths = before[tree.stop[scopes]] - starts
    codes = codes[kept]
    same = lengths[1:] == lengths[:-1]
    pairs = np.flatnonzero(same)
    sizes = lengths[pairs]
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    first = np.repeat(starts[pairs], sizes) + offsets
    differ = codes[first] != codes[first + np.repeat(starts[pairs + 1] - starts[pairs], sizes)]
    same[pairs[np.unique(np.repeat(np.arange(len(pairs)), sizes)[differ])]] = False
    found = stems(tree.names(scopes))
    return same & np.fromiter(map(eq, found[1:], found[:-1]), bool, len(found) - 1)


def scope_tree(table: NodeTable) -> Scope:
    """The root of the scope tree of a graph's table; keys are op indices (a leaf takes its
    reader's)."""
    tree = ScopeTree(table)
    return tree.scope(tree.root_code)
