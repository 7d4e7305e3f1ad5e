"""DOT text: escaping of user names, colours, gradient shading, alarm and outline styles."""
import re

import pytest

import tapeviz as tf
from tapeviz.viz.dot import (ALARM, DEFAULT_FILL, FAN_IN_BUNDLE, FAN_IN_LABELS, FILL, HIGHLIGHT,
                             NO_GRAD, SELECTED, _ramp, quote, to_dot)
from tapeviz.viz.graph import Graph
from tapeviz.viz.render import find_layout_binary, layout_svg

EVIL = '<script>alert("x")</script>\\'
EVIL_SCOPE = '<img src=x onerror="alert(1)">\\'   # no "/": that would split the layer path

needs_graphviz = pytest.mark.skipif(
    find_layout_binary() is None,
    reason="no Graphviz binary (graphviz-pure: pip install graphviz-pure==0.2.2, or dot)")


def _node_line(dot: str, node_id: str) -> str:
    return next(line for line in dot.splitlines() if line.startswith(f'  "{node_id}" ['))


def _attr(line: str, name: str) -> str:
    return re.search(rf'\b{name}="((?:[^"\\]|\\.)*)"', line).group(1)


def _evil_graph():
    w = tf.Variable([1.0, 2.0], name=EVIL)
    with tf.GradientTape(persistent=True) as tape:
        with tf.name_scope(EVIL_SCOPE + "\nline2"):
            y = w * 2.0
        loss = tf.reduce_sum(y)
    return Graph.from_tape(tape, tape.backward(loss).run().grads)


def test_quote_escapes_backslashes_quotes_newlines_and_control_characters():
    assert quote('a"b') == '"a\\"b"'
    assert quote("a\\") == '"a\\\\"'
    assert quote("a\nb\r\nc") == '"a\\nb\\nc"'
    assert quote("x\x00y\x1b") == '"x\ufffdy\ufffd"'
    assert quote("&lt;") == '"&amp;lt;"'          # an entity stays text, not "<"
    assert quote("\\N \\G \\l") == '"\\\\N \\\\G \\\\l"'  # no Graphviz escapes get through


def test_every_string_in_the_dot_is_quoted_and_escaped():
    dot = to_dot(_evil_graph())
    line = _node_line(dot, "v0")
    assert re.fullmatch(r'<script>alert\(\\"x\\"\)</script>\\\\\\n\(2,\)',   # (no TF ':0')
                        _attr(line, "label"))
    # nothing unquoted: every attribute value is a quoted string
    for node_line in dot.splitlines():
        if node_line.startswith('  "'):
            attrs = node_line[node_line.index("[") + 1:node_line.rindex("]")]
            assert re.fullmatch(r'(\w+="(?:[^"\\]|\\.)*"(, )?)+', attrs), node_line


@needs_graphviz
def test_a_script_name_comes_out_of_the_svg_as_text():
    graph = _evil_graph()
    svg = layout_svg(to_dot(graph))
    assert "<script" not in svg.lower() and "<img" not in svg.lower()
    assert re.search(r"&lt;script&gt;alert\(&quot;x&quot;\)&lt;/script&gt;\\</text>", svg)
    # collapsed, the group's label is the scope name
    svg = layout_svg(to_dot(graph.collapse(max_nodes=2)))
    assert "<img" not in svg.lower()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;\\" in svg


def test_colours_are_six_digit_hex():
    dot = to_dot(_evil_graph(), highlight="n0", selected="n1")
    colours = re.findall(r'\b(?:fill|font)?color="([^"]*)"', dot)
    assert colours and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours), colours
    # white behind the SVG seen alone (saved notebooks, downloads); the widget clears it
    assert re.findall(r'\bbgcolor="([^"]*)"', dot) == ["#ffffff"]


