"""The Graph model: tapes, Keras models and recorded steps as nodes and edges, gradient norms
and NaN marks; a built graph against one made a node at a time. Collapsing it (scopes, ranges,
repeated blocks): test_viz_collapse.py."""
import numpy as np
import pytest
from test_viz_collapse import _long_tape

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.graph import Graph
from tapeviz.viz.graph_items import gradient_norm


def _small_tape():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    x = tf.constant([[1.0, -1.0]])
    with tf.GradientTape(persistent=True) as tape:
        h = tf.matmul(x, w)
        loss = tf.reduce_sum(h * h)
    return w, x, h, loss, tape


def test_graph_from_tape_has_op_nodes_leaves_and_shaped_edges():
    w, x, h, loss, tape = _small_tape()
    g = Graph.from_tape(tape)
    assert list(g.nodes) == ["c0", "v0", "n0", "n1", "n2"]
    assert [(n.kind, n.label) for n in g.nodes.values()] == [
        ("constant", "x"), ("variable", "w"), ("linalg", "@"), ("math", "×"),
        ("reduce", "Σ")]
    matmul = g.nodes["n0"]
    assert (matmul.op, matmul.shape, matmul.dtype, matmul.phase) == (
        "matmul", (1, 2), "float32", "forward")
    assert matmul.ref is tape.nodes[0] and g.nodes["v0"].ref is w and g.nodes["c0"].ref is x
    assert matmul.source.filename == __file__ and matmul.source.line == "h = tf.matmul(x, w)"
    # h * h is one edge, not two
    assert [(e.src, e.dst, e.shape) for e in g.edges] == [
        ("c0", "n0", (1, 2)), ("v0", "n0", (2, 2)), ("n0", "n1", (1, 2)), ("n1", "n2", (1, 2))]
    assert all(n.grad_norm is None and not n.nonfinite for n in g.nodes.values())


def test_gradient_norms_match_the_gradients_of_a_backward_pass():
    w, x, h, loss, tape = _small_tape()
    backward = tape.backward(loss)
    steps = list(backward)              # stepped by hand, like the widget's stepper
    assert len(steps) == 3
    g = Graph.from_tape(tape, backward)
    dw = tape.gradient(loss, w).numpy()
    assert g.nodes["v0"].grad_norm == pytest.approx(np.linalg.norm(dw))
    dh = 2 * h.numpy()
    assert g.nodes["n0"].grad_norm == pytest.approx(np.linalg.norm(dh))
    assert g.nodes["n2"].grad_norm == 1.0
    assert g.nodes["c0"].grad_norm is None   # an unwatched constant gets no gradient
    # an edge carries the gradient of its producer's output
    edge = next(e for e in g.edges if e.src == "n0")
    assert edge.grad_norm == g.nodes["n0"].grad_norm
    # the same from Backward(...).run().grads
    again = Graph.from_tape(tape, tape.backward(loss).run().grads)
    assert again.nodes["v0"].grad_norm == pytest.approx(g.nodes["v0"].grad_norm)


def test_gradient_norm_is_float64_and_nonfinite_safe():
    big = np.full(4, 1e30, dtype=np.float32)
    assert gradient_norm(big) == pytest.approx(2e30)           # float32 squares would overflow
    assert gradient_norm(np.array([1e200, 1e200])) == pytest.approx(np.sqrt(2) * 1e200)
    assert np.isnan(gradient_norm(np.array([np.inf, np.nan])))
    assert gradient_norm(np.array([1.0, -np.inf])) == np.inf
    assert gradient_norm(np.zeros((0, 3))) == 0.0
    assert gradient_norm(tf.constant([3.0, 4.0])) == 5.0


def test_nan_and_inf_mark_nodes_nonfinite_without_crashing():
    x = tf.Variable([0.0, 1.0], name="x")
    with tf.GradientTape(persistent=True) as tape:
        y = tf.math.log(x)             # log(0) = -inf, and d/dx = 1/x = inf
        loss = tf.reduce_sum(y * 0.0)  # -inf * 0 = nan
    g = Graph.from_tape(tape, tape.backward(loss).run().grads)
    log, product = g.nodes["n0"], g.nodes["n1"]
    assert log.nonfinite and product.nonfinite
    assert g.nodes["v0"].nonfinite and g.nodes["v0"].grad_norm != g.nodes["v0"].grad_norm


