"""The tape widget as a person sees it, in JupyterLab's light and dark themes.

Measured in the real page: every label of the graph (node and edge text) is 11-16 px tall on
screen, for a 2-node tape, notebook 01's network and notebook 03's CNN alike; ops read as names
(matmul, add, reduce_mean); the pane takes the notebook's width and grows with it; twelve
identical Dense blocks show as one box marked ×12, a loop body recorded 120 times as one box
marked ×120; a concat of twenty takes them through one box marked "20 inputs"; the toolbar's
status takes at most two lines; a small graph sits in a small pane, which grows when a node is
inspected; every button's text and every node's label reach WCAG contrast 4.5 against what is
behind them; nodes are reached by Tab, named for screen readers and selected with Enter. The
"more" hint of a cut graph covers no node (where the view goes when a group opens or an alert
is clicked: test_widget_view_moves.py; the first view before its values are checked:
test_first_view_unchecked.py). JupyterLab in both themes,
Notebook 7 in the dark one. Screenshots go to tests/browser/artifacts/ as
<app>-look-<theme>-<what>.png.
"""
import re

import pytest

from .harness import notebook_page
from .test_widgets import (WIDGET, check_clean, click_node, marked, wait_until)

LOOK_CELLS = [
    """
import numpy as np
import tapeviz as tf
from tapeviz.viz import TapeWidget
x = tf.Variable(3.0, name="x")
with tf.GradientTape(persistent=True) as tiny:
    y = tf.square(x)
TapeWidget(tiny)
""",
    # notebook 01's network, as the notebook writes it
    """
tf.random.set_seed(0)
x = tf.random.normal([4, 3])
y_true = tf.constant([[1.0], [0.0], [1.0], [0.0]])
w1 = tf.Variable(tf.random.normal([3, 5]), name="w1")
b1 = tf.Variable(tf.zeros([5]), name="b1")
w2 = tf.Variable(tf.random.normal([5, 1]), name="w2")
b2 = tf.Variable(tf.zeros([1]), name="b2")
with tf.GradientTape(persistent=True) as tape:
    hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
    y_pred = tf.matmul(hidden, w2) + b2
    loss = tf.reduce_mean(tf.square(y_pred - y_true))
TapeWidget(tape)
""",
    # notebook 03's CNN and loss on one batch (random digits: no data set needed)
    """
mnist_model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
    tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(10)
])
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
images = tf.random.uniform([32, 28, 28, 1])
labels = tf.constant(np.arange(32) % 10)
with tf.GradientTape(persistent=True) as cnn_tape:
    loss_value = loss_object(labels, mnist_model(images, training=True))
TapeWidget(cnn_tape)
""",
    """
deep = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu") for _ in range(12)])
with tf.GradientTape(persistent=True) as deep_tape:
    deep(tf.ones((2, 8)))
TapeWidget(deep_tape, max_nodes=20)
""",
    """
w = tf.Variable(tf.eye(4) * 0.9, name="w")
b = tf.Variable(tf.zeros(4), name="b")
with tf.GradientTape(persistent=True) as rnn_tape:
    h = tf.ones((1, 4))
    for _ in range(120):     # no name scope per step: the loop body is found all the same
        h = tf.tanh(tf.matmul(h, w) + b)
    tf.reduce_sum(h)
TapeWidget(rnn_tape)
""",
    # a wide fan-in: twenty variables into one concat, and twenty boxes into another; and
    # a box out of which a tensor leaves with another shape than the box shows
    """
parts = [tf.Variable(tf.ones([2, i + 1]), name=f"part{i}") for i in range(20)]
with tf.GradientTape(persistent=True) as fan_tape:
    joined = tf.concat(parts, axis=1)
    pieces = []
    for i, part in enumerate(parts):
        with tf.name_scope(f"branch{i}"):
            pieces += [tf.reshape(part, [-1]) * 2.0, tf.reshape(part, [-1]) + 1.0]
    tf.concat(pieces, axis=0)
    with tf.name_scope("summary"):   # its box shows its last op's shape, not the total's
        total = tf.reduce_sum(joined)
        tf.reshape(joined, [-1])
    total * 2.0
TapeWidget(fan_tape, max_nodes=50)   # a box per branch
""",
]
NAMES = ["tiny", "nb01", "nb03", "repeat", "loop", "fanin"]

