"""A source location in the tape widget stays on one line, however narrow the panel: tape.js
puts each one (as `SourceInfo.location` writes it) in a `tv-loc` span that tape.css keeps
from wrapping, while an alert's text around it still wraps."""
import base64

import pytest

from tapeviz.viz.front import STATIC, module as front_module

from .harness import NotebookPage
from .test_widgets import check_clean

# a narrow side panel showing the Source section and an alert, as the widget draws them
_DRAW = """async ([url, css]) => {
  const { section, alertItem } = await import(url);
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const root = document.createElement("div");
  root.className = "tapeviz";
  root.style.width = "100px";   // narrower than either location
  root.append(
    section({ title: "Source", type: "source",
              content: "Cell In[12], line 14 in loss_fn\\n    y = tf.exp(h)" }),
    alertItem({ kind: "nan", label: "NaN", message: "log produced nan at examples/mnist.py:88: z" },
              () => {}));
  document.body.append(root);
  return [...root.querySelectorAll(".tv-loc")].map((span) => ({
    text: span.textContent, lines: new Set([...span.getClientRects()].map((r) => r.top)).size,
    parentLines: Math.round(span.parentElement.getBoundingClientRect().height
                            / parseFloat(getComputedStyle(span.parentElement).lineHeight)) }));
}"""


@pytest.mark.browser
def test_a_location_never_wraps_inside_in_a_narrow_panel(browser):
    page = NotebookPage(browser.context.new_page(), "locations")
    browser.pages.append(page)
    page.page.set_content("<!DOCTYPE html><html><body></body></html>")
    module = base64.b64encode(front_module("tape.js").encode()).decode("ascii")
    spans = page.page.evaluate(_DRAW, [f"data:text/javascript;base64,{module}",
                                       (STATIC / "tape.css").read_text()])
    assert [span["text"] for span in spans] == ["Cell In[12], line 14", "examples/mnist.py:88"]
    assert [span["lines"] for span in spans] == [1, 1]          # each location on one line
    # the alert's text around it wrapped (the Source box wraps each line under itself:
    # test_inspector_text.py)
    assert spans[1]["parentLines"] > 2, spans
    page.screenshot(".tapeviz", "narrow-panel")
    check_clean(page, browser)
