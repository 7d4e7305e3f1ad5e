"""The Dashboard's buttons are named by what they do for a student, not by autodiff's jargon
("Step VJP" was), and each has a tooltip that explains it; the tape widget's backward Step
says the same step in the same words. Read from the front end's source (dashboard.js,
tape.js), the text the browser shows."""
import re
from importlib.resources import files

STATIC = files("tapeviz.viz") / "static"


def js_string(text: str) -> str:
    """A JS expression of string literals joined by `+` (one label or tooltip), as a string."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))


def dashboard_buttons() -> dict:
    """action -> (label, tooltip), from dashboard.js's BUTTONS table."""
    table = re.search(r"const BUTTONS = \[(.*?)\];", (STATIC / "dashboard.js").read_text(),
                      re.S).group(1)
    rows = re.findall(r'\[\s*"(\w+)",\s*"([^"]+)",((?:\s*\+?\s*"(?:[^"\\]|\\.)*")+)\s*\]',
                      table)
    return {action: (label, js_string(tip)) for action, label, tip in rows}


def test_the_dashboard_buttons_say_what_they_do_without_jargon():
    buttons = dashboard_buttons()
    assert {action: label for action, (label, _) in buttons.items()} == {
        "pause": "Pause", "step_op": "Step op", "step_vjp": "Step gradient",
        "resume": "Resume", "stop": "Stop"}
    for action, (label, tip) in buttons.items():
        assert "VJP" not in label and len(tip.split()) >= 4, (action, label, tip)
    tip = buttons["step_vjp"][1]
    assert "backward pass" in tip and "next op's gradient" in tip and "chain rule" in tip, tip
    assert "vector-Jacobian product" in tip   # the word a lecture uses, explained, not a label


def test_the_tape_widgets_backward_step_is_told_in_the_same_words():
    source = (STATIC / "tape.js").read_text()
    step = re.search(r'\["tv-step", "Step",(.*?)\(\) => send\("step"\)\]', source, re.S)
    tip = js_string(step.group(1))
    assert "One backward step: the gradient through the next op" in tip, tip
    assert "chain rule" in tip and "vector-Jacobian product" in tip, tip
