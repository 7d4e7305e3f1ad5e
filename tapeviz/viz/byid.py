"""A built graph's nodes by id, over its NodeTable (table.py): the graph's `nodes` mapping,
a group's members, which box of a view shows each node, and the gradient keys a Step
shades by. Each makes a node id or a GraphNode only when one is asked for.
"""
from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence

import numpy as np

from .table import NodeTable


class TableNodes(MutableMapping):
    """A built graph's nodes by id: each GraphNode made from the table when first asked for,
    all of them when iterated. A node added by hand (the op a cell failed in) makes the
    mapping a plain one over all nodes (`plain_only`), so the graph's table is remade."""

    def __init__(self, table):
        self.table = table
        self.plain = None          # every node by id, once something iterated them
        self.plain_only = False

    def _all(self) -> dict:
        if self.plain is None:
            table = self.table
            self.plain = dict(zip(table.all_ids(), map(table.node, range(table.count))))
        return self.plain

    def __getitem__(self, node_id):
        if self.plain is not None:
            return self.plain[node_id]
        position = self.table.position(node_id)
        if position is None:
            raise KeyError(node_id)
        return self.table.node(position)

    def get(self, node_id, default=None):
        try:
            return self[node_id]
        except KeyError:
            return default

    def __contains__(self, node_id) -> bool:
        if self.plain is not None:
            return node_id in self.plain
        return self.table.position(node_id) is not None

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self.plain) if self.plain is not None else self.table.count

    def keys(self):
        return self._all().keys()

    def values(self):
        return self._all().values()

    def items(self):
        return self._all().items()

    def __setitem__(self, node_id, node) -> None:
        if node_id not in self or self[node_id] is not node:
            self._all()[node_id] = node
            self.plain_only = True

    def __delitem__(self, node_id) -> None:
        del self._all()[node_id]
        self.plain_only = True


class Members(Sequence):
    """The node ids inside a group, made from their positions when asked for."""

    __slots__ = ("table", "positions")

    def __init__(self, table: NodeTable, positions: list):
        self.table = table
        self.positions = positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, at):
        if isinstance(at, slice):
            return list(map(self.table.id, self.positions[at]))
        return self.table.id(self.positions[at])

    def __iter__(self):
        return map(self.table.id, self.positions)

    def __contains__(self, node_id) -> bool:
        position = self.table.position(node_id)
        return position is not None and position in self.positions

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    def __repr__(self) -> str:
        return f"<Members: {len(self.positions)} nodes>"


class Shown:
    """Which box of a view shows each node of the graph: node id -> box id."""

    __slots__ = ("table", "box", "ids")

    def __init__(self, table: NodeTable, box: np.ndarray, ids: list):
        self.table, self.box, self.ids = table, box, ids

    def get(self, node_id, default=None):
        position = self.table.position(node_id)
        if position is None or self.box[position] < 0:
            return default
        return self.ids[self.box[position]]


class GradientKeys(Mapping):
    """id of an op's output tensor, or of a leaf's variable or tensor -> the node's id (an
    op's over a leaf's), from the table's dicts: no id is made before it is asked for."""

    def __init__(self, table: NodeTable):
        self.table = table

    def __getitem__(self, key) -> str:
        table = self.table
        ordinal = table.made_by.get(key)
        if ordinal is not None:
            return table.id(int(table.op_position[ordinal]))
        ordinal = table.leaf_by_object.get(key)
        if ordinal is None:
            raise KeyError(key)
        return table.id(int(table.leaf_position[ordinal]))

    def __iter__(self):
        return iter({**self.table.leaf_by_object, **self.table.made_by})

    def __len__(self) -> int:
        return len({**self.table.leaf_by_object, **self.table.made_by})
