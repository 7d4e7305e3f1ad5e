"""The widgets' front code: the files in static/ joined into the one module each widget loads."""
import re

import pytest

from tapeviz.viz import front
from tapeviz.viz.dashboard import Dashboard
from tapeviz.viz.widget import TapeWidget

IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([\w-]+\.js)";', re.MULTILINE)


def parts(joined: str) -> list:
    return re.findall(r"^// ---- static/([\w-]+\.js)$", joined, re.MULTILINE)


@pytest.mark.parametrize("entry", ["tape.js", "dashboard.js"])
def test_a_widget_loads_its_entry_joined_with_each_file_it_imports_once_after_them(entry):
    joined = front.module(entry)
    order = parts(joined)
    assert order[-1] == entry and len(order) == len(set(order)) > 1
    for name in order:
        text = (front.STATIC / name).read_text()
        for names, imported in IMPORT.findall(text):
            assert order.index(imported) < order.index(name), (name, imported)
            for used in names.replace(",", " ").split():   # each name imported is exported
                assert re.search(rf"^export (?:function|const) {used}\b|^export const .*\b"
                                 rf"{used} =", (front.STATIC / imported).read_text(),
                                 re.MULTILINE), (name, used, imported)
        assert text.splitlines()[0].startswith("// "), f"{name} says what it is for"
    assert not IMPORT.search(joined) and joined.count("export default") == 1
    widget_class = TapeWidget if entry == "tape.js" else Dashboard
    assert widget_class._esm == joined


def test_every_front_file_is_a_small_module():
    for path in sorted(front.STATIC.glob("*.js")):
        assert len(path.read_text().splitlines()) <= 400, path.name


def test_the_export_keeps_the_names_its_page_imports():
    joined = front.module("tape.js")
    for name in ("h", "panZoom", "section", "alertItem", "alertList", "inspectorContent",
                 "sidePanel"):
        assert re.search(rf"^export function {name}\(", joined, re.MULTILINE), name


def test_an_import_cycle_is_refused_naming_it(tmp_path, monkeypatch):
    (tmp_path / "a.js").write_text('// a\nimport { b } from "./b.js";\nexport function a() {}\n')
    (tmp_path / "b.js").write_text('// b\nimport { a } from "./a.js";\nexport function b() {}\n')
    monkeypatch.setattr(front, "STATIC", tmp_path)
    with pytest.raises(ValueError, match=r"a\.js -> b\.js -> a\.js imports in a cycle"):
        front.module("a.js")
