"""The Graph model: tapes, Keras models and recorded steps as nodes and edges; collapsing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.graph import Graph
from tapeviz.viz.graph_items import gradient_norm, group_id


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
        ("constant", "input"), ("variable", "w"), ("linalg", "@"), ("math", "×"),
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


def _long_tape(blocks: int, per_block: int):
    x = tf.Variable(tf.ones((3,)))
    with tf.GradientTape(persistent=True) as tape:
        h = x
        for b in range(blocks):
            with tf.name_scope(f"block{b}"):
                for _ in range(per_block):
                    h = h * 1.0001 + 0.5
        loss = tf.reduce_sum(h)
    return tape, loss


def test_a_10000_op_tape_opens_collapsed():
    # how fast: bench/bench_viz.py times this collapse (target < 0.5 s), not a test
    tape, loss = _long_tape(100, 50)
    assert len(tape.nodes) == 10001
    g = Graph.from_tape(tape, tape.backward(loss).run().grads)
    view = g.collapse(max_nodes=300)
    assert len(view.nodes) <= 300
    # block0 also holds the variable x; the 99 blocks after it are copies of one block
    assert list(view.nodes) == ["g:block0", "g:block1*99", "n10000"]
    assert view.nodes["g:block1*99"].repeat == 99
    # group ids are the same on every call, and expanding one shows its members
    again = g.collapse(max_nodes=300)
    assert list(again.nodes) == list(view.nodes)
    blocks = g.collapse({"g:block1*99"}, max_nodes=300)
    assert [i for i in blocks.nodes if i.startswith("g:")] == [f"g:block{i}" for i in range(100)]
    opened = g.collapse({"g:block1*99", "g:block7"}, max_nodes=300)
    members = blocks.nodes["g:block7"].members
    assert set(members) <= set(opened.nodes) and len(members) == 200
    assert opened.visible_id("n750") == "n750" and opened.visible_id("n0") == "g:block0"
    assert g.reveal("n750", max_nodes=300) == {"g:block1*99", "g:block7"}


def test_unscoped_ops_beyond_the_limit_fold_into_ranges():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        h = x
        for i in range(1000):   # add or multiply by Thue-Morse: no stretch repeats 3 times
            h = h + 1.0 if bin(i).count("1") % 2 == 0 else h * 1.0
    g = Graph.from_tape(tape)
    view = g.collapse(max_nodes=300)
    assert len(view.nodes) <= 300
    first = view.nodes["g:#0-99"]
    # named by what it holds, as other boxes are: its op count, its ops, their indices
    assert first.label == "100 ops: add, multiply (0-99)" and first.kind == "group"
    assert sum(1 for m in first.members if m[0] == "n") == 100
    # merged edges between ranges carry one edge each here
    assert [(e.src, e.dst, e.count) for e in view.edges[:1]] == [("g:#0-99", "g:#100-199", 1)]
    opened = g.collapse({"g:#100-199"}, max_nodes=300)
    assert "n150" in opened.nodes and "g:#0-99" in opened.nodes
    assert g.reveal("n555", max_nodes=300) == {"g:#500-599"}


def _range_label_of(graph, box) -> str:
    """What a range box must say, from its members: '<n> ops[ in <m> scopes]: <first three
    op names in order>[, …] (<first>-<last>)'."""
    members = [graph.nodes[node_id] for node_id in box.members]
    names = list(dict.fromkeys(node.op for node in members if node.op is not None))
    first, last = box.id.rpartition("#")[2].split("-")
    ops = [node for node in members if node.op is not None]
    keys = [int(node.id[1:]) for node in ops]
    scopes = {node.scope for node in members} - {""}
    inside = f" in {len(scopes)} scope{'s' * (len(scopes) != 1)}" if scopes else ""
    named = ", ".join(names[:3] + ["…"] * (len(names) > 3))
    span = f"{min(keys)}-{max(keys)}" if min(keys) != max(keys) else f"{min(keys)}"
    assert int(first) <= min(keys) and max(keys) <= int(last)
    return f"{len(ops)} ops{inside}: {named} ({span})"


