"""`%unload_ext tapeviz` removes what loading added, the magics' names offered for a lazy
load too (an import of tapeviz in a running shell offers them): after it `%%tapeviz` is not
found, rather than loading the extension again behind the user's back; `%load_ext` then
works as the first time."""
import pytest

pytest.importorskip("IPython")
from IPython.testing import globalipapp  # noqa: E402

import tapeviz.ipython as tvip  # noqa: E402
from tapeviz import events  # noqa: E402

NAMES = ("tapeviz", "tapeviz_break", "tapeviz_train")
CELL = "%%tapeviz --no-show --name rec\nimport tapeviz as tf\ny = tf.constant(2.0) * 3\n"


def _added(shell) -> dict:
    manager = shell.magics_manager
    return {"lazy": {name: module for name, module in manager.lazy_magics.items()
                     if module == "tapeviz"},
            "line": {name for name in NAMES if name in manager.magics["line"]},
            "cell": {name for name in NAMES if name in manager.magics["cell"]},
            "pre_run_cell": list(shell.events.callbacks["pre_run_cell"]),
            "post_run_cell": list(shell.events.callbacks["post_run_cell"])}


def test_unload_removes_the_lazy_names_and_load_works_again(monkeypatch):
    monkeypatch.setattr(tvip.magic, "display", lambda widget: None)
    shell = globalipapp.get_ipython()
    if "tapeviz" in shell.extension_manager.loaded:
        shell.run_line_magic("unload_ext", "tapeviz")
    before = _added(shell)
    tvip.offer_magics(shell)   # what `import tapeviz` does in a running shell
    shell.run_line_magic("load_ext", "tapeviz")
    assert _added(shell)["line"] == set(NAMES) and "tapeviz" in _added(shell)["cell"]
    shell.run_line_magic("unload_ext", "tapeviz")
    assert _added(shell) == {**before, "lazy": {}}
    result = shell.run_cell(CELL)
    assert "Cell magic `%%tapeviz` not found" in str(result.error_in_exec)
    assert "tapeviz" not in shell.extension_manager.loaded and not events.subscribers()
    shell.run_line_magic("load_ext", "tapeviz")   # and it loads again, as the first time
    result = shell.run_cell(CELL)
    assert result.error_in_exec is None and result.error_before_exec is None
    assert [op.op for op in shell.user_ns["rec"].last_step.ops] == ["multiply"]
    shell.run_line_magic("unload_ext", "tapeviz")
    assert _added(shell) == {**before, "lazy": {}}
