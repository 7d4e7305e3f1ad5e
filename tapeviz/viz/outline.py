"""A long scoped tape's first view told from the runs of scopes its `record` noted (tape_index.py),
before its table is built: the few boxes a 99,000-node tape of 33,000 blocks opens to are
read from the runs and from the nodes of what is drawn (a box's own ops; of a ×N box, its
first two blocks and its last), never from the blocks it hides.

It is the view `Graph.collapse` draws first (collapse.py), told from less: blocks alike by
their name stem, their op count and the ops and variables of the first two; edges from the
nodes read. So it is a guess, drawn faded as every first view is, and checked with the
values once the cell returns: the widget then builds the whole table, collapses it and
redraws where the two differ (widget.py). Where the runs cannot tell the view cheaply (more
ops outside every scope than a loop needs, a leaf read by two boxes, a scope run twice apart,
an input made inside the blocks a box hides, a level that must be cut into ranges),
`outline` returns None and the widget builds the table first, as before.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..debugger.variable_names import shown_name
from ..variable import VariableRead
from .collapse import MIN_REPEAT, blocks_label, repeat_id
from .graph import Graph
from .graph_items import GraphEdge, GraphNode, _dtype_name, _plain_node, group_id
from .loops import MIN_OPS
from .numbering import numbered
from .panel import counted
from .scopetree import stems
from .leaves import leaf_label

READ_LIMIT = 2000   # ops read to draw one view; beyond it the table is built (it reads all)


class _Unsure(Exception):
    """The runs and the nodes read do not tell this view: the table is built instead."""


def outline(tape, max_nodes: int) -> Graph | None:
    """The first view of `tape` (a GradientTape) collapsed to about `max_nodes` boxes, as
    `Graph.collapse` draws it before the values are checked, told from its scope runs; None
    when they cannot tell it (see the module docstring) or the tape is drawn whole."""
    noted = tape.scope_runs()
    if noted is None or len(noted[0]) <= max_nodes:
        return None
    try:
        return _Outline(tape, *noted).view(max_nodes)
    except _Unsure:
        return None


def outline_status(view: Graph, ops: int) -> str:
    """The toolbar's count while the outline is shown: its leaves are counted with the values."""
    return (f"{counted(ops, 'op')}, {len(view.nodes)} shown (click a ▸ box to open it): "
            "variables and constants counted once the values are checked")


