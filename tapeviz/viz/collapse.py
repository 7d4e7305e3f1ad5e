"""Collapsing a large graph into groups, so a 10,000-op tape is laid out as a few hundred boxes.

`Graph.collapse` (graph.py) calls in here. Ops fold by layer path (name scope) into group
nodes whose ids come from the scope path (`group_id`), so they stay the same from call to
call and a group the user opened stays open; a level with more entries than the budget is
cut into round ranges of op indices ("g:<path>#100-199"), always two or more, each smaller
than the level, so opening one shows less (ranges.py; entries that share one op index, the
constants one `tf.stack` reads, are cut by position: "g:<path>#7:0-19"). A run of sibling
scopes that repeat one structure (dense, dense_1, ... with the same ops and shapes: a
model's N identical blocks, a loop body under a name scope per pass) folds into one box
marked ×N ("g:<first path>*N"), which opens to the N groups (in ranges of blocks when they
are more than the level has room for), as torchvista shows repeated modules; a loop body
recorded N times with no scope of its own folds the same way (loops.py,
"g:<level>@<first op>*N"). Folded nodes merge their edges (with a count) and their gradient
norms (the loudest wins, NaN loudest of all). All of it reads the graph's columns
(table.py) and its scope tree (scopetree.py: arrays, built once per graph), so a hidden
node or block costs no Python object; each view is a new `Graph` that maps every underlying
node id to the id that shows it, and each box to the level (the opened group) that shows
it. A backward step re-norms only the boxes whose members it changed (`renorm`).
"""
from __future__ import annotations

import math
from bisect import bisect_left
from itertools import compress, repeat
from operator import is_not

import numpy as np

from .byid import Members, Shown
from .graph import Graph
from .graph_items import GraphEdge, GraphNode, group_id
from .loops import loop_stretches
from .ranges import chunks, ops_among
from .scopetree import Level, Scope, repeat_ends, stem
from .table import NodeTable


def collapsed_view(table: NodeTable, tree: "Scope", expanded: frozenset,
                   max_nodes: int) -> Graph:
    """The view of the graph of `table` with every scope in `tree` folded unless its id is in
    `expanded`."""
    return _Folder(table, expanded, max_nodes).view(tree)


def box_of(table: NodeTable, tree: "Scope", expanded: frozenset, max_nodes: int,
           position: int) -> str:
    """The id of the box that shows the node at `position` in `collapsed_view(...)`, found
    without building the view: the boxes are not merged, only searched for the node."""
    folder = _Folder(table, expanded, max_nodes, target=position)
    folder.target_scopes = tree.tree.holder_codes(position)
    folder.open(tree.entries(), group_id(""))
    return folder.found


MIN_REPEAT = 3   # fewer identical blocks than this stay side by side: one click is not saved


def loop_id(level_id: str, first_key: int, passes: int) -> str:
    """The id of the box of a loop body recorded `passes` times from op `first_key` on, in
    the level (a group's id) that holds it.

    >>> loop_id("g:", 40, 100), loop_id("g:rnn", 7, 12)
    ('g:@40*100', 'g:rnn@7*12')
    """
    return f"{level_id}@{first_key}*{passes}"


def repeat_id(first_path: str, count: int) -> str:
    """The id of the box that holds `count` identical blocks starting with scope `first_path`.

    >>> repeat_id("model/block0", 12)
    'g:model/block0*12'
    """
    return f"{group_id(first_path)}*{count}"


def blocks_label(first: Scope, last: Scope) -> str:
    """A ×N box's label: its blocks' name stem ('dense'), or for blocks numbered as torch's
    containers number them, the container and the first and last index ('blocks[0…7]').

    >>> from types import SimpleNamespace as Block
    >>> blocks_label(Block(name="dense", path="m/dense"), Block(name="dense_3", path="m/dense_3"))
    'dense'
    >>> blocks_label(Block(name="0", path="Net/blocks/0"), Block(name="7", path="Net/blocks/7"))
    'blocks[0…7]'
    """
    named = stem(first.name)
    if named:
        return named
    container = first.path.rpartition("/")[0].rpartition("/")[2]
    return f"{container}[{first.name}…{last.name}]"


