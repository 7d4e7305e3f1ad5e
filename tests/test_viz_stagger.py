"""viz.stagger: a collapsed training step's six variables over its boxes drawn in two rows, in
the model's order, so the drawing fits a 1280x800 window's graph pane at a legible scale (one
row was 704 pt wide: notebook 03's dense layer sat off the pane's right edge)."""
import re

import numpy as np

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget
from tapeviz.viz.graph import Graph
from tapeviz.viz.graph_items import GraphEdge, GraphNode
from tapeviz.viz.stagger import staggered


def node_centres(svg: str) -> dict:
    """{node label's first line: (x, y)} of the ellipses Graphviz drew."""
    found = {}
    for match in re.finditer(r'<g id="v\d+" class="node[^"]*">.*?<ellipse[^>]*cx="([-\d.]+)" '
                             r'cy="([-\d.]+)".*?<text[^>]*>([^<]+)</text>', svg, re.S):
        found[match.group(3)] = (float(match.group(1)), float(match.group(2)))
    return found


def test_a_collapsed_cnn_steps_variables_are_two_rows_in_the_models_order(keras_session):
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(4, 3, activation="relu"),
                                 tf.keras.layers.Conv2D(4, 3, activation="relu"),
                                 tf.keras.layers.GlobalAveragePooling2D(),
                                 tf.keras.layers.Dense(3)])
    optimizer = tf.keras.optimizers.Adam()
    images = tf.constant(np.random.default_rng(0).random((2, 8, 8, 1), np.float32))
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(images)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    widget = TapeWidget(rec, max_nodes=40)
    svg = widget.svg
    width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg).group(1))
    assert width <= 520, width   # was 704 in one row
    at = node_centres(svg)
    kernels = ["conv2d/kernel", "conv2d_1/kernel", "dense/kernel"]
    biases = ["conv2d/bias", "conv2d_1/bias", "dense/bias"]
    assert set(kernels + biases) <= set(at), at
    for row in (kernels, biases):
        assert len({at[name][1] for name in row}) == 1, row        # one row each
        assert [at[name][0] for name in row] == sorted(at[name][0] for name in row), row
    assert at["conv2d/kernel"][1] < at["conv2d/bias"][1]           # the kernels above
    widget.close()


def test_four_variables_or_ones_an_op_reads_keep_one_row():
    nodes = {f"v{i}": GraphNode(f"v{i}", f"w{i}", "variable") for i in range(6)}
    nodes.update({"g:m": GraphNode("g:m", "m", "group"), "n0": GraphNode("n0", "exp", "op")})
    into_box = [GraphEdge(f"v{i}", "g:m") for i in range(4)]
    assert staggered(Graph(dict(nodes), into_box)) == []
    # v4 and v5 are read by an op too: they are not in the row over the boxes
    read = into_box + [GraphEdge(f"v{i}", "g:m") for i in (4, 5)] + \
        [GraphEdge(f"v{i}", "n0") for i in (4, 5)]
    assert staggered(Graph(dict(nodes), read)) == []
    # v5 read by boxes alone again: five in the row
    assert staggered(Graph(dict(nodes), read[:-1])) == [["v0", "v2", "v5"], ["v1", "v3"]]
