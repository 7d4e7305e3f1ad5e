"""The graph the widget draws: a tape, a node list or a recorded step turned into plain nodes
and edges.

It sits between the engine (dispatch `Node`s, `Backward.grads`, the debugger's
`RecordedStep`) and the DOT builder: op nodes ("n<i>", i = position in the source's node
list), one leaf per variable read ("v<j>") and per other input tensor ("c<j>"), edges that
carry the tensor's shape and the gradient norm of its producer, and the ids of collapsed
groups ("g:<scope path>"). How a large graph folds into those groups is `collapse.py`'s
job; `Graph.collapse` and `Graph.reveal` are its entry points. A graph built from a tape
keeps its nodes as columns (table.py) and makes a `GraphNode` or `GraphEdge` only when one
is asked for (byid.py), so opening a 100,000-node tape costs what its view shows, plus one
C-level pass per field over the tape.
"""
from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Mapping

from .byid import GradientKeys, TableNodes
from .vocabulary import leaf_noun


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
    [('v0', 'graph_doc_w'), ('n0', '×'), ('n1', 'Σ')]
    >>> round(g.nodes["v0"].grad_norm, 4)   # |2 w|
    4.4721
    """

    def __init__(self, nodes=None, edges=None, shown_by=None, levels: tuple | None = None):
        self.nodes = nodes if isinstance(nodes, TableNodes) else dict(nodes or {})
        self._edges = None if isinstance(nodes, TableNodes) else list(edges or [])
        self._rep = shown_by   # for a collapsed view: which box shows each underlying node id
        # for a collapsed view: (box id -> id of the level that shows it, level -> its parent)
        self._levels = levels
        self._parts = None     # for a collapsed view: (src, dst) -> the edges merged there
        self._table = None     # (nodes, edges counted, NodeTable) for a graph of GraphNodes
        self._gradient_keys = None

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<Graph {len(self.nodes)} nodes, {len(self.edges)} edges>"

    @property
    def edges(self) -> list:
        """The edges as GraphEdges; a built graph makes them when first asked (collapsing
        reads its table's columns instead)."""
        if self._edges is None:
            self._edges = self.nodes.table.graph_edges()
        return self._edges

    @edges.setter
    def edges(self, edges: list) -> None:
        self._edges = edges

    @property
    def has_edge_objects(self) -> bool:
        """Whether `edges` exist as GraphEdges yet (a built graph makes them when asked)."""
        return self._edges is not None

    @property
    def gradient_keys(self) -> Mapping:
        """id of the tensor or variable whose gradient a node shows -> the node's id."""
        if self._gradient_keys is None:
            self._gradient_keys = GradientKeys(self.nodes.table) \
                if isinstance(self.nodes, TableNodes) else {}
        return self._gradient_keys

    # ---- building --------------------------------------------------------------------------
    @classmethod
    def from_tape(cls, tape, grads=None, check_values: bool = True) -> "Graph":
        """The graph of a GradientTape's recorded nodes; `grads` like `Backward.grads`;
        `check_values=False`: no value checked for NaN/Inf until `check_values()`."""
        noted = getattr(tape, "scope_codes", None)   # a GradientTape's (not a TorchTape's)
        if noted is None:
            return cls.from_nodes(tape.nodes, grads, check_values)
        nodes, scope_codes = noted()
        return cls.from_nodes(nodes, grads, check_values, scope_codes)

    @classmethod
    def from_nodes(cls, nodes, grads=None, check_values: bool = True,
                   scope_codes=None) -> "Graph":
        """The graph of a list of dispatch Nodes; `grads` maps id(tensor or variable) to grad;
        `scope_codes`: (each node's scope number, the paths), as a tape noted them."""
        grads = _grads_mapping(grads)
        nodes = list(nodes)
        if not grads:   # no gradients: no norms to look up
            return cls._build(range(len(nodes)), nodes, nodes, None, None, None, check_values,
                              scope_codes)
        by_id = grads.get
        return cls._build(range(len(nodes)), nodes, nodes,
                          lambda node, ref: by_id(id(node.output)),
                          lambda variable: by_id(id(variable)),
                          lambda tensor: by_id(id(tensor)), check_values, scope_codes)

    @classmethod
    def from_step(cls, step, phases=("forward",), check_values: bool = True) -> "Graph":
        """The graph of a debugger RecordedStep's ops in `phases`; gradients from the recording.
        The variables' gradients the step's gradient call returned, which the optimizer's ops
        read, are drawn 'gradient' where no drawn op made them (a backward pass not drawn, or
        one kept whole by the Recorder and run again when looked at)."""
        phases = frozenset(phases)
        var_grads = step.variable_gradients
        shown = [rop for rop in step.ops if rop.node.phase in phases]
        gradients = frozenset(map(id, var_grads.values()))
        return cls._build([rop.index for rop in shown], [rop.node for rop in shown], shown,
                          lambda node, rop: rop._grad,
                          lambda variable: var_grads.get(variable.name),
                          lambda tensor: None, check_values, gradient_ids=gradients)

    @classmethod
    def _build(cls, indices, nodes, refs, grad_of, variable_grad, leaf_grad,
               check_values: bool = True, scope_codes=None,
               gradient_ids=frozenset()) -> "Graph":
        from .table import NodeTable
        with _collector_paused():
            table = NodeTable.from_entries(indices, nodes, refs, grad_of, variable_grad,
                                           leaf_grad, check_values, scope_codes,
                                           gradient_ids)
        return cls(TableNodes(table))

    @property
    def values_checked(self) -> bool:
        """Whether every value has been checked for NaN/Inf and every op's shape and dtype
        read (a first view leaves them to `check_values`)."""
        nodes = self.nodes
        return not isinstance(nodes, TableNodes) or nodes.table.checked

    def check_values(self) -> bool:
        """Check what a first view left unchecked (NaN/Inf in the values, the ops' shapes and
        dtypes: NodeTable.check_values); returns whether the drawing may change."""
        if self.values_checked:
            return False
        with _collector_paused():   # its passes make ~100,000 objects: no collection walks
            return self.nodes.table.check_values()   # the tape's for them

    def table(self):
        """The NodeTable collapsing reads: the build's, or one made from the GraphNodes of a
        graph whose nodes or edges were added to by hand (remade when they change)."""
        nodes = self.nodes
        if isinstance(nodes, TableNodes) and nodes.plain_only is False and (
                self._edges is None or len(self._edges) == nodes.table.edge_count):
            table = nodes.table
        else:
            from .table import NodeTable
            stamp = (len(nodes), len(self.edges))
            if self._table is None or self._table[0] != stamp:
                self._table = (stamp, NodeTable.from_graph(dict(nodes.items()), self.edges))
            table = self._table[1]
        table.sync()
        return table

    def kinds(self) -> Counter:
        """How many nodes of each kind (a built graph counts them from its table); a leaf no
        variable holds is an "input" or a "constant", as its box says (vocabulary.leaf_noun)."""
        nodes = self.nodes
        if isinstance(nodes, TableNodes) and nodes.plain_only is False:
            return nodes.table.kinds()
        return Counter(node.kind if node.kind != "constant" else leaf_noun(node)
                       for node in nodes.values())

    # ---- finding ---------------------------------------------------------------------------
    def visible_id(self, node_id: str) -> str | None:
        """The id of the node that shows `node_id` in this view (itself, or its group)."""
        if self._rep is None:
            return node_id if node_id in self.nodes else None
        return self._rep.get(node_id)

    def id_of(self, obj) -> str | None:
        """The id of the node made from `obj` (a dispatch Node, RecordedOp, Variable, Tensor)."""
        table = self.table()
        position = table.find(obj)
        return None if position is None else table.id(position)

    def opened_group_of(self, node_id: str, expanded) -> str | None:
        """In a collapsed view, the innermost group of `expanded` whose opening shows
        `node_id` (the one to close to fold it away again), or None."""
        shown = self._rep.get(node_id) if self._levels is not None else None
        if shown is None:
            return None
        placed, parents = self._levels
        level = placed.get(shown)
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
        table = self.table()
        position = table.position(node_id)
        while True:
            with _collector_paused():
                shown = box_of(table, self._scope_tree(table), frozenset(opened), max_nodes,
                               position)
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
            table = self.table()
            return collapsed_view(table, self._scope_tree(table), frozenset(expanded),
                                  max_nodes)

    @staticmethod
    def _scope_tree(table):
        """The scope tree collapsing folds by (collapse.py), built once per table."""
        tree = table.tree
        if tree is None:
            from .scopetree import scope_tree
            tree = table.tree = scope_tree(table)
        return tree


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
