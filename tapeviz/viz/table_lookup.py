"""Finding a node in a NodeTable (table.py) both ways: its id from its position ("n<index>",
"v<j>", "c<j>") and back, and its position from the object it was made from (a dispatch
Node, a RecordedOp, a Variable or Tensor).

The table's columns are the truth; these lookups compute an id from them when asked (a
100,000-node tape makes no string for a node nobody looks at) and build their indexes on
first use. `TableLookup` is NodeTable's base: it reads the columns the build sets.
"""
from __future__ import annotations

import numpy as np


class TableLookup:
    """Ids, positions and objects of a NodeTable's nodes, looked up from its columns."""

    def id(self, position: int) -> str:
        """The node id at `position`."""
        ids = self.ids
        if ids is not None:
            return ids[position]
        ordinal = int(self.ordinal[position])
        if self.is_op[position]:
            return f"n{self.indices[ordinal]}"
        return f"{self.letters[position]}{self.leaf_numbers[ordinal]}"

    def all_ids(self) -> list:
        """Every node id, in position order (made once, when something asks for them all)."""
        if self.ids is None:
            leaves = [f"{'v' if variable else 'c'}{number}"
                      for variable, number in zip(self.leaf_variable, self.leaf_numbers.tolist())]
            self.ids = self._scatter(list(map("n{}".format, self.indices)), leaves)
        return self.ids

    def position(self, node_id) -> int | None:
        """The position of `node_id`, or None when no node has it."""
        positions = self.positions
        if positions is not None:
            return positions.get(node_id)
        if type(node_id) is not str or len(node_id) < 2 or not node_id[1:].isdigit() \
                or node_id[1] == "0" and len(node_id) > 2:
            return None
        number, letter = int(node_id[1:]), node_id[0]
        if letter == "n":
            at = int(np.searchsorted(self.index_array, number))
            if at < len(self.index_array) and self.index_array[at] == number:
                return int(self.op_position[at])
            return None
        if letter not in "vc":
            return None
        variable = letter == "v"
        found = self._leaf_positions(variable)
        return int(found[number]) if number < len(found) else None

    def _leaf_positions(self, variable: bool) -> np.ndarray:
        cached = self._by_letter
        if cached is None:
            mask = np.asarray(self.leaf_variable, dtype=bool)
            cached = self._by_letter = (self.leaf_position[~mask], self.leaf_position[mask])
        return cached[variable]

    def find(self, obj) -> int | None:
        """The position of the node made from `obj` (a dispatch Node, RecordedOp, Variable or
        Tensor), or None; the first such node wins, an op over a leaf."""
        if self.refs is not None and len(self.made_by) == len(self.ops):
            # each node has its own output: its position is that output's (no index needed)
            output = getattr(getattr(obj, "node", obj), "output", None)
            ordinal = self.made_by.get(id(output)) if output is not None else None
            if ordinal is not None and (self.ops[ordinal] is obj or self.refs[ordinal] is obj):
                return int(self.op_position[ordinal])
            if output is None:
                ordinal = self.leaf_by_object.get(id(obj))
                return None if ordinal is None else int(self.leaf_position[ordinal])
        index = self._objects
        if index is None:
            index = self._objects = self._object_index()
        position = index.get(id(obj))
        if position is None:
            return None
        ref = self.node(position).ref
        return position if ref is obj or getattr(ref, "node", None) is obj else None

    def _object_index(self) -> dict:
        """id(obj) -> position for every dispatch Node, ref and leaf object (the first node
        wins, op nodes over leaves)."""
        if self.refs is None:   # a table of GraphNodes
            found = {}
            for position, node in reversed(self.cache.items()):
                found[id(node.ref)] = found[id(getattr(node.ref, "node", None))] = position
            found.pop(id(None), None)
            return found
        found = dict(zip(map(id, reversed(self.leaf_objs)),
                         reversed(self.leaf_position.tolist())))
        positions = self.op_position.tolist()
        # a ref is the dispatch node itself (a tape's), or a RecordedOp whose .node it is
        for objs in (self.ops,) if self.refs is self.ops else (self.ops, self.refs):
            found.update(zip(map(id, reversed(objs)), reversed(positions)))
        return found
