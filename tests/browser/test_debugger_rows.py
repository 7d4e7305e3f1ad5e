"""The debugger's `node` command in JupyterLab, at a 1280x800 and a 1024x700 window, light and
dark: each row wraps between words, its later lines indented under its start. Lab breaks a
stream's line anywhere at its width: notebook 04's input row read 'nan 0 i' over 'nf 0 zeros'
(lab-student-light-04-debugger.png); terminals and the tests reading the rows get them as
they were, one line each."""
import pytest

from .harness import notebook_page
from .test_notebooks_browser import answer_stdin, contrast
from .test_widgets import check_clean, wait_until

CELLS = [
    """
import tapeviz as tf
probabilities_of_the_right_labels = tf.constant([0.5, 0.25, 0.0, 1.0] * 8)
bp = tf.debugger.break_on(op="log", nan=True, once=True)
""",
    """
with tf.GradientTape() as tape:
    tape.watch(probabilities_of_the_right_labels)
    loss = -tf.reduce_mean(tf.math.log(probabilities_of_the_right_labels * 1.0))
""",
]

# the node command's text laid over two lines inside a word (a name may break after its `_`):
# the characters either side
WORDS_BROKEN = """(output) => {
  const text = output.textContent, tops = [];
  const walker = document.createTreeWalker(output, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      tops.push(rect ? Math.round(rect.top) : null);
    }
  }
  const broken = [];
  for (let i = 1; i < text.length; i++) {
    const wrapped = tops[i] !== null && tops[i - 1] !== null && tops[i] > tops[i - 1];
    if (wrapped && /\\w/.test(text[i - 1]) && /\\w/.test(text[i]) && text[i - 1] !== "_")
      broken.push(text.slice(i - 4, i) + "|" + text.slice(i, i + 4));
  }
  return broken;
}"""

# a row's later lines start right of its first: [the row's first words, the px they start left]
OUTDENTED = """(output) => [...output.querySelectorAll(".tv-debugger-row")].flatMap((row) => {
  const range = document.createRange();
  range.selectNodeContents(row);
  const lines = [...range.getClientRects()], first = lines[0];
  return lines.slice(1).filter((r) => r.left <= first.left + 1)
    .map((r) => [row.textContent.slice(0, 20), Math.round(first.left - r.left)]);
})"""


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 700)])
def test_the_node_commands_rows_wrap_between_words(theme, width, height, tmp_path, browser):
    with notebook_page(browser, tmp_path / "node_rows.ipynb", CELLS, theme=theme,
                       run=False) as page:
        page.page.set_viewport_size({"width": width, "height": height})
        page.run_all(wait=False)
        page.page.locator(".jp-Stdin-input").first.wait_for(timeout=120_000)
        answer_stdin(page, "node")
        shown = page.output("text=/log \\[math\\] in the forward pass/").last
        shown.wait_for(timeout=30_000)
        output = shown.locator("xpath=ancestor-or-self::*[contains(@class,"
                               " 'jp-OutputArea-output')][1]")
        page.screenshot(output, f"debugger-rows-{theme}-{width}")
        assert "  x = probabilities_of_the_right_labels * 1.0: float32[32]" in \
            output.text_content()
        assert output.evaluate(WORDS_BROKEN) == []
        assert output.evaluate(OUTDENTED) == []
        # the rows sit and read as the debugger's text above them (they were 8 px left of it,
        # at 14 px against its 13)
        prompt = page.output("pre").filter(has_text="ipdb>  node").last
        place = ("(el) => [Math.round(el.getBoundingClientRect().left),"
                 " getComputedStyle(el).fontSize]")
        assert output.locator(".tv-debugger-row").first.evaluate(place) == prompt.evaluate(place)
        ratio = contrast(output.locator(".tv-debugger-row").first)["ratio"]
        assert ratio >= 4.5, f"the node rows at {ratio:.2f}:1 in the {theme} theme"
        answer_stdin(page, "continue")
        page.wait_for_run()
        wait_until(page, lambda: page.page.locator(".jp-Stdin-input").count() == 0,
                   "the debugger's prompt to close")
        check_clean(page, browser)
