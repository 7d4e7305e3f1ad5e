"""Collapsing a large graph into groups, so a 10,000-op tape is laid out as a few hundred boxes.

`Graph.collapse` (graph.py) calls in here. Ops fold by layer path (name scope) into group
nodes whose ids come from the scope path (`group_id`), so they stay the same from call to
call and a group the user opened stays open; a level with more entries than the budget is
cut into round ranges of op indices ("g:<path>#100-199"), always two or more, each smaller
than the level, so opening one shows less (entries that share one op index, the constants
one `tf.stack` reads, are cut by position: "g:<path>#7:0-19"). A run of sibling scopes that
repeat one structure (dense, dense_1, ... with the same ops and shapes: a model's N identical
blocks, a loop body under a name scope per pass) folds into one box marked ×N
("g:<first path>*N"), which opens to the N groups (in ranges of blocks when they are more
than the level has room for), as torchvista shows repeated modules; a loop body recorded N
times with no scope of its own folds the same way (loops.py, "g:<level>@<first op>*N").
Folded nodes merge their edges
(with a count) and their gradient norms (the loudest wins, NaN loudest of all). The scope
tree is built once per graph; each view is a new `Graph` that maps every underlying node
id to the id that shows it, and each box to the level (the opened group) that shows it.
A backward step re-norms only the boxes whose members it changed (`renorm`).
"""
from __future__ import annotations

import math
import operator
from collections import Counter

from .graph import Graph, GraphEdge, GraphNode, group_id
from .loops import loop_stretches
from .panel import counted


def collapsed_view(graph: Graph, tree: "_Scope", expanded: frozenset, max_nodes: int) -> Graph:
    """The view of `graph` with every scope in `tree` folded unless its id is in `expanded`."""
    return _Folder(graph, expanded, max_nodes).view(tree)


def box_of(graph: Graph, tree: "_Scope", expanded: frozenset, max_nodes: int,
           node_id: str) -> str:
    """The id of the box that shows `node_id` in `collapsed_view(...)`, found without
    building the view: the boxes are not merged, only searched for the node."""
    folder = _Folder(graph, expanded, max_nodes, target=node_id)
    folder.open(tree.entries, group_id(""))
    return folder.found


_SIGNATURE = operator.attrgetter("kind", "op", "shape", "dtype")   # what copies share
# a fold reads one field of every member: C-level getters, as a 33,000-block box has 99,000
_PHASE, _NORM = operator.attrgetter("phase"), operator.attrgetter("grad_norm")
_NONFINITE, _FIRST = operator.attrgetter("nonfinite"), operator.itemgetter(0)
MIN_REPEAT = 3   # fewer identical blocks than this stay side by side: one click is not saved


def stem(name: str) -> str:
    """A layer name without the number that tells its copies apart.

    >>> stem("dense_12"), stem("block3"), stem("conv2d"), stem("7")
    ('dense', 'block', 'conv2d', '7')
    """
    bare = name.rstrip("0123456789")   # str methods: a regex per block costs 3x more
    if bare == name or not bare:
        return name
    return bare[:-1] if bare[-1] == "_" else bare


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


def _loudest(norms: list):
    """The largest of some gradient norms (None: no norm), as `_louder` pairwise: a NaN wins."""
    present = [norm for norm in norms if norm is not None]
    if not present:
        return None
    if any(norm != norm for norm in present):
        return math.nan
    return max(present)


def _louder(a, b):
    """The larger of two gradient norms; a NaN wins (it must not be hidden by merging)."""
    if a is None:
        return b
    if b is None:
        return a
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


class _Scope:
    """One layer path of the tree: its entries (key, node id or child _Scope) in order."""

    __slots__ = ("path", "key", "entries", "_members", "_structure")

    def __init__(self, path: str, key: int):
        self.path = path
        self.key = key          # the op index where the scope starts
        self.entries: list = []
        self._members = None
        self._structure = None

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    def members(self) -> list:
        if self._members is None:
            self._members = _flatten(self.entries)
        return self._members

    def structure(self, nodes) -> tuple:
        """What two copies of a block share: the name stem, then the kind, op, shape and
        dtype of each op and variable in order (nested scopes included, their names aside;
        constants left out, as the input that the first copy takes in)."""
        if self._structure is None:
            self._structure = (stem(self.name), *[
                signature for signature in map(_SIGNATURE, map(nodes.__getitem__,
                                                               self.members()))
                if signature[0] != "constant"])
        return self._structure


