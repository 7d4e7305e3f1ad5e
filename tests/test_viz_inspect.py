"""viz.inspect: the inspector payload of real nodes from tapes, recordings and backward steps."""
import json
import pathlib
import re
from types import SimpleNamespace

import numpy as np
import pytest
from programs import line_of
from test_viz_image import decode_png

import tapeviz as tf
import tapeviz.viz
from tapeviz.debugger import Recorder
from tapeviz.debugger.summary import summarize
from tapeviz.tensor import Tensor
from tapeviz.viz.graph import Graph
from tapeviz.viz.image import GAP, NAN_RGB
from tapeviz.viz.inspect import inspect_node


def check_payload(payload) -> dict:
    """Assert the payload's shape (JSON-ready, typed sections); return title -> section."""
    json.dumps(payload)
    assert set(payload) == {"id", "title", "sections"}
    assert isinstance(payload["id"], str) and isinstance(payload["title"], str)
    by_title = {}
    for section in payload["sections"]:
        kind, content = section["type"], section["content"]
        if kind in ("text", "code", "source"):
            assert isinstance(content, str)
        elif kind == "img":
            decode_png(content)
        elif kind == "svg":
            assert content.startswith("<svg") and content.endswith("</svg>")
        elif kind == "table":
            assert all(isinstance(cell, str) for row in content for cell in row)
        else:
            raise AssertionError(kind)
        assert section["title"] not in by_title, section["title"]
        by_title[section["title"]] = section
    return by_title


def find(sections: dict, start: str) -> dict:
    found = [s for title, s in sections.items() if title.startswith(start)]
    assert len(found) == 1, (start, list(sections))
    return found[0]


def table(section) -> dict:
    return {row[0]: row[1:] if len(row) > 2 else row[1] for row in section["content"]}


