"""The live Dashboard in JupyterLab's light and dark themes: the text contrast of its buttons,
ticks, titles and status; the paused node outlined as the tape widget outlines its step, in
view, the tape naming the counter's step; and the tape pane scrolling to a paused node without
moving the page around it. Screenshots go to tests/browser/artifacts/ as
lab-dashboard-<theme>-<what>.png.
"""
import re

import pytest

from .harness import notebook_page
from .test_notebooks_browser import CONTRAST, chart_text_px, contrast, in_view
from .test_widgets import DASHBOARD, check_clean, dashboard_state, dashboard_steps, wait_until


def enabled_button_contrasts(dash):
    buttons = dash.locator("button.tvd-btn")
    return {buttons.nth(i).text_content(): contrast(buttons.nth(i))["ratio"]
            for i in range(buttons.count()) if buttons.nth(i).is_enabled()}


def tape_step(dash):
    """(step number, "so far"?) the dashboard's tape title names."""
    title = dash.locator(".tvd-tape-box .tvd-chart-title").text_content()
    match = re.match(r"step (\d+)( so far)?:", title)
    assert match, f"unexpected tape title {title!r}"
    return int(match.group(1)), bool(match.group(2))


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_dashboard_themes_contrast_and_the_paused_node(theme, tmp_path, browser):
    """Readable buttons and chart text in both JupyterLab themes; paused, the tape names the
    step the counter is on and shows the paused node outlined, scrolled into view."""
    from .test_widgets import DASHBOARD_CELLS
    # a loop that outlasts the test, which stops it: 300 steps of 20 ms ended before Pause
    # on a loaded machine (the button disabled, the loop 'finished')
    endless = DASHBOARD_CELLS[0].replace("dash.train(train, 300)", "dash.train(train, 10**6)")
    assert endless != DASHBOARD_CELLS[0]
    with notebook_page(browser, tmp_path / "dashboard.ipynb", [endless, DASHBOARD_CELLS[1]],
                       theme=theme, wait=False) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        wait_until(page, lambda: dashboard_state(dash) == "running"
                   and dash.locator(".tvd-loss polyline").count(), "the loop running, charted")
        # running: the tape names the step the counter shows (both come in one push)
        tape_title = dash.locator(".tvd-tape-box .tvd-chart-title")
        wait_until(page, lambda: tape_title.text_content().startswith("step "), "the tape")
        for _ in range(5):
            title, counter = dash.evaluate("""d => [
                d.querySelector('.tvd-tape-box .tvd-chart-title').textContent,
                d.querySelector('.tvd-steps').textContent]""")
            step, counter = int(re.match(r"step (\d+)", title).group(1)), int(counter.split()[0])
            assert counter - 1 <= step <= counter, (title, counter)
            page.page.wait_for_timeout(150)
        page.screenshot(dash, f"dashboard-{theme}-running")
        low = {name: ratio for name, ratio in enabled_button_contrasts(dash).items()
               if ratio < 4.5}
        assert low == {}, f"button text below 4.5:1 in the {theme} theme: {low}"
        for text in (".tvd-tick", ".tvd-chart-title", ".tvd-status", ".tvd-state"):
            # found and measured in one call: a running chart redraws its ticks between two
            ratio = dash.evaluate(f"(d, selector) => ({CONTRAST})(d.querySelector(selector))",
                                  text)["ratio"]
            assert ratio >= 4.5, f"{text} at {ratio:.2f}:1 in the {theme} theme"
        # the charts' text stays legible as the window narrows: charts wrap, never shrink
        for width in (1280, 960):
            page.page.set_viewport_size({"width": width, "height": 900})
            page.page.wait_for_timeout(300)
            sizes = chart_text_px(dash)
            assert sizes and min(sizes) >= 12, (width, sorted(sizes)[:3])
        page.page.set_viewport_size({"width": 1280, "height": 900})

        dash.locator("button.tvd-pause").click()
        wait_until(page, lambda: dashboard_state(dash) == "paused", "the paused state")
        for _ in range(60):   # Step op until the pause is at a taped op (not an update)
            if dash.locator(".tvd-tape g.node.tvd-highlight").count():
                break
            status = dash.locator(".tvd-status").text_content()
            dash.locator("button.tvd-step_op").click()
            wait_until(page, lambda status=status: dash.locator(".tvd-status").text_content()
                       != status and dashboard_state(dash) == "paused", "the next op")
        marked = dash.locator(".tvd-tape g.node.tvd-highlight")
        wait_until(page, lambda: marked.count() == 1, "the paused node outlined")
        step, so_far = tape_step(dash)
        assert step == dashboard_steps(dash) + (1 if so_far else 0), (step, so_far)
        # the counter counts the steps done, so it never reads one less than the tape's step
        # with nothing to say why (it read "step 106" over "step 107 so far")
        assert dash.locator(".tvd-steps").text_content() == f"{dashboard_steps(dash)} steps done"
        assert in_view(dash.locator(".tvd-tape"), marked)
        outline = marked.locator("path, polygon, ellipse").first.evaluate(
            "el => getComputedStyle(el).stroke")
        assert outline == "rgb(191, 57, 137)", outline   # tape.css's step highlight, #bf3989
        # the key under the tape's title says what those pink dashes are (it said nothing)
        assert dash.locator(".tvd-tape-key").text_content().endswith(
            "pink dashes: where the loop stopped")
        low = {name: ratio for name, ratio in enabled_button_contrasts(dash).items()
               if ratio < 4.5}
        assert low == {}, f"button text below 4.5:1 in the {theme} theme: {low}"
        page.screenshot(dash, f"dashboard-{theme}-paused")

        dash.locator("button.tvd-resume").click()
        paused_at = dashboard_steps(dash)
        wait_until(page, lambda: dashboard_steps(dash) > paused_at, "the loop running on")
        dash.locator("button.tvd-stop").click()
        page.wait_for_run(timeout=120)
        wait_until(page, lambda: dashboard_state(dash) == "stopped", "the stopped state")
        # the state once, in its badge: the bar read "stopped  N steps done  stopped (loss ..)"
        status = dash.locator(".tvd-status").text_content()
        assert re.fullmatch(r"last loss \S+", status), status
        page.screenshot(dash, f"dashboard-{theme}-stopped")
        check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_run_of_five_steps_is_charted_as_it_ran(theme, tmp_path, browser):
    """Five steps of a falling loss: the loss chart's line goes through the five raw values,
    a dot each, and its note says the line is smoothed only from the EMA's span on (the
    smoothed line ended far above the last loss: chart.js, drawnRaw)."""
    from .test_widgets import DASHBOARD_CELLS
    short = DASHBOARD_CELLS[0].replace("dash.train(train, 300)", "dash.train(train, 5)") \
        .replace("0.01 * g", "0.3 * g")
    assert short.count("0.3 * g") == 2 and "dash.train(train, 5)" in short
    with notebook_page(browser, tmp_path / "five.ipynb", [short, DASHBOARD_CELLS[1]],
                       theme=theme) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        wait_until(page, lambda: dashboard_state(dash) == "finished", "the five steps")
        loss = dash.locator(".tvd-loss")
        wait_until(page, lambda: loss.locator("circle.tvd-point").count() == 5, "five dots")
        text = loss.evaluate("el => el.closest('.tvd-chart').querySelector('.tvd-chart-note')"
                             ".textContent")
        assert "line: raw values (smoothed once there are 10 steps)" in text, text
        page.screenshot(dash, f"dashboard-{theme}-five-steps")
        check_clean(page, browser)


