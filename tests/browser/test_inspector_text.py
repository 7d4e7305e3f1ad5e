"""The inspector's text in a narrow side panel, as tape.js draws it: a long title keeps its
value's type ("→ float32[32, 1, 3, 3]") on one line and never runs past the panel (it broke
"float32[32, 1," from "3, 3]", and a layer path without spaces ran over the edge); the Source
box shows all of the user's lines, each starting on its own row and a long one wrapped under
itself, further in than its own indentation (a wrap at column 0 read as another statement;
a box scrolling sideways hid the line's end, "torch.log(probs[torch.arange(len(lab" in notebook
04), while an Error box wraps as prose.
Screenshots: tests/browser/artifacts/inspector-text-<theme>.png.
"""
import base64

import pytest

from tapeviz.viz.front import STATIC, module as front_module

from .harness import NotebookPage
from .test_widgets import check_clean

TITLE = "parameter Sequential_1/features.0.conv_block.weight → float32[32, 1, 3, 3]"
SOURCE = ("Cell In[2], line 11 in forward\n"
          "    x = x.mean(dim=(2, 3))          # global average pool over the feature maps")
ERROR = "matmul: x.shape[-1] must equal w.shape[-2]; got (32, 784) @ (10, 784) and more words"

# the inspector drawn by tape.js alone, `width` wide, in a stand-in for JupyterLab's theme
_MOUNT = """
  const { inspectorContent } = await import(url);
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  if (dark) document.body.style.cssText = "--jp-layout-color1: #111; --jp-layout-color2: #222;"
    + "--jp-ui-font-color1: #ddd; --jp-ui-font-color2: #aaa; background: #111; color: #ddd";
  const root = document.createElement("div");
  root.className = "tapeviz";
  root.style.width = width;
  root.append(...inspectorContent({ title, sections }));
  document.body.append(root);
"""

_DRAW = """async ([url, css, dark, width, title, sections]) => {""" + _MOUNT + """
  const lines = (el) => Math.round(el.getBoundingClientRect().height
                                   / parseFloat(getComputedStyle(el).lineHeight));
  const head = root.querySelector(".tv-inspector-title");
  const type = head.querySelector(".tv-title-type");
  const [code, error_] = root.querySelectorAll("pre.tv-code");
  // the statement's rows on screen: where its text starts (after its indentation), and the
  // left end of each row it wraps to
  // (its first text node holds the indentation: the line has a <wbr> after each "x.")
  const line = code.querySelectorAll(".tv-source-line")[1];
  const statement = line.firstChild;
  const range = document.createRange();
  const indent = statement.textContent.length - statement.textContent.trimStart().length;
  range.setStart(statement, indent);
  range.setEnd(statement, indent + 1);
  const start = range.getBoundingClientRect().left;
  range.selectNodeContents(line);
  const rows = new Map();
  for (const r of range.getClientRects())
    rows.set(Math.round(r.top), Math.min(rows.get(Math.round(r.top)) ?? Infinity, r.left));
  const wrapped = [...rows.entries()].sort((a, b) => a[0] - b[0]).slice(1).map((e) => e[1]);
  return {
    title: head.textContent,
    typeText: type && type.textContent,
    typeLines: type ? new Set([...type.getClientRects()].map((r) => r.top)).size : 0,
    titleOverflows: head.scrollWidth > head.clientWidth + 1,
    sourceText: code.innerText,
    statementRows: rows.size,
    hangs: wrapped.every((left) => left > start + 2),
    sourceScrolls: code.scrollWidth > code.clientWidth + 1,
    errorLines: lines(error_),
  };
}"""


def _drawn(browser, script: str, theme: str, width: str, title: str, sections: list):
    """A blank page that draws an inspector with tape.js's own module and CSS, and what
    `script` measured of it."""
    page = NotebookPage(browser.context.new_page(), "inspector")
    browser.pages.append(page)
    page.page.set_content("<!DOCTYPE html><html><body></body></html>")
    module = base64.b64encode(front_module("tape.js").encode()).decode("ascii")
    found = page.page.evaluate(script, [f"data:text/javascript;base64,{module}",
                                        (STATIC / "tape.css").read_text(), theme == "dark",
                                        width, title, sections])
    return page, found


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_long_title_and_the_source_box_read_whole_in_a_narrow_panel(theme, browser):
    page, found = _drawn(browser, _DRAW, theme, "220px", TITLE,   # the inspector at its narrowest
                         [{"title": "Source", "type": "source", "content": SOURCE},
                          {"title": "Error", "type": "code", "content": ERROR}])
    assert found["title"] == TITLE                       # the text itself is unchanged
    assert found["typeText"] == "→ float32[32, 1, 3, 3]"
    assert found["typeLines"] == 1                       # the type never broken inside
    assert not found["titleOverflows"]                   # the long path breaks, in the panel
    assert found["sourceText"].rstrip("\n") == SOURCE, found   # all of it, line by line
    assert found["statementRows"] > 1 and found["hangs"], found  # wrapped under itself
    assert not found["sourceScrolls"], found
    assert found["errorLines"] > 2, found                # an error's prose still wraps
    page.screenshot(".tapeviz", f"text-{theme}")
    check_clean(page, browser)