@pytest.fixture
def conv_tape(keras_session):
    layer = tf.keras.layers.Conv2D(6, 3, activation="relu")
    images = tf.constant(np.random.default_rng(0).random((3, 10, 10, 1), np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(images)
        features = layer(images)  # conv line
        loss = tf.reduce_mean(features)
    return SimpleNamespace(tape=tape, layer=layer, images=images, loss=loss)


def node_named(tape, op):
    return next(node for node in tape._nodes if node.op.name == op)


def test_conv2d_node_shows_op_source_feature_maps_and_filters(conv_tape):
    node = node_named(conv_tape.tape, "conv2d")
    payload = inspect_node(node)
    sections = check_payload(payload)
    assert payload["title"] == "conv2d → float32[3, 8, 8, 6]"
    op = table(sections["Op"])
    assert op["op"] == "conv2d" and op["kind"] == "conv" and op["layer path"] == "conv2d"
    assert "drawn as" not in op   # the graph draws 'conv2d' alone: 'drawn as conv' was said
    # what the op was called with, as a call writes it ('param padding' read as jargon)
    assert "padding='VALID'" in op["called with"] and not any(k.startswith("param") for k in op)
    source = sections["Source"]
    assert source["type"] == "source"   # lines kept as written, each wrapped under itself
    assert f"test_viz_inspect.py:{line_of(__file__, '# conv line')} in conv_tape" in \
        source["content"]
    assert "features = layer(images)" in source["content"]
    assert table(sections["Output"])["summary"] == summarize(node.output)
    maps = decode_png(find(sections, "Feature maps (example 0, 6 of 6 channels)")["content"])
    tile = (maps.shape[1] - 4 * GAP) // 3            # 6 maps: 3 columns, 2 rows of 8 x 8 tiles
    assert tile % 8 == 0 and maps.shape[:2] == (2 * tile + 3 * GAP, 3 * tile + 4 * GAP)
    # the conv's weights by the variable's name, not 'Kernel input' (jargon to a student); its
    # one input channel is drawn as it is, no mean over one
    filters = find(sections, "Weights conv2d/kernel: Filters (6 of 6, blue < 0 < red)")
    assert decode_png(filters["content"]).size
    inputs = sections["Inputs"]["content"]
    assert inputs[0] == ["input", "from", "value"]
    assert inputs[2][:2] == ["filters", "variable conv2d/kernel"]   # Keras' name, no ':0'


def test_image_input_leaf_is_drawn_as_an_image_grid(conv_tape):
    sections = check_payload(inspect_node(conv_tape.images))
    assert table(sections["Tensor"])["kind"] == "input"   # a batch of images: no constant
    assert "Images (3 of 3)" in sections


def test_matmul_node_shows_a_heatmap_and_a_scalar_loss_its_value_alone():
    x = tf.Variable([[1.0, -2.0, 0.5], [3.0, 4.0, -1.0]], name="x")
    w = tf.Variable(np.ones((3, 4), np.float32), name="w")
    with tf.GradientTape() as tape:
        y = tf.matmul(x, w)
        loss = tf.reduce_sum(y * y)
    sections = check_payload(inspect_node(node_named(tape, "matmul")))
    assert table(sections["Op"])["drawn as"] == "@"   # the symbol the graph shows
    heat = find(sections, "Heatmap (blue -6 · white 0 · red 6)")
    assert decode_png(heat["content"]).shape[:2] == (24, 48)   # 2 x 4, upscaled 12 times
    scalar = check_payload(inspect_node(tape._nodes[-1]))
    assert table(scalar["Output"])["summary"] == f"float32 scalar {loss.numpy()}"
    assert not {"Values", "Histogram"} & set(scalar) and "Heatmap" not in " ".join(scalar)


def test_recorded_op_carries_its_gradient_and_timing():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    x = tf.constant(np.ones((3, 2), np.float32))
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(tf.matmul(w, x)))
        tape.gradient(loss, w)
    rop = rec.last_step.find(op="matmul")[0]
    sections = check_payload(inspect_node(rop))
    assert table(sections["Op"])["on a tape"] == "yes" and "duration" in table(sections["Op"])
    assert table(sections["Gradient"])["summary"] == summarize(rop.grad)
    assert "Gradient: Histogram" in sections
    find(sections, "Gradient: Heatmap")
    # an explicit grad wins over the recorded one
    given = check_payload(inspect_node(rop, grad=np.zeros((2, 2), np.float32)))
    assert table(given["Gradient"])["summary"].endswith("zeros 4")


def test_backward_step_shows_input_gradients_saliency_and_filter_gradient(conv_tape):
    steps = {step.node.op.name: step for step in conv_tape.tape.backward(conv_tape.loss)}
    step = steps["conv2d"]
    sections = check_payload(inspect_node(step))
    assert table(sections["Gradient"])["summary"] == summarize(step.upstream)
    rows = sections["Input gradients"]["content"]
    assert rows[1] == ["input", summarize(step.input_grads[0])]     # TF's names for them
    assert rows[2] == ["filters", summarize(step.input_grads[1])]
    saliency = find(sections, "Gradient w.r.t. input (saliency: |gradient|")
    tiles = decode_png(saliency["content"])
    tile = (tiles.shape[1] - 3 * GAP) // 2           # 3 images of 10 x 10: a 2 x 2 grid
    assert tile % 10 == 0 and tiles.shape[:2] == (2 * tile + 3 * GAP, 2 * tile + 3 * GAP)
    find(sections, "Gradient w.r.t. conv2d/kernel: Filters (6 of 6")


def test_the_saliency_in_a_widget_names_the_images_as_the_code_does(conv_tape):
    """Stepped to the conv in a widget, its pictures say `images` and `conv2d/kernel`, the
    code's names (the saliency said 'w.r.t. input', the op's name for it)."""
    sources = [conv_tape.images, *conv_tape.layer.trainable_variables]
    widget = tapeviz.viz.TapeWidget(conv_tape.tape, target=conv_tape.loss, sources=sources)
    while widget.stepper.get("op") != "conv2d":
        widget.step()
    titles = [section["title"] for section in widget.inspector["sections"]]
    assert "Gradient w.r.t. images (saliency: |gradient|, max over channels)" in titles, titles
    assert "Gradient w.r.t. conv2d/kernel: Filters (6 of 6, blue < 0 < red)" in titles, titles
    assert "Weights conv2d/kernel: Filters (6 of 6, blue < 0 < red)" in titles, titles
    widget.close()


def test_filters_of_many_input_channels_say_they_are_averaged():
    kernel = tf.Variable(np.ones((3, 3, 4, 2), np.float32), name="kernel")
    titles = [s["title"] for s in inspect_node(kernel)["sections"]]
    assert "Filters (2 of 2, mean over 4 input channels, blue < 0 < red)" in titles, titles


def test_input_gradients_say_where_none_flows():
    x = tf.Variable([1.0, 2.0])
    c = tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        y = x * c
    step = next(iter(tape.backward(y, sources=[x])))
    rows = check_payload(inspect_node(step))["Input gradients"]["content"]
    assert rows[2][1] == "none (no variable or watched tensor lies behind it)"


def test_graph_nodes_give_their_id_and_groups_a_table(conv_tape):
    graph = Graph.from_tape(conv_tape.tape)
    ids = {node.op: nid for nid, node in graph.nodes.items() if node.op}
    payload = inspect_node(graph.nodes[ids["relu"]])
    assert payload["id"] == ids["relu"] and payload["title"].startswith("relu")
    variable = next(n for n in graph.nodes.values() if n.kind == "variable" and "kernel" in n.label)
    kernel = check_payload(inspect_node(variable))
    assert table(kernel["Tensor"])["name"] == "conv2d/kernel"
    assert table(kernel["Tensor"])["TF name"] == "conv2d/kernel:0"   # as TF users know it
    find(kernel, "Filters (6 of 6")
    group = next(n for n in graph.collapse(max_nodes=1).nodes.values() if n.kind == "group")
    sections = check_payload(inspect_node(group))
    assert list(sections) == ["Group"]


def test_names_fill_the_from_column():
    a = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(a)
        b = tf.exp(a)
        _ = b * 2.0
    node = tape._nodes[1]
    rows = check_payload(inspect_node(node, names={id(b): "n0 exp"}))["Inputs"]["content"]
    assert rows[1][:2] == ["x = b", "n0 exp"]        # the op's name, the line's expression
    assert rows[2][:2] == ["y = 2.0", "constant"]    # no op made it: said, not left blank


def test_nan_output_is_flagged_in_summary_histogram_and_heatmap():
    x = tf.Variable([[1.0, -1.0], [0.0, 4.0]])
    with tf.GradientTape() as tape, np.errstate(divide="ignore", invalid="ignore"):
        tf.math.log(x)
    sections = check_payload(inspect_node(tape._nodes[0]))
    assert "drawn as" not in table(sections["Op"])   # log is drawn by its name: no row
    assert "nan 1 inf 1" in table(sections["Output"])["summary"]
    assert "nan 1 inf 1" in sections["Histogram"]["content"]
    heat = find(sections, "Heatmap (")
    assert "magenta NaN" in heat["title"]
    assert (decode_png(heat["content"]) == NAN_RGB).all(axis=2).any()


def test_the_histograms_text_takes_the_theme_colours_the_widget_css_gives_its_classes():
    """Dark on dark in JupyterLab's dark theme otherwise: each text and the axis carry a
    class tape.css colours with theme variables (tests/browser/test_inspector.py measures the
    contrast); the fill attributes stay for the SVG seen alone."""
    x = tf.Variable([1.0, -1.0, 2.0])
    with tf.GradientTape() as tape, np.errstate(invalid="ignore"):
        tf.math.log(x)
    svg = check_payload(inspect_node(tape._nodes[0]))["Histogram"]["content"]
    texts = re.findall(r'<text [^>]*class="([\w-]+)"[^>]*>([^<]*)<', svg)
    assert [cls for cls, _ in texts] == ["tv-hist-label", "tv-hist-label", "tv-hist-alert"]
    assert "nan 1" in texts[-1][1]
    assert 'class="tv-hist-axis"' in svg and 'fill="#333"' in svg
    css = (pathlib.Path(tapeviz.viz.__file__).parent / "static" / "tape.css").read_text()
    for cls in ("tv-hist-label", "tv-hist-alert", "tv-hist-axis"):
        rule = re.search(rf"\.tv-histogram \.{cls} {{([^}}]*)}}", css)
        assert rule and "var(--jp-" in rule.group(1), cls


@pytest.mark.parametrize("value", [
    np.array(True), np.array([True, False, True]), np.zeros((0, 3), np.float32),
    np.array(["a", "<b>"]), np.ones((2, 3, 4, 5, 6)), np.full((5, 5), 7.0), np.arange(1000),
], ids=["bool-scalar", "bool-vector", "empty", "text", "5-d", "constant", "long-int-vector"])
def test_odd_values_give_a_payload(value):
    tensor = object.__new__(Tensor)   # text values cannot be made through tf.constant
    tensor._value = value
    sections = check_payload(inspect_node(tensor))
    assert table(sections["Output"])["summary"] == summarize(value)
    if value.ndim == 1 and value.size > 64:
        assert "..." in sections["Values"]["content"]


def test_payload_of_a_million_element_tensor_stays_small_and_deterministic():
    rng = np.random.default_rng(0)
    big = tf.constant(rng.normal(size=(1000, 1000)).astype(np.float32))
    grad = rng.normal(size=(1000, 1000)).astype(np.float32)
    payload = inspect_node(big, grad=grad)
    sections = check_payload(payload)
    assert len(json.dumps(payload)) < 300_000
    for title in ("Heatmap", "Gradient: Heatmap"):
        assert max(decode_png(find(sections, title)["content"]).shape[:2]) <= 256
    assert inspect_node(big, grad=grad) == payload


def test_unknown_objects_are_refused():
    with pytest.raises(TypeError, match="inspect_node"):
        inspect_node(object())


def test_a_single_value_gets_no_picture_and_gradients_read_as_gradients_wrt_the_input():
    x = tf.Variable([[3.0]], name="x")
    w = tf.Variable([[2.0]], name="w")
    with tf.GradientTape() as tape:
        y = tf.matmul(x, w)                          # 1x1: a heatmap would be one square
    step = next(iter(tape.backward(y, [x, w])))
    sections = check_payload(inspect_node(step))
    assert table(sections["Output"])["summary"] == "float32[1, 1] 6.0"
    assert not [t for t in sections if "Heatmap" in t or "Values" in t], list(sections)
    rows = sections["Input gradients"]["content"]
    assert rows[1:] == [["a", "float32[1, 1] 2.0"], ["b", "float32[1, 1] 3.0"]]
    inputs = sections["Inputs"]["content"]
    assert [row[:2] for row in inputs[1:]] == [["a = x", "variable x"], ["b = w", "variable w"]]


def test_the_widgets_inspector_says_which_node_made_each_input_and_what_is_constant():
    from tapeviz.viz.widget import TapeWidget
    w = tf.Variable(0.5, name="w")
    with tf.GradientTape(persistent=True) as tape:
        scaled = w * 2.0
        residual = 3.0 - scaled
    widget = TapeWidget(tape)
    ids = {node.op: nid for nid, node in widget.graph.nodes.items() if node.op}
    inputs = {s["title"]: s for s in widget.inspect(ids["subtract"])["sections"]}["Inputs"]
    rows = inputs["content"]
    # the maker placed as the inspector places ops (was 'n0 multiply': an id drawn nowhere)
    assert [row[:2] for row in rows[1:]] == [["x = 3.0", "constant"],
                                             ["y = scaled", "multiply, op 1 of the tape"]]
    inputs = {s["title"]: s for s in widget.inspect(ids["multiply"])["sections"]}["Inputs"]
    rows = inputs["content"]
    assert [row[:2] for row in rows[1:]] == [["x = w", "variable w"],
                                             ["y = 2.0", "constant"]]
    assert float(residual) == 2.0


@pytest.mark.parametrize("values", [[1e18, 1e18, 1e18], [1.0, 1.0 + 2.0 ** -52, 1.0]],
                         ids=["one-large-value", "values-ulps-apart"])
def test_a_value_numpy_cannot_cut_into_bins_gets_its_histogram(values):
    """np.histogram widens one value by 0.5 (nothing at 1e18) and cannot cut a range of a few
    ULPs into 30 bins: the inspector raised ValueError on such a node (a diverged weight's
    product), and the widget that opened at it, an error in place of the graph."""
    x = tf.constant(values, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tf.multiply(x, 1.0)
    section = check_payload(inspect_node(tape._nodes[0]))["Histogram"]
    assert "n=3" in section["content"], section["content"]