def test_op_ranges_are_named_by_the_ops_they_hold():
    """A range of unscoped ops says how many ops, which (the first three, in order), and
    their indices; one of scopes says how many scopes too (not 'ops 0-29')."""
    rng = np.random.default_rng(0)
    ops = [lambda h: h + 1.0, lambda h: h * 1.0, lambda h: h - 1.0, lambda h: tf.tanh(h),
           lambda h: tf.sin(h)]
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        h = x
        for pick in rng.integers(0, len(ops), 400).tolist():
            h = ops[pick](h)
    graph = Graph.from_tape(tape)
    view = graph.collapse(max_nodes=20)
    ranges = [node for node in view.nodes.values() if "#" in node.id]
    assert len(ranges) >= 2
    assert any("…" in node.label for node in ranges)
    for node in ranges:
        assert node.label == _range_label_of(graph, node)
    # a level of 300 scopes of different names (no repeated blocks): ranges of scopes
    with tf.GradientTape() as tape:
        h = x
        for at in range(300):
            with tf.name_scope(f"s{at}x"):
                h = ops[at % 2](h)
    graph = Graph.from_tape(tape)
    ranges = [node for node in graph.collapse(max_nodes=20).nodes.values() if "#" in node.id]
    assert ranges and all(" scopes: " in node.label for node in ranges)
    for node in ranges:
        assert node.label == _range_label_of(graph, node)


def test_a_range_of_scopes_names_the_indices_of_all_its_ops_the_last_scopes_too():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        h = x
        for at in range(300):
            with tf.name_scope(f"s{at}x"):   # three ops a scope
                h = tf.tanh(h * 1.0 + 1.0)
    graph = Graph.from_tape(tape)
    ranges = [node for node in graph.collapse(max_nodes=20).nodes.values() if "#" in node.id]
    assert len(ranges) >= 2
    for node in ranges:
        ops = [int(member[1:]) for member in node.members if member[0] == "n"]
        assert node.label.endswith(f" ({min(ops)}-{max(ops)})")
        assert node.label.startswith(f"{len(ops)} ops in {len(ops) // 3} scopes: ")


def test_naming_op_ranges_makes_no_node_object_for_the_ops_they_hide():
    """Each op of a different shape (slices of a growing length): naming the ranges reads
    the ops' names, not a GraphNode made for each of the thousands hidden."""
    v = tf.Variable(np.ones(1500, np.float32))
    with tf.GradientTape() as tape:
        for length in range(1, 1501):
            v[:length] * 2.0
    graph = Graph.from_tape(tape)
    view = graph.collapse(max_nodes=20)
    ranges = [node for node in view.nodes.values() if "#" in node.id]
    assert len(ranges) >= 2 and all(" ops: strided_slice, multiply (" in node.label
                                    for node in ranges)
    assert len(graph.nodes.table.cache) <= 2 * len(view.nodes)   # what the boxes show
    for node in ranges:
        assert node.label == _range_label_of(graph, node)


def test_edges_between_groups_merge_with_a_count():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with tf.name_scope("a"):
            h = x * 2.0
        with tf.name_scope("b"):
            y = h + h * h - h
    view = Graph.from_tape(tape).collapse(max_nodes=2)
    assert list(view.nodes) == ["g:a", "g:b"]
    [edge] = view.edges
    assert (edge.src, edge.dst, edge.count, edge.shape) == ("g:a", "g:b", 3, (2,))
    assert y.shape == (2,)


def test_a_graph_within_the_limit_is_shown_whole():
    w, x, h, loss, tape = _small_tape()
    g = Graph.from_tape(tape)
    assert g.collapse(max_nodes=300) is g and g.visible_id("n1") == "n1"


def test_group_ids_are_percent_encoded_scope_paths():
    assert group_id("sequential/conv2d") == "g:sequential/conv2d"
    assert group_id('<b x="1">#') == "g:%3Cb%20x%3D%221%22%3E%23"


def test_a_weight_shared_by_layers_sits_outside_their_groups():
    w = tf.Variable(1.5, name="shared")
    with tf.GradientTape() as tape:
        h = tf.constant(1.0)
        for i in range(3):
            with tf.name_scope("rnn"), tf.name_scope(f"step{i}"):
                h = h * w
    g = Graph.from_tape(tape)
    assert g.nodes["v0"].scope == "rnn" and g.nodes["c0"].scope == "rnn/step0"
    view = g.collapse({"g:rnn"}, max_nodes=4)
    assert set(view.nodes) == {"v0", "g:rnn/step0", "g:rnn/step1", "g:rnn/step2"}
    assert h.numpy() == pytest.approx(3.375)