# WCAG 2 contrast of what an element draws against what lies behind it, in the page
_CONTRAST = """(pairs) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const background = (el) => {       // the colours behind el, composited from the page up
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) layers.push(c);
    }
    const page = { r: 255, g: 255, b: 255, a: 1 };
    return layers.reverse().reduce((under, top) => over(top, under), page);
  };
  const luminance = ({ r, g, b }) => {
    const lin = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  return pairs.map(([text, fill]) => {
    const faded = (shape) => {     // a shape's fill as painted: its opacity included
      const c = parse(getComputedStyle(shape).fill);
      return { ...c, a: c.a * Number(getComputedStyle(shape).opacity) };
    };
    const back = fill ? over(faded(fill), background(fill.ownerSVGElement)) : background(text);
    const style = getComputedStyle(text);
    const fore = parse(fill || text instanceof SVGElement ? style.fill : style.color);
    return ratio(over(fore, back), back);
  });
}"""


def contrasts(widget, selector_pairs):
    """WCAG ratios of each (text element, filled shape or None) the JS `selector_pairs` picks."""
    return widget.evaluate(f"""(root) => {{
        const pairs = ({selector_pairs})(root);
        return ({_CONTRAST})(pairs);
    }}""")


BUTTONS = """(root) => [...root.querySelectorAll("button")]
    .filter((b) => b.offsetParent !== null).map((b) => [b, null])"""
NODE_LABELS = """(root) => [...root.querySelectorAll(".tv-graph g.node")].flatMap((n) => {
    const shape = [...n.querySelectorAll("path, polygon, ellipse")]
        .find((s) => getComputedStyle(s).fill !== "none");
    return [...n.querySelectorAll("text")].map((t) => [t, shape]);
})"""
HINT = """(root) => [...root.querySelectorAll(".tv-more")].map((t) => [t, null])"""
EDGE_LABELS = """(root) => [...root.querySelectorAll(".tv-graph g.edge text")]
    .map((t) => [t, null])"""


def label_heights(widget):
    """On-screen heights (px) of every text of the graph."""
    return widget.locator(".tv-graph svg text").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")


def font_sizes(widget):
    """On-screen font sizes (px) of every text of the graph: its size times the view's scale."""
    return widget.locator(".tv-graph svg").evaluate("""(svg) => {
        const r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
        const scale = Math.min(r.width / vb.width, r.height / vb.height);
        return [...svg.querySelectorAll("text")].map(
            (t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    }""")


def status_lines(widget):
    """How many lines the toolbar's status text takes."""
    return widget.locator(".tv-status").evaluate(
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)")


def cut(widget):
    """Whether the pane shows only part of the drawing."""
    return widget.evaluate("""(root) => {
        const pane = root.querySelector(".tv-graph").getBoundingClientRect();
        const drawn = root.querySelector(".tv-graph svg g.graph").getBoundingClientRect();
        return drawn.left < pane.left - 1 || drawn.top < pane.top - 1
            || drawn.right > pane.right + 1 || drawn.bottom > pane.bottom + 1;
    }""")


def label_insets(widget):
    """(px to the nearer side of its node's face, text) for every node label: the face of a
    group's 3D box ends at its vertical inner edge, the depth lies beyond it."""
    return widget.evaluate("""(root) => [...root.querySelectorAll(".tv-graph g.node")]
        .flatMap((n) => {
            const shape = n.querySelector(":is(polygon, path, ellipse):not(.tv-ring)")
                .getBoundingClientRect();
            const inner = [...n.querySelectorAll("polyline")].map((l) => l.getBoundingClientRect())
                .find((r) => r.width < 1);
            const right = inner ? inner.right : shape.right;
            return [...n.querySelectorAll("text")].map((t) => {
                const r = t.getBoundingClientRect();
                return [Math.min(r.left - shape.left, right - r.right), t.textContent];
            });
        })""")


def overlapping_texts(widget):
    """Pairs of graph texts (node and edge labels) whose boxes overlap on screen."""
    return widget.evaluate("""(root) => {
        const texts = [...root.querySelectorAll(".tv-graph svg text")]
            .map((t) => [t.textContent, t.getBoundingClientRect()]);
        const pairs = [];
        texts.forEach(([a, r], i) => texts.slice(i + 1).forEach(([b, q]) => {
            if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1
                && q.top < r.bottom - 1) pairs.push([a, b]);
        }));
        return pairs;
    }""")


