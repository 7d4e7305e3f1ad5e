"""The graph the widget draws: a tape, a node list or a recorded step turned into plain nodes
and edges.

It sits between the engine (dispatch `Node`s, `Backward.grads`, the debugger's
`RecordedStep`) and the DOT builder: op nodes ("n<i>", i = position in the source's node
list), one leaf per variable read ("v<j>") and per other input tensor ("c<j>"), edges that
carry the tensor's shape and the gradient norm of its producer, and the ids of collapsed
groups ("g:<scope path>"). How a large graph folds into those groups is `collapse.py`'s
job; `Graph.collapse` and `Graph.reveal` are its entry points.
"""
from __future__ import annotations

import contextlib
import gc
import math
from collections import Counter
from collections.abc import Mapping
from urllib.parse import quote

import numpy as np

from ..debugger.summary import nonfinite_each
from ..tensor import VariableRead


class GraphNode:
    """One box of the graph: an op, a variable or constant leaf, or a collapsed group
    (`repeat` > 1: that many identical blocks folded into one box)."""

    __slots__ = ("id", "label", "op", "kind", "shape", "dtype", "scope", "phase", "source",
                 "grad_norm", "nonfinite", "bad_value", "members", "ops", "ref", "repeat")

    def __init__(self, id: str, label: str, kind: str, *, op=None, shape=(), dtype="",
                 scope="", phase="forward", source=None, grad_norm=None, nonfinite=False,
                 bad_value=False, members=None, ops: int = 0, ref=None, repeat: int = 1):
        self.id = id
        self.label = label
        self.op = op
        self.kind = kind
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = dtype
        self.scope = scope
        self.phase = phase
        self.source = source
        self.grad_norm = grad_norm
        self.nonfinite = nonfinite      # its value or its gradient holds NaN/Inf: the alarm
        self.bad_value = bad_value      # its value does, whatever its gradient
        self.members = members if members is not None else []
        self.ops = ops                  # a group's op nodes among its members
        self.ref = ref
        self.repeat = repeat

    def __repr__(self) -> str:
        return f"<GraphNode {self.id} {self.kind} {self.label!r} {self.shape}>"


_new_node = GraphNode.__new__


def _plain_node(nid: str, label: str, kind: str, op, shape: tuple, dtype: str, scope: str,
                phase: str, source, grad_norm, nonfinite: bool, bad_value: bool,
                ref) -> GraphNode:
    """An op or leaf GraphNode as `GraphNode(...)` makes it, without binding keywords: a
    third of the time, on the 100,000 nodes of a long tape."""
    node = _new_node(GraphNode)
    node.id, node.label, node.op, node.kind, node.shape, node.dtype = \
        nid, label, op, kind, shape, dtype
    node.scope, node.phase, node.source, node.grad_norm = scope, phase, source, grad_norm
    node.nonfinite, node.bad_value, node.ref = nonfinite, bad_value, ref
    node.members, node.ops, node.repeat = [], 0, 1
    return node


class GraphEdge:
    """A tensor flowing from `src` to `dst`; `count` > 1 when collapsing merged edges."""

    __slots__ = ("src", "dst", "shape", "grad_norm", "count")

    def __init__(self, src: str, dst: str, shape=(), grad_norm=None, count: int = 1):
        self.src = src
        self.dst = dst
        self.shape = shape
        self.grad_norm = grad_norm
        self.count = count

    def __repr__(self) -> str:
        return f"<GraphEdge {self.src}->{self.dst} {self.shape} x{self.count}>"


def gradient_norm(value) -> float | None:
    """L2 norm of a gradient, accumulated in float64: nan if it holds a NaN, inf if an Inf.

    >>> gradient_norm(np.array([3.0, 4.0], dtype=np.float32))
    5.0
    >>> gradient_norm(np.array([1.0, np.nan])), gradient_norm(None)
    (nan, None)
    """
    if value is None:
        return None
    value = getattr(value, "_value", value)
    if isinstance(value, np.floating):   # the many scalar ops of a long tape: skip the arrays
        return abs(float(value))
    value = np.asarray(value)
    if value.size == 0:
        return 0.0
    if value.dtype.kind not in "fciub":
        return None
    magnitude = np.abs(value).astype(np.float64, copy=False).ravel()
    largest = float(magnitude.max())   # NaN propagates through max: the alarm stays visible
    if not math.isfinite(largest) or largest == 0.0:
        return largest
    if 1e-150 < largest < 1e150:
        return math.sqrt(float(np.dot(magnitude, magnitude)))
    scaled = magnitude / largest          # squares of huge or tiny values over/underflow
    return largest * math.sqrt(float(np.dot(scaled, scaled)))


