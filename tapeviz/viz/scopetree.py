"""The scope tree a graph folds by: each layer path (name scope) of a built graph, holding its
nodes (runs of table positions) and its nested scopes in the order they ran.

collapse.py opens and folds it; a scope says what its copies share (`structure`: how the
×N boxes find repeated blocks) and which nodes it holds, made from the table's columns
(table.py) when first asked.
"""
from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter, eq, is_not, itemgetter

import numpy as np

from .table import NodeTable

_NOT_CONSTANT = (-1).__ne__   # a structure code of -1: a constant, left out
_ENTRY, _FIRST, _NAME = itemgetter(1), itemgetter(0), itemgetter(2)
_ITEMS, _PATH = attrgetter("items"), attrgetter("path")
_START, _STOP = attrgetter("start"), attrgetter("stop")
DIGITS = "0123456789"


def stem(name: str) -> str:
    """A layer name without the number that tells its copies apart.

    >>> stem("dense_12"), stem("block3"), stem("conv2d"), stem("7")
    ('dense', 'block', 'conv2d', '7')
    """
    bare = name.rstrip(DIGITS)   # str methods: a regex per block costs 3x more
    if bare == name or not bare:
        return name
    return bare[:-1] if bare[-1] == "_" else bare



class Scope:
    """One layer path of the tree: what it holds in order, each a child Scope or a run of
    node positions (`range`), and the table those positions are in."""

    __slots__ = ("path", "key", "items", "table", "by_path", "_entries", "_members",
                 "_structure")

    def __init__(self, path: str, key: int, table: NodeTable, items: list | None = None):
        self.path = path
        self.key = key          # the op index where the scope starts
        self.items: list = [] if items is None else items
        self.table = table
        self._entries = self._members = self._structure = None

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    def holders(self, path: str) -> list:
        """The scopes of this tree (its root's) that hold scope `path`: it and its parents."""
        parts = path.split("/") if path else []
        return [self.by_path["/".join(parts[:depth])] for depth in range(len(parts) + 1)]

    def entries(self) -> list:
        """(key, node position or child Scope) in order, made when the scope is opened."""
        if self._entries is None:
            keys, found = self.table.keys, []
            for item in self.items:
                if type(item) is range:
                    found.extend(zip(map(keys.__getitem__, item), item))
                else:
                    found.append((item.key, item))
            self._entries = found
            self.table.level_runs[id(found)] = (found, {})   # the Folder's runs of them
        return self._entries

    def members(self) -> list:
        """The positions of every node inside, nested scopes' too, in order."""
        if self._members is None:
            self._members = list(self.positions())
        return self._members

    def positions(self):
        """`members()`, or the one run of positions a scope of no nested scopes holds."""
        items = self.items
        if len(items) == 1 and type(items[0]) is range:
            return items[0]
        if self._members is None:
            self._members = list(chain.from_iterable(
                item if type(item) is range else item.positions() for item in items))
        return self._members

    def structure(self) -> tuple:
        """What two copies of a block share: the name stem, then the kind, op, shape and
        dtype of each op and variable in order (nested scopes included, their names aside;
        constants left out, as the input that the first copy takes in), as table codes."""
        if self._structure is None:
            codes = self.table.structure_codes
            items = self.items
            if len(items) == 1 and type(items[0]) is range:
                run = codes[items[0].start:items[0].stop]
            else:
                run = list(map(codes.__getitem__, self.positions()))
            self._structure = (stem(self.path.rpartition("/")[2]), *filter(_NOT_CONSTANT, run))
        return self._structure


def stems(names: list) -> list:
    """`stem` of each name, by C-level passes (a level of 33,000 blocks has as many names):
    a name with digits at its end stems as its digitless part would with a digit, which
    is asked once per distinct part; a name without, or of digits alone, is its own stem.

    >>> stems(["dense_12", "block3", "conv2d", "7", "a_", "a_1"])
    ['dense', 'block', 'conv2d', '7', 'a_', 'a']
    """
    bare = list(map(str.rstrip, names, repeat(DIGITS)))
    found = list(map({part: stem(part + "0") for part in set(bare)}.__getitem__, bare))
    count = len(names)
    own = np.fromiter(map(eq, bare, names), bool, count) | \
        np.fromiter(map(eq, bare, repeat("")), bool, count)
    for at in np.flatnonzero(own).tolist():
        found[at] = names[at]
    return found


