"""The three tutorial notebooks run in JupyterLab, in headless Chromium, offline.

For each notebook: Run All succeeds; its TapeWidget draws the expected ops (read from each
node's tooltip in the Graphviz SVG, which names the op); a click on a node fills the inspector
with the op and the notebook's own line of code; Reset then Step moves the highlight from node
to node. 02 also stops in IPython's debugger at its `abs` breakpoint: the test types `node` and
`continue` into JupyterLab's stdin box. 03 trains under the live Dashboard: the step counter
rises, Pause holds it, Resume lets it run on, and it ends "finished". Screenshots (graph,
inspector, stepping, debugger prompt, dashboard) go to tests/browser/artifacts/.

Both themes: the Dashboard in JupyterLab Light and Dark (text contrast of its buttons, ticks,
titles and status; the paused node outlined as the tape widget outlines its step, in view, the
tape naming the counter's step: test_dashboard_themes.py), and the notebooks run in both
themes, screenshot top to bottom (lab-dark-01-00.png, ...) to be looked at
(test_notebooks_themes.py); the contrast and screenshot helpers they share stay here.
"""
import pathlib
import re
import time

import pytest

from .test_widgets import (DASHBOARD, WIDGET, check_clean, click_node, dashboard_state,
                          dashboard_steps, exercise_dashboard, inspector_title, marked,
                          node, node_ids, step_and_expect_moves, wait_until, widget_error)

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"


def svg_ops(widget):
    """{node id: op name} of the op nodes drawn, from the tooltip Graphviz puts on each node."""
    titles = widget.locator(".tv-graph svg g.node").evaluate_all("""els => els.map(e => {
        const a = e.querySelector('a');
        return [e.id, a ? (a.getAttribute('xlink:title') || a.getAttribute('title') || '') : ''];
    })""")
    return {node_id: title.split()[0] for node_id, title in titles
            if re.fullmatch(r"n\d+", node_id) and title}


def tape_widget(page, title_text):
    """The TapeWidget whose title contains `title_text`, its graph drawn."""
    widget = page.output(WIDGET).filter(
        has=page.page.locator(".tv-title", has_text=title_text)).first
    widget.locator(".tv-graph svg g.node").first.wait_for(timeout=30_000)
    return widget


def op_node(widget, op):
    """Id of the first drawn node of `op`."""
    ops = svg_ops(widget)
    found = [node_id for node_id, name in ops.items() if name == op]
    assert found, f"no {op} node drawn; ops: {sorted(set(ops.values()))}"
    return min(found, key=lambda node_id: int(node_id[1:]))


def inspect_and_step(page, widget, op, line, name, sections=()):
    """Click the first `op` node: the inspector shows it with `line` and `sections`; then
    Reset and Step three times, the highlight moving each time. Returns the highlighted ids."""
    node_id = op_node(widget, op)
    click_node(page, widget, node_id)
    wait_until(page, lambda: op in inspector_title(widget), f"the inspector to show {op}")
    widget.locator(".tv-inspector .tv-section", has_text=line).first.wait_for()
    titles = widget.locator(".tv-inspector .tv-section-title").all_text_contents()
    assert all(any(t.startswith(want) for t in titles) for want in sections), titles
    widget.locator(".tv-inspector").scroll_into_view_if_needed()   # the side panel scrolls
    assert fits_in_view(page, widget), "the widget is taller than Lab's panel at 1280x900"
    page.screenshot(widget, f"{name}-inspector")

    widget.locator(".tv-toolbar button.tv-reset").click()
    wait_until(page, lambda: marked(widget, "tv-highlight") == ""
               and "steps applied" not in widget.locator(".tv-stepper").text_content(),
               "Reset to clear the stepping")
    highlights = step_and_expect_moves(page, widget, 3)
    assert len(set(highlights)) == 3
    page.screenshot(widget, f"{name}-stepped")
    assert widget_error(widget) == ""
    return highlights


def fits_in_view(page, target):
    """Whether all of `target`, scrolled into view, fits in Lab's notebook panel: a person sees
    the widget's toolbar and the bottom of its graph (the dashboard's buttons and its tape)
    at once. Each sizes its pane to the room it has once it is in view."""
    target.scroll_into_view_if_needed()
    page.settle()
    return page.lacks(target) == 0


def answer_stdin(page, text):
    """Type `text` + Enter into JupyterLab's input box once the previous answer's box is gone
    (for a moment both are on the page, and the old one takes no more input)."""
    boxes = page.page.locator(".jp-Stdin-input")
    wait_until(page, lambda: boxes.count() == 1 and boxes.first.input_value() == "",
               "a fresh stdin prompt")
    boxes.first.fill(text)
    boxes.first.press("Enter")


def run_notebook(jupyter_server, browser, name, wait=True):
    path = NOTEBOOKS / name
    if not path.exists():
        pytest.fail(f"{path} is missing")
    page = browser.open_notebook(jupyter_server([path], app="lab"), name)
    page.run_all(timeout=180, wait=wait)
    return page