def test_gradient_magnitude_shades_nodes_and_edges_on_a_log_scale():
    x = tf.Variable([1.0, 1.0], name="x")
    with tf.GradientTape(persistent=True) as tape:
        small = x * 1e-4
        loss = tf.reduce_sum(small)
    g = Graph.from_tape(tape, tape.backward(loss).run().grads)
    dot = to_dot(g)
    strong = float(_attr(_node_line(dot, "n0"), "penwidth"))   # |d loss/d small| = 1.41
    weak = float(_attr(_node_line(dot, "v0"), "penwidth"))     # |d loss/dx| = 1.4e-4
    assert strong == 3.5 and 1.0 < weak < 2.0
    assert "|grad| = 1.000e+00" in _attr(_node_line(dot, "n1"), "tooltip")
    edge = next(line for line in dot.splitlines() if line.startswith('  "n0" -> "n1"'))
    assert float(_attr(edge, "penwidth")) == 3.0 and "xlabel" not in edge
    assert _attr(edge, "tooltip") == "multiply → reduce_sum: (2,)\\n|grad| = 1.414e+00"


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("border", ["no gradient", "weakest gradient", "strongest gradient"])
def test_every_border_the_legend_names_is_seen_on_white_and_on_every_fill(border):
    """The stepping legend reads 'violet border: gradient · dashed: none yet': a border at
    under 3:1 (the old grey, 2.2:1 on white, 1.7:1 on a fill) was not seen, in the dark theme
    least (its dashes melted into the light box's edge)."""
    colour = {"no gradient": NO_GRAD, "weakest gradient": _ramp(0.0),
              "strongest gradient": _ramp(1.0)}[border]
    for behind in ["#ffffff", DEFAULT_FILL, *FILL.values()]:
        assert contrast_ratio(colour, behind) >= 3.0, (colour, behind)


def test_nodes_without_gradient_are_dashed_once_gradients_are_known():
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape(persistent=True) as tape:
        y = x * 3.0
        z = x + 1.0                      # not on the path to the target
    g = Graph.from_tape(tape, tape.backward(y).run().grads)
    dot = to_dot(g)
    assert "dashed" in _attr(_node_line(dot, "n1"), "style")
    assert "dashed" not in _attr(_node_line(dot, "n0"), "style")
    assert not re.search(r'style="[^"]*dashed', to_dot(Graph.from_tape(tape)))
    assert z.numpy() == 3.0


def test_nonfinite_nodes_get_the_alarm_style():
    x = tf.Variable([0.0, 1.0], name="x")
    with tf.GradientTape() as tape:
        y = tf.math.log(x)
    line = _node_line(to_dot(Graph.from_tape(tape)), "n0")
    assert _attr(line, "fillcolor") == ALARM["fill"] and _attr(line, "color") == ALARM["line"]
    assert _attr(line, "label").startswith("⚠") and "nonfinite" in _attr(line, "class")
    assert "holds NaN or Inf" in _attr(line, "tooltip")
    assert y.shape == (2,)


def test_highlight_and_selection_have_distinct_outlines_and_classes():
    dot = to_dot(_evil_graph(), highlight="n0", selected="n1")
    highlighted, selected = _node_line(dot, "n0"), _node_line(dot, "n1")
    assert _attr(highlighted, "color") == HIGHLIGHT and "highlight" in _attr(highlighted, "class")
    assert _attr(selected, "color") == SELECTED and "selected" in _attr(selected, "class")
    assert _attr(_node_line(dot, "v0"), "color") not in (HIGHLIGHT, SELECTED)


def test_tooltips_carry_the_source_line_and_ids_the_node_ids():
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape() as tape:
        y = x * 3.0  # the line the tooltip shows
    dot = to_dot(Graph.from_tape(tape))
    line = _node_line(dot, "n0")
    assert _attr(line, "id") == "n0"
    tooltip = _attr(line, "tooltip")
    assert re.search(r"test_viz_dot\.py:\d+ in test_tooltips", tooltip)
    assert "y = x * 3.0  # the line the tooltip shows" in tooltip
    assert y.numpy() == 6.0


def test_a_tooltip_names_the_layer_path_and_the_pass_as_the_inspector_does():
    """It said 'scope: block' and 'phase: backward', words the inspector calls 'layer path'
    and a sentence calls 'in the backward pass'."""
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            with tf.name_scope("block"):
                y = x * x
        inner.gradient(y, x)   # its ops recorded by the outer tape, in the backward pass
    graph = Graph.from_nodes(outer.nodes)
    tips = [_attr(_node_line(to_dot(graph), i), "tooltip") for i in graph.nodes if i[0] == "n"]
    assert "layer path: block" in tips[0] and "scope" not in tips[0]
    assert any("in the backward pass" in tip for tip in tips[1:])
    assert not any("phase" in tip for tip in tips)