# notebook 04's statement, as the Source box shows it: at 400 px of notebook the inspector is
# ~220 px wide and this statement broke "probs[to" from "rch.arange(..."
LONG_CALL = ("Cell In[8], line 3 in my_cross_entropy\n"
             "    return -torch.log(probs[torch.arange(len(labels)), labels]).mean()"
             "   # BUG: log(0)")

_BREAKS = """async ([url, css, dark, width, title, sections]) => {""" + _MOUNT + """
  const code = root.querySelector("pre.tv-code");
  // each row's first character after the first row: the text either side of each break
  const statement = code.querySelectorAll(".tv-source-line")[1];
  const text = statement.textContent;
  const walker = document.createTreeWalker(statement, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      chars.push(rect ? Math.round(rect.top) : null);
    }
  const breaks = [];
  for (let i = 1; i < chars.length; i++)
    if (chars[i] !== null && chars[i - 1] !== null && chars[i] > chars[i - 1])
      breaks.push([text.slice(Math.max(0, i - 6), i), text.slice(i, i + 6)]);
  return { text: code.innerText, breaks,
           scrolls: code.scrollWidth > code.clientWidth + 1 };
}"""


# a TF program's statement: it read "y = tf.nn.relu(tf." over "matmul(images, weights) + ..."
TF_CALL = ("Cell In[3], line 4 in dense\n"
           "    y = tf.nn.relu(tf.matmul(images, weights) + biases)   # the hidden layer")


def _name_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@pytest.mark.browser
@pytest.mark.parametrize("width, theme, source", [
    ("220px", "light", LONG_CALL), ("220px", "dark", LONG_CALL), ("160px", "light", LONG_CALL),
    ("300px", "dark", LONG_CALL), ("220px", "light", TF_CALL), ("190px", "dark", TF_CALL)])
def test_a_long_statement_wraps_where_code_may_break_never_inside_a_name(width, theme, source,
                                                                          browser):
    page, found = _drawn(browser, _BREAKS, theme, width, "log",
                         [{"title": "Source", "type": "source", "content": source}])
    assert found["text"].rstrip("\n") == source, found   # copied as written
    assert found["breaks"], found                        # it does wrap
    for before, after in found["breaks"]:
        # never between two letters of one name, nor inside a dotted name ("tf." | "matmul")
        assert not (_name_char(before[-1:]) or before[-1:] == ".") \
            or not _name_char(after[:1]), found["breaks"]
    assert not found["scrolls"], found
    program = "tf" if source is TF_CALL else "torch"
    page.screenshot(".tapeviz", f"source-breaks-{width}-{theme}-{program}")
    check_clean(page, browser)


# each 'word number' of the value cells (min 0, zeros 7562) whose word and number lie on two
# lines: [the pair, the cell's width]; and each table wider than the panel
_PAIRS_SPLIT = """async ([url, css, dark, width, title, sections]) => {""" + _MOUNT + """
  const split = [];
  for (const cell of root.querySelectorAll("table")[0].querySelectorAll("td:last-child")) {
    const chars = [];   // [text node, offset] of each character of the cell's text
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode())
      for (let i = 0; i < node.length; i++) chars.push([node, i]);
    const top = ([node, i]) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return Math.round(range.getClientRects()[0].top);
    };
    for (const m of cell.textContent.matchAll(/[A-Za-z]+ -?\\d[\\w.+-]*/g))
      if (top(chars[m.index]) !== top(chars[m.index + m[0].length - 1]))
        split.push([m[0], cell.getBoundingClientRect().width]);
  }
  // and no table wider than the panel (a pair kept whole must not widen it: cut at the side)
  for (const table of root.querySelectorAll("table"))
    if (table.getBoundingClientRect().right > root.getBoundingClientRect().right + 1)
      split.push(["table past the panel", table.getBoundingClientRect().width]);
  return split;
}"""
# notebook 03's bias_add output at 1440x900: 'zeros' ended a line, its '0' began the next
# (the first table's pairs are checked; every table's width)
SUMMARY = ("float32[32, 16, 6, 6] min -0.549 max 1.012 mean 0.09779 std 0.1949 | nan 0 inf 0 "
           "zeros 0")


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_summary_keeps_each_number_on_the_line_of_its_name(theme, browser):
    table = [["summary", SUMMARY], ["shape", "(32, 6, 6, 16)"], ["position", "op 2 of 11"]]
    # a label as long as notebook 04's narrowed inspector held (nowrap pairs cut its table)
    inputs = [["x (from variable w)", "float32[32] min 0 max 255 mean -0.04707 std 0.3295"]]
    page = None
    for width in range(224, 420, 7):
        if page:
            page.page.close()
        page, split = _drawn(browser, _PAIRS_SPLIT, theme, f"{width}px", "bias_add",
                             [{"title": "Output", "type": "table", "content": table},
                              {"title": "Inputs", "type": "table", "content": inputs}])
        assert split == [], (width, split)
    page.screenshot(".tapeviz", f"named-numbers-{theme}")
    check_clean(page, browser)
