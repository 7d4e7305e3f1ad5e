"""tape.js outside Jupyter, in headless Chromium: the self-contained HTML export opened from
disk (it imports the module's named exports and draws, pans, zooms and inspects offline), and
the cleanup function `render` returns to anywidget (it removes every window and document
listener the view added, and every model handler).
"""
import base64
import pathlib

import pytest

import tapeviz as tf
from tapeviz.viz.front import module as front_module
from tapeviz.viz.widget import TapeWidget

from .harness import NotebookPage
from .test_widget_look import (BUTTONS, EDGE_LABELS, NODE_LABELS, contrasts, font_sizes,
                               label_heights)
from .test_widgets import check_clean, wait_until


def open_page(browser, name):
    """A fresh page of the shared browser, named `name` for its screenshots."""
    page = NotebookPage(browser.context.new_page(), name)
    browser.pages.append(page)
    return page


def view_box(page):
    return page.page.locator(".tv-graph svg").get_attribute("viewBox")


@pytest.mark.browser
def test_html_export_opened_from_disk_pans_zooms_and_inspects(tmp_path, browser):
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul([[3.0, 4.0]], w)))
    path = TapeWidget(tape, target=loss, sources=[w]).save(tmp_path / "tape.html")
    page = open_page(browser, "export")
    page.page.goto(pathlib.Path(path).as_uri())

    # the inline module ran: it filled the title from the page's JSON, with tape.js's helpers
    wait_until(page, lambda: page.page.locator(".tv-title").text_content(), "the title")
    assert page.page.locator(".tv-title").text_content() == "persistent tape: 3 ops"
    assert page.page.locator(".tv-graph svg g.node").count() == 5

    page.page.locator('.tv-graph g.node[id="n0"]').click()
    wait_until(page, lambda: page.page.locator(".tv-inspector-title").count(), "the inspector")
    assert page.page.locator(".tv-inspector-title").text_content().startswith("matmul")
    assert "tf.matmul([[3.0, 4.0]], w)" in page.page.locator(".tv-inspector").text_content()
    assert page.page.locator('.tv-graph g.node.tv-selected').get_attribute("id") == "n0"

    box = page.page.locator(".tv-graph").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = view_box(page)
    page.page.mouse.move(*centre)
    page.page.mouse.wheel(0, 300)          # the whole graph is in view: the wheel scrolls the page
    page.page.wait_for_timeout(200)
    assert view_box(page) == before
    page.page.keyboard.down("Control")
    page.page.mouse.wheel(0, -300)                       # Ctrl+wheel zooms in about the cursor
    page.page.keyboard.up("Control")
    wait_until(page, lambda: view_box(page) != before, "Ctrl+wheel to zoom")
    zoomed = view_box(page)
    page.page.mouse.down()
    page.page.mouse.move(centre[0] + 80, centre[1] + 40, steps=4)   # a drag pans
    page.page.mouse.up()
    assert view_box(page) != zoomed
    page.screenshot(".tapeviz", "page")
    check_clean(page, browser)


@pytest.mark.browser
def test_the_exports_first_view_gives_the_graph_the_room_and_says_what_to_click(
        tmp_path, browser):
    """Nothing chosen yet, the export's side panel is the live widget's narrow one under its
    hint (it was 38% of the page, empty but for one line); a click gives it its width."""
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul([[3.0, 4.0]], w)))
    path = TapeWidget(tape, target=loss, sources=[w]).save(tmp_path / "first.html")
    page = open_page(browser, "export-first-view")
    page.page.goto(pathlib.Path(path).as_uri())
    wait_until(page, lambda: page.page.locator(".tv-title").text_content(), "the title")
    side = page.page.locator(".tv-side")
    assert side.locator(".tv-hint").text_content() == \
        "Click a node to see its value, gradient and line."
    main = page.page.locator(".tv-main").bounding_box()
    idle = side.bounding_box()
    assert idle["width"] < 0.2 * main["width"], (idle, main)
    assert not page.page.locator(".tv-handle").is_visible()   # resizing waits for a node
    hint = side.locator(".tv-hint").bounding_box()
    assert hint["width"] > 100 and hint["height"] < 80, hint   # a few lines, not a column
    page.screenshot(".tapeviz", "idle")
    page.page.locator('.tv-graph g.node[id="n0"]').click()
    wait_until(page, lambda: page.page.locator(".tv-inspector-title").count(), "the inspector")
    wait_until(page, lambda: side.bounding_box()["width"] > 0.3 * main["width"],
               "the inspector's width back")
    assert page.page.locator(".tv-handle").is_visible()
    page.screenshot(".tapeviz", "chosen")
    check_clean(page, browser)


