"""The scope tree a graph folds by: each layer path (name scope) of a built graph, holding its
nodes (runs of table positions) and its nested scopes in the order they ran.

collapse.py opens and folds it; a scope says what its copies share (`structure`: how the
×N boxes find repeated blocks) and which nodes it holds, made from the table's columns
(table.py) when first asked.
"""
from __future__ import annotations

from itertools import chain
from operator import ne

import numpy as np

from .table import NodeTable

_NOT_CONSTANT = (-1).__ne__   # a structure code of -1: a constant, left out


def stem(name: str) -> str:
    """A layer name without the number that tells its copies apart.

    >>> stem("dense_12"), stem("block3"), stem("conv2d"), stem("7")
    ('dense', 'block', 'conv2d', '7')
    """
    bare = name.rstrip("0123456789")   # str methods: a regex per block costs 3x more
    if bare == name or not bare:
        return name
    return bare[:-1] if bare[-1] == "_" else bare



class Scope:
    """One layer path of the tree: what it holds in order, each a child Scope or a run of
    node positions (`range`), and the table those positions are in."""

    __slots__ = ("path", "key", "items", "table", "by_path", "_entries", "_members",
                 "_structure")

    def __init__(self, path: str, key: int, table: NodeTable):
        self.path = path
        self.key = key          # the op index where the scope starts
        self.items: list = []
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
    scopes, keys = table.scopes, table.keys
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
    changed = np.fromiter(map(ne, scopes[1:], scopes[:-1]), bool, table.count - 1)
    starts = [0, *(np.flatnonzero(changed) + 1).tolist()]
    get = found.get
    for path, key, run in zip(map(scopes.__getitem__, starts), map(keys.__getitem__, starts),
                              map(range, starts, starts[1:] + [table.count])):
        scope = get(path)
        if scope is None:
            scope = scope_of(path, key)
        scope.items.append(run)
    return root
