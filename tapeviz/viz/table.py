"""A graph's nodes and edges as columns: one field of every node per list, filled a field at a
time by C-level passes over the tape, so a 100,000-node tape is indexed without a Python
object per node.

`Graph` (graph.py) keeps one `NodeTable` per built graph and makes a `GraphNode` only for a
node someone asks for (`node`); collapsing (collapse.py) folds by these columns and never
visits a hidden node in Python. A node's place in the table ("position") is its place in
`Graph.nodes`: each op ("n<index>") comes right after the leaves first read by it ("v<j>"
for variables, "c<j>" for other input tensors, numbered in order of first sight); the lookups
between a position, its id and the object it was made from are table_lookup.py's, what its
boxes are called and how many of each kind table_names.py's.
"""
from __future__ import annotations

import math
from itertools import compress, repeat
from operator import attrgetter, eq, itemgetter

import numpy as np

from ..debugger.summary import nonfinite_each
from .graph_items import GraphEdge, _dtype_name, _plain_node, gradient_norm
from .node_columns import NodeColumns
from .numbering import codes_but_none, codes_of, dtype_names, numbered
from .numbering import producers as find_producers
from .table_links import find_leaves, link, place
from .table_lookup import TableLookup
from .table_names import LeafNames

_OUTPUT, _VALUE = attrgetter("output"), attrgetter("_value")
_OUTPUT_ID = attrgetter("output_id")
_SHAPE, _DTYPE, _OP = attrgetter("shape"), attrgetter("dtype"), attrgetter("op")
_SCOPE = attrgetter("scope")
_FIRST = itemgetter(0)
_NORM, _NONFINITE = attrgetter("grad_norm"), attrgetter("nonfinite")


def _norms(values) -> list:
    return list(map(gradient_norm, values))


def _unfinite(norm) -> bool:
    return norm is not None and not math.isfinite(norm)