# A stand-in for anywidget's model: the traits TapeWidget syncs, and its on/off bookkeeping.
_RENDER_AND_CLEAN_UP = """async (url) => {
  const live = [];
  for (const [name, target] of [["window", window], ["document", document]]) {
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    target.addEventListener = (type, fn, options) => {
      live.push({ name, type, fn });
      add(type, fn, options);
    };
    target.removeEventListener = (type, fn, options) => {
      const at = live.findIndex((l) => l.name === name && l.type === type && l.fn === fn);
      if (at >= 0) live.splice(at, 1);
      remove(type, fn, options);
    };
  }
  const traits = {
    svg: '<svg viewBox="0 0 100 100"><g class="node" id="n0"><rect width="50" '
         + 'height="50"/></g></svg>',
    selected: "", highlight: "", title: "t", status: "", step_count: 1, step_index: 0,
    alerts: [], stepper: {}, inspector: {}, breakpoints: [], error: "",
  };
  const handlers = new Set();
  const model = {
    get: (name) => traits[name], set: (name, value) => { traits[name] = value; },
    save_changes: () => {}, send: () => {},
    on: (event, fn) => handlers.add(event + " " + fn),
    off: (event, fn) => handlers.delete(event + " " + fn),
  };
  const { default: widget } = await import(url);
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el });
  const during = { listeners: live.map((l) => `${l.name}:${l.type}`), handlers: handlers.size };
  cleanup();
  el.remove();
  return { during, after: { listeners: live.map((l) => `${l.name}:${l.type}`),
                            handlers: handlers.size } };
}"""


@pytest.mark.browser
def test_render_cleanup_removes_window_listeners_and_model_handlers(browser):
    page = open_page(browser, "cleanup")
    page.page.set_content("<!DOCTYPE html><html><body></body></html>")
    module = base64.b64encode(front_module("tape.js").encode()).decode("ascii")
    result = page.page.evaluate(_RENDER_AND_CLEAN_UP, f"data:text/javascript;base64,{module}")
    assert sorted(result["during"]["listeners"]) == ["window:pointermove", "window:pointerup"]
    assert result["during"]["handlers"] > 0
    assert result["after"] == {"listeners": [], "handlers": 0}
    check_clean(page, browser)


@pytest.mark.browser
def test_html_export_keeps_text_legible_and_contrast_without_jupyter_theme(tmp_path, browser):
    # 40 parallel branches: far wider than the pane at a legible size
    x = tf.Variable(tf.ones((3,)), name="x")
    with tf.GradientTape(persistent=True) as tape:
        total = tf.reduce_sum(tf.stack([tf.reduce_sum(tf.sin(x * float(i))) for i in range(40)]))
    path = TapeWidget(tape, target=total).save(tmp_path / "wide.html")
    page = open_page(browser, "export-wide")
    page.page.goto(pathlib.Path(path).as_uri())
    widget = page.page.locator(".tapeviz")
    widget.locator(".tv-graph svg g.node").first.wait_for()
    heights = label_heights(widget)
    assert heights and all(11 <= h <= 16 for h in heights), sorted(heights)
    # the graph is cut at the pane's right edge, not shrunk, and says so; the wheel scrolls
    # it sideways
    assert "drag or scroll" in widget.locator(".tv-graph .tv-more").text_content()
    graph = widget.locator(".tv-graph")
    before = view_box(page)
    box = graph.bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.keyboard.down("Shift")
    page.page.mouse.wheel(0, 400)
    page.page.keyboard.up("Shift")
    wait_until(page, lambda: view_box(page) != before, "Shift+wheel to scroll sideways")
    assert view_box(page).split()[1:] == before.split()[1:]   # only x moved
    # no JupyterLab variables here: the fallbacks must read as well as the themes do
    for what, pairs in (("button", BUTTONS), ("node label", NODE_LABELS)):
        ratios = contrasts(widget, pairs)
        assert ratios and all(r >= 4.5 for r in ratios), (what, ratios)
    # every box prints its shape: no edge repeats it (dot.py's rule), so none to measure
    assert contrasts(widget, EDGE_LABELS) == []
    page.screenshot(".tapeviz", "wide")
    check_clean(page, browser)


