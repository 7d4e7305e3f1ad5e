"""A long Graph collapsed to what a person reads: by name scope, unscoped ops in named ranges,
edges between groups merged with a count, repeated blocks and loop bodies folded into one ×N
box, a folded group saying what its members say."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.viz.graph import Graph
from tapeviz.viz.graph_items import group_id


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
    assert first.label == "100 ops: add, multiply (ops 1-100)" and first.kind == "group"
    assert sum(1 for m in first.members if m[0] == "n") == 100
    # merged edges between ranges carry one edge each here
    assert [(e.src, e.dst, e.count) for e in view.edges[:1]] == [("g:#0-99", "g:#100-199", 1)]
    opened = g.collapse({"g:#100-199"}, max_nodes=300)
    assert "n150" in opened.nodes and "g:#0-99" in opened.nodes
    assert g.reveal("n555", max_nodes=300) == {"g:#500-599"}


def _range_label_of(graph, box) -> str:
    """What a range box must say, from its members: '<n> ops[ in <m> scopes]: <first three
    op names in order>[, …] (ops <first>-<last>)', counted from 1 as the title counts."""
    members = [graph.nodes[node_id] for node_id in box.members]
    names = list(dict.fromkeys(node.op for node in members if node.op is not None))
    first, last = box.id.rpartition("#")[2].split("-")
    ops = [node for node in members if node.op is not None]
    keys = [int(node.id[1:]) for node in ops]
    scopes = {node.scope for node in members} - {""}
    inside = f" in {len(scopes)} scope{'s' * (len(scopes) != 1)}" if scopes else ""
    named = ", ".join(names[:3] + ["…"] * (len(names) > 3))
    span = f"ops {min(keys) + 1}-{max(keys) + 1}" if min(keys) != max(keys) \
        else f"op {min(keys) + 1}"
    assert int(first) <= min(keys) and max(keys) <= int(last)
    return f"{len(ops)} ops{inside}: {named} ({span})"


def test_op_ranges_are_named_by_the_ops_they_hold():
    """A range of unscoped ops says how many ops, which (the first three, in order), and
    their indices; one of scopes says how many scopes too (not a bare 'ops 1-30')."""
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
        assert node.label.endswith(f" (ops {min(ops) + 1}-{max(ops) + 1})")   # from 1
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


def test_a_range_of_one_op_is_drawn_as_that_op():
    """A long unscoped tape's last range held its loss alone, drawn as a box '1 op:
    reduce_sum (op 1001)': a first view hid where a person starts. Now the op itself, fed by
    the range before it; the graph still opens and reveals as before."""
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = x
        for i in range(1000):   # add or multiply by Thue-Morse: no stretch repeats 3 times
            h = h + 1.0 if bin(i).count("1") % 2 == 0 else h * 1.0
        tf.reduce_sum(h)   # the loss
    g = Graph.from_tape(tape)
    view = g.collapse(max_nodes=300)
    assert "n1000" in view.nodes and view.nodes["n1000"].op == "reduce_sum"
    assert not any(node.label.startswith("1 op") for node in view.nodes.values())
    assert ("g:#900-999", "n1000") in {(e.src, e.dst) for e in view.edges}
    assert g.reveal("n1000", max_nodes=300) == set()
    assert view.visible_id("n1000") == "n1000"
