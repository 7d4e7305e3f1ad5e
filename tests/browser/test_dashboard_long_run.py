"""The Dashboard after a long run, as a person sees it in both JupyterLab themes: 2,400 steps
of an MLP on the bundled digits, with one corrupt batch (pixels unscaled, labels shifted: a
gradient-norm spike at step 1500) and one holding a NaN pixel (step 2000: the loop skips that
update, as loss-scaling loops do). The charts stay readable (a smoothed line over a faint raw
band, not 2,400 crossing lines), the spike is the top of the y range, the NaN step is marked
and named, the newest step ends the x axis, every chart text is 12 px or more at >= 4.5:1,
hovering over the spike tells its step and raw value, a legend click picks one line out, and
the saved twin names the NaN step and keeps the log scale chosen after the run.
Screenshots: tests/browser/artifacts/lab-dashboard-long-{light,dark}{,-hover}.png.
"""
import re

import pytest

from .harness import notebook_page
from .test_notebooks_browser import CONTRAST, chart_text_px
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

STEPS, SPIKE, NAN = 2400, 1500, 2000
LONG_CELLS = [f"""
import numpy as np
import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.viz import Dashboard

(images, labels), _ = load_digits()
images = (images.reshape(len(images), -1) / 255).astype("float32")

def train(steps):
    w1 = tf.Variable(tf.random.normal([64, 32], stddev=0.1, seed=1), name="w1")
    w2 = tf.Variable(tf.random.normal([32, 10], stddev=0.1, seed=2), name="w2")
    rng = np.random.default_rng(0)
    for step in range(1, steps + 1):
        at = rng.integers(0, len(images) - 32)
        x, y = images[at:at + 32].copy(), labels[at:at + 32]
        if step == {SPIKE}:
            x, y = x * 16, (y + 1) % 10   # a corrupt batch: unscaled, labels shifted
        if step == {NAN}:
            x[3, 5] = np.nan  # a missing pixel
        with tf.GradientTape() as tape:
            logits = tf.nn.relu(x @ w1) @ w2
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, [w1, w2])
        if all(np.isfinite(g.numpy()).all() for g in grads):   # skip a non-finite update
            w1.assign_sub(0.1 * grads[0])
            w2.assign_sub(0.1 * grads[1])

dash = Dashboard(show_tape=False)
runner = dash.train(train, {STEPS})
dash
""", """
await runner.wait()
dash.flush()
print("finished after", runner.step_count, "steps")
"""]


