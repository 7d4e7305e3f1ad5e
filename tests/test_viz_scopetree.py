"""The scope tree's repeated-block search (viz/scopetree.py): the ends of the runs of sibling
scopes that share one structure, found by numpy over the table's codes for a level of
one-run scopes and by `Scope.structure()` tuples otherwise, equal what comparing the tuples
one scope after another gives, on random levels: numbered and unnumbered names, stems that
differ only by an underscore or digits, blocks that differ by an op, a shape or only by
constants (which a structure leaves out), nested scopes, and unscoped ops in between."""
from hypothesis import example, given, settings, strategies as st

import tapeviz as tf
from tapeviz.viz.graph import Graph
from tapeviz.viz.scopetree import repeat_ends, stem, stems

NAMES = ("block", "block_", "dense_", "a", "7", "", "a_")
BODIES = {   # what a block records from h (a (2,) tensor) and the variable w
    "scale": lambda h, w: tf.tanh(h * 0.9),
    "scale twice": lambda h, w: tf.tanh(h * 0.9 * 0.5),         # one more constant and op
    "weight": lambda h, w: tf.tanh(h * w),                       # the variable: not left out
    "other op": lambda h, w: tf.sigmoid(h * 0.9),
    "other shape": lambda h, w: tf.reduce_sum(tf.tanh(h * 0.9)) + h,
    "no constant": lambda h, w: tf.tanh(h * h),   # the ops of "scale": the same structure
}

# name, numbered, body, nested, op after; mostly one body, so most neighbours compare equal
# but for their names
blocks = st.tuples(st.sampled_from(NAMES), st.booleans(),
                   st.one_of(st.just("scale"), st.sampled_from(sorted(BODIES))),
                   st.sampled_from((False, False, True)),
                   st.sampled_from((False, False, True)))


def _record(level):
    w = tf.Variable([0.5, -0.25], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for at, (name, numbered, body, nested, op_after) in enumerate(level):
            scope = f"{name}{at}" if numbered or not name else name + "x" * (at % 2)
            with tf.name_scope(scope):
                h = BODIES[body](h, w)
                if nested:
                    with tf.name_scope("inner"):
                        h = h + 1.0
            if op_after:
                h = -h
    return Graph.from_tape(tape)


def _ends_by_tuples(entries) -> list:
    ends = []
    for at, (_, entry) in enumerate(entries):
        end = at + 1
        if type(entry) is not int:
            first = entry.structure()
            while end < len(entries) and type(entries[end][1]) is not int \
                    and entries[end][1].structure() == first:
                end += 1
        ends.append(end)
    return ends


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(blocks, min_size=1, max_size=14))
@example([("dense_", True, "scale", False, False), ("a", True, "scale", False, False)] * 3)
@example([("block", True, "scale", False, False), ("block", True, "scale twice", False, False)])
@example([("block", True, "scale", False, False), ("block", True, "no constant", False, False)] * 2)
def test_repeat_ends_equal_comparing_structures_one_by_one(level):
    graph = _record(level)
    table = graph.nodes.table
    root = Graph._scope_tree(table)
    entries = root.entries()
    assert repeat_ends(entries).tolist() == _ends_by_tuples(entries)
    # a scope's positions (one range where its runs follow each other) are its entries'
    # nodes, nested scopes' in place, in order
    for scope in [root] + [entry for _, entry in entries if type(entry) is not int]:
        assert list(scope.positions()) == _flattened(scope)


def _flattened(scope) -> list:
    found = []
    for _, entry in scope.entries():
        found.extend([entry] if type(entry) is int else _flattened(entry))
    return found


def test_a_loop_of_scoped_blocks_is_one_run_and_a_different_block_ends_it():
    level = [("block", True, "weight", False, False)] + \
        [("block", True, "scale", False, False)] * 8 + [("block", True, "other op", False, False)]
    entries = Graph._scope_tree(_record(level).nodes.table).entries()
    scopes = [at for at, (_, entry) in enumerate(entries) if type(entry) is not int]
    ends = repeat_ends(entries)
    assert ends[scopes[0]] == scopes[0] + 1            # reads the variable: its own structure
    assert ends[scopes[1]] == scopes[9]                # block1 ... block8, then other op
    assert ends[scopes[9]] == scopes[9] + 1


@given(st.lists(st.text(alphabet="ab_0123456789", max_size=6), max_size=30))
def test_stems_equal_stem_of_each_name(names):
    assert stems(names) == [stem(name) for name in names]


def test_a_box_of_blocks_side_by_side_says_what_its_members_say():
    """A ×N box folded as one run of positions (positions_of gives a range) has the members,
    op count, loudest gradient norm (NaN loudest) and NaN mark its nodes have."""
    w = tf.Variable([0.5, -0.25], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(40):
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(h * (0.9 if block != 30 else float("nan")))
        loss = tf.reduce_sum(h)
    graph = Graph.from_tape(tape, tape.backward(loss).run().grads)
    view = graph.collapse(max_nodes=5)
    [box] = [node for node in view.nodes.values() if node.repeat > 1]
    members = [graph.nodes[node_id] for node_id in box.members]
    assert box.members.positions == range(4, len(graph.nodes) - 1)   # block1 ... block39
    assert [node.id for node in members] == list(box.members)
    assert box.ops == sum(node.kind not in ("variable", "constant") for node in members) == 78
    assert box.nonfinite and any(node.nonfinite for node in members)
    assert box.grad_norm != box.grad_norm   # NaN: the loudest
    view_clean = Graph.from_tape(tape).collapse(max_nodes=5)
    [clean] = [node for node in view_clean.nodes.values() if node.repeat > 1]
    assert clean.grad_norm is None and clean.nonfinite   # no gradients; a NaN value


def test_a_box_of_blocks_shows_its_members_loudest_gradient_norm():
    w = tf.Variable([0.5, -0.25], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(40):
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(h * 1.5)
        loss = tf.reduce_sum(h)
    graph = Graph.from_tape(tape, tape.backward(loss).run().grads)
    [box] = [node for node in graph.collapse(max_nodes=5).nodes.values() if node.repeat > 1]
    norms = [graph.nodes[node_id].grad_norm for node_id in box.members]
    assert box.grad_norm == max(norm for norm in norms if norm is not None) > 0
    assert not box.nonfinite
