"""A `%%tapeviz` cell that raises an error or is interrupted (Jupyter's "interrupt kernel":
a KeyboardInterrupt in the cell) leaves no Recorder subscribed and no tape recording; what
ran is kept and the next `%%tapeviz` cell records whole."""
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.threadstate import thread_state

globalipapp = pytest.importorskip("IPython.testing.globalipapp")


@pytest.fixture
def shell(kernel_shell, monkeypatch):
    from tapeviz.ipython import magic
    monkeypatch.setattr(magic, "display", lambda widget: None)   # shown or not: not asserted
    kernel_shell.run_line_magic("load_ext", "tapeviz")
    kernel_shell.user_ns.update(tf=tf, w=tf.Variable([1.0, 2.0]))
    yield kernel_shell
    kernel_shell.run_line_magic("unload_ext", "tapeviz")


@pytest.mark.parametrize("failure", ["ValueError('planted')", "KeyboardInterrupt()"])
def test_a_failing_tapeviz_cell_keeps_what_ran_and_the_next_cell_records(shell, failure):
    result = shell.run_cell("%%tapeviz --name rec\n"
                            "with tf.GradientTape() as tape:\n"
                            "    loss = tf.reduce_sum(w * w)\n"
                            f"raise {failure}\n")
    assert type(result.error_in_exec).__name__ == failure.split("(")[0]
    assert not events.subscribers() and list(thread_state().tapes) == []
    assert [op.op for op in shell.user_ns["rec"].last_step.ops] == ["multiply", "reduce_sum"]
    result = shell.run_cell("%%tapeviz --name again\n"
                            "with tf.GradientTape() as tape:\n"
                            "    loss = tf.reduce_sum(w * w)\n"
                            "grad = tape.gradient(loss, w)\n")
    assert result.error_in_exec is None
    assert len(shell.user_ns["again"]) == 1 and not events.subscribers()
