"""The debugger's rows as a notebook shows them (ipython/debugger_rows.py): the same text, one
row a block that wraps between words, a break offered inside code but not inside a number or
an escaped character."""
import re

from tapeviz.ipython.debugger_rows import DebuggerRows

ROWS = ("log [math] in the forward pass\n"
        "      return -torch.log(probs[torch.arange(len(labels)), labels]) # <b> & 'x'\n"
        "  input = probs: float32[32] min 0 max 1 mean 0.3438 | nan 0 inf 0")


def test_the_plain_text_is_the_rows_unchanged():
    assert repr(DebuggerRows(ROWS)) == ROWS


def test_each_row_is_a_block_its_later_lines_under_its_start():
    shown = DebuggerRows(ROWS)._repr_html_()
    rows = re.findall(r'<span class="tv-debugger-row" style="[^"]*padding-left: (\d+)ch; '
                      r'text-indent: -(\d+)ch">(.*?)</span>', shown)
    assert [(int(a), int(b)) for a, b, _ in rows] == [(4, 4), (10, 10), (6, 6)]
    text = [re.sub("<wbr>", "", row) for _, _, row in rows]
    assert text[1].endswith("# &lt;b&gt; &amp; &#x27;x&#x27;")
    assert "word-break: normal" in shown and "overflow-wrap: anywhere" in shown


def test_code_breaks_after_punctuation_a_name_follows_never_inside_numbers_or_entities():
    shown = DebuggerRows(ROWS)._repr_html_()
    assert "torch.<wbr>log(<wbr>probs[<wbr>torch.<wbr>arange(<wbr>len(<wbr>labels))" in shown
    assert "0.3438" in shown and "float32[32]" in shown
    assert not re.search(r"&<wbr>|&#<wbr>|&\w*<wbr>", shown)