@pytest.mark.browser
def test_dashboard_scrolls_the_paused_node_into_its_own_pane_only(browser):
    """dashboard.js's scrollInto brings a node far down a tall tape into the tape pane's view
    and leaves the page around it where it was (in Lab, the notebook's scroll position)."""
    import base64
    from tapeviz.viz.front import module as front_module
    module = front_module("dashboard.js").encode()
    url = "data:text/javascript;base64," + base64.b64encode(module).decode("ascii")
    page = browser.context.new_page()
    try:
        page.set_content("""<div style="height: 1500px">page above</div>
            <div class="pane" style="height: 200px; width: 300px; overflow: auto">
              <svg width="900" height="2000"><g class="node" id="n9">
                <rect x="700" y="1700" width="80" height="40"/></g></svg></div>
            <div style="height: 1500px">page below</div>""")
        page.evaluate("() => window.scrollTo(0, 1400)")
        before = page.evaluate("() => window.scrollY")
        result = page.evaluate("""async (url) => {
            const { scrollInto } = await import(url);
            const pane = document.querySelector(".pane"), node = document.getElementById("n9");
            scrollInto(pane, node);
            const p = pane.getBoundingClientRect(), t = node.getBoundingClientRect();
            return { inside: t.top >= p.top && t.bottom <= p.bottom && t.left >= p.left
                              && t.right <= p.right,
                     scrolled: pane.scrollTop > 0 && pane.scrollLeft > 0 };
        }""", url)
        assert result == {"inside": True, "scrolled": True}
        assert page.evaluate("() => window.scrollY") == before
        # a pane running past the window's bottom (a tall dashboard): the node lands in the
        # part of the pane in sight, not below the window
        seen = page.evaluate("""async (url) => {
            const { scrollInto } = await import(url);
            const pane = document.querySelector(".pane"), node = document.getElementById("n9");
            pane.scrollTop = 0;
            window.scrollTo(0, pane.getBoundingClientRect().top + window.scrollY
                               - window.innerHeight + 110);
            scrollInto(pane, node);
            const t = node.getBoundingClientRect();
            return t.top >= pane.getBoundingClientRect().top && t.bottom <= window.innerHeight;
        }""", url)
        assert seen
    finally:
        page.close()
    assert browser.blocked == []