def hint_covers(widget):
    """The graph's nodes and edge labels (by text) the "more" hint lies over on screen."""
    return widget.evaluate("""(root) => {
        const hint = root.querySelector(".tv-more");
        if (!hint) return [];
        const r = hint.getBoundingClientRect();
        return [...root.querySelectorAll(".tv-graph g.node, .tv-graph g.edge text")]
            .filter((e) => {
                const q = e.getBoundingClientRect();
                return r.left < q.right && q.left < r.right && r.top < q.bottom
                    && q.top < r.bottom;
            }).map((e) => e.textContent.trim());
    }""")


def edge_texts(widget):
    return widget.locator(".tv-graph g.edge text").all_text_contents()


def graph_text(widget):
    return " ".join(widget.locator(".tv-graph svg text").all_text_contents())


def centre(box):
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.browser
@pytest.mark.parametrize("app, theme", [("lab", "light"), ("lab", "dark"), ("notebook", "dark")])
def test_the_graph_is_legible_and_readable_in_both_themes(app, theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "look.ipynb", LOOK_CELLS, app=app, theme=theme) as page:
        widgets = [page.output(WIDGET).nth(i) for i in range(len(LOOK_CELLS))]
        for widget in widgets:
            widget.locator(".tv-graph svg g.node").first.wait_for()
        assert page.page.evaluate("document.body.dataset.jpThemeLight") == (
            "true" if theme == "light" else "false")

        for name, widget in zip(NAMES, widgets):
            widget.scroll_into_view_if_needed()
            page.screenshot(widget, f"look-{theme}-{name}")
            heights = label_heights(widget)
            assert heights and all(11 <= h <= 16 for h in heights), (name, sorted(heights))
            # and the letters themselves 11 px or more (a CNN's were drawn at 10.6 px)
            assert min(font_sizes(widget)) >= 11, (name, sorted(font_sizes(widget))[:3])
            # the status reads in one or two lines (a collapsed graph's took four, squeezed
            # between the title and the buttons)
            assert status_lines(widget) < 2.1, (name, status_lines(widget))
            # the drawing fills the pane's width: no fixed-size box inside a wider pane
            pane, svg = (widget.locator(s).bounding_box() for s in (".tv-graph", ".tv-graph svg"))
            assert abs(svg["width"] - pane["width"]) <= 2, (name, pane, svg)
            # Graphviz's white page is cleared: the pane's theme colour is behind the graph
            assert widget.locator(".tv-graph svg > g.graph > polygon").first.evaluate(
                "p => getComputedStyle(p).fill") == "rgba(0, 0, 0, 0)"
            # contrast: buttons, node labels on their fills, edge labels on the pane
            for what, pairs in (("button", BUTTONS), ("node label", NODE_LABELS),
                                ("edge label", EDGE_LABELS)):
                ratios = contrasts(widget, pairs)
                assert all(r >= 4.5 for r in ratios), (name, what, ratios)
            assert contrasts(widget, BUTTONS), name

        tiny, nb01, nb03, repeat, loop, fanin = widgets
        # an edge is labelled only where it says what its boxes do not: nothing in a graph of
        # single ops (each box prints its shape), nor at a wide fan-in; no text over another
        for widget in (tiny, nb01, nb03):
            assert edge_texts(widget) == [], edge_texts(widget)
        assert edge_texts(fanin) == ["scalar"]   # summary's total, not the (840,) it shows
        assert contrasts(fanin, EDGE_LABELS)     # measured above, in both themes
        # each concat of twenty takes its inputs through one box that counts them (twenty
        # thin arrows piled their heads on its edge), its label as legible as the rest
        assert fanin.locator(".tv-graph g.node.kind-bundle text").all_text_contents() == [
            "20 inputs", "20 inputs"]
        bundle = fanin.locator(".tv-graph g.node.kind-bundle").first
        fanin.scroll_into_view_if_needed()
        pane = fanin.locator(".tv-graph").bounding_box()
        # the graph, wider than the pane, opens on its ops (legible.js: openingX), the box
        # among them: it opened at the left end, among variables alone, the box off-screen
        assert pane["x"] < centre(bundle.bounding_box())[0] < pane["x"] + pane["width"]
        wait_until(page, lambda: hint_covers(fanin) == [], "the hint off every node")
        page.screenshot(fanin, f"look-{theme}-fanin-bundle")
        for name, widget in zip(NAMES, widgets):
            assert overlapping_texts(widget) == [], (name, overlapping_texts(widget))
        # a 2-node tape is not blown up, and a wide CNN is not shrunk below legible: it is
        # cut, and says so
        assert max(label_heights(tiny)) <= 16 and min(label_heights(nb03)) >= 11
        assert not cut(tiny) and tiny.locator(".tv-more").count() == 0
        for widget in widgets:
            assert widget.locator(".tv-more").count() == int(cut(widget))
            if cut(widget):
                assert "drag or scroll" in widget.locator(".tv-more").text_content()
                assert all(r >= 4.5 for r in contrasts(widget, HINT))
                # it sits where it hides nothing (it lay over a CNN's boxes at the pane's foot)
                assert hint_covers(widget) == [], hint_covers(widget)
        assert cut(nb03) or app == "notebook"   # Notebook 7's wider page fits it whole
        # a small graph sits in a small pane (two boxes had a 420 px pane, mostly empty)
        for name, widget in (("tiny", tiny), ("repeat", repeat), ("loop", loop)):
            pane = widget.locator(".tv-graph").bounding_box()
            drawn = widget.locator(".tv-graph svg g.graph").bounding_box()
            assert pane["height"] <= max(drawn["height"] + 40, 210), (name, pane, drawn)
        text = graph_text(nb01)
        for op in ("matmul", "add", "reduce_mean", "relu", "square"):
            assert re.search(rf"\b{op}\b", text), (op, text)
        assert "dense ×12" in graph_text(repeat)
        assert "matmul → add → tanh ×120" in graph_text(loop)
        # a folded box shows it opens (a box alone read as one op), and says so to a reader
        folded = repeat.locator(".tv-graph g.node.kind-group").first
        assert folded.locator("text").first.text_content().startswith("▸ dense ×12")
        assert folded.get_attribute("aria-expanded") == "false"
        assert "12 copies of dense" in folded.get_attribute("aria-label")
        # no label touches its box's side (a group's 3D depth used to eat into its margin)
        insets = sorted(inset for widget in widgets for inset in label_insets(widget))
        assert insets[0][0] >= 3, insets[:3]

        # the pane takes most of the notebook's width, and grows with it (Notebook 7 caps
        # its column at 1,200 px: 960 -> 1,440 px widens it by less than the window)
        def pane_width():
            return nb01.locator(".tv-graph").bounding_box()["width"]
        at_1280 = pane_width()
        assert at_1280 >= 0.5 * nb01.bounding_box()["width"]
        page.page.set_viewport_size({"width": 960, "height": 900})
        wait_until(page, lambda: pane_width() < at_1280 - 50, "the pane to shrink with the window")
        before = pane_width()
        page.page.set_viewport_size({"width": 1440, "height": 900})
        wait_until(page, lambda: pane_width() > before + 100, "the pane to grow with the window")
        heights = label_heights(nb01)
        assert all(11 <= h <= 16 for h in heights), sorted(heights)
        page.page.set_viewport_size({"width": 1280, "height": 900})

        # keyboard: the arrow keys move between the nodes (test_keyboard.py), each named by
        # op, shape and line; Enter selects
        first = nb01.locator('.tv-graph g.node[id="n0"]')
        label = first.get_attribute("aria-label")
        assert first.get_attribute("tabindex") in ("0", "-1")
        assert first.get_attribute("role") == "button"
        assert label.startswith("matmul") and "(4, 5)" in label, label
        assert re.search(r"(:\d+|line \d+)", label) and "tf.matmul(x, w1)" in label, label
        first.focus()
        page.page.keyboard.press("ArrowDown")
        focused = page.page.evaluate("document.activeElement.id")
        assert focused != "n0" and nb01.locator(f'.tv-graph g.node[id="{focused}"]').count()
        box = nb01.locator(f'.tv-graph g.node[id="{focused}"]').bounding_box()
        pane = nb01.locator(".tv-graph").bounding_box()
        assert pane["x"] <= box["x"] and box["x"] + box["width"] <= pane["x"] + pane["width"]
        assert pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]
        page.page.keyboard.press("Enter")
        wait_until(page, lambda: marked(nb01, "tv-selected") == focused, "Enter to select")
        page.screenshot(nb01, f"look-{theme}-keyboard")

        # a node inspected in the small pane: the row grows to give its details room
        click_node(page, tiny, "n0")
        wait_until(page, lambda: tiny.locator(".tv-side").bounding_box()["height"] >= 419,
                   "the inspector to take the room its details need")
        assert tiny.locator(".tv-graph").bounding_box()["height"] >= 419
        check_clean(page, browser)