def repeat_ends(entries: list) -> np.ndarray:
    """For each entry of a level, where the run of scopes from it that share its
    `structure()` ends (exclusive): how collapse.py finds a model's N identical blocks.
    The structures of a level of scopes that each hold one run of nodes (a loop's blocks)
    are compared by numpy over the table's codes, not made one tuple per scope."""
    count = len(entries)
    ends = np.arange(1, count + 1)
    kinds = list(map(type, map(_ENTRY, entries)))
    at = np.flatnonzero(np.fromiter(map(is_not, kinds, repeat(int)), bool, count))
    if len(at) < 2:
        return ends
    scopes = list(map(_ENTRY, map(entries.__getitem__, at.tolist())))
    same = _same_as_next(scopes) & (at[1:] == at[:-1] + 1)   # next to each other, too
    # an entry's run goes on while each scope has the structure of the one before it
    breaks = np.flatnonzero(~same)   # scope k+1 differs from scope k (or is not next to it)
    last = np.append(breaks, len(scopes) - 1)[np.searchsorted(breaks, np.arange(len(scopes)))]
    ends[at] = at[last] + 1
    return ends


def _same_as_next(scopes: list) -> np.ndarray:
    """For each scope but the last, whether the next one has its `structure()`."""
    items = list(map(_ITEMS, scopes))
    if set(map(len, items)) == {1}:
        runs = list(map(_FIRST, items))
        if set(map(type, runs)) == {range}:
            return _same_runs(scopes, runs)
    structures = [scope.structure() for scope in scopes]
    return np.fromiter(map(eq, structures[1:], structures[:-1]), bool, len(scopes) - 1)


def _same_runs(scopes: list, runs: list) -> np.ndarray:
    """`_same_as_next` of scopes that each hold one run of table positions: the same name
    stem, and the same codes once constants are left out."""
    codes = scopes[0].table.structure_array()
    kept = codes != -1
    before = np.concatenate(([0], np.cumsum(kept)))    # codes kept before each position
    starts = before[np.fromiter(map(_START, runs), np.int64, len(runs))]
    lengths = before[np.fromiter(map(_STOP, runs), np.int64, len(runs))] - starts
    codes = codes[kept]
    same = lengths[1:] == lengths[:-1]
    pairs = np.flatnonzero(same)
    sizes = lengths[pairs]
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    first = np.repeat(starts[pairs], sizes) + offsets
    differ = codes[first] != codes[first + np.repeat(starts[pairs + 1] - starts[pairs], sizes)]
    same[pairs[np.unique(np.repeat(np.arange(len(pairs)), sizes)[differ])]] = False
    names = list(map(_NAME, map(str.rpartition, map(_PATH, scopes), repeat("/"))))
    found = stems(names)
    return same & np.fromiter(map(eq, found[1:], found[:-1]), bool, len(found) - 1)


def positions_of(entries) -> range | list:
    """The positions of every node of `entries` (a level's (key, position or Scope) pairs,
    or some of them) in order: one range when they are scopes of one run each, side by
    side (the 33,000 blocks of a ×N box: no list of 99,000 positions), else a list."""
    if len(entries) == 1 and type(entries[0][1]) is not int:
        return entries[0][1].positions()
    parts = list(map(_ENTRY, entries))
    if int not in set(map(type, parts)):
        items = list(map(_ITEMS, parts))
        if set(map(len, items)) == {1}:
            runs = list(map(_FIRST, items))
            if set(map(type, runs)) == {range}:
                starts, stops = list(map(_START, runs)), list(map(_STOP, runs))
                if starts[1:] == stops[:-1]:
                    return range(starts[0], stops[-1])
    return flatten(entries)


def flatten(entries) -> list:
    found = []
    for _, entry in entries:
        if type(entry) is int:
            found.append(entry)
        else:
            found.extend(entry.positions())
    return found


def scope_tree(table: NodeTable) -> Scope:
    """The scope tree of a graph's table; keys are op indices (a leaf takes its reader's)."""
    codes, paths, keys = table.scope_codes, table.scope_paths, table.keys
    root = Scope("", 0, table)
    found = {"": root}

    def scope_of(path: str, key: int) -> Scope:
        parent_path = path.rpartition("/")[0]
        parent = found.get(parent_path) or scope_of(parent_path, key)
        scope = found[path] = Scope(path, key, table)
        parent.items.append(scope)
        return scope

    root.by_path = found
    if not table.count:
        return root
    # consecutive nodes mostly share a scope: it is looked up once a run of them
    starts = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()]
    get = found.get
    for path, key, run in zip(map(paths.__getitem__, codes[starts].tolist()),
                              map(keys.__getitem__, starts),
                              map(range, starts, starts[1:] + [table.count])):
        scope = get(path)
        if scope is not None:
            scope.items.append(run)
            continue
        parent = get(path.rpartition("/")[0])   # known, mostly: the root, or the scope above
        if parent is None:
            scope_of(path, key).items.append(run)
            continue
        scope = found[path] = Scope(path, key, table, [run])
        parent.items.append(scope)
    return root
