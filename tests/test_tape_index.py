"""The scope runs a GradientTape notes as it records (tapeviz/tape_index.py): each recorded op's
scope read back from them is the op's own, and a graph built from them is the graph built by
reading every node, so the widget shows the same thing either way."""
import numpy as np

import tapeviz as tf
from tapeviz.tape import GradientTape
from tapeviz.viz.graph import Graph


def scoped_tape(**tape_args):
    """Ops whose first is scoped, nested scopes, a path entered twice apart, the root between
    them, and an op of the tape made inside another scope than its input's."""
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape(**tape_args) as tape:
        with tf.name_scope("enc"):
            h = x * 2.0
            with tf.name_scope("dense"):
                h = tf.tanh(h)
        h = h + 1.0
        with tf.name_scope("enc"):   # the same path again, a new run
            h = h * h
        for block in range(3):
            with tf.name_scope(f"block{block}"), tf.name_scope("inner"):
                h = tf.sin(h)
        loss = tf.reduce_sum(h)
    return tape, loss


def noted_scopes(tape) -> list:
    nodes, (codes, paths) = tape.scope_codes()
    assert len(codes) == len(nodes)
    return [paths[code] for code in codes.tolist()]


def test_noted_scopes_are_each_ops_scope():
    tape, _ = scoped_tape(persistent=True)
    scopes = [node.scope for node in tape.nodes]
    assert scopes[:3] == ["enc", "enc/dense", ""]
    assert noted_scopes(tape) == scopes


def test_a_path_entered_twice_has_one_number():
    tape, _ = scoped_tape(persistent=True)
    _, (codes, paths) = tape.scope_codes()
    assert len(paths) == len(set(paths))
    enc = [code for code, node in zip(codes.tolist(), tape.nodes) if node.scope == "enc"]
    assert len(enc) == 2 and enc[0] == enc[1]


def test_an_unscoped_tape_notes_the_root_alone():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = tf.exp(x * 3.0)
    nodes, (codes, paths) = tape.scope_codes()
    assert len(nodes) == 2 and paths == [""] and codes.tolist() == [0, 0]
    assert tape.gradient(y, x) is not None


def test_graph_from_noted_runs_equals_graph_from_nodes():
    tape, loss = scoped_tape(persistent=True)
    grads = tape.backward(loss).run().grads
    noted = Graph.from_tape(tape, grads)
    read = Graph.from_nodes(tape.nodes, grads)   # no runs: every node's scope read
    assert [(n.id, n.label, n.scope) for n in noted.nodes.values()] == \
        [(n.id, n.label, n.scope) for n in read.nodes.values()]
    for expanded in (frozenset(), frozenset({"g:enc"}), frozenset({"g:block1"})):
        view, same = noted.collapse(expanded, max_nodes=6), read.collapse(expanded, max_nodes=6)
        assert [(n.id, n.label, n.repeat) for n in view.nodes.values()] == \
            [(n.id, n.label, n.repeat) for n in same.nodes.values()]
        assert [(e.src, e.dst) for e in view.edges] == [(e.src, e.dst) for e in same.edges]


def test_reset_forgets_the_runs():
    tape, _ = scoped_tape(persistent=True)
    tape.reset()
    x = tf.Variable(2.0)
    with tape:
        tape.watch(x)
        with tf.name_scope("after"):
            y = x * x
        y = y + 1.0
    assert noted_scopes(tape) == ["after", ""]


def test_a_freed_tape_notes_nothing_and_records_anew():
    tape, loss = scoped_tape()
    tape.gradient(loss, tape.watched_variables())
    nodes, (codes, paths) = tape.scope_codes()
    assert nodes == () and len(codes) == 0 and paths == [""]


def test_a_tape_from_nodes_is_read_node_by_node():
    recorded, loss = scoped_tape(persistent=True)
    rebuilt = GradientTape.from_nodes(recorded.nodes, recorded.watched_tensors())
    nodes, noted = rebuilt.scope_codes()
    assert noted is None and nodes == recorded.nodes
    graph = Graph.from_tape(rebuilt)
    assert [n.scope for n in graph.nodes.values()] == \
        [n.scope for n in Graph.from_tape(recorded).nodes.values()]
    assert np.isclose(float(rebuilt.gradient(loss, recorded.watched_variables()[0])[0]),
                      float(recorded.gradient(loss, recorded.watched_variables()[0])[0]))


def test_edges_across_chunks_of_a_long_tape_are_each_inputs_producer():
    """The table reads nodes 2,048 at a time (viz/node_columns.py): an input made chunks
    before its reader, and the ops at the chunks' edges, get their producer's edge."""
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape(persistent=True) as tape:
        early = h = x * 1.5
        for step in range(2100):
            with tf.name_scope(f"block{step // 700}"):
                h = h * 1.0001 + 0.5 if step != 2060 else h + early
    nodes = tape.nodes
    made = {node.output_id: index for index, node in enumerate(nodes)}
    expected = {(f"n{made[key]}", f"n{index}") for index, node in enumerate(nodes)
                for key in node.input_ids if key in made}
    for graph in (Graph.from_tape(tape), Graph.from_nodes(nodes)):
        edges = {(e.src, e.dst) for e in graph.edges if e.src[0] == e.dst[0] == "n"}
        assert edges == expected
    assert ("n0", f"n{2 * 2060 + 1}") in expected   # `early` read ~4,000 ops later
