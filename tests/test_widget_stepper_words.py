"""The tape widget's backward stepping strip says what happened in a student's words: the op
'stepped through' (it said 'VJP of'), the pink dashes 'just stepped through' (they
were 'the VJP just run'); the term VJP is left to the tooltips, which explain it. Read from
stepper.js, the text the browser shows."""
import re
from importlib.resources import files

SOURCE = (files("tapeviz.viz") / "static" / "stepper.js").read_text()


def shown_strings() -> list:
    """The strings stepper.js puts on the page as text: every literal but the tooltips (the
    third item of a row) and the class names."""
    code = re.sub(r"//[^\n]*", "", SOURCE)
    code = re.sub(r'title: "[^"]*"', "", code)
    code = re.sub(r'class: "[^"]*"', "", code)
    rows = re.findall(r'\[\s*("[^"]*"|`[^`]*`),\s*("[^"]*"|`[^`]*`|[\w.()]+(?: \+ [^,]+)?),'
                      r'((?:\s*\+?\s*"[^"]*")+)\s*\]', code)
    for _, _, tip in rows:
        code = code.replace(tip, "")
    return re.findall(r'"([^"]*)"|`([^`]*)`', code)


def test_the_strip_names_the_stepped_op_without_jargon():
    texts = [a or b for a, b in shown_strings()]
    assert "stepped through" in texts, texts
    assert not any("VJP" in text for text in texts), [t for t in texts if "VJP" in t]
    assert any("pink dashes: just stepped through" in text for text in texts), texts


def test_the_tooltip_explains_the_term():
    tip = re.search(r'\["stepped through",[^\]]*?,((?:\s*\+?\s*"[^"]*")+)\]', SOURCE, re.S)
    text = "".join(re.findall(r'"([^"]*)"', tip.group(1)))
    assert "backward step" in text and "vector-Jacobian product, VJP" in text, text
