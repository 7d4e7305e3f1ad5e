"""A `%%tapeviz` cell whose first op fails: the widget's title says which op failed, at
which line of the cell, and what to do (it read 'Recorder: no steps recorded yet', as if the
Recorder were at fault), and its status counts no ops it never held ('0 ops and the op that
failed')."""
import pytest

pytest.importorskip("IPython")

from IPython.testing import globalipapp  # noqa: E402

import tapeviz.ipython as tvip  # noqa: E402


@pytest.fixture
def shown(monkeypatch):
    displayed = []
    monkeypatch.setattr(tvip.magic, "display", displayed.append)
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "tapeviz")
    shell.run_cell("import tapeviz as tf\nx = tf.ones([2, 3])")
    yield shell, displayed
    shell.run_line_magic("unload_ext", "tapeviz")


def test_first_op_failed_title_names_the_op_its_line_and_what_to_do(shown):
    shell, displayed = shown
    result = shell.run_cell("%%tapeviz\ny = tf.matmul(x, x)", store_history=True)
    [widget] = displayed
    line = f"Cell In[{result.execution_count}], line 1"
    assert widget.title == f"matmul failed at {line}, the first op run: fix that line and " \
                           "run again"
    assert "Recorder" not in widget.title
    assert widget.status == "3 nodes: the op that failed, 2 inputs"
    [alert] = widget.alerts   # the message itself, at the same line
    assert alert["message"].startswith(f"matmul failed at {line}: a.shape[-1] must equal")


def test_a_cell_failing_after_its_first_op_keeps_the_steps_title(shown):
    shell, displayed = shown
    shell.run_cell("%%tapeviz\nh = tf.exp(x)\ny = tf.matmul(h, x)")
    [widget] = displayed
    assert widget.title.startswith("step 1 of 1: 1 op")
    assert widget.status.startswith("3 nodes: 1 op and the op that failed")