def _loudest(norms: list):
    """The largest of some gradient norms (None: no norm), as `_louder` pairwise: a NaN wins."""
    if norms.count(None) == len(norms):
        return None
    present = np.fromiter(compress(norms, map(is_not, norms, repeat(None))), np.float64)
    if np.isnan(present).any():
        return math.nan
    return float(present.max())


def _louder(a, b):
    """The larger of two gradient norms; a NaN wins (it must not be hidden by merging)."""
    if a is None:
        return b
    if b is None:
        return a
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


class _Folder:
    """Builds one collapsed view: which entries show, which fold into group nodes."""

    def __init__(self, table: NodeTable, expanded: frozenset, max_nodes: int, target=None):
        self.table = table
        self.expanded = expanded
        self.max_nodes = max_nodes
        self.target = target    # a node position to find the box of, instead of a view
        self.target_scopes = None   # the codes of every scope it is in (box_of sets them)
        self.found = None
        self.box = np.full(table.count, -1, dtype=np.int64)   # position -> its box's number
        self.shown: list = []   # (key, GraphNode), a box's number is its place here
        self.level = None       # the id of the level being opened (a group's, or the root's)
        self.placed: dict[str, str] = {}    # box id -> the level that shows it
        self.parents: dict[str, str] = {}   # level id -> the level it opened in

    def view(self, root: Scope) -> Graph:
        self.open(root.entries(), group_id(""))
        ids = [node.id for _, node in self.shown]
        order = sorted(range(len(self.shown)), key=lambda at: self.shown[at][0])
        self.parts: dict = {}   # (src, dst) -> the sources of the edges merged there
        edges = self.merged_edges(ids)
        view = Graph({self.shown[at][1].id: self.shown[at][1] for at in order}, edges,
                     shown_by=Shown(self.table, self.box, ids),
                     levels=(self.placed, self.parents))
        view._parts = self.parts
        return view

    def enter(self, gid: str):
        """Open level `gid` inside the current one; returns the level to go back to."""
        outer = self.level
        self.parents.setdefault(gid, outer)
        self.level = gid
        return outer

    def open(self, entries, gid: str, loops: bool = True, repeats: bool = True) -> None:
        outer = self.enter(gid)
        try:
            self.open_level(entries, gid, loops, repeats)
        finally:
            self.level = outer

    def open_level(self, entries: Level, gid: str, loops: bool, repeats: bool) -> None:
        # a level that fits is shown as it is; one that does not first folds its loops
        runs = self.runs(entries, loops and len(entries) > self.max_nodes, repeats)
        if len(runs) == 1 and runs[0][0] == "one" and entries.codes[0] >= 0:
            scope = entries[0][1]   # one box alone says nothing: show what it holds
            self.open(scope.entries(), group_id(scope.path))
            return
        if len(runs) > self.max_nodes:
            # few, round ranges (ops 0-99, 100-199, ...): each opens to a smaller level
            for rid, label, chunk in chunks(entries, gid, max(self.max_nodes // 10, 2),
                                             self.table):
                if len(chunk) == 1 and type(chunk[0][1]) is int:
                    self.show(*chunk[0])   # a box of one node ('1 op: reduce_sum') hid the loss
                elif rid in self.expanded:
                    self.open(chunk, rid, loops, repeats)
                else:
                    self.fold(rid, label, chunk, int(chunk.keys[0]))
            return
        for kind, start, stop, count in runs:
            run = entries[start:stop]
            key, entry = run[0]
            if kind == "loop":
                rid = loop_id(gid, key, count)
                if rid in self.expanded:
                    self.open(run, rid, loops=False)   # the passes themselves, not the box again
                else:
                    self.fold(rid, self.loop_label(run, count), run, key,
                              repeat=count)
            elif type(entry) is int:
                self.show(key, entry)
            elif kind == "one":
                self.open_scope(key, entry)
            elif repeat_id(entry.path, count) in self.expanded:
                self.open_blocks(run, repeat_id(entry.path, count), len(runs) - 1)
            else:
                self.fold(repeat_id(entry.path, count), blocks_label(entry, run[-1][1]), run,
                          key, entry.path.rpartition("/")[0], repeat=count)

    def show(self, key: int, position: int) -> None:
        """The node at `position` drawn as itself."""
        if position == self.target:
            self.found = self.table.id(position)
        if self.target is not None:
            return
        node = self.table.node(position)
        self.box[position] = len(self.shown)
        self.placed[node.id] = self.level
        self.shown.append((key, node))

    def open_scope(self, key: int, scope: Scope) -> None:
        sid = group_id(scope.path)
        if sid in self.expanded:
            self.open(scope.entries(), sid)
        else:
            self.fold(sid, scope.name, Level.of(scope.tree, [(key, scope)]), key, scope.path)

    def open_blocks(self, run, rid: str, others: int) -> None:
        """The N blocks of an opened ×N box `rid`, beside `others` boxes; more than the level
        has room for come in ranges of blocks, which open to the blocks themselves."""
        outer = self.enter(rid)   # its blocks show beside the others, opened by rid
        try:
            if len(run) + others <= self.max_nodes:
                for key, scope in run:
                    self.open_scope(key, scope)
                return
            parent = run[0][1].path.rpartition("/")[0]
            for cid, _, chunk in chunks(run, rid, max(self.max_nodes - others, 2),
                                         self.table):
                if cid in self.expanded:
                    self.open(chunk, cid, repeats=False)
                else:
                    first, last = chunk[0][1].name, chunk[-1][1].name
                    label = first if first == last else f"{first} … {last}"
                    self.fold(cid, label, chunk, int(chunk.keys[0]), parent)
        finally:
            self.level = outer

    def runs(self, entries: Level, loops: bool, repeats: bool = True) -> list:
        """`entries` cut into runs (kind, start, stop, count) of entries: "loop" for a loop
        body recorded `count` times (loops.py), "blocks" for MIN_REPEAT or more copies of
        one scope side by side, "one" for anything else. A scope's own entries are cut once
        per table (every view and every reveal of a 33,000-block level asks again)."""
        kept = entries.cuts
        if kept is None:   # a chunk or run of a level: cut anew
            return self.cut(entries, loops, repeats)
        found = kept.get((loops, repeats))
        if found is None:
            found = kept[loops, repeats] = self.cut(entries, loops, repeats)
        return found

    def cut(self, entries: Level, loops: bool, repeats: bool) -> list:
        count = len(entries)
        stretches = loop_stretches(entries.positions, self.table.loop_codes) if loops else []
        ends = repeat_ends(entries) if repeats else np.arange(1, count + 1)
        # the scopes a run of MIN_REPEAT or more copies may start at; the rest is one a run
        starts = np.flatnonzero(ends - np.arange(count) >= MIN_REPEAT).tolist()
        ends = ends.tolist()
        runs, at = [], 0
        for start, stop, _, passes in stretches + [(count, count, 0, 0)]:
            while at < start:
                following = bisect_left(starts, at)
                upto = min(starts[following], start) if following < len(starts) else start
                runs += [("one", one, one + 1, 1) for one in range(at, upto)]
                at = upto
                if at < start:
                    end = min(ends[at], start)
                    if end - at < MIN_REPEAT:
                        end = at + 1
                    runs.append(("one" if end - at == 1 else "blocks", at, end, end - at))
                    at = end
            if passes:
                runs.append(("loop", start, stop, passes))
                at = stop
        return runs

    def loop_label(self, run: Level, passes: int) -> str:
        """The ops of one pass, in order: 'matmul → add → tanh'."""
        codes, table = self.table.loop_codes, self.table
        ops = [position for position in run.positions.tolist()
               if position >= 0 and codes[position] >= 0]
        return " → ".join(map(table.op_name, ops[:len(ops) // passes]))

    def fold(self, gid: str, label: str, entries: Level, key: int, scope=None,
             repeat: int = 1) -> None:
        """One box for `entries` (nodes and scopes, with every node inside them)."""
        if self.target is not None:
            if entries.holds(self.target, self.target_scopes):
                self.found = gid
            return
        members = entries.members()
        table = self.table
        at = _index(members)   # a range: its columns are slices
        self.box[at] = len(self.shown)
        norms = table.norms[at] if type(at) is slice else \
            list(map(table.norms.__getitem__, members))
        self.placed[gid] = self.level
        ops_at = ops_among(table, members)
        first_op = table.node(members[int(ops_at[0])]) if len(ops_at) else None
        shown_by = table.node(members[int(ops_at[-1])] if len(ops_at) else members[-1])
        self.shown.append((key, GraphNode(
            gid, label, "group", shape=shown_by.shape, dtype=shown_by.dtype,
            scope=scope if scope is not None else shown_by.scope,
            phase="forward" if table.forward[at].any() else "backward",
            source=first_op.source if first_op else None,
            grad_norm=_loudest(norms), nonfinite=bool(table.nonfinite[at].any()),
            members=Members(table, members), ops=int((table.letters[at] == "n").sum()),
            repeat=repeat)))

    def merged_edges(self, ids: list) -> list:
        table, box = self.table, self.box
        src_box, dst_box = box[table.edge_src], box[table.edge_dst]
        merged: dict = {}
        for at in np.flatnonzero(src_box != dst_box).tolist():
            src, dst = ids[src_box[at]], ids[dst_box[at]]
            source = table.id(int(table.edge_src[at]))
            shape, norm = table.edge_shape(at), table.edge_norm(at)
            count = table.edge_multiplicity(at)
            found = merged.get((src, dst))
            if found is None:
                merged[src, dst] = GraphEdge(src, dst, shape, norm, count)
                self.parts[src, dst] = {source}
            else:
                self.parts[src, dst].add(source)
                found.count += count
                if found.shape != shape:
                    found.shape = None   # merged tensors of different shapes: no one shape
                found.grad_norm = _louder(found.grad_norm, norm)
        return list(merged.values())


def renorm(view: Graph, graph: Graph, before: dict) -> None:
    """Bring the gradient norms of the collapsed `view` of `graph` up to date after those of
    the nodes in `before` ({node id: (norm, nonfinite) before}) changed: the boxes that show
    them and the edges out of those boxes, as `collapsed_view` merges them. A box is
    re-merged from all its members only when a changed member may have been its loudest."""
    nodes = graph.nodes
    table = graph.table()
    boxes: dict = {}
    for node_id in before:
        boxes.setdefault(view.visible_id(node_id), []).append(node_id)
    for box_id, changed in boxes.items():
        box = view.nodes[box_id]
        if box.kind != "group":
            continue
        positions = box.members.positions
        if any(_may_win(before[node_id][0], box.grad_norm) for node_id in changed):
            box.grad_norm = _loudest(list(map(table.norms.__getitem__, positions)))
        else:
            for node_id in changed:
                box.grad_norm = _louder(box.grad_norm, nodes[node_id].grad_norm)
        if any(nodes[node_id].nonfinite for node_id in changed):
            box.nonfinite = True
        elif any(before[node_id][1] for node_id in changed):
            box.nonfinite = bool(table.nonfinite[_index(positions)].any())
    for edge in view.edges:   # once stepping shades them, an edge shows its source's norm
        if edge.src in boxes:
            norm = None
            for src in view._parts[edge.src, edge.dst]:
                norm = _louder(norm, nodes[src].grad_norm)
            edge.grad_norm = norm


def _index(positions) -> slice | np.ndarray:
    """Positions (a range or a list) as an index into a table's array columns."""
    if type(positions) is range:
        return slice(positions.start, positions.stop)
    return np.asarray(positions, dtype=np.int64)


def _may_win(norm, loudest) -> bool:
    """Whether a member's `norm` may be what its box's `loudest` norm came from."""
    return norm is not None and (norm != norm or loudest is None or norm >= loudest)
