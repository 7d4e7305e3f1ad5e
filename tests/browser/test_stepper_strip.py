"""The backward-stepping strip in headless Chromium: it shows four rows and scrolls the rest,
and while rows lie below (notebook 03's six d loss/d rows, after its grad rows, were all out of
sight, with no scrollbar drawn) a '▾ more rows' note on its bottom edge says so; clicked, it
scrolls to them, and at the bottom it is gone. A strip that fits shows no note."""
import base64

import pytest

from tapeviz.viz.front import STATIC
from tapeviz.viz.front import module as front_module

from .test_tape_js import open_page
from .test_widgets import check_clean, wait_until

# tape.js rendered on a stand-in for anywidget's model, its stepper trait given
_RENDER = """async ([url, stepper]) => {
  const traits = {
    svg: '<svg viewBox="0 0 100 100"><g class="node" id="n0"><rect width="50" '
         + 'height="50"/></g></svg>',
    selected: "", highlight: "", title: "t", status: "", step_count: 1, step_index: 0,
    alerts: [], stepper, inspector: {}, breakpoints: [], error: "",
  };
  const model = { get: (name) => traits[name], set: () => {}, save_changes: () => {},
                  send: () => {}, on: () => {}, off: () => {} };
  const { default: widget } = await import(url);
  const el = document.createElement("div");
  el.style.width = "800px";
  document.body.append(el);
  widget.render({ model, el });
}"""


def stepper_state(variables: int) -> dict:
    """The stepper trait after a conv layer's VJP, `variables` d loss/d rows (notebook 03: 6)."""
    summary = "float32[32, 6, 6, 16] min -0.01477 max 0.01544 mean -2.826e-05 std 0.001017"
    return {"count": 11, "done": True, "node": "n0", "op": "conv2d", "entry": 0,
            "place": "op 1 of the tape",
            "upstream": summary, "input_grads": [summary, summary],
            "input_names": ["input", "filters"],
            "source": "Cell In[6], line 4  logits = mnist_model(images, training=True)",
            "gradients": [[f"layer_{i}/kernel", summary] for i in range(variables)]}


def rendered(browser, name, state):
    page = open_page(browser, name)
    page.page.set_content("<!DOCTYPE html><html><body></body></html>")
    page.page.add_style_tag(content=(STATIC / "tape.css").read_text(encoding="utf-8"))
    module = base64.b64encode(front_module("tape.js").encode()).decode("ascii")
    page.page.evaluate(_RENDER, [f"data:text/javascript;base64,{module}",
                                 state])
    return page


@pytest.mark.browser
def test_rows_below_the_strips_four_are_announced_and_reached_by_a_click(browser):
    page = rendered(browser, "stepper-more", stepper_state(variables=6))
    strip, more = page.page.locator(".tv-stepper"), page.page.locator(".tv-stepper-more")
    wait_until(page, lambda: more.is_visible(), "the note that rows lie below")
    last = page.page.locator(".tv-stepper .tv-chip").last
    assert "d loss/d layer_5/kernel" in last.text_content()
    assert strip.evaluate("s => s.scrollHeight > s.clientHeight + 17")   # rows out of sight
    page.screenshot(".tapeviz", "stepper-more")
    for _ in range(10):   # each click scrolls a strip's height, until the last row shows
        if not more.is_visible():
            break
        more.click()
    assert not more.is_visible()
    assert strip.evaluate("s => s.scrollTop + s.clientHeight >= s.scrollHeight - 1")
    strip.evaluate("s => { s.scrollTop = 0; s.dispatchEvent(new Event('scroll')); }")
    wait_until(page, lambda: more.is_visible(), "the note back at the top")
    check_clean(page, browser)


@pytest.mark.browser
def test_a_strip_that_fits_shows_no_note(browser):
    state = {**stepper_state(variables=1), "upstream": "float32 scalar 1.0",
             "input_grads": [], "input_names": []}   # notebook 02's first step: four rows
    page = rendered(browser, "stepper-fits", state)
    page.page.locator(".tv-stepper .tv-chip").first.wait_for()
    strip = page.page.locator(".tv-stepper")
    assert strip.evaluate("s => s.scrollHeight <= s.clientHeight + 1")
    assert not page.page.locator(".tv-stepper-more").is_visible()
    check_clean(page, browser)