def _dense_stack(widths):
    """A Sequential of Dense+relu layers of `widths` and the graph of one forward pass."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(w, activation="relu") for w in widths])
    with tf.GradientTape() as tape:
        model(tf.ones((2, 8)))
    return Graph.from_tape(tape)


def test_twelve_identical_dense_blocks_fold_into_one_box_marked_x12(keras_session):
    g = _dense_stack([8] * 12)
    top = g.collapse({"g:sequential"}, max_nodes=20)
    # the model's input sits in the first layer: constants do not tell copies apart
    assert list(top.nodes) == ["g:sequential/dense*12"]
    # a level that would be one box alone opens by itself: the model is that level here
    assert list(g.collapse(max_nodes=20).nodes) == ["g:sequential/dense*12"]
    box = top.nodes["g:sequential/dense*12"]
    assert (box.kind, box.label, box.repeat, box.shape) == ("group", "dense", 12, (2, 8))
    assert len(box.members) == 12 * 5 + 1   # matmul, add, relu and two variables each; input
    # it opens like any group: to the twelve layers, each a group of its own
    opened = g.collapse({"g:sequential", "g:sequential/dense*12"}, max_nodes=20)
    assert list(opened.nodes) == ["g:sequential/dense"] + [
        f"g:sequential/dense_{i}" for i in range(1, 12)]
    assert g.reveal("n20", max_nodes=20) == {"g:sequential/dense*12", "g:sequential/dense_6"}


def test_blocks_differing_in_shape_or_too_few_stay_apart(keras_session):
    # dense_1 is 16 wide, the others 8: kernels of (8, 8), (8, 16), (16, 8), then 3 x (8, 8)
    wide = _dense_stack([8, 16, 8, 8, 8, 8])
    assert list(wide.collapse({"g:sequential"}, max_nodes=10).nodes) == [
        "g:sequential/dense", "g:sequential/dense_1", "g:sequential/dense_2",
        "g:sequential/dense_3*3"]
    tf.keras.backend.clear_session()
    two = _dense_stack([8, 8])   # two copies stay two boxes: folding them saves no click
    assert list(two.collapse({"g:sequential"}, max_nodes=5).nodes) == [
        "g:sequential/dense", "g:sequential/dense_1"]


def test_a_loop_body_recorded_hundreds_of_times_is_one_box_before_any_range():
    tape, _ = _long_tape(400, 1)    # more blocks than max_nodes: runs are found first
    view = Graph.from_tape(tape).collapse(max_nodes=300)
    assert list(view.nodes) == ["g:block0", "g:block1*399", "n800"]
    assert view.nodes["g:block1*399"].repeat == 399


def test_a_loop_body_recorded_without_scopes_folds_into_one_box():
    w = tf.Variable(tf.eye(3) * 0.5, name="w")
    b = tf.Variable(tf.zeros(3), name="b")
    with tf.GradientTape() as tape:
        h = tf.ones((1, 3))
        for _ in range(200):
            h = tf.tanh(tf.matmul(h, w) + b)
        tf.reduce_sum(h)
    g = Graph.from_tape(tape)
    view = g.collapse(max_nodes=300)
    assert list(view.nodes) == ["g:@0*200", "n600"]
    box = view.nodes["g:@0*200"]
    assert (box.kind, box.label, box.repeat) == ("group", "matmul → add → tanh", 200)
    assert len(box.members) == 600 + 3    # the ops, the input, w and b
    assert [(e.src, e.dst) for e in view.edges] == [("g:@0*200", "n600")]
    # opened, the 600 ops are more than a level shows: they come in op ranges
    opened = g.collapse({"g:@0*200"}, max_nodes=300)
    assert list(opened.nodes)[:2] == ["g:@0*200#0-99", "g:@0*200#100-199"]
    assert g.reveal("n350", max_nodes=300) == {"g:@0*200", "g:@0*200#300-399"}
    # within the limit nothing folds
    assert g.collapse(max_nodes=700) is g


def test_loop_stretches_take_the_most_ops_and_never_cross_a_scope():
    from tapeviz.viz.loops import loop_stretches

    ops = "xab" + "ab" * 5 + "cde" * 4   # a 2-op body 6 times (from 1), then a 3-op body 4 times
    codes = ["xabcde".index(op) for op in ops] + [-1]   # position len(ops): a constant
    constant = len(ops)
    positions = [0, constant] + list(range(1, len(ops)))   # a level's entries
    assert loop_stretches(positions, codes) == [(1, 14, 2, 6), (14, 26, 3, 4)]
    # a scope (-1) splits the 2-op passes: 2 before it are too few, the 4 after it fold
    positions.insert(6, -1)
    assert loop_stretches(positions, codes) == [(7, 15, 2, 4), (15, 27, 3, 4)]
    # the longest stretch wins: 'ab' x 7 eats the start of 'abc' x 4
    ops = "ab" * 6 + "abc" * 4
    codes = ["abc".index(op) for op in ops]
    assert loop_stretches(list(range(len(ops))), codes) == [(0, 14, 2, 7)]


def test_a_level_whose_entries_share_one_op_index_splits_by_position():
    # 400 constants and a variable all read by one stack: one op index for 402 entries
    v = tf.Variable(1.0, name="v")
    with tf.GradientTape() as tape:
        tf.stack([tf.constant(float(i)) for i in range(400)] + [v])
    g = Graph.from_tape(tape)
    view = g.collapse(max_nodes=300)
    assert 2 <= len(view.nodes) <= 30
    first = view.nodes["g:#0:0-19"]
    assert first.label == "20 constants (1-20 of 402)"
    assert first.members == [f"c{i}" for i in range(20)]
    # every node is one reveal away, and what reveals it shows fewer nodes than the level
    for node_id in ("c0", "c399", "v0", "n0"):
        opened = g.reveal(node_id, max_nodes=300)
        assert len(opened) == 1
        assert node_id in g.collapse(opened, max_nodes=300).nodes


def test_a_scope_of_one_op_index_range_opens_instead_of_nesting_ids():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with tf.name_scope("b"):
            tf.reduce_sum(w * w) + 1.0
    g = Graph.from_tape(tape)
    view = g.collapse(max_nodes=4)
    assert 2 <= len(view.nodes) <= 4
    for gid in [i for i in view.nodes if i.startswith("g:")]:
        opened = g.collapse({gid}, max_nodes=4)
        assert gid not in opened.nodes and set(view.nodes[gid].members) <= set(opened.nodes)
    assert g.reveal("n2", max_nodes=4) == {"g:b#2-2"}


def test_an_opened_repeat_box_of_more_blocks_than_max_nodes_comes_in_ranges():
    tape, _ = _long_tape(400, 1)
    g = Graph.from_tape(tape)
    assert "g:block1*399" in g.collapse(max_nodes=50).nodes
    opened = g.collapse({"g:block1*399"}, max_nodes=50)
    assert len(opened.nodes) <= 50 and "g:block1*399" not in opened.nodes
    ranges = [n for i, n in opened.nodes.items() if i.startswith("g:block1*399#")]
    assert ranges[0].label == "block1 … block49" and ranges[-1].label.endswith("block399")
    assert sum(len(n.members) for n in ranges) == 399 * 4   # two ops, two constants each
    # a range opens to its blocks, not to one box of them again
    inner = g.collapse({"g:block1*399", ranges[1].id}, max_nodes=50)
    assert [i for i in inner.nodes if i.startswith("g:block5")][:2] == ["g:block50", "g:block51"]
    opened = g.reveal("n555", max_nodes=50)
    assert "n555" in g.collapse(opened, max_nodes=50).nodes


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


@pytest.mark.filterwarnings("ignore:.*(divide by zero|invalid value):RuntimeWarning")
def test_a_folded_group_says_what_its_members_say():
    """Each box of a collapsed view carries its members' loudest gradient norm (a NaN
    loudest of all), NaN/Inf if any member holds one, their op count, the first op's line
    and the last op's shape; a constant input holding Inf is a bad value (the batched
    check of the leaves), a finite one is not."""
    import math
    w = tf.Variable([0.5, -0.25], name="fold_w")
    spike = tf.constant([np.inf, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(12):
            with tf.name_scope(f"stage{block // 4}"), tf.name_scope(f"block{block}"):
                h = tf.tanh(h * 0.9) + (spike if block == 6 else 1.0)   # block 6: Inf
                if block == 9:   # sqrt's gradient at 0 is Inf, times 0: NaN norms here
                    h = h + tf.sqrt(tf.abs(w) * 0.0)
        loss = tf.reduce_sum(h * h)
    graph = Graph.from_tape(tape, tape.backward(loss).run().grads)
    constants = [n for n in graph.nodes.values() if n.kind == "constant"]
    assert [n.bad_value for n in constants if n.ref is spike] == [True]
    assert sum(n.bad_value for n in constants) == 1
    for expanded in (frozenset(), {group_id("stage1")}):
        view = graph.collapse(expanded, max_nodes=6)
        groups = [n for n in view.nodes.values() if n.kind == "group"]
        assert groups and any(n.nonfinite for n in groups)
        assert any(n.grad_norm != n.grad_norm for n in groups)   # a NaN norm wins its box
        for group in groups:
            members = [graph.nodes[m] for m in group.members]
            loudest = None
            for norm in (m.grad_norm for m in members if m.grad_norm is not None):
                loudest = norm if loudest is None or norm != norm or (
                    loudest == loudest and norm > loudest) else loudest
            assert (group.grad_norm is None) == (loudest is None)
            if loudest is not None:
                assert math.isnan(group.grad_norm) if math.isnan(loudest) else \
                    group.grad_norm == loudest
            assert group.nonfinite == any(m.nonfinite for m in members)
            assert group.ops == sum(m.id.startswith("n") for m in members)
            with_op = [m for m in members if m.op is not None]
            assert group.source == with_op[0].source and group.shape == with_op[-1].shape
            assert all(view.visible_id(m.id) == group.id for m in members)


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
