"""The backward-stepping strip never shows a row cut in two: a row longer than the strip's
width wraps onto a second line, and as the fourth row (notebook 04's 'grad input (from relu,
op 4 of the tape) float32[32, 16, 4, 4] ... | nan 0' at 1280x800 in Lab) its second line lay
below the strip's four lines, under the '▾ more rows' note: the row read 'nan 0' and stopped.
The strip shows that row whole, and the note's click scrolls to the first row not wholly in
view, so no later row is cut at the bottom either. Screenshots:
tests/browser/artifacts/stepper-rows-whole-<n>.png."""
import pytest

from .test_stepper_strip import rendered, stepper_state
from .test_widgets import check_clean, wait_until

WIDE = ("float32[32, 16, 4, 4] min -0.001042 max 0.001211 mean 8.651e-06 std 0.000359 | "
        "nan 0 inf 0 zeros 1787")

# the strip's rows cut by its bottom edge, where the note sits: their text (at the end of the
# scroll the view is the strip's foot, and a row above may be cut at the top, as any scrolled
# box cuts it)
ROWS_CUT = """(strip) => {
    const s = strip.getBoundingClientRect();
    const bottom = s.top + strip.clientTop + strip.clientHeight;
    return [...strip.children].filter((row) => {
        const r = row.getBoundingClientRect();
        return r.top < bottom - 1 && r.bottom > bottom + 1;
    }).map((row) => row.textContent);
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width, upstream", [
    (640, WIDE), (760, WIDE), (848, WIDE),
    (848, WIDE + " of 8192 values, 0.0% of them zero")])   # the fourth line wraps
def test_a_wrapped_row_is_shown_whole_and_the_note_scrolls_to_whole_rows(browser, width,
                                                                        upstream):
    state = {**stepper_state(variables=6), "upstream": upstream, "input_grads": [WIDE, WIDE],
             "input_names": ["input (from relu, op 4 of the tape)", "filters"]}
    page = rendered(browser, "stepper-rows-whole", state)
    page.page.evaluate("(width) => { document.querySelector('.tapeviz').parentElement.style"
                       ".width = `${width}px`; }", width)
    strip, more = page.page.locator(".tv-stepper"), page.page.locator(".tv-stepper-more")
    wait_until(page, lambda: more.is_visible(), "the note that rows lie below")
    page.settle(".tv-stepper")
    page.screenshot(".tapeviz", f"stepper-rows-whole-{width}-{len(upstream)}-0")
    assert strip.evaluate(ROWS_CUT) == []
    for click in range(1, 10):
        if not more.is_visible():
            break
        more.click()
        page.settle(".tv-stepper")
        page.screenshot(".tapeviz", f"stepper-rows-whole-{width}-{len(upstream)}-{click}")
        assert strip.evaluate(ROWS_CUT) == [], click
    assert "d loss/d layer_5/kernel" in strip.evaluate(
        "s => [...s.children].filter((c) => c.getBoundingClientRect().bottom"
        " <= s.getBoundingClientRect().bottom + 1).pop().textContent")
    check_clean(page, browser)