def _flatten(entries) -> list:
    found = []
    for _, entry in entries:
        if type(entry) is str:
            found.append(entry)
        else:
            found.extend(entry.members())
    return found


def scope_tree(graph: Graph) -> _Scope:
    """The scope tree of a full graph; keys are op indices (a leaf takes its consumer's)."""
    keys = []
    following = 0
    for nid in reversed(graph.nodes):
        if nid[0] == "n":
            following = int(nid[1:])
        keys.append(following)
    keys.reverse()
    root = _Scope("", 0)
    scopes = {"": root}

    def scope_of(path: str, key: int) -> _Scope:
        scope = scopes.get(path)
        if scope is None:
            parent = scope_of(path.rpartition("/")[0], key)
            scope = scopes[path] = _Scope(path, key)
            parent.entries.append((key, scope))
        return scope

    path, scope = None, root   # consecutive nodes mostly share a scope: looked up once
    for (nid, node), key in zip(graph.nodes.items(), keys):
        if node.scope != path:
            path = node.scope
            scope = scope_of(path, key)
        scope.entries.append((key, nid))
    return root


class _Folder:
    """Builds one collapsed view: which entries show, which fold into group nodes."""

    def __init__(self, graph: Graph, expanded: frozenset, max_nodes: int, target=None):
        self.graph = graph
        self.expanded = expanded
        self.max_nodes = max_nodes
        self.target = target    # a node id to find the box of, instead of building a view
        self.found = None
        self.rep: dict[str, str] = {}
        self.shown: list = []   # (key, GraphNode)
        self.level = None       # the id of the level being opened (a group's, or the root's)
        self.placed: dict[str, str] = {}    # box id -> the level that shows it
        self.parents: dict[str, str] = {}   # level id -> the level it opened in

    def view(self, root: _Scope) -> Graph:
        self.open(root.entries, group_id(""))
        self.shown.sort(key=lambda item: item[0])
        self.parts: dict = {}   # (src, dst) -> the sources of the edges merged there
        view = Graph({node.id: node for _, node in self.shown}, self.merged_edges(),
                     shown_by=self.rep, levels=(self.placed, self.parents))
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

    def open_level(self, entries, gid: str, loops: bool, repeats: bool) -> None:
        # a level that fits is shown as it is; one that does not first folds its loops
        runs = self.runs(entries, loops and len(entries) > self.max_nodes, repeats)
        if len(runs) == 1 and runs[0][0] == "one" and type(runs[0][1][0][1]) is not str:
            scope = runs[0][1][0][1]   # one box alone says nothing: show what it holds
            self.open(scope.entries, group_id(scope.path))
            return
        if len(runs) > self.max_nodes:
            # few, round ranges (ops 0-99, 100-199, ...): each opens to a smaller level
            for rid, label, chunk in _chunks(entries, gid, max(self.max_nodes // 10, 2)):
                if rid in self.expanded:
                    self.open(chunk, rid, loops, repeats)
                else:
                    self.fold(rid, label, _flatten(chunk), chunk[0][0])
            return
        nodes, rep, shown = self.graph.nodes, self.rep, self.shown
        for kind, run, count in runs:
            key, entry = run[0]
            if kind == "loop":
                rid = loop_id(gid, key, count)
                if rid in self.expanded:
                    self.open(run, rid, loops=False)   # the passes themselves, not the box again
                else:
                    self.fold(rid, self.loop_label(run, count), _flatten(run), key,
                              repeat=count)
            elif type(entry) is str:
                if entry == self.target:
                    self.found = entry
                rep[entry] = entry
                self.placed[entry] = self.level
                shown.append((key, nodes[entry]))
            elif kind == "one":
                self.open_scope(key, entry)
            elif repeat_id(entry.path, count) in self.expanded:
                self.open_blocks(run, repeat_id(entry.path, count), len(runs) - 1)
            else:
                self.fold(repeat_id(entry.path, count), stem(entry.name),
                          [m for _, scope in run for m in scope.members()],
                          key, entry.path.rpartition("/")[0], repeat=count)

    def open_scope(self, key: int, scope: _Scope) -> None:
        sid = group_id(scope.path)
        if sid in self.expanded:
            self.open(scope.entries, sid)
        else:
            self.fold(sid, scope.name, scope.members(), key, scope.path)

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
            for cid, _, chunk in _chunks(run, rid, max(self.max_nodes - others, 2)):
                if cid in self.expanded:
                    self.open(chunk, cid, repeats=False)
                else:
                    first, last = chunk[0][1].name, chunk[-1][1].name
                    label = first if first == last else f"{first} … {last}"
                    self.fold(cid, label, _flatten(chunk), chunk[0][0], parent)
        finally:
            self.level = outer

    def runs(self, entries, loops: bool, repeats: bool = True) -> list:
        """`entries` cut into runs (kind, entries, count): "loop" for a loop body recorded
        `count` times (loops.py), "blocks" for MIN_REPEAT or more copies of one scope side by
        side, "one" for anything else."""
        nodes = self.graph.nodes
        stretches = loop_stretches(entries, nodes) if loops else []
        runs, at = [], 0
        for start, stop, _, passes in stretches + [(len(entries), len(entries), 0, 0)]:
            while at < start:
                entry = entries[at][1]
                end = at + 1
                if repeats and type(entry) is not str:
                    first = entry.structure(nodes)
                    while end < start and type(entries[end][1]) is not str \
                            and entries[end][1].structure(nodes) == first:
                        end += 1
                    if end - at < MIN_REPEAT:
                        end = at + 1
                runs.append(("one" if end - at == 1 else "blocks", entries[at:end], end - at))
                at = end
            if passes:
                runs.append(("loop", entries[start:stop], passes))
                at = stop
        return runs

    def loop_label(self, run, passes: int) -> str:
        """The ops of one pass, in order: 'matmul → add → tanh'."""
        ops = [self.graph.nodes[entry].op for _, entry in run
               if self.graph.nodes[entry].op is not None]
        return " → ".join(ops[:len(ops) // passes])

    def fold(self, gid: str, label: str, members: list, key: int, scope=None,
             repeat: int = 1) -> None:
        if self.target is not None:
            if self.target in members:
                self.found = gid
            return
        self.rep.update(dict.fromkeys(members, gid))
        folded = list(map(self.graph.nodes.__getitem__, members))
        with_op = [node for node in folded if node.op is not None]
        first_op = with_op[0] if with_op else None
        shown_by = with_op[-1] if with_op else folded[-1]
        self.placed[gid] = self.level
        self.shown.append((key, GraphNode(
            gid, label, "group", shape=shown_by.shape, dtype=shown_by.dtype,
            scope=scope if scope is not None else shown_by.scope,
            phase="forward" if "forward" in map(_PHASE, folded) else "backward",
            source=first_op.source if first_op else None,
            grad_norm=_loudest(list(map(_NORM, folded))),
            nonfinite=any(map(_NONFINITE, folded)), members=members,
            ops=sum(map("n".__eq__, map(_FIRST, members))), repeat=repeat)))

    def merged_edges(self) -> list:
        rep = self.rep
        merged: dict = {}
        for edge in self.graph.edges:
            src, dst = rep[edge.src], rep[edge.dst]
            if src == dst:
                continue
            found = merged.get((src, dst))
            if found is None:
                merged[src, dst] = GraphEdge(src, dst, edge.shape, edge.grad_norm, edge.count)
                self.parts[src, dst] = {edge.src}
            else:
                self.parts[src, dst].add(edge.src)
                found.count += edge.count
                if found.shape != edge.shape:
                    found.shape = None   # merged tensors of different shapes: no one shape
                found.grad_norm = _louder(found.grad_norm, edge.grad_norm)
        return list(merged.values())


def renorm(view: Graph, graph: Graph, before: dict) -> None:
    """Bring the gradient norms of the collapsed `view` of `graph` up to date after those of
    the nodes in `before` ({node id: (norm, nonfinite) before}) changed: the boxes that show
    them and the edges out of those boxes, as `collapsed_view` merges them. A box is
    re-merged from all its members only when a changed member may have been its loudest."""
    nodes = graph.nodes
    boxes: dict = {}
    for node_id in before:
        boxes.setdefault(view.visible_id(node_id), []).append(node_id)
    for box_id, changed in boxes.items():
        box = view.nodes[box_id]
        if box.kind != "group":
            continue
        if any(_may_win(before[node_id][0], box.grad_norm) for node_id in changed):
            box.grad_norm = None
            for member in box.members:
                box.grad_norm = _louder(box.grad_norm, nodes[member].grad_norm)
        else:
            for node_id in changed:
                box.grad_norm = _louder(box.grad_norm, nodes[node_id].grad_norm)
        if any(nodes[node_id].nonfinite for node_id in changed):
            box.nonfinite = True
        elif any(before[node_id][1] for node_id in changed):
            box.nonfinite = any(nodes[member].nonfinite for member in box.members)
    for edge in view.edges:   # once stepping shades them, an edge shows its source's norm
        if edge.src in boxes:
            norm = None
            for src in view._parts[edge.src, edge.dst]:
                norm = _louder(norm, nodes[src].grad_norm)
            edge.grad_norm = norm


def _may_win(norm, loudest) -> bool:
    """Whether a member's `norm` may be what its box's `loudest` norm came from."""
    return norm is not None and (norm != norm or loudest is None or norm >= loudest)


def _chunks(entries, gid: str, budget: int):
    """`entries` (a level too large to show) cut into 2 to `budget` consecutive chunks, each
    smaller than the level, so opening one always shows less; yields (id, label, chunk).

    Chunks are round ranges of op indices ("g:#100-199", "ops 100-199"); entries that all
    share one op index (the 400 constants `tf.stack` reads) are cut by position instead
    ("g:#7:0-199", "200 constants (1-200 of 401)")."""
    keys = [key for key, _ in entries]
    if keys[0] == keys[-1]:   # keys never decrease along a level
        per = _round_up(-(-len(entries) // budget))
        if per >= len(entries):
            per = -(-len(entries) // budget)
        for first in range(0, len(entries), per):
            chunk = entries[first:first + per]
            last = first + len(chunk) - 1
            yield (f"{gid}#{keys[0]}:{first}-{last}",
                   f"{_contents(chunk)} ({first + 1}-{last + 1} of {len(entries)})", chunk)
        return
    size = 1
    while len({key // size for key in keys}) > budget:
        size *= 10
    if len({key // size for key in keys}) == 1:
        size //= 10   # one range would hold them all: ten times finer, merged to the budget
    ranges: list = []
    for item in entries:
        if not ranges or item[0] // size != ranges[-1][0]:
            ranges.append((item[0] // size, []))
        ranges[-1][1].append(item)
    per = -(-len(ranges) // budget)
    for at in range(0, len(ranges), per):
        part = ranges[at:at + per]
        chunk = [item for _, items in part for item in items]
        first, last = chunk[0][0], chunk[-1][0]
        yield (f"{gid}#{part[0][0] * size}-{part[-1][0] * size + size - 1}",
               f"ops {first}-{last}" if last != first else f"op {last}", chunk)


def _round_up(number: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= `number`.

    >>> [_round_up(n) for n in (1, 3, 14, 51)]
    [1, 5, 20, 100]
    """
    size = 1
    while True:
        for step in (1, 2, 5):
            if size * step >= number:
                return size * step
        size *= 10


def _contents(chunk) -> str:
    """What a chunk of one op's entries holds, by kind: '199 constants, 1 variable'."""
    kinds = Counter("scope" if type(entry) is not str else
                    {"v": "variable", "c": "constant", "n": "op"}.get(entry[0], "node")
                    for _, entry in chunk)
    return ", ".join(counted(number, kind) for kind, number in kinds.items())