@pytest.mark.browser
def test_an_alerts_hint_reads_on_a_line_of_its_own(tmp_path, browser):
    w = tf.Variable(tf.ones((4,)), name="w")
    with tf.GradientTape(persistent=True) as tape:    # (4,) against (4, 1): an outer product
        loss = tf.reduce_mean(tf.square(w - tf.ones((4, 1))))
    widget = TapeWidget(tape, target=loss)
    message = next(a["message"] for a in widget.alerts if a["kind"] == "outer_broadcast")
    assert "; hint: " in message and "; fix: " not in message
    page = open_page(browser, "export-hint")
    page.page.goto(pathlib.Path(widget.save(tmp_path / "hint.html")).as_uri())
    alert = page.page.locator(".tv-alert-outer_broadcast")
    alert.wait_for()
    hint, kind = alert.locator(".tv-alert-fix"), alert.locator(".tv-alert-kind").bounding_box()
    assert hint.text_content() == message[message.index("; hint: ") + 2:]
    assert hint.bounding_box()["y"] >= kind["y"] + kind["height"]   # under what happened
    assert "hint:" not in alert.text_content().split(hint.text_content())[0]
    check_clean(page, browser)


@pytest.mark.browser
def test_a_small_matrixs_heatmap_is_drawn_large_enough_to_see_with_square_cells(
        tmp_path, browser):
    kernel = tf.Variable(tf.random.normal((3, 5), seed=1), name="kernel")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.matmul(tf.ones((2, 3)), kernel))
    page = open_page(browser, "export-heatmap")
    page.page.goto(pathlib.Path(TapeWidget(tape, target=loss).save(tmp_path / "h.html")).as_uri())
    page.page.locator('.tv-graph g.node[id^="v"]').first.click()
    picture = page.page.locator(".tv-inspector img[data-scale]").first
    picture.wait_for()   # loaded and drawn at its size (inspector.js)
    natural = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert max(natural) < 120, natural          # made small: 10 px a cell
    box = picture.bounding_box()
    assert max(box["width"], box["height"]) >= 120, (box, natural)
    scale = box["width"] / natural[0]
    assert scale == int(scale) and abs(box["height"] - natural[1] * scale) < 1, (box, natural)
    page.screenshot(".tapeviz", "heatmap")
    check_clean(page, browser)


@pytest.mark.browser
def test_a_tall_narrow_heatmap_is_drawn_wide_enough_to_read_and_a_large_one_stays_bounded(
        tmp_path, browser):
    """A linear layer's (32, 10) output as a heatmap: it came 20 px wide, drawn 40 px wide,
    ten columns of 4 px; now a whole factor makes its narrow side at least 96 px (cells
    of 10 px) and its long side at most 320 px. A 200x200 value, already large, is drawn
    at its own size."""
    logits = tf.Variable(tf.random.normal((32, 10), seed=2), name="logits")
    big = tf.Variable(tf.random.normal((200, 200), seed=3), name="big")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(logits) + tf.reduce_sum(big)
    page = open_page(browser, "export-narrow-heatmap")
    page.page.goto(pathlib.Path(TapeWidget(tape, target=loss).save(tmp_path / "n.html")).as_uri())
    natural, box, scale = inspected_picture(page, "logits")
    assert natural[0] < natural[1] and natural[0] <= 24, natural   # made narrow: 2 px a column
    assert box["width"] >= 96 and box["height"] <= 320, (box, natural)
    page.screenshot(".tv-side", "narrow-heatmap")
    natural, box, scale = inspected_picture(page, "big")
    assert scale == 1 and natural[0] <= 256, (box, natural)
    check_clean(page, browser)


def inspected_picture(page, name):
    """Click node `name`: its inspector's first picture's natural size, drawn box and the
    whole factor it is drawn larger by (its cells stay square)."""
    title = page.page.locator(".tv-inspector-title")
    picture = page.page.locator(".tv-inspector img[data-scale]")
    page.page.locator(".tv-graph g.node", has_text=name).first.click()
    wait_until(page, lambda: name in title.text_content(), f"the inspector to show {name}")
    picture.first.wait_for()   # loaded and drawn at its size (inspector.js)
    picture.first.scroll_into_view_if_needed()   # the side panel scrolls
    natural = picture.first.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    box = picture.first.bounding_box()
    scale = box["width"] / natural[0]
    assert scale == int(scale) and abs(box["height"] - natural[1] * scale) < 1, (box, natural)
    return natural, box, scale