def test_keras_sequential_forward_groups_by_layer_path(keras_session):
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    x = tf.ones((2, 4))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(model(x)))
    g = Graph.from_tape(tape, tape.backward(loss).run().grads)
    scopes = [n.scope for n in g.nodes.values() if n.op]
    assert scopes == ["sequential/dense"] * 3 + ["sequential/dense_1"] * 2 + ["", ""]
    kernel = next(n for n in g.nodes.values() if n.label == "dense/kernel")   # Keras' name
    assert kernel.kind == "variable" and kernel.scope == "sequential/dense"
    assert kernel.grad_norm > 0

    top = g.collapse(max_nodes=8)
    assert list(top.nodes) == ["g:sequential", "n5", "n6"]
    group = top.nodes["g:sequential"]
    assert group.kind == "group" and group.label == "sequential" and group.shape == (2, 1)
    assert set(group.members) == {n.id for n in g.nodes.values()
                                  if n.scope.startswith("sequential")}
    assert [(e.src, e.dst) for e in top.edges] == [("g:sequential", "n5"), ("n5", "n6")]

    opened = g.collapse({"g:sequential"}, max_nodes=8)
    assert list(opened.nodes) == ["g:sequential/dense", "g:sequential/dense_1", "n5", "n6"]
    inner = g.collapse({"g:sequential", "g:sequential/dense"}, max_nodes=8)
    assert {"n0", "n1", "n2", "g:sequential/dense_1"} <= set(inner.nodes)
    # a child id opens nothing while its parent is closed
    assert list(g.collapse({"g:sequential/dense"}, max_nodes=8).nodes) == list(top.nodes)


def test_from_step_uses_the_recorders_gradients_and_phases(keras_session):
    w = tf.Variable([1.0, 2.0], name="w")
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            with tf.name_scope("model"):
                y = w * 3.0
            loss = tf.reduce_sum(y * y)
        grad = tape.gradient(loss, w)
        w.assign_sub(0.1 * grad)
    step = rec.last_step
    g = Graph.from_step(step)
    ops = [n for n in g.nodes.values() if n.op]
    assert [n.op for n in ops] == ["multiply", "multiply", "reduce_sum", "multiply",
                                   "assign_sub"]
    assert all(n.phase == "forward" for n in g.nodes.values())
    assert ops[0].ref is step.ops[0] and ops[0].scope == "model"
    assert ops[0].grad_norm == pytest.approx(np.linalg.norm(2 * y.numpy()))
    assert g.nodes["v0"].grad_norm == pytest.approx(np.linalg.norm(grad.numpy()))
    both = Graph.from_step(step, phases=("forward", "backward"))
    assert any(n.phase == "backward" for n in both.nodes.values())
    assert len(both.nodes) > len(g.nodes)
    assert both.id_of(step.ops[0]) == "n0" and both.id_of(step.ops[0].node) == "n0"


def test_a_graph_within_the_limit_is_shown_whole():
    w, x, h, loss, tape = _small_tape()
    g = Graph.from_tape(tape)
    assert g.collapse(max_nodes=300) is g and g.visible_id("n1") == "n1"


def test_building_and_collapsing_leave_the_garbage_collector_as_they_found_it():
    import gc
    tape, _ = _long_tape(20, 2)
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            Graph.from_tape(tape).collapse(max_nodes=5)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def _drawn_one_node_at_a_time(nodes):
    """What Graph.from_nodes draws, derived node by node as a reader would: node ids in
    order (each leaf just before its first reader), each node's scope (a leaf's: the deepest
    all its readers share) and the edges (src, dst, shape), one per tensor an op reads."""
    from tapeviz.variable import VariableRead
    order, scopes, edges, made_by, leaves, counts = [], {}, [], {}, {}, {"v": 0, "c": 0}
    for i, node in enumerate(nodes):
        linked = []
        for tensor in node.inputs:
            src = made_by.get(id(tensor))
            if src is None:
                obj = tensor.variable if type(tensor) is VariableRead else tensor
                src = leaves.get(id(obj))
                if src is None:
                    prefix = "v" if obj is not tensor else "c"
                    src = leaves[id(obj)] = f"{prefix}{counts[prefix]}"
                    counts[prefix] += 1
                    order.append(src)
                    scopes[src] = node.scope
                elif scopes[src] and scopes[src] != node.scope:
                    shared = []
                    for a, b in zip(scopes[src].split("/"), node.scope.split("/")):
                        if a != b:
                            break
                        shared.append(a)
                    scopes[src] = "/".join(shared)
            if src not in linked:
                linked.append(src)
                edges.append((src, f"n{i}", tensor.shape))
        order.append(f"n{i}")
        scopes[f"n{i}"] = node.scope
        made_by[id(node.output)] = f"n{i}"
    return order, scopes, edges