@pytest.mark.browser
def test_01_eager_basics(jupyter_server, browser):
    start = time.monotonic()
    page = run_notebook(jupyter_server, browser, "01_eager_basics.ipynb")
    page.wait_for_output("text=FizzBuzz")

    # %%tapeviz draws what its cell did: the multiply of `w * w`
    recorded = page.output(WIDGET).first
    recorded.locator(".tv-graph svg g.node").first.wait_for()
    assert "multiply" in svg_ops(recorded).values()

    widget = tape_widget(page, "persistent tape")
    ops = svg_ops(widget)
    assert sorted(ops) == sorted(f"n{i}" for i in range(len(ops)))
    assert [ops[f"n{i}"] for i in range(len(ops))] == [
        "matmul", "add", "relu", "matmul", "add", "subtract", "square", "reduce_mean"]
    assert {"w1", "b1", "w2", "b2"} <= set(   # the names the code gives, no TF ':0'
        widget.locator(".tv-graph svg text").all_text_contents())
    page.screenshot(widget.locator(".tv-graph"), "nb01-graph")

    highlights = inspect_and_step(page, widget, "relu",
                                  "tf.nn.relu(tf.matmul(x, w1) + b1)", "nb01")
    assert highlights[0] == "n7"   # the backward pass starts at the loss (reduce_mean)
    check_clean(page, browser)
    print(f"01: {time.monotonic() - start:.1f} s")


@pytest.mark.browser
def test_02_regression_debugging(jupyter_server, browser):
    start = time.monotonic()
    page = run_notebook(jupyter_server, browser, "02_regression_debugging.ipynb", wait=False)

    # the breakpoint on `abs` opens IPython's debugger: JupyterLab asks for input
    stdin = page.page.locator(".jp-Stdin-input")
    stdin.first.wait_for(timeout=90_000)
    page.output("text=tapeviz breakpoint").first.wait_for()
    answer_stdin(page, "node")
    shown = page.output("text=/abs \\[math\\] in the forward pass/").first
    shown.wait_for(timeout=30_000)
    # the rows, HTML blocks that wrap between words (ipython/debugger_rows.py): the whole
    # output's text as laid out, a row a line
    summary = shown.locator("xpath=ancestor-or-self::*[contains(@class,"
                            " 'jp-OutputArea-output')][1]").inner_text()
    assert "tf.abs(t) <= m" in summary, summary   # the user's own line, from the notebook
    assert re.search(r"\n  x: +float32 scalar -?\d", summary), summary   # abs's input, by value
    cell = page.page.locator(".jp-CodeCell", has=page.page.locator(".jp-Stdin-input")).first
    cell.wait_for(timeout=30_000)
    # ipdb's frame names the cell as IPython's tracebacks do, not the kernel's temp file
    said = cell.locator(".jp-OutputArea").text_content()
    assert re.search(r"> Cell In\[\d+\], line \d+, in huber_loss\(\)", said), said
    assert "ipykernel_" not in said, said
    page.screenshot(cell.locator(".jp-OutputArea"), "nb02-debugger")
    answer_stdin(page, "continue")
    page.wait_for_run(timeout=120)
    wait_until(page, lambda: page.page.locator(".jp-Stdin-input").count() == 0,
               "the debugger's prompt to close")   # as test_04 waits for it

    widget = page.output(WIDGET).first
    ops = set(svg_ops(widget).values())
    assert {"abs", "multiply", "subtract", "less_equal"} <= ops and "pow" not in ops
    # the Huber loss's m (a Python 1.0) is a constant at each of its three ops, the example's
    # inputs by the names its lines pass them as, x and y (were 'input' both), and the
    # optimizer reads gradients (m was 'input 1' at one op)
    leaves = widget.locator(".tv-graph svg g.node text").all_text_contents()
    assert leaves.count("const 1") >= 3 and "input 1" not in leaves, leaves
    assert sorted(text.split()[0] for text in leaves if text.startswith(("x ", "y "))) == \
        ["x", "y"], leaves
    assert sum(text.startswith("gradient ") for text in leaves) == 2, leaves
    page.screenshot(widget.locator(".tv-graph"), "nb02-graph")
    inspect_and_step(page, widget, "abs", "tf.abs(t)", "nb02")
    check_clean(page, browser)
    print(f"02: {time.monotonic() - start:.1f} s")


