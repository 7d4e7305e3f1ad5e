"""What a newcomer's first clicks found, in JupyterLab's light and dark themes: a Recorder's
step stopped before its tape (a `continue`) is named so on the slider and in the title, and
its Step and Continue buttons are disabled, saying why (they raised replay_tape's error); a
recorded step's gradients drawn as violet borders get a key under the toolbar, and the
dashboard's tape under its title (neither had one: the stepping strip alone said it); a
breakpoint set from the inspector says it stops when the code runs again; on a notebook 400 px
wide the inspector's Wider / Narrower / Hide buttons wrap whole inside the
panel (Narrower was cut at its edge and Hide was out of reach), and with no node chosen its
hint takes a quarter of the width at most (it took 43%).
Screenshots: tests/browser/artifacts/lab-walk-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_inspector import box, legible
from .test_widgets import WIDGET, check_clean, click_node, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget
w = tf.Variable([1.0, 2.0], name="w")
opt = tf.keras.optimizers.SGD(0.1)
with Recorder() as rec:
    for i in range(4):
        x = tf.add_n([tf.constant([1.0, 2.0]) * 2.0] * 2)
        if i == 1:
            continue   # step 2 stops before its tape
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
TapeWidget(rec)
""", """
from tapeviz.viz import Dashboard
dash = Dashboard(recorder=rec)
dash.flush()
dash
""", """
with tf.GradientTape(persistent=True) as small:
    h = tf.nn.relu(tf.matmul([[1.0, 2.0]], tf.reshape(w, [2, 1])))
    total = tf.reduce_sum(h * h)
TapeWidget(small, target=total)
""", """
TapeWidget(small)   # nothing chosen in it
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_step_with_no_backward_pass_and_a_narrow_notebook(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "walk.ipynb", CELLS, theme=theme) as page:
        recorded = page.wait_for_output(WIDGET)
        wait_until(page, lambda: page.output(WIDGET).count() == 3, "the three widgets")
        dashboard = page.wait_for_output(".tapeviz-dashboard")
        small = page.output(WIDGET).nth(1)

        # the slider moved to step 2: named on the slider and in the title; nothing to step
        recorded.scroll_into_view_if_needed()
        recorded.locator("input.tv-slider").evaluate("""el => { el.value = '1';
            el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); }""")
        title = recorded.locator(".tv-title")
        wait_until(page, lambda: title.text_content().startswith("step 2 of 4, stopped before "
                                                                 "its tape: 2 ops, no backward"),
                   "step 2's title")
        assert recorded.locator(".tv-slider-label").text_content() == \
            "step 2 of 4, stopped before its tape"
        for name in ("step", "continue"):
            button = recorded.locator(f".tv-toolbar button.tv-{name}")
            assert button.is_disabled(), name
            assert button.get_attribute("title").startswith(
                "Step 2 has no backward pass to step: it was stopped before its tape"), name
        assert legible(title) >= 4.5
        page.screenshot(recorded, f"walk-{theme}-no-backward")
        # back on a step that has one: Step works again
        recorded.locator("input.tv-slider").evaluate("""el => { el.value = '2';
            el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); }""")
        wait_until(page, lambda: title.text_content().startswith("step 3 of 4: "), "step 3")
        assert recorded.locator(".tv-toolbar button.tv-step").is_enabled()

        # its recorded gradients are violet borders, and a key under the toolbar says so (the
        # dashboard's tape too); while stepping the strip says it instead
        key = recorded.locator(".tv-graph-key")
        wait_until(page, key.is_visible, "the borders' key")
        assert key.text_content() == "violet border: gradient, thicker = larger · dashed: none " \
                                     "reached it"
        assert legible(key) >= 4.5 and float(key.evaluate(
            "el => parseFloat(getComputedStyle(el).fontSize)")) >= 11
        page.screenshot(recorded, f"walk-{theme}-borders-key")
        recorded.locator(".tv-toolbar button.tv-step").click()
        wait_until(page, lambda: not key.is_visible(), "the key left to the stepping strip")
        assert "violet border: gradient" in recorded.locator(".tv-stepper").text_content()
        dashboard_key = dashboard.locator(".tvd-tape-key")
        dashboard.scroll_into_view_if_needed()
        assert dashboard_key.text_content() == "violet border: gradient, thicker = larger · " \
                                               "dashed: none reached it"
        assert legible(dashboard_key) >= 4.5
        page.screenshot(dashboard.locator(".tvd-tape-box"), f"walk-{theme}-dashboard-key")

        # a breakpoint set from the inspector says when it will stop: the code must run again
        click_node(page, small, "n1")
        small.get_by_role("button", name="Break on this line").click()
        listed = small.locator(".tv-breakpoints")
        wait_until(page, listed.is_visible, "the breakpoint listed")
        note = listed.locator(".tv-hint")
        assert note.text_content() == "stop when your code runs again"
        assert listed.locator(".tv-section-title").text_content() == \
            "Breakpoints stop when your code runs again"
        assert legible(note) >= 4.5
        page.screenshot(small, f"walk-{theme}-breakpoint-set")
        small.get_by_role("button", name="Clear its breakpoints").click()
        wait_until(page, lambda: not listed.is_visible(), "the breakpoint cleared")

        # 400 px of notebook: the inspector's head buttons wrap inside the panel, none cut
        for _ in range(4):   # a scrollbar that comes or goes moves the width: measure again
            room = page.page.viewport_size["width"] - box(small)["width"]
            page.page.set_viewport_size({"width": round(400 + room), "height": 900})
            page.settle()
            if abs(box(small)["width"] - 400) < 2:
                break
        assert abs(box(small)["width"] - 400) < 2, box(small)
        side = box(small.locator(".tv-side"))
        for name in ("wider", "narrower", "hide"):
            button = box(small.locator(f".tv-side-{name}"))
            assert side["x"] <= button["x"] and button["x"] + button["width"] <= \
                side["x"] + side["width"] + 0.5, (name, button, side)
            assert button["height"] < 30, (name, button)   # its label on one line
        page.screenshot(small, f"walk-{theme}-400px")
        # nothing chosen there: the hint's panel leaves the graph three quarters (it took 43%)
        untouched = page.output(WIDGET).nth(2)
        idle, whole = box(untouched.locator(".tv-side")), box(untouched.locator(".tv-main"))
        assert idle["width"] <= 0.25 * whole["width"] + 1, (idle, whole)
        assert untouched.locator(".tv-side .tv-hint").is_visible()
        page.screenshot(untouched, f"walk-{theme}-400px-idle")
        check_clean(page, browser)