def _mixed_tape():
    """Shared weights across scopes, x * x, a stack reading one tensor twice among others,
    a constant read by two ops, nested and re-entered scopes, an unscoped loop."""
    w = tf.Variable([0.5, -0.25], name="mixed_w")
    c = tf.constant([2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        with tf.name_scope("enc"), tf.name_scope("a"):
            h = w * c
        with tf.name_scope("enc"), tf.name_scope("b"):
            h = h * h + w
        with tf.name_scope("dec"):
            s = tf.stack([h, c, h, tf.constant([1.0, 1.0])])
            h = tf.reduce_sum(s, axis=0) - c
        with tf.name_scope("enc"):
            h = tf.tanh(h)
        for _ in range(12):
            h = tf.nn.relu(h * 0.5 + w)
        tf.reduce_sum(h)
    return tape


def test_a_built_graph_has_the_nodes_scopes_and_edges_one_node_at_a_time_gives():
    tape = _mixed_tape()
    graph = Graph.from_tape(tape)
    order, scopes, edges = _drawn_one_node_at_a_time(tape.nodes)
    assert list(graph.nodes) == order and len(graph) == len(order)
    assert {node_id: graph.nodes[node_id].scope for node_id in order} == scopes
    assert [(e.src, e.dst, e.shape) for e in graph.edges] == edges
    assert scopes["v0"] == "" and scopes["c0"] == ""   # w and c: read in and out of enc
    w = tape.nodes[0].inputs[0].variable
    assert graph.id_of(w) == "v0" and graph.id_of(tape.nodes[5]) == "n5"
    assert graph.gradient_keys[id(tape.nodes[5].output)] == "n5"


def test_a_built_graph_collapses_as_the_same_graph_held_as_graph_nodes():
    """The columns a tape is built into fold as a graph made of its GraphNodes does (the
    table read back from them): same boxes, labels, members and merged edges."""
    from tapeviz.viz.dot import to_dot
    for tape in (_mixed_tape(), _long_tape(30, 2)[0]):
        graph = Graph.from_tape(tape, tape.backward(tape.nodes[-1].output).run().grads)
        plain = Graph(dict(graph.nodes.items()), list(graph.edges))
        for max_nodes in (3, 8, 20):
            expanded, seen = set(), 0
            while True:   # open the groups one by one, each view compared
                built = graph.collapse(frozenset(expanded), max_nodes)
                assert to_dot(built) == to_dot(plain.collapse(frozenset(expanded), max_nodes))
                groups = sorted(i for i, n in built.nodes.items() if n.kind == "group")
                for group in groups:
                    assert list(built.nodes[group].members) == \
                        list(plain.collapse(frozenset(expanded), max_nodes).nodes[group].members)
                if not groups or seen > 6:
                    break
                expanded.add(groups[seen % len(groups)])
                seen += 1


def test_opening_a_long_tape_makes_graph_nodes_only_for_what_it_shows():
    """Cost follows what is on screen: a 6,002-node tape opens as three boxes, and only the
    nodes those boxes show or take their line and shape from become GraphNodes; its edges
    stay columns until something asks for all of them."""
    pytest.importorskip("anywidget")
    from tapeviz.viz.widget import TapeWidget
    w = tf.Variable([0.5, -0.25], name="long_w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(2000):
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(h * 0.9)
        tf.reduce_sum(h)
    widget = TapeWidget(tape)
    assert list(widget.view.nodes) == ["g:block0", "g:block1*1999", "n4000"]
    made = widget.graph.nodes.table.cache
    assert len(made) <= 5, sorted(made)   # n4000, and each box's first and last op
    assert not widget.graph.has_edge_objects
    assert len(widget.view.nodes["g:block1*1999"].members) == 1999 * 3
    widget.step()   # the sum's step: its node is drawn, nothing else is made
    assert widget.highlight == "n4000" and len(made) <= 6


@pytest.mark.parametrize("arrange", [lambda nodes: nodes + nodes, lambda nodes: nodes[::-1]],
                         ids=["each output made twice", "outputs read before made"])
def test_a_node_list_whose_outputs_repeat_or_come_late_links_each_input_to_its_latest_maker(
        arrange):
    nodes = arrange(list(_mixed_tape().nodes))
    graph = Graph.from_nodes(nodes)
    order, scopes, edges = _drawn_one_node_at_a_time(nodes)
    assert list(graph.nodes) == order
    assert [(e.src, e.dst, e.shape) for e in graph.edges] == edges