_dtype_names: dict = {}


def _dtype_name(value) -> str:
    """numpy's dtype name, memoised (`dtype.name` costs microseconds per call)."""
    dtype = np.asarray(value).dtype if not hasattr(value, "dtype") else value.dtype
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = dtype.name
    return name


def _common_scope(a: str, b: str) -> str:
    """The longest layer path both `a` and `b` are inside ('' when none).

    >>> _common_scope("seq/dense/inner", "seq/dense_1"), _common_scope("a", "b")
    ('seq', '')
    """
    shared = []
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        shared.append(x)
    return "/".join(shared)


def _finite_or_none(norm) -> bool:
    return norm is None or math.isfinite(norm)


def _grads_mapping(grads) -> Mapping:
    if grads is None:
        return {}
    if isinstance(grads, Mapping):
        return grads
    return grads.grads  # a Backward (or anything holding its `grads` dict)


class Graph:
    """Nodes (in execution order) and edges of a tape, a node list or a recorded step.

    >>> import tapeviz as tf
    >>> w = tf.Variable([1.0, 2.0], name="graph_doc_w")
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     loss = tf.reduce_sum(w * w)
    >>> g = Graph.from_tape(tape, tape.backward(loss).run().grads)
    >>> [(n.id, n.label) for n in g.nodes.values()]
    [('v0', 'graph_doc_w:0'), ('n0', '×'), ('n1', 'Σ')]
    >>> round(g.nodes["v0"].grad_norm, 4)   # |2 w|
    4.4721
    """

    def __init__(self, nodes=None, edges=None, shown_by: dict | None = None,
                 levels: tuple | None = None):
        self.nodes: dict[str, GraphNode] = dict(nodes or {})
        self.edges: list[GraphEdge] = list(edges or [])
        self._rep = shown_by   # for a collapsed view: underlying id -> the id that shows it
        # for a collapsed view: (box id -> id of the level that shows it, level -> its parent)
        self._levels = levels
        self._parts = None     # for a collapsed view: (src, dst) -> the edges merged there
        self._tree = None      # the scope tree, built by the first collapse
        self._ids: dict = {}   # id(ref) -> node id, for id_of
        self._indexed = 0      # how many nodes _ids was built from
        self._kinds = (0, Counter())   # (node count, nodes of each kind) for kinds()
        # id of the tensor or variable whose gradient a node shows -> the node's id
        self.gradient_keys: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<Graph {len(self.nodes)} nodes, {len(self.edges)} edges>"

    # ---- building --------------------------------------------------------------------------
    @classmethod
    def from_tape(cls, tape, grads=None) -> "Graph":
        """The graph of a GradientTape's recorded nodes; `grads` like `Backward.grads`."""
        return cls.from_nodes(tape.nodes, grads)

    @classmethod
    def from_nodes(cls, nodes, grads=None) -> "Graph":
        """The graph of a list of dispatch Nodes; `grads` maps id(tensor or variable) to grad."""
        grads = _grads_mapping(grads)
        by_id = grads.get
        return cls._build(((i, node, node) for i, node in enumerate(nodes)),
                          lambda node, ref: by_id(id(node.output)),
                          lambda variable: by_id(id(variable)),
                          lambda tensor: by_id(id(tensor)))

    @classmethod
    def from_step(cls, step, phases=("forward",)) -> "Graph":
        """The graph of a debugger RecordedStep's ops in `phases`; gradients from the recording."""
        phases = frozenset(phases)
        var_grads = step.variable_gradients
        return cls._build(((rop.index, rop.node, rop) for rop in step.ops
                           if rop.node.phase in phases),
                          lambda node, rop: rop._grad,
                          lambda variable: var_grads.get(variable.name),
                          lambda tensor: None)

    @classmethod
    def _build(cls, entries, grad_of, variable_grad, leaf_grad) -> "Graph":
        with _collector_paused():
            return cls._build_nodes(entries, grad_of, variable_grad, leaf_grad)

    @classmethod
    def _build_nodes(cls, entries, grad_of, variable_grad, leaf_grad) -> "Graph":
        graph = cls()
        nodes, edges, ids = graph.nodes, graph.edges, graph._ids
        made_by: dict[int, str] = {}     # id(output tensor) -> op node id
        leaves: dict[int, str] = {}      # id(variable or constant) -> leaf id
        leaf_values: list = []           # (leaf id, value), checked for NaN/Inf together
        counts = {"v": 0, "c": 0}
        entries = list(entries)
        outputs_bad = nonfinite_each([node.output for _, node, _ in entries])
        for (index, node, ref), bad in zip(entries, outputs_bad):
            nid = f"n{index}"
            linked = []
            for tensor in node.inputs:
                src = made_by.get(id(tensor))
                if src is None:
                    src = cls._leaf(nodes, leaves, counts, tensor, node, variable_grad,
                                    leaf_grad, leaf_values)
                    leaf = nodes[src]
                    if leaf.scope and leaf.scope != node.scope:   # shared by layers: in neither
                        leaf.scope = _common_scope(leaf.scope, node.scope)
                if src not in linked:   # x * x: one edge, not two on top of each other
                    linked.append(src)
                    edges.append(GraphEdge(src, nid, tensor._value.shape,
                                           nodes[src].grad_norm))
            output = node.output._value
            norm = gradient_norm(grad_of(node, ref))
            op = node.op
            nodes[nid] = _plain_node(
                nid, op.label, op.kind, op.name, output.shape,
                _dtype_names.get(output.dtype) or _dtype_name(output), node.scope,
                node.phase, node.source, norm, bad or not _finite_or_none(norm), bad, ref)
            made_by[id(node.output)] = ids[id(ref)] = ids[id(node)] = nid
        for (lid, _), bad in zip(leaf_values, nonfinite_each(v for _, v in leaf_values)):
            if bad:
                nodes[lid].nonfinite = nodes[lid].bad_value = True
        for obj_id, lid in leaves.items():
            ids.setdefault(obj_id, lid)
        graph._indexed = len(nodes)
        graph.gradient_keys = {**leaves, **made_by}
        return graph

    @staticmethod
    def _leaf(nodes, leaves, counts, tensor, consumer, variable_grad, leaf_grad,
              leaf_values) -> str:
        """The leaf for an input no recorded op produced (made on first sight); its value
        goes to `leaf_values`, to be checked for NaN/Inf with the others."""
        is_variable = type(tensor) is VariableRead
        obj = tensor.variable if is_variable else tensor
        lid = leaves.get(id(obj))
        if lid is not None:
            return lid
        prefix = "v" if is_variable else "c"
        lid = leaves[id(obj)] = f"{prefix}{counts[prefix]}"
        counts[prefix] += 1
        norm = gradient_norm(variable_grad(obj) if is_variable else leaf_grad(obj))
        value = tensor._value
        leaf_values.append((lid, value))
        # a leaf sits in the deepest scope all its consumers share, so it folds into the
        # group of the layer that uses it, and a weight shared by layers stays outside them
        nodes[lid] = _plain_node(
            lid, obj.name if is_variable else "const", "variable" if is_variable else "constant",
            None, value.shape, _dtype_names.get(value.dtype) or _dtype_name(value),
            consumer.scope, consumer.phase, None, norm, not _finite_or_none(norm), False, obj)
        return lid

    def kinds(self) -> Counter:
        """How many nodes of each kind; counted again only when nodes were added (a redraw
        of a 100,000-node graph asks, and kinds do not change)."""
        if self._kinds[0] != len(self.nodes):
            self._kinds = (len(self.nodes), Counter(node.kind for node in self.nodes.values()))
        return self._kinds[1]

    # ---- finding ---------------------------------------------------------------------------
    def visible_id(self, node_id: str) -> str | None:
        """The id of the node that shows `node_id` in this view (itself, or its group)."""
        if self._rep is None:
            return node_id if node_id in self.nodes else None
        return self._rep.get(node_id)

    def id_of(self, obj) -> str | None:
        """The id of the node made from `obj` (a dispatch Node, RecordedOp, Variable, Tensor)."""
        if self._indexed != len(self.nodes):   # built on first use, again if nodes were added
            self._ids, self._indexed = {}, len(self.nodes)
            for node in reversed(self.nodes.values()):   # the first node wins, as in a scan
                self._ids[id(node.ref)] = self._ids[id(getattr(node.ref, "node", None))] = \
                    node.id
            self._ids.pop(id(None), None)
        found = self._ids.get(id(obj))
        ref = self.nodes[found].ref if found is not None else None
        return found if ref is obj or getattr(ref, "node", None) is obj else None

    def opened_group_of(self, node_id: str, expanded) -> str | None:
        """In a collapsed view, the innermost group of `expanded` whose opening shows
        `node_id` (the one to close to fold it away again), or None."""
        if self._levels is None or node_id not in self._rep:
            return None
        placed, parents = self._levels
        level = placed.get(self._rep[node_id])
        while level is not None and level not in expanded:
            level = parents.get(level)
        return level

    def reveal(self, node_id: str, expanded=frozenset(), max_nodes: int = 300) -> frozenset:
        """`expanded` plus the groups to open so that `node_id` shows in `collapse(...)`."""
        if node_id not in self.nodes:
            raise KeyError(node_id)
        if len(self.nodes) <= max_nodes:
            return frozenset(expanded)
        from .collapse import box_of
        opened = set(expanded)
        while True:
            with _collector_paused():
                shown = box_of(self, self._scope_tree(), frozenset(opened), max_nodes, node_id)
            if shown == node_id:
                return frozenset(opened)
            if shown is None or shown in opened:   # our bug: opening it showed nothing new
                raise RuntimeError(f"Graph.reveal: opening {shown!r} does not show {node_id!r}")
            opened.add(shown)

    # ---- collapsing (see collapse.py) -------------------------------------------------------
    def collapse(self, expanded=frozenset(), max_nodes: int = 300) -> "Graph":
        """A view with ops folded by layer path; returns self when it has <= max_nodes nodes.

        Larger graphs open collapsed at the top level: each scope is one group node
        ("g:<path>") unless its id is in `expanded` (its parents must be open too);
        a level with more than `max_nodes` entries is bucketed into ranges of op indices
        ("g:<path>#100-199"), which open the same way.

        >>> import tapeviz as tf
        >>> x = tf.Variable(1.0)
        >>> with tf.GradientTape() as tape:
        ...     for i in range(3):
        ...         with tf.name_scope(f"block{i}"):
        ...             x = x * 2.0
        >>> g = Graph.from_tape(tape)
        >>> list(g.collapse(max_nodes=5).nodes)
        ['g:block0', 'g:block1', 'g:block2']
        >>> list(g.collapse({"g:block1"}, max_nodes=5).nodes)
        ['g:block0', 'c1', 'n1', 'g:block2']
        """
        if len(self.nodes) <= max_nodes:
            return self
        # collapse.py builds on this module's classes; imported here, the dependency
        # points one way at import time
        from .collapse import collapsed_view
        with _collector_paused():
            return collapsed_view(self, self._scope_tree(), frozenset(expanded), max_nodes)

    def _scope_tree(self):
        """The scope tree collapsing folds by (collapse.py), built on first use."""
        if self._tree is None:
            from .collapse import scope_tree
            self._tree = scope_tree(self)
        return self._tree


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while a graph of a large tape is built or
    collapsed: each of its full collections walks every object alive (the tape's tensors
    too), and building 100,000 nodes triggers many: a third of the time on a 99,000-node
    tape. Nothing made here is cyclic garbage; the collector's state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def group_id(path: str) -> str:
    """The stable id of the group of scope `path` ('g:' + the path, percent-encoded).

    >>> group_id("sequential/conv2d"), group_id('a "b"')
    ('g:sequential/conv2d', 'g:a%20%22b%22')
    """
    return "g:" + quote(path, safe="/")
