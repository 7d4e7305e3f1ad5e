"""The tape widget's smallest text is 12 px, as the rest of its prose is: the inspector's tables
(Op, Inputs), its Source box, the backward-stepping strip, its '▾ more rows' note and the graph's
'more: drag or scroll' hint (they were 11 px beside the 12 px toolbar and 13 px title, the
tables' values read small in both themes; the Dashboard's tape hint too). Drawn by the HTML
export opened from disk (tape.js and tape.css as a person gets them), a node inspected; the
strip as tape.js draws notebook 03's stepped conv layer. At 12 px, what moved is fixed too
(test_stepper_strip, test_stepper_rows_whole, test_inspector_text), and the graph's long hint,
which wrapped in a narrow pane ('back' alone on a second line), gives way to the short one.
Screenshots: tests/browser/artifacts/small-text*.png."""
import base64
import pathlib

import pytest

import tapeviz as tf
from tapeviz.viz.front import STATIC
from tapeviz.viz.front import module as front_module
from tapeviz.viz.widget import TapeWidget

from . import test_stepper_strip
from .test_stepper_strip import rendered, stepper_state
from .test_tape_js import open_page
from .test_widgets import check_clean, wait_until

# the computed font size of the first element each selector finds (None where none is)
SIZES = """(selectors) => Object.fromEntries(selectors.map((s) => {
    const el = document.querySelector(s);
    return [s, el && parseFloat(getComputedStyle(el).fontSize)];
}))"""
INSPECTOR = [".tv-section-body td", ".tv-section-body td:first-child", "pre.tv-code",
             ".tv-graph .tv-more"]
STRIP = [".tv-stepper .tv-chip", ".tv-stepper .tv-chip-label", ".tv-stepper-more"]


@pytest.mark.browser
def test_the_inspectors_tables_source_and_graph_hint_are_twelve_px(tmp_path, browser):
    x = tf.Variable([[1.0, 2.0, 3.0]], name="x")
    w = tf.Variable([[0.5], [1.5], [-1.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(tf.nn.relu(tf.matmul(x, w))))
    path = TapeWidget(tape, target=loss, sources=[x, w]).save(tmp_path / "tape.html")
    page = open_page(browser, "small-text")
    page.page.set_viewport_size({"width": 900, "height": 360})   # the graph cut: its hint shown
    page.page.goto(pathlib.Path(path).as_uri())
    page.page.locator('.tv-graph g.node[id="n0"]').click()
    wait_until(page, lambda: page.page.locator(".tv-section-body td").count(), "the Op table")
    page.settle()
    page.screenshot(".tapeviz", "small-text")
    assert page.page.evaluate(SIZES, INSPECTOR) == {selector: 12 for selector in INSPECTOR}
    check_clean(page, browser)


@pytest.mark.browser
def test_the_stepping_strip_and_its_note_are_twelve_px(browser):
    page = rendered(browser, "small-text-strip", stepper_state(variables=6))
    wait_until(page, lambda: page.page.locator(".tv-stepper-more").is_visible(), "the note")
    page.settle(".tv-stepper")
    page.screenshot(".tapeviz", "small-text-strip")
    assert page.page.evaluate(SIZES, STRIP) == {selector: 12 for selector in STRIP}
    check_clean(page, browser)


@pytest.mark.browser
def test_the_dashboards_tape_hint_is_twelve_px(browser):
    page = open_page(browser, "small-text-dashboard")
    page.page.set_content('<div class="tapeviz-dashboard"><div class="tv-more">more</div></div>')
    page.page.add_style_tag(content=(STATIC / "dashboard.css").read_text(encoding="utf-8"))
    assert page.page.evaluate(SIZES, [".tv-more"]) == {".tv-more": 12}
    check_clean(page, browser)


# the hint's text, its lines (tops of its text's boxes) and how far it runs past its pane
HINT = """(hint) => {
    const range = document.createRange();
    range.selectNodeContents(hint);
    const pane = hint.parentElement.getBoundingClientRect();
    return { text: hint.textContent,
             lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
             past: Math.max(0, hint.getBoundingClientRect().right - pane.right) };
}"""



@pytest.mark.browser
def test_the_graphs_hint_keeps_to_one_line_in_a_narrow_pane(browser):
    # a tall graph, its one box at the top right: the pane is cut and its foot is free
    svg = ('<svg viewBox="0 0 400 1600"><g class="graph"><g class="node" id="n0"><rect x="300" '
           'width="90" height="40"/><text x="340" y="25" font-size="14">x</text></g></g></svg>')
    render = test_stepper_strip._RENDER.replace("svg: '", "svg: svg || '").replace(
        "async ([url, stepper]) => {", "async ([url, stepper, svg]) => {").replace(
        'el.style.width = "800px"', 'el.style.width = "380px"')
    page = open_page(browser, "small-text-narrow")
    page.page.set_content("<!DOCTYPE html><html><body></body></html>")
    page.page.add_style_tag(content=(STATIC / "tape.css").read_text(encoding="utf-8"))
    module = base64.b64encode(front_module("tape.js").encode()).decode("ascii")
    page.page.evaluate(render, [f"data:text/javascript;base64,{module}", {}, svg])
    hint = page.page.locator(".tv-graph .tv-more")
    wait_until(page, lambda: hint.count() and hint.is_visible(), "the 'more' hint")
    page.settle()
    page.screenshot(".tapeviz", "small-text-narrow")
    said = hint.evaluate(HINT)
    assert said["lines"] == 1 and said["past"] == 0, said
    assert said["text"].startswith("more: drag or scroll"), said
    check_clean(page, browser)