@pytest.mark.browser
def test_03_mnist_debugging(jupyter_server, browser):
    start = time.monotonic()
    page = run_notebook(jupyter_server, browser, "03_mnist_debugging.ipynb", wait=False)
    dash = page.wait_for_output(DASHBOARD, timeout=90)
    exercise_dashboard(page, dash, name="nb03-dashboard")
    page.wait_for_run(timeout=180)
    wait_until(page, lambda: dashboard_state(dash) == "finished", "the finished state")
    done = page.output("text=/finished: \\d+ steps/").first.text_content()
    assert dashboard_steps(dash) == int(re.search(r"finished: (\d+) steps", done).group(1))
    page.output("text=/test accuracy/").first.wait_for()
    # the pause scrolled the tape pane to its node; the steps after it show from the top
    assert dash.locator(".tvd-tape").evaluate("el => el.scrollTop") == 0
    assert fits_in_view(page, dash), "the dashboard is taller than Lab's panel at 1280x900"
    page.screenshot(dash, "nb03-dashboard-finished")

    # %%tapeviz --max-nodes 40: the step opens collapsed by layer; a group click expands it
    collapsed = page.output(WIDGET).first
    collapsed.locator(".tv-graph svg g.node").first.wait_for()
    groups = [i for i in node_ids(collapsed) if i.startswith("g")]
    assert groups, node_ids(collapsed)
    before = len(node_ids(collapsed))
    node(collapsed, groups[0]).click()
    wait_until(page, lambda: len(node_ids(collapsed)) > before, "the group to expand")
    page.screenshot(collapsed.locator(".tv-graph"), "nb03-expanded")

    widget = tape_widget(page, "persistent tape")
    ops = set(svg_ops(widget).values())
    assert {"conv2d", "relu", "matmul"} <= ops, ops
    # the batch of images and its labels are the model's inputs, not constants, drawn by the
    # names the lines passed the model and the loss (were 'input' both)
    texts = widget.locator(".tv-graph svg text").all_text_contents()
    assert {"images", "labels"} <= set(texts) and "input" not in texts, texts
    assert "const" not in texts, texts
    page.screenshot(widget.locator(".tv-graph"), "nb03-graph")
    inspect_and_step(page, widget, "conv2d", "mnist_model(images, training=True)", "nb03",
                     sections=("Feature maps",))

    nan_widget = page.output(WIDGET).last
    alert = nan_widget.locator(".tv-alerts .tv-alert-nan").first
    alert.scroll_into_view_if_needed()
    assert "log" in alert.text_content()
    alert.click()
    wait_until(page, lambda: "log" in inspector_title(nan_widget), "the NaN origin inspected")
    page.screenshot(nan_widget, "nb03-nan-alert")
    assert widget_error(nan_widget) == ""
    assert widget_error(collapsed) == "", "after expanding a group"
    check_clean(page, browser)
    print(f"03: {time.monotonic() - start:.1f} s")


# ---- the dashboard and the notebooks in both themes -----------------------------------------
# WCAG contrast ratio of an element's text against the first opaque background behind it
# (translucent colours, such as JupyterLab's text colours, blended over what is behind them)
CONTRAST = """(el) => {
  const parse = (text) => {
    const nums = (text.match(/-?[\\d.]+/g) || []).map(Number);
    const scale = text.startsWith("color(") ? 255 : 1;   // color(srgb r g b / a), 0..1
    const [r, g, b] = nums.slice(0, 3).map((v) => v * scale);
    return [r, g, b, nums.length > 3 ? nums[3] : 1];
  };
  const over = (top, bottom) =>
    top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3]));
  const layers = [];
  for (let node = el; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    const bg = parse(style.backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  let background = [255, 255, 255];
  for (const layer of layers.reverse()) background = over(layer, background);
  const style = getComputedStyle(el);
  const opacity = Number(style.opacity);
  const text = over(parse(el instanceof SVGElement ? style.fill : style.color), background);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(text), luminance(background)].sort((a, b) => b - a);
  return { ratio: (hi + 0.05) / (lo + 0.05), opacity };
}"""


def contrast(locator):
    return locator.evaluate(CONTRAST)


def in_view(pane, target):
    """Whether `target` lies wholly inside the visible part of the scrolling `pane`."""
    return pane.evaluate("""(pane, target) => {
        const p = pane.getBoundingClientRect(), t = target.getBoundingClientRect();
        return t.top >= p.top - 1 && t.bottom <= p.bottom + 1
            && t.left >= p.left - 1 && t.right <= p.right + 1;
    }""", target.element_handle())


def chart_text_px(dash):
    """The on-screen font size (px) of every text of the dashboard's charts: its CSS size
    times the scale its SVG is drawn at."""
    return dash.evaluate("""(d) => [...d.querySelectorAll(".tvd-svg text")].map((t) => {
        const svg = t.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(getComputedStyle(t).fontSize) * scale;
    })""")



def page_through(page, name, limit=14):
    """Screenshots of the whole notebook, one viewport at a time (at most `limit`)."""
    scroller = page.page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer").first
    scroller.evaluate("el => { el.scrollTop = 0; }")   # Run All leaves it at the bottom
    page.page.wait_for_timeout(500)
    shots = []
    for index in range(limit):
        shots.append(page.screenshot(".jp-NotebookPanel", f"{name}-{index:02d}"))
        moved = scroller.evaluate("""el => {   // false past the last cell (Lab's bottom pad)
            const before = el.scrollTop;
            el.scrollTop = before + el.clientHeight * 0.9;
            const view = el.getBoundingClientRect();
            const cells = [...el.querySelectorAll('.jp-Cell')];
            return el.scrollTop !== before && cells.some(cell => {
                const box = cell.getBoundingClientRect();
                return box.bottom > view.top + 40 && box.top < view.bottom;
            });
        }""")
        if not moved:
            break
        page.page.wait_for_timeout(300)
    return shots