def svg_box(chart, selector):
    """The on-screen box of the first `selector` in a chart's SVG, or None."""
    return chart.evaluate("""(c, selector) => {
        const e = c.querySelector(selector);
        if (!e) return null;
        const r = e.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }""", selector)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_long_run_reads_smoothed_with_its_spike_and_nan_marked(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "long_run.ipynb", LONG_CELLS, theme=theme,
                       wait=False) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        page.wait_for_run(timeout=300)
        wait_until(page, lambda: dashboard_state(dash) == "finished", "the finished state", 60)
        norms, loss = dash.locator(".tvd-chart").nth(1), dash.locator(".tvd-chart").nth(0)

        # a line per variable, not one per point: at most one vertex per pixel column
        lines = norms.locator("polyline.tvd-line")
        assert lines.count() >= 2 and norms.locator("polygon.tvd-band").count() >= 2
        vertices = max(len(lines.nth(i).get_attribute("points").split())
                       for i in range(lines.count()))
        # 2,400 steps ran; the plot is as many units wide as its px on screen (dashboard.js)
        plot = float(norms.locator(".tvd-plot").get_attribute("width"))
        assert vertices <= plot + 2 < 2400, (vertices, plot)
        # the newest step ends the x axis; the y axis reaches the spike
        ticks = norms.locator("text.tvd-tick").all_text_contents()
        assert str(STEPS) in ticks, ticks
        high = float(ticks[1])                  # the top tick: the highest raw norm
        note = norms.locator(".tvd-chart-note").text_content()
        assert "EMA 0.9" in note and "hover" in note, note
        # the NaN step: marked across the plot and named over the chart
        assert norms.locator(".tvd-nan-mark").count() >= 1
        alarm = norms.locator(".tvd-chart-alarm")
        assert re.match(rf"NaN at step {NAN} \(w[12]\)", alarm.text_content()), \
            alarm.text_content()
        assert loss.locator(".tvd-chart-alarm").text_content() == f"NaN at step {NAN}"

        # every text readable: 12 px or more on screen, contrast >= 4.5:1 in this theme
        sizes = chart_text_px(dash)
        assert sizes and min(sizes) >= 12, sorted(sizes)[:3]
        font_px = dash.evaluate("""d => [...d.querySelectorAll(
            '.tvd-bar *, .tvd-chart-title, .tvd-chart-note, .tvd-chart-alarm, .tvd-legend *')]
            .filter(e => e.textContent.trim())
            .map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert min(font_px) >= 12, sorted(font_px)[:3]
        for selector in (".tvd-tick", ".tvd-chart-note", ".tvd-chart-alarm", ".tvd-nan-text",
                         ".tvd-legend-item span:last-child", ".tvd-chart-title"):
            ratio = dash.evaluate(f"(d, s) => ({CONTRAST})(d.querySelector(s))", selector)
            assert ratio["ratio"] >= 4.5, f"{selector} at {ratio['ratio']:.2f}:1 in {theme}"
        page.screenshot(dash, f"dashboard-long-{theme}")
        # the number at the loss line's end is the newest loss, as the status line says it
        status = dash.locator(".tvd-status").text_content()
        newest = float(re.search(r"loss ([-\d.e+]+)", status).group(1))
        assert float(loss.locator("text.tvd-last").text_content()) == \
            pytest.approx(newest, rel=1e-3), status
        # each button says what it does when pointed at ("VJP" is no newcomer's word)
        assert "backward pass" in dash.locator("button.tvd-step_vjp").get_attribute("title")

        # the loss's spike flattens a linear axis; its log scale box spreads the rest out
        def spread():
            ys = [float(p.split(",")[1]) for p in
                  loss.locator("polyline.tvd-line").first.get_attribute("points").split()]
            return max(ys) - min(ys)
        flat, top = spread(), float(loss.locator("text.tvd-tick").all_text_contents()[1])
        loss.locator("input.tvd-log").check()
        wait_until(page, lambda: spread() > 2 * flat, "the log-scale loss spread out")
        assert float(loss.locator("text.tvd-tick").all_text_contents()[1]) == \
            pytest.approx(top, rel=1e-3)        # the spike still tops the axis
        # the saved twin says what the charts say: the first NaN named, the log scale chosen
        twin = page.page.locator(".jp-CodeCell").first.locator(".tapeviz-saved")
        wait_until(page, lambda: twin.count() == 1 and
                   f"loss (log scale) · NaN at step {NAN}" in twin.text_content(),
                   "the twin's loss chart in log scale, its NaN named")
        assert re.search(rf"gradient norm per variable \(log scale\) · NaN at step {NAN} "
                         rf"\(w[12]\)", twin.text_content()), twin.text_content()

        # hovering over the spike's column tells its step and raw value
        plot = svg_box(norms, ".tvd-plot")
        band_top = norms.evaluate("""c => {
            const svg = c.querySelector('svg'), r = svg.getBoundingClientRect();
            const scale = r.width / svg.viewBox.baseVal.width;
            let best = null;
            for (const band of c.querySelectorAll('polygon.tvd-band'))
              for (const p of band.getAttribute('points').split(' ')) {
                const [x, y] = p.split(',').map(Number);
                if (!best || y < best.y) best = {x, y};
              }
            return {x: r.left + best.x * scale, y: r.top + best.y * scale};
        }""")
        assert plot["left"] < band_top["x"] < plot["right"]
        page.page.mouse.move(band_top["x"], (plot["top"] + plot["bottom"]) / 2)
        tip = norms.locator(".tvd-tip")
        wait_until(page, tip.is_visible, "the hover tip")
        text = tip.text_content()
        match = re.search(r"steps? (\d+)(?:–(\d+))?", text)
        assert match, text
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        assert first <= SPIKE <= last, text
        assert "raw" in text and "smoothed" in text and re.search(r"to (\d[\d.e+]*)", text), text
        assert float(re.search(r"to (\d[\d.e+]*)", text).group(1)) == pytest.approx(high, 1e-3)
        assert norms.locator(".tvd-guide").count() == 1
        # the tip lies over the plot, not over the line naming the first NaN above it
        tip_box, alarm_box = tip.bounding_box(), alarm.bounding_box()
        assert tip_box["y"] >= alarm_box["y"] + alarm_box["height"], (tip_box, alarm_box)
        # ... and inside its own chart, not over the loss chart beside it
        chart_box = norms.bounding_box()
        assert chart_box["x"] <= tip_box["x"] and \
            tip_box["x"] + tip_box["width"] <= chart_box["x"] + chart_box["width"] + 0.5, \
            (tip_box, chart_box)
        page.screenshot(dash, f"dashboard-long-{theme}-hover")
        page.page.mouse.move(1, 1)
        wait_until(page, lambda: not tip.is_visible(), "the tip gone when the pointer leaves")

        # a click on a legend name picks its line out of the others; a second click undoes it
        def faded():
            return [line.get_attribute("class").endswith("tvd-dim") for line in lines.all()]
        assert faded() == [False, False]
        norms.locator("button.tvd-legend-item", has_text="w2").click()
        wait_until(page, lambda: faded() == [True, False], "w1's line faded")
        assert "pick out" in norms.locator(".tvd-chart-note").text_content()
        norms.locator("button.tvd-legend-item", has_text="w2").click()
        wait_until(page, lambda: faded() == [False, False], "both lines drawn again")
        check_clean(page, browser)