@pytest.mark.browser
def test_the_more_rows_note_covers_no_row_in_view(browser):
    """Notebook 04's 'grad input' row, the last in view, ran to the strip's right edge, under
    the note: the strip keeps the note's corner free of rows while the note shows."""
    wide = ("float32[32, 16, 4, 4] min -0.001042 max 0.001211 mean 1.375e-06 std 0.000314 | "
            "nan 0 inf 0 zeros 1787")
    state = {**stepper_state(variables=6), "upstream": wide}   # the fourth row here
    page = rendered(browser, "stepper-note-clear", state)
    more = page.page.locator(".tv-stepper-more")
    wait_until(page, lambda: more.is_visible(), "the note that rows lie below")
    covered = page.page.locator(".tv-stepper").evaluate("""(strip) => {
        const note = strip.parentElement.querySelector(".tv-stepper-more").getBoundingClientRect();
        const top = strip.getBoundingClientRect().top + strip.clientTop;
        const bottom = top + strip.clientHeight;
        return [...strip.querySelectorAll(".tv-chip")].filter((chip) => {
            const r = chip.getBoundingClientRect();
            const inView = r.bottom > top + 1 && r.top < bottom - 1;
            return inView && r.right > note.left && r.left < note.right
                && r.bottom > note.top && r.top < note.bottom;
        }).map((chip) => chip.textContent);
    }""")
    page.screenshot(".tapeviz", "stepper-note-clear")
    assert covered == [], covered
    check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("done, said", [(False, "dashed: none yet"),
                                        (True, "dashed: none reached it")])
def test_the_legend_says_a_dashed_box_gets_none_once_the_pass_is_over(browser, done, said):
    """After Continue, 'dashed: none yet' promised a gradient that never comes."""
    state = {**stepper_state(variables=1), "done": done}
    page = rendered(browser, f"stepper-key-{'done' if done else 'going'}", state)
    key = page.page.locator(".tv-stepper .tv-key")
    wait_until(page, lambda: key.count() == 1, "the strip's legend")
    assert said in key.text_content()
    check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("done", [False, True], ids=["going", "done"])
def test_step_and_continue_say_when_the_pass_is_done(browser, done):
    """At the pass's end Step and Continue did nothing when pressed and said nothing: they say
    it is done and that Reset starts it again (aria-disabled: Tab still reaches them)."""
    state = {**stepper_state(variables=1), "done": done}
    page = rendered(browser, f"stepper-buttons-{'done' if done else 'going'}", state)
    for name in ("tv-step", "tv-continue"):
        button = page.page.locator(f"button.{name}")
        button.wait_for()
        assert button.get_attribute("aria-disabled") == str(done).lower()
        assert ("Reset starts it again" in button.get_attribute("title")) is done
        assert button.evaluate("b => !b.disabled && b.tabIndex === 0")   # Tab reaches it
    page.screenshot(".tapeviz", f"stepper-buttons-{'done' if done else 'going'}")
    check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("done", [False, True], ids=["going", "done"])
def test_the_strip_says_what_to_press_once_the_pass_is_done(browser, done):
    """At the pass's end the strip said 'steps applied 7 (done)', and only Step's and
    Continue's tooltips said what to press next: it says Reset in sight."""
    state = {**stepper_state(variables=1), "done": done}
    page = rendered(browser, f"stepper-applied-{'done' if done else 'going'}", state)
    chip = page.page.locator(".tv-stepper .tv-chip").first
    wait_until(page, lambda: chip.count() == 1, "the strip's first chip")
    said = chip.text_content()
    assert said.startswith("steps applied ")
    assert ("(done) · Reset to step it again" in said) is done
    page.screenshot(".tapeviz", f"stepper-applied-{'done' if done else 'going'}")
    check_clean(page, browser)