class NodeTable(LeafNames, TableLookup):
    """The nodes of one graph, by position, as columns; see the module docstring.

    Columns every table has (of length `count`), arrays of int64: `scope_codes` (each
    node's number of its layer path in `scope_paths`), `keys` (the op index a node is
    folded at: its own, or its first reader's for a leaf), `structure_codes` (kind, op,
    shape and dtype as a number; -1 for a constant), `loop_codes` (op, shape, dtype and
    phase as a number; -1 for a leaf); `letters` (the first letter of its id: n, v, c, as
    a numpy string array); `nonfinite` and `forward` (bool arrays); `norms` (a list, None
    where a node has no gradient). Edges: `edge_src`, `edge_dst` (positions). Columns are
    numpy arrays where they can be: a list of 100,000 objects is walked by every garbage
    collection that finds it young."""

    def __init__(self):
        self.count = 0
        self.cache: dict = {}   # position -> the GraphNode made for it (the truth once made)
        self.tree = None        # the scope tree (scopetree.py), built by the first collapse
        self.checked = True     # every value checked for NaN/Inf (check_values)
        self.exact = True       # structure codes of ops, shapes and dtypes (not ops alone)
        self.ids = None         # every node id by position, once asked for
        # a table built from dispatch nodes has these (from_entries)
        self.refs = None
        # one built from GraphNodes has these instead (from_graph)
        self.positions = self.edge_list = None
        self._by_letter = self._objects = None
        self._values = self._made_by = None
        self.flat = None        # every op's input tensors, one after another (from_entries)
        self._leaf_by_object = self._leaf_values = None
        self._variable_names = None
        self._passed = None     # PassedNames, once a data box is labelled
        # id of each variable's gradient a recorded step's gradient call returned: a leaf
        # that is one is the gradient the optimizer reads, not an input
        self.gradient_ids = frozenset()

    # ---- building from dispatch nodes -----------------------------------------------------
    @classmethod
    def from_entries(cls, indices: range | list, nodes: list, refs: list, grad_of=None,
                     variable_grad=None, leaf_grad=None, check_values: bool = True,
                     scope_codes=None, gradient_ids=frozenset()):
        """The table of dispatch `nodes` in execution order, their op indices (ids n<index>)
        and what each node stands for (`refs`: itself, or a RecordedOp); the three
        functions give a node's, a variable's and another leaf's gradient (None: no
        gradients, so no norms to compute). `check_values=False` leaves every value's
        NaN/Inf check to `check_values()` (a first view: `checked` says which).
        `scope_codes`: (each node's scope number, the paths by number) as their tape noted
        them (tape_index.py), which spares reading each node's scope. `gradient_ids`: the
        ids of the gradients a recorded step's gradient call returned."""
        table = cls()
        table.checked = False
        table.gradient_ids = gradient_ids
        table.indices, table.ops, table.refs = indices, nodes, refs
        count = len(nodes)
        read = NodeColumns(nodes)
        if scope_codes is None:
            op_scope_codes, table.scope_paths = numbered(list(map(_SCOPE, nodes)))
        else:
            op_scope_codes, table.scope_paths = scope_codes
        table.flat, sizes = read.inputs, read.sizes
        consumers = np.repeat(np.arange(count), sizes)
        producers = find_producers(read.output_ids, read.input_ids, consumers)
        phases = table.phases = read.phases   # a leaf has its reader's
        find_leaves(table, producers, consumers, op_scope_codes)
        place(table, count)
        table._node_columns(nodes, read.ops, phases, op_scope_codes, grad_of, variable_grad,
                            leaf_grad, check_values)
        if check_values:
            table.check_values()
        link(table, producers, consumers, np.repeat(sizes, sizes))
        return table

    def _scatter(self, of_ops, of_leaves) -> list:
        column = np.empty(self.count, dtype=object)
        column[self.op_position] = of_ops
        column[self.leaf_position] = of_leaves
        return column.tolist()

    def _node_columns(self, nodes, ops, phases, op_scope_codes, grad_of, variable_grad,
                      leaf_grad, exact: bool) -> None:
        if grad_of is None:
            op_norms = leaf_norms = None
        else:
            op_norms = _norms(map(grad_of, nodes, self.refs))
            leaf_norms = _norms(variable_grad(obj) if variable else leaf_grad(obj)
                                for obj, variable in zip(self.leaf_objs, self.leaf_variable))
        self.scope_codes = self._scatter_ints(op_scope_codes, self.leaf_scope_codes)
        self.keys = self._scatter_ints(self.index_array, self.index_array[self.leaf_reader])
        variable = self.leaf_variable
        self.letters = np.empty(self.count, dtype="U1")
        self.letters[self.op_position] = "n"
        self.letters[self.leaf_position] = np.where(np.asarray(variable, dtype=bool), "v", "c")
        # what copies of a block share, as numbers: kind, op, shape, dtype (constants: -1;
        # a leaf's shape and dtype are read for the variables alone)
        leaf_signature = self.leaf_signature = np.full(len(variable), -1, dtype=np.int64)
        variables = list(compress(range(len(variable)), variable))
        if variables:
            read = list(map(_VALUE, map(self._leaf_tensors.__getitem__, variables)))
            leaf_signature[variables] = np.asarray(codes_of(list(zip(
                map(_SHAPE, read), dtype_names(list(map(_DTYPE, read)))))), np.int64) + \
                len(nodes)
        one_phase = phases.count("forward") == len(phases)
        self.phase_codes = None if one_phase else np.asarray(codes_of(phases), dtype=np.int64)
        self.exact = exact
        self._set_signatures(self._op_signatures() if exact else
                             numbered(ops)[0])
        self.norms = [None] * self.count if op_norms is None else \
            self._scatter(op_norms, leaf_norms)
        # until check_values(): a gradient's NaN/Inf alone (the norms say it); no value's yet
        self.nonfinite = np.zeros(self.count, bool) if op_norms is None else \
            np.fromiter(map(_unfinite, self.norms), bool, self.count)
        if one_phase:
            self.forward = np.ones(self.count, dtype=bool)
        else:
            forward = np.fromiter(map(eq, phases, repeat("forward")), bool, len(phases))
            self.forward = self._scatter_flags(forward, forward[self.leaf_reader])

    @property
    def leaf_by_object(self) -> dict:
        """id(variable or tensor) -> its leaf's ordinal (made when something looks one up)."""
        if self._leaf_by_object is None:
            self._leaf_by_object = dict(zip(map(id, self.leaf_objs), range(len(self.leaf_objs))))
        return self._leaf_by_object

    @property
    def leaf_values(self) -> list:
        """Each leaf's value, read when first needed (a first view reads the variables')."""
        if self._leaf_values is None:
            self._leaf_values = list(map(_VALUE, self._leaf_tensors))
        return self._leaf_values

    @property
    def made_by(self) -> dict | None:
        """id(output) -> the op (by order) that made it, the last one when two did (made
        when something is looked up by its node: alerts, steps); None for a table built from
        GraphNodes, which keeps no outputs."""
        if self._made_by is None and self.refs is not None:
            self._made_by = dict(zip(map(_OUTPUT_ID, self.ops), range(len(self.ops))))
        return self._made_by

    @property
    def values(self) -> list:
        """Each op's output value, read when first needed (a first view reads none)."""
        if self._values is None:
            self._values = list(map(_VALUE, map(_OUTPUT, self.ops)))
        return self._values

    def _op_signatures(self) -> np.ndarray:
        """Each op's op, shape and dtype as one number (in order of first sight)."""
        ops, values = self.ops, self.values
        return np.asarray(codes_of(list(zip(map(_OP, ops), map(_SHAPE, values),
                                            dtype_names(list(map(_DTYPE, values)))))), np.int64)

    def _set_signatures(self, op_signature: np.ndarray) -> None:
        """The structure and loop codes from each op's signature number: exact (op, shape,
        dtype), or a first view's op alone, which tells fewer blocks apart."""
        self.op_signature = op_signature
        self.structure_codes = self._scatter_ints(op_signature, self.leaf_signature)
        phases = self.phase_codes
        # what passes of a loop share: the op's signature and its phase (leaves: -1)
        if phases is not None:
            op_signature = op_signature * (phases.max(initial=0) + 1) + phases
        self.loop_codes = self._scatter_ints(op_signature, -1)

    def check_values(self) -> bool:
        """What a first view left unchecked, once: every value's NaN/Inf check (one batched
        pass), marking the nodes that hold one, the GraphNodes made so far included, and the
        ops' shapes and dtypes, which tell apart blocks that looked alike by their ops.
        Returns whether the drawing may change (a mark, or blocks told apart)."""
        if self.checked:
            return False
        changed = False
        if not self.exact:
            exact, self.exact = self._op_signatures(), True
            if exact.max(initial=-1) != self.op_signature.max(initial=-1):   # a finer split
                changed = True
                self.tree = None   # its cuts compared the blocks by their ops alone
            self._set_signatures(exact)
        bad = nonfinite_each(self.values + self.leaf_values)
        self.op_bad, self.leaf_bad = bad[:len(self.values)], bad[len(self.values):]
        if True not in bad:
            self.checked = True
            return changed
        self.sync()   # a step may have shaded made nodes since the build
        marked = self._scatter_flags(self.op_bad, self.leaf_bad)
        changed = changed or bool((marked & ~self.nonfinite).any())
        self.nonfinite |= marked
        # checked (a node made from now on reads its mark) before the made ones are marked, on
        # a copy: another thread may make a node meanwhile
        self.checked = True
        for position, node in list(self.cache.items()):
            if marked[position]:
                node.bad_value = node.nonfinite = True
        return changed

    def _scatter_flags(self, of_ops, of_leaves) -> np.ndarray:
        column = np.zeros(self.count, dtype=bool)
        column[self.op_position] = of_ops
        column[self.leaf_position] = of_leaves
        return column

    def _scatter_ints(self, of_ops, of_leaves) -> np.ndarray:
        column = np.empty(self.count, dtype=np.int64)
        column[self.op_position] = of_ops
        column[self.leaf_position] = of_leaves
        return column

    # ---- building from GraphNodes ---------------------------------------------------------
    @classmethod
    def from_graph(cls, nodes: dict, edges: list):
        """The table of a graph held as GraphNodes and GraphEdges (one whose nodes were added
        to by hand: the op a cell failed in); its nodes are their own cache."""
        table = cls()
        listed = list(nodes.values())
        table.count = len(listed)
        table.cache = dict(enumerate(listed))
        table.ids = list(nodes)
        table.positions = dict(zip(table.ids, range(table.count)))
        keys, following = [], 0
        for node_id in reversed(table.ids):   # a leaf is folded at the op after it
            if node_id[0] == "n" and node_id[1:].isdigit():
                following = int(node_id[1:])
            keys.append(following)
        table.keys = np.asarray(keys[::-1], dtype=np.int64)
        table.scope_codes, table.scope_paths = numbered(list(map(_SCOPE, listed)))
        table.letters = np.asarray(list(map(_FIRST, table.ids)), dtype="U1")
        table.structure_codes = np.asarray(codes_but_none([
            None if n.kind == "constant" else (n.kind, n.op, n.shape, n.dtype) for n in listed]),
            dtype=np.int64)
        table.loop_codes = np.asarray(codes_but_none([
            None if n.op is None else (n.op, n.shape, n.dtype, n.phase) for n in listed]),
            dtype=np.int64)
        table.forward = np.asarray([n.phase == "forward" for n in listed], dtype=bool)
        table.norms = list(map(_NORM, listed))
        table.nonfinite = np.asarray(list(map(_NONFINITE, listed)), dtype=bool)
        table.edge_list = edges
        table.edge_src = np.asarray([table.positions[e.src] for e in edges], dtype=np.int64)
        table.edge_dst = np.asarray([table.positions[e.dst] for e in edges], dtype=np.int64)
        return table

    # ---- nodes -----------------------------------------------------------------------------
    def node(self, position: int):
        """The GraphNode at `position`, made on first use and kept (a step shades it)."""
        node = self.cache.get(position)
        if node is None:
            node = self.cache[position] = self._make(position)
        return node

    def op_name(self, position: int) -> str:
        """The op name of the op node at `position`, read without making its GraphNode (a
        box's label names the ops of thousands it folds)."""
        node = self.cache.get(position)
        return node.op if node is not None else self.ops[int(self.ordinal[position])].op.name

    def _make(self, position: int):
        ordinal = int(self.ordinal[position])
        norm, nonfinite = self.norms[position], bool(self.nonfinite[position])
        if self.is_op[position]:
            node = self.ops[ordinal]
            op, value = node.op, node.output._value
            return _plain_node(
                f"n{self.indices[ordinal]}", op.label, op.kind, op.name,
                value.shape, _dtype_name(value), node.scope, node.phase,
                node.source, norm, nonfinite, self.checked and self.op_bad[ordinal],
                self.refs[ordinal])
        obj, variable = self.leaf_objs[ordinal], self.leaf_variable[ordinal]
        value, reader = self.leaf_values[ordinal], self.leaf_reader[ordinal]
        node = _plain_node(
            self.id(position), self.variable_names()[id(obj)] if variable
            else self.leaf_label(obj, reader),
            "variable" if variable else "constant", None, value.shape, _dtype_name(value),
            self.scope_paths[self.leaf_scope_codes[ordinal]],
            self.phases[reader],
            None, norm, nonfinite, self.checked and self.leaf_bad[ordinal], obj)
        if variable:
            node.read = self._leaf_tensors[ordinal]
        return node

    def sync(self) -> None:
        """Read back the norms and NaN marks of the nodes made so far: a backward step shades
        those GraphNodes in place."""
        norms, nonfinite = self.norms, self.nonfinite
        for position, node in self.cache.items():
            norms[position], nonfinite[position] = node.grad_norm, node.nonfinite

    # ---- edges -----------------------------------------------------------------------------
    @property
    def edge_count(self) -> int:
        return len(self.edge_src)

    def edge_shape(self, edge: int):
        listed = self.edge_list
        if listed is not None:
            return listed[edge].shape
        return self.flat[int(self.edge_input[edge])]._value.shape

    def edge_norm(self, edge: int):
        """An edge's gradient norm: its source's (the build and a step's shading keep it so)."""
        listed = self.edge_list
        if listed is not None:
            return listed[edge].grad_norm
        return self.norms[int(self.edge_src[edge])]

    def edge_multiplicity(self, edge: int) -> int:
        listed = self.edge_list
        return listed[edge].count if listed is not None else 1

    def graph_edges(self) -> list:
        """The edges as GraphEdges (made when something asks for them all)."""
        self.sync()
        ids = self.all_ids()
        return [GraphEdge(ids[src], ids[dst], self.edge_shape(at), self.norms[src])
                for at, (src, dst) in enumerate(zip(self.edge_src.tolist(),
                                                    self.edge_dst.tolist()))]