def test_groups_are_box3d_with_op_counts_and_merged_edge_counts():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with tf.name_scope("a"):
            h = x * 2.0
        with tf.name_scope("b"):
            h + h * h
    dot = to_dot(Graph.from_tape(tape).collapse(max_nodes=2))
    line = _node_line(dot, "g:a")
    assert _attr(line, "shape") == "box3d" and _attr(line, "label") == "▸ a\\n1 op · (2,)"
    edge = next(line for line in dot.splitlines() if line.startswith('  "g:a" -> "g:b"'))
    assert _attr(edge, "xlabel") == "×2"     # the box says (2,) already
    assert _attr(edge, "tooltip") == "a → b: (2,) (2 edges in one)"


def _edge_lines(dot: str) -> list:
    return [line for line in dot.splitlines() if " -> " in line]


def test_a_chain_of_scalars_has_no_edge_labels_the_boxes_already_say_it():
    x = tf.Variable(1.0, name="x")
    with tf.GradientTape() as tape:
        h = x
        for _ in range(20):
            h = tf.sin(h)
    edges = _edge_lines(to_dot(Graph.from_tape(tape)))
    assert len(edges) == 20 and not any("xlabel" in line for line in edges)
    assert _attr(edges[0], "tooltip") == "x → sin: scalar"   # as the box is labelled


def test_an_edge_leaving_a_box_names_its_shape_where_the_box_shows_another():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        with tf.name_scope("a"):
            total = tf.reduce_sum(x)     # leaves the box: a scalar
            tf.reshape(x, (3, 1))        # the box's last op: it shows (3, 1)
        total * 2.0
    dot = to_dot(Graph.from_tape(tape).collapse(max_nodes=3))
    assert "(3, 1)" in _attr(_node_line(dot, "g:a"), "label")
    edge = next(line for line in _edge_lines(dot) if line.startswith('  "g:a" ->'))
    assert _attr(edge, "xlabel") == "scalar"


@pytest.mark.parametrize("parts", [3, 20])
def test_labels_at_a_wide_fan_in_are_left_to_the_tooltips(parts):
    """Graphviz stacks the labels of many edges into one node over each other."""
    xs = [tf.Variable(tf.ones(i + 1)) for i in range(parts)]   # shapes differ: no ×N box
    with tf.GradientTape() as tape:
        outs = []
        for i, x in enumerate(xs):
            with tf.name_scope(f"part{i}"):
                outs += [x * 2.0 + 1.0, x * 2.0 - 1.0]   # two tensors leave each box
        tf.concat(outs, axis=0)
    dot = to_dot(Graph.from_tape(tape).collapse(max_nodes=parts + 2))
    into_concat = [line for line in _edge_lines(dot) if line.startswith('  "g:part')]
    assert len(into_concat) == parts
    assert [_attr(line, "tooltip") for line in into_concat] == [
        f"part{i} → concat: ({i + 1},) (2 edges in one)" for i in range(parts)]
    labels = [_attr(line, "xlabel") for line in into_concat if "xlabel" in line]
    assert labels == (["×2"] * parts if parts <= FAN_IN_LABELS else [])


@pytest.mark.parametrize("count", [FAN_IN_BUNDLE, 30])
def test_a_wide_fan_in_comes_through_one_box_that_counts_the_inputs(count):
    """30 thin arrows into an add_n piled their heads on one edge of its box."""
    xs = [tf.Variable(float(i), name=f"x{i}") for i in range(count)]
    with tf.GradientTape() as tape:
        tf.add_n(xs)
    dot = to_dot(Graph.from_tape(tape))
    op = next(line for line in dot.splitlines() if "add_n" in line and "->" not in line)
    op_id = re.match(r'  "([^"]+)"', op).group(1)
    into = [line for line in _edge_lines(dot) if line.startswith('  "v')]
    assert len(into) == count
    if count <= FAN_IN_BUNDLE:   # a few inputs: each arrow goes into the op itself
        assert all(f'-> "{op_id}" ' in line and "arrowhead" not in line for line in into)
        assert "~inputs" not in dot
        return
    box = _node_line(dot, f"{op_id}~inputs")
    assert _attr(box, "label") == f"{count} inputs" and _attr(box, "id") == op_id
    assert _attr(box, "tooltip") == f"{count} inputs of add_n: a click selects add_n"
    assert all(f'-> "{op_id}~inputs" ' in line and _attr(line, "arrowhead") == "none"
               for line in into)
    arrow = [line for line in _edge_lines(dot) if f'-> "{op_id}" [' in line]
    assert [line.split(" [")[0] for line in arrow] == [f'  "{op_id}~inputs" -> "{op_id}"']
    assert _attr(arrow[0], "penwidth") == "2.5"