@pytest.mark.browser
def test_an_alert_click_keeps_the_graph_at_its_legible_size(tmp_path, browser):
    """The alert's node, at the foot of a graph taller than its pane, is brought into view and
    the inspector opens beside it, taking a third of the pane: the graph keeps its scale (its
    text went from 11 to 7.7 px, the view's old extent squeezed into the narrower pane). The
    export opens at that node, inspected: the reader hides the inspector and fits first."""
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape(persistent=True) as tape:
        for _ in range(25):
            x = x * 1.01
        tf.math.log(x * 0.0)   # -inf, at the foot of the graph
    page = open_page(browser, "export-alert-jump")
    page.page.set_viewport_size({"width": 1280, "height": 600})
    page.page.goto(pathlib.Path(TapeWidget(tape).save(tmp_path / "jump.html")).as_uri())
    graph = page.page.locator(".tv-graph")
    graph.locator("svg g.node").first.wait_for()
    page.settle()   # the first fit
    page.page.locator("button.tv-side-hide").click()
    page.page.locator("button.tv-fit").click()
    page.settle()   # the pane's resize heard
    before, pane = min(font_sizes(page.page)), graph.bounding_box()
    page.page.locator(".tv-alert-nan").first.click()
    log = graph.locator("g.node.tv-selected")
    wait_until(page, lambda: log.count() == 1
               and graph.bounding_box()["width"] < 0.8 * pane["width"],
               "the node chosen and the inspector open")
    page.settle()   # the pane's resize heard
    assert min(font_sizes(page.page)) >= 0.97 * before >= 10.5, (before, font_sizes(page.page))
    node, pane = log.bounding_box(), graph.bounding_box()
    assert pane["x"] <= node["x"] and node["x"] + node["width"] <= pane["x"] + pane["width"]
    assert pane["y"] <= node["y"] and node["y"] + node["height"] <= pane["y"] + pane["height"]
    page.screenshot(".tapeviz", "alert-jump")
    check_clean(page, browser)


@pytest.mark.browser
def test_a_wide_graph_opens_on_its_ops_not_on_its_left_end(tmp_path, browser):
    # twenty variables into a concat, through a "20 inputs" box (dot.py: FAN_IN_BUNDLE), and
    # twenty scopes' pieces into another: far wider than the pane at a legible size. Its left
    # end held variables and groups alone; both boxes and both concats lay right of the pane
    parts = [tf.Variable(tf.ones([2, i + 1]), name=f"part{i}") for i in range(20)]
    with tf.GradientTape(persistent=True) as tape:
        joined = tf.concat(parts, axis=1)
        pieces = []
        for i, part in enumerate(parts):
            with tf.name_scope(f"branch{i}"):
                pieces += [tf.reshape(part, [-1]) * 2.0, tf.reshape(part, [-1]) + 1.0]
        tf.concat(pieces, axis=0)
        tf.reduce_sum(joined) * 2.0
    page = open_page(browser, "export-fanin")
    page.page.goto(pathlib.Path(TapeWidget(tape, max_nodes=50).save(tmp_path / "f.html")).as_uri())
    graph = page.page.locator(".tv-graph")
    graph.locator("svg g.node").first.wait_for()
    assert "drag or scroll" in graph.locator(".tv-more").text_content()   # cut: wider than it
    pane = graph.bounding_box()
    bundles = graph.locator("g.node.kind-bundle")
    concats = [node for node in graph.locator("g.node").all()
               if (node.get_attribute("aria-label") or "").startswith("concat")]
    assert bundles.count() == 2 and len(concats) == 2
    for node in [*bundles.all(), *concats]:
        box = node.bounding_box()
        assert pane["x"] <= box["x"] and box["x"] + box["width"] <= pane["x"] + pane["width"], (
            node.get_attribute("aria-label"), box, pane)
        assert pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]
    page.screenshot(".tapeviz", "fanin")
    check_clean(page, browser)
