"""What a student reads before a term is explained: the notebooks and the widget's own words
say "backward step" or "the gradient through <op>"; the term VJP appears only where the same
sentence explains it (a vector-Jacobian product), as the Step button's tooltip does."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STATIC = sorted((ROOT / "tapeviz" / "viz" / "static").glob("*.js"))
EXPLAINED = "vector-Jacobian product"


def unexplained_vjps(text: str) -> list:
    """Each 'VJP'/'VJPs' in `text` with no explanation in the 120 characters before it."""
    return [text[max(0, m.start() - 60):m.end() + 20]
            for m in re.finditer(r"\bVJPs?\b", text)
            if EXPLAINED not in text[max(0, m.start() - 120):m.start()]]


def test_the_check_finds_the_wording_notebook_02_had():
    assert unexplained_vjps("Every VJP so far came from the `else` branch's line.")
    assert unexplained_vjps('print("done:", True, "after", 7, "VJPs")')
    assert not unexplained_vjps("the chain rule for that op, its *vector-Jacobian product* "
                                "or VJP), from the loss")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_says_vjp_only_where_it_explains_it(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = [hit for cell in cells for hit in unexplained_vjps("".join(cell["source"]))]
    assert found == []


@pytest.mark.parametrize("path", STATIC, ids=lambda p: p.name)
def test_the_widgets_text_says_vjp_only_where_it_explains_it(path):
    # comments are for us; what the browser shows is in the code's strings
    code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("//"))
    assert unexplained_vjps(code) == []


def test_the_widgets_public_docstrings_say_vjp_only_where_they_explain_it():
    """What Shift+Tab shows a student in a notebook: `widget.step` said 'Apply one VJP of the
    shown step's backward pass'."""
    pytest.importorskip("anywidget", reason='the widgets need: pip install -e ".[jupyter]"')
    import inspect

    from tapeviz.viz import Dashboard, TapeWidget
    docs = {f"{cls.__name__}.{name}": inspect.getdoc(member) or ""   # tapeviz's own classes:
            for cls in (TapeWidget, Dashboard) for base in cls.__mro__   # the widget, its bases
            if base.__module__.startswith("tapeviz")
            for name, member in vars(base).items()
            if not name.startswith("_") and callable(member)}
    assert "TapeWidget.step" in docs and "TapeWidget.gradient_check" in docs
    assert {name: unexplained_vjps(doc) for name, doc in docs.items()
            if unexplained_vjps(doc)} == {}


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if "upstream" in p.read_text("utf-8")],
                         ids=lambda p: p.stem)
def test_upstream_is_said_in_prose_before_a_cell_prints_it(path):
    """02 and 04 printed 'upstream float32 scalar 1.0' with the word explained only in 01."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = next(cell for cell in cells if "upstream" in "".join(cell["source"]))
    assert first["cell_type"] == "markdown" and "*upstream*" in "".join(first["source"])