def test_one_tensor_read_twice_inside_a_box_gets_no_count():
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape() as tape:
        y = x * 3.0                      # x is read outside the box first: drawn apart
        with tf.name_scope("a"):
            x * 2.0 + x
        y + 1.0
    dot = to_dot(Graph.from_tape(tape).collapse(max_nodes=6))
    edge = next(line for line in _edge_lines(dot) if line.startswith('  "v0" -> "g:a"'))
    assert "xlabel" not in edge and _attr(edge, "tooltip") == "x → a: (2,) (2 edges in one)"


def test_a_widely_shared_variable_is_drawn_beside_each_consumer_with_one_id():
    w = tf.Variable(2.0, name="shared")
    with tf.GradientTape() as tape:
        h = tf.constant(2.0)
        for _ in range(6):
            h = h * w            # six uses: one long edge each would slow the layout down
    dot = to_dot(Graph.from_tape(tape))
    copies = [line for line in dot.splitlines() if line.startswith('  "v0')
              and "->" not in line]
    assert len(copies) == 6 and all(_attr(line, "id") == "v0" for line in copies)
    assert dot.count('"v0~') == 2 * 5   # five copies, each declared and used once
    assert h.numpy() == 128.0


def test_ops_read_as_names_with_their_symbol_beside():
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.relu(tf.matmul([[3.0, 4.0]], w) + 1.0))
    dot = to_dot(Graph.from_tape(tape))
    labels = [_attr(_node_line(dot, f"n{i}"), "label").split("\\n")[0] for i in range(4)]
    assert labels == ["@ matmul", "+ add", "relu", "reduce_mean"]   # "mean" it spells already
    assert loss.numpy() == 12.0


def test_a_box_of_repeated_blocks_is_marked_with_their_count():
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape() as tape:
        h = x
        for i in range(5):
            with tf.name_scope(f"block{i}"):
                h = tf.nn.relu(h * 2.0 + 1.0)
    view = Graph.from_tape(tape).collapse(max_nodes=3)   # block0 holds x too
    assert list(view.nodes) == ["g:block0", "g:block1*4"]
    line = _node_line(to_dot(view), "g:block1*4")
    assert _attr(line, "label") == "▸ block ×4\\n3 ops each · (2,)"   # ▸: a click opens it
    assert _attr(line, "shape") == "box3d"
    assert _attr(line, "tooltip").startswith("4 copies of block: 20 nodes, click to open\\n")
    assert h.shape == (2,)


def test_a_long_op_name_wraps_whole_instead_of_being_cut_after_its_symbol():
    from tapeviz.viz.graph_items import GraphNode
    node = GraphNode("n0", "sparse CE", "loss", op="sparse_softmax_cross_entropy_with_logits",
                     shape=(32,))
    label = _attr(_node_line(to_dot(Graph({"n0": node})), "n0"), "label")
    assert label == "sparse_softmax_cross_entropy_\\nwith_logits\\n(32,)"


@pytest.mark.parametrize("name, lines", [
    ("encoder.layers.11.self_attn.out_proj.weight",
     ["encoder.layers.11.self_attn.", "out_proj.weight"]),
    ("my_model/sequential_3/conv2d_12/kernel", ["my_model/sequential_3/conv2d_12/", "kernel"]),
    ("model/block_1/sublayer_with_a_long_name/attention/self/query/kernel",
     ["model/block_1/", "…/attention/self/query/kernel"]),
])
def test_a_long_layer_path_breaks_between_names_and_keeps_its_own_name(name, lines):
    """A variable's path broke inside a name ('conv2d_' / '12/kernel', 'out_' / 'proj.weight')
    and a long one lost its end, the name that says which weight it is."""
    from tapeviz.viz.graph_items import GraphNode
    graph = Graph({"v0": GraphNode("v0", name, "variable", shape=(3, 3))})
    label = _attr(_node_line(to_dot(graph), "v0"), "label").split("\\n")
    assert label == [*lines, "(3, 3)"]
    assert all(len(line) <= 32 for line in label)