class _Outline:
    """One outline: the level shown, its entries and boxes, the nodes read for them."""

    def __init__(self, tape, nodes, starts, codes, paths, path_stems, nested: bool):
        stops = np.append(starts[1:], len(nodes))
        kept = stops > starts   # a run may hold no op (the root's first)
        self.tape, self.nodes, self.paths, self.path_stems = tape, nodes, paths, path_stems
        self.nested = nested
        self.starts, self.stops, self.codes = starts[kept], stops[kept], codes[kept]
        self.made: dict = {}      # id(output) -> op index, of the ops read
        self.read_ops = 0
        self.watched = None       # ids of the tensors the tape watches, when first asked

    # ---- the level shown -------------------------------------------------------------------
    def view(self, max_nodes: int) -> Graph:
        prefix = ""
        while True:
            items, names, stems_of, own = self.items(prefix)
            scoped = items != own
            if len(items) == 1 and scoped[0]:   # one box alone says nothing: what it holds
                prefix = f"{prefix}/{names[items[0]]}" if prefix else names[items[0]]
                continue
            break
        if (np.bincount(items[scoped], minlength=1) > 1).any():
            raise _Unsure   # a scope run twice, apart: its entry sits at its first run
        return self.draw(prefix, items, names, stems_of, scoped, max_nodes)

    def items(self, prefix: str) -> tuple:
        """Of each group of runs side by side in one entry of the level inside `prefix`:
        its entry's number among `names` (a child scope's name; `own`, the number of '', for
        ops of the level itself), and each name's stem number; the runs' bounds are kept in
        `group_start`/`group_stop`."""
        paths = self.paths
        if not prefix and not self.nested:   # flat: each path its own entry,
            item_of_path, names = np.arange(len(paths)), paths   # its stem noted by record
            stems_of = self.path_stems
        else:
            if not prefix:
                names = [path.partition("/")[0] for path in paths]
            else:   # only paths inside `prefix` have runs here
                cut = len(prefix) + 1
                names = ["" if path == prefix else path[cut:].partition("/")[0]
                         for path in paths]
            item_of_path, names = numbered(names)
            stems_of = numbered(stems(names))[0]
        run_items = item_of_path[self.codes]
        first = np.flatnonzero(np.diff(run_items, prepend=-1))   # each group's first run
        self.group_start = self.starts[first]
        self.group_stop = self.stops[np.append(first[1:], len(run_items)) - 1]
        own = names.index("") if "" in names else -1
        return run_items[first], names, stems_of, own

    def draw(self, prefix: str, items, names, stems_of, scoped, max_nodes: int) -> Graph:
        starts, stops = self.group_start, self.group_stop
        own_ops = int((stops - starts)[~scoped].sum())
        if own_ops >= MIN_OPS:
            raise _Unsure   # a loop body may repeat there (loops.py): the table finds it
        # entries: each child scope, each own op
        at = np.flatnonzero(scoped)
        ops = np.concatenate([np.arange(starts[g], stops[g]) for g in np.flatnonzero(~scoped)]
                             or [np.zeros(0, dtype=np.int64)])
        e_start = np.concatenate((starts[at], ops))
        e_item = np.concatenate((items[at], np.full(len(ops), -1, dtype=np.int64)))
        e_stop = np.concatenate((stops[at], ops + 1))
        order = np.argsort(e_start, kind="stable")
        e_start, e_stop, e_item = e_start[order], e_stop[order], e_item[order]
        e_stem = np.where(e_item >= 0, stems_of[np.maximum(e_item, 0)],
                          -1 - np.arange(len(e_item)))
        sizes = e_stop - e_start
        alike = (e_stem[1:] == e_stem[:-1]) & (sizes[1:] == sizes[:-1]) & (e_item[1:] >= 0)
        ends = np.append(np.flatnonzero(~alike) + 1, len(e_item))   # runs of alike entries
        firsts = np.append(0, ends[:-1])
        lengths = ends - firsts
        if int(np.where(lengths >= MIN_REPEAT, 1, lengths).sum()) > max_nodes:
            raise _Unsure   # the level is cut into ranges (collapse.py): the table cuts it
        # (first op, its GraphNode or what makes it, the (start, stop) ops whose inputs are
        # read: a ×N box's first two blocks, its number of blocks)
        boxes = []
        for first, length in zip(firsts.tolist(), lengths.tolist()):
            self.box_run(prefix, names, e_item, e_start, e_stop, first, length, boxes)
        if len(boxes) > max_nodes:   # blocks told apart by their first two: too many boxes
            raise _Unsure
        return self.connect(boxes)

    def box_run(self, prefix, names, e_item, e_start, e_stop, first, length, boxes) -> None:
        """Boxes for `length` alike entries from `first`: one ×N box once its first two blocks
        hold the same ops and variables, else its first entry alone and the rest again."""
        while length:
            start, stop = int(e_start[first]), int(e_stop[first])
            item = int(e_item[first])
            if item < 0:
                boxes.append(self.op_box(start))
            elif length >= MIN_REPEAT and self.alike(start, stop, int(e_stop[first + 1])):
                path = f"{prefix}/{names[item]}" if prefix else names[item]
                last = f"{prefix}/{names[int(e_item[first + length - 1])]}" if prefix \
                    else names[int(e_item[first + length - 1])]
                boxes.append(self.blocks_box(path, last, prefix, e_start[first:first + length],
                                             e_stop[first:first + length]))
                return
            else:
                path = f"{prefix}/{names[item]}" if prefix else names[item]
                boxes.append(self.scope_box(path, names[item], start, stop))
            first, length = first + 1, length - 1

    # ---- reading nodes ---------------------------------------------------------------------
    def read(self, start: int, stop: int) -> list:
        """The nodes of ops `start:stop`, their outputs noted as made there."""
        self.read_ops += stop - start
        if self.read_ops > READ_LIMIT:
            raise _Unsure
        part = self.nodes[start:stop]
        made = self.made
        for index, node in enumerate(part, start):
            if node.phase != "forward":
                raise _Unsure   # a box's phase is any member's: the hidden ones may differ
            found = made.setdefault(id(node.output), index)
            if found != index:
                raise _Unsure   # one id made twice (a freed tensor's reused): the table sorts it
        return part

    def sources(self, index: int, node) -> list:
        """(source, input tensor) of each distinct input of op `index`: ('op', producer index)
        for an op read, ('leaf', id of its variable or tensor) for a leaf."""
        found, seen = [], set()
        for tensor in node.inputs:
            if type(tensor) is VariableRead:
                key = ("leaf", id(tensor.variable))
            else:
                made = self.made.get(id(tensor))
                if made is not None and made < index:
                    key = ("op", made)
                elif self.tape.tracks(tensor) and id(tensor) not in self.watched_ids():
                    raise _Unsure   # made by an op this outline did not read
                else:
                    key = ("leaf", id(tensor))
            if key not in seen:
                seen.add(key)
                found.append((key, tensor))
        return found

    def watched_ids(self) -> set:
        if self.watched is None:
            self.watched = set(map(id, self.tape.watched_tensors()))
        return self.watched

    def signature(self, start: int, stop: int) -> list:
        """What the first view compares blocks by: each op, and each variable (its shape and
        dtype) before the op that reads it."""
        found = []
        for node in self.nodes[start:stop]:
            for tensor in node.inputs:
                if type(tensor) is VariableRead:
                    value = tensor._value
                    found.append((value.shape, _dtype_name(value)))
            found.append(node.op)
        return found

    def alike(self, start: int, middle: int, stop: int) -> bool:
        return self.signature(start, middle) == self.signature(middle, stop)

    # ---- boxes -----------------------------------------------------------------------------
    def op_box(self, index: int) -> tuple:
        node = self.read(index, index + 1)[0]
        op, value = node.op, node.output._value
        shown = _plain_node(f"n{index}", op.label, op.kind, op.name, value.shape,
                            _dtype_name(value), node.scope, node.phase, node.source, None,
                            False, False, node)
        return index, shown, [(index, index + 1)], 1

    def group(self, gid, label, start, stop, scope, members, ops, repeat) -> GraphNode:
        last = self.nodes[stop - 1].output._value
        return GraphNode(gid, label, "group", shape=last.shape, dtype=_dtype_name(last),
                         scope=scope, phase="forward", source=self.nodes[start].source,
                         members=members, ops=ops, repeat=repeat)

    def scope_box(self, path: str, name: str, start: int, stop: int) -> tuple:
        self.read(start, stop)
        return start, [group_id(path), name, start, stop, path], [(start, stop)], 1

    def blocks_box(self, path, last_path, prefix, block_starts, block_stops) -> tuple:
        count = len(block_starts)
        first_stop = int(block_stops[0])
        start, stop = int(block_starts[0]), int(block_stops[-1])
        self.read(start, int(block_stops[1]))   # the first two blocks
        self.read(int(block_starts[-1]), stop)  # the last: what later boxes read from it
        label = blocks_label(SimpleNamespace(name=path.rpartition("/")[2], path=path),
                             SimpleNamespace(name=last_path.rpartition("/")[2],
                                             path=last_path))
        return (start, [repeat_id(path, count), label, start, stop, prefix],
                [(start, first_stop), (first_stop, int(block_stops[1]))], count)

    # ---- edges -----------------------------------------------------------------------------
    def connect(self, boxes: list) -> Graph:
        """The view: each box, and the edges between them, merged as collapse.py merges them
        (one per reader and distinct input, counted per pair of boxes); a leaf read by an op
        drawn alone is drawn before it, numbered after the leaves of the boxes before."""
        box_starts = np.asarray([box[0] for box in boxes], dtype=np.int64)
        ids = [box[1][0] if type(box[1]) is list else box[1].id for box in boxes]
        leaf_box: dict = {}   # leaf -> (box, block) that reads it
        numbered = {"v": 0, "c": 0}   # leaves of each kind so far (ids v<j>, c<j>)
        merged: dict = {}
        shown = {}
        for number, (_, made, scanned, repeat) in enumerate(boxes):
            leaves = ([], [])   # of the first block, of the second
            for block, (begin, end) in enumerate(scanned):
                for index in range(begin, end):
                    node = self.nodes[index]
                    for (kind, source), tensor in self.sources(index, node):
                        if kind == "leaf":
                            found = leaf_box.get(source)
                            if found == (number, block):   # read again in this block
                                continue
                            if found is not None:   # drawn at this level: read by two boxes
                                raise _Unsure
                            leaf_box[source] = (number, block)
                            if type(made) is list:
                                leaves[block].append(tensor)
                            else:
                                leaf = self.leaf(tensor, node, numbered)
                                shown[leaf.id] = leaf
                                self.edge(merged, leaf.id, made.id, tensor)
                            continue
                        src = int(np.searchsorted(box_starts, source, side="right")) - 1
                        if src == number:   # inside the box (the second block reads the first)
                            continue
                        if block:   # the second block reads from outside its box: N edges
                            raise _Unsure
                        self.edge(merged, ids[src], ids[number], tensor)
            if type(made) is list:
                gid, label, first, last, scope = made
                ops = (scanned[0][1] - scanned[0][0]) * repeat
                # leaves: the first block's, and the second's for each block after it (the
                # first also reads what comes into the box: the model's input)
                for tensor in leaves[0]:
                    numbered[_kind(tensor)] += 1
                for tensor in leaves[1]:
                    numbered[_kind(tensor)] += repeat - 1
                members = ops + len(leaves[0]) + len(leaves[1]) * (repeat - 1)
                made = self.group(gid, label, first, last, scope, range(members), ops,
                                  repeat)
            shown[made.id] = made
        return Graph(shown, list(merged.values()))

    @staticmethod
    def leaf(tensor, reader, numbered: dict) -> GraphNode:
        """The node of a leaf first read by `reader`, an op drawn alone, as table.py makes it."""
        kind = _kind(tensor)
        value, variable = tensor._value, kind == "v"
        obj = tensor.variable if variable else tensor
        number, numbered[kind] = numbered[kind], numbered[kind] + 1
        return _plain_node(f"{kind}{number}",
                           shown_name(obj) if variable else leaf_label(tensor, reader),
                           "variable" if variable else "constant", None, value.shape,
                           _dtype_name(value), reader.scope, reader.phase, None, None, False,
                           False, obj)

    @staticmethod
    def edge(merged: dict, src: str, dst: str, tensor) -> None:
        shape = tensor._value.shape
        found = merged.get((src, dst))
        if found is None:
            merged[src, dst] = GraphEdge(src, dst, shape, None, 1)
            return
        found.count += 1
        if found.shape != shape:
            found.shape = None   # tensors of different shapes: no one shape


def _kind(tensor) -> str:
    """A leaf's letter: 'v' for a variable read, 'c' for any other tensor."""
    return "v" if type(tensor) is VariableRead else "c"
