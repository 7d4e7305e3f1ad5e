"""A long scoped tape's first view told from its scope runs (viz/outline.py): it draws what the
collapsed graph draws before its values are checked, reads no hidden block, declines where the
runs cannot tell the view, and a wrong guess is redrawn by the checks."""
import pytest

import tapeviz as tf
from tapeviz.viz import outline as outline_module
from tapeviz.viz.dot import to_dot
from tapeviz.viz.graph import Graph
from tapeviz.viz.outline import outline

MAX_NODES = 40


def first_view_dot(tape) -> str:
    """The DOT of the first view as the whole table collapses it (values unchecked)."""
    return to_dot(Graph.from_tape(tape, check_values=False).collapse(max_nodes=MAX_NODES))


def blocks_tape(blocks: int, body=lambda h, block: tf.tanh(h * 0.9), scope="block{}",
                after=tf.reduce_sum):
    w = tf.Variable([0.5, -0.25], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(blocks):
            with tf.name_scope(scope.format(block)):
                h = body(h, block)
        after(h)
    return tape


def nested_tape(blocks: int):
    """Blocks inside one model scope, each with a dense-like inner scope."""
    w = tf.Variable([[0.5, -0.25], [0.1, 0.2]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = tf.ones((1, 2))
        with tf.name_scope("model"):
            for block in range(blocks):
                with tf.name_scope(f"layer_{block}"):
                    with tf.name_scope("inner"):
                        h = tf.matmul(h, w if block == 0 else tf.ones((2, 2)))
                    h = tf.nn.relu(h)
        tf.reduce_sum(h)
    return tape


def keras_tape(layers: int):
    """A Keras stack of identical Dense layers on one input constant, and its loss."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu")
                                 for _ in range(layers)])
    with tf.GradientTape(persistent=True) as tape:
        tf.reduce_sum(model(tf.ones((2, 8))))
    return tape


def residual_tape(blocks: int):
    """Blocks each with its own variable, adding to what came in; the input a constant."""
    with tf.GradientTape(persistent=True) as tape:
        h = tf.ones((1, 4))
        for block in range(blocks):
            with tf.name_scope(f"res_{block}"):
                w = tf.Variable(tf.eye(4), name=f"w{block}")
                h = h + tf.tanh(tf.matmul(h, w))
        tf.reduce_sum(h)
    return tape


@pytest.mark.parametrize("make", [lambda: blocks_tape(60), lambda: nested_tape(60),
                                  lambda: blocks_tape(30, scope="stage{}"),
                                  lambda: keras_tape(20), lambda: residual_tape(30),
                                  lambda: blocks_tape(60, after=lambda h: tf.reduce_sum(h * 2.0)),
                                  lambda: blocks_tape(60, after=lambda h: tf.reduce_sum(
                                      h * tf.Variable(2.0, name="scale") + 1.0))],
                         ids=["blocks", "nested", "stages", "keras", "residual",
                              "constant at the top", "variable and constant at the top"])
def test_the_outline_draws_what_the_collapsed_table_draws(make):
    tape = make()
    view = outline(tape, MAX_NODES)
    assert view is not None
    assert to_dot(view) == first_view_dot(tape)


def test_the_outline_reads_no_hidden_block(monkeypatch):
    tape = blocks_tape(500)
    read = []
    real = outline_module._Outline.read

    def counting(self, start, stop):
        read.append((start, stop))
        return real(self, start, stop)
    monkeypatch.setattr(outline_module._Outline, "read", counting)
    view = outline(tape, MAX_NODES)
    assert [node.repeat for node in view.nodes.values()] == [1, 499, 1]
    assert sum(stop - start for start, stop in read) <= 2 * 4 + 1   # block0, 1, 2, 499, sum


SHARED = tf.constant([1.0, 2.0])


@pytest.mark.parametrize("make", [
    lambda: blocks_tape(10),                                                # drawn whole
    lambda: blocks_tape(60, body=lambda h, block: tf.tanh(h * SHARED)),     # read by each block
    lambda: blocks_tape(60, after=lambda h: tf.reduce_sum(
        tf.tanh(tf.tanh(tf.tanh(tf.tanh(tf.tanh(tf.tanh(h))))))))],      # 7 ops outside scopes
    ids=["small", "shared constant", "ops outside scopes"])
def test_where_the_runs_cannot_tell_the_view_the_table_is_built(make):
    assert outline(make(), MAX_NODES) is None


def test_a_scope_run_twice_apart_is_left_to_the_table():
    w = tf.Variable([0.5, -0.25], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(60):
            with tf.name_scope("a" if block % 2 else "b"):
                h = tf.tanh(h * 0.9)
    assert outline(tape, MAX_NODES) is None


def test_a_tape_filled_from_nodes_has_no_runs_to_outline():
    tape = blocks_tape(60)
    copy = tf.GradientTape.from_nodes(tape.nodes, [])
    assert copy.scope_runs() is None and outline(copy, MAX_NODES) is None


pytest.importorskip("anywidget")
from tapeviz.viz.render import find_layout_binary  # noqa: E402
from tapeviz.viz.widget import CHECKING, TapeWidget  # noqa: E402


@pytest.mark.skipif(find_layout_binary() is None, reason="no Graphviz layout binary")
def test_a_widget_opens_on_the_outline_and_the_checks_complete_it():
    tape = blocks_tape(200)
    first = TapeWidget(tape, check_later=True, max_nodes=MAX_NODES)
    sent = first.get_state()
    assert first._graph is None   # nothing built: the outline is drawn
    assert sent["checking"] == CHECKING
    assert "once the values are checked" in sent["status"]
    whole = TapeWidget(tape, check_later=False, max_nodes=MAX_NODES)
    assert whole.svg == sent["svg"]   # the guess was right: the checks draw the same
    first.finish_checks()
    assert (first.svg, first.status, first.alerts) == (whole.svg, whole.status, whole.alerts)
    assert "variables and constants" not in first.status


@pytest.mark.skipif(find_layout_binary() is None, reason="no Graphviz layout binary")
def test_a_wrong_guess_is_redrawn_by_the_checks():
    # block 40 of 60 holds other ops, in as many: the outline compares the first two alone
    tape = blocks_tape(60, body=lambda h, block: tf.sigmoid(h * 0.9) if block == 40
                       else tf.tanh(h * 0.9))
    guessed = outline(tape, MAX_NODES)
    assert [node.repeat for node in guessed.nodes.values()] == [1, 59, 1]
    first = TapeWidget(tape, check_later=True, max_nodes=MAX_NODES)
    whole = TapeWidget(tape, check_later=False, max_nodes=MAX_NODES)
    assert first.get_state()["svg"] != whole.svg
    first.finish_checks()
    assert first.svg == whole.svg
    assert [node.repeat for node in first.view.nodes.values()] != [1, 59, 1]
