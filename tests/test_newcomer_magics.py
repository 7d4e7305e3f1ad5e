"""A newcomer's first magics: help asked the usual way, and a cell that does not compile."""
import pytest

pytest.importorskip("IPython")
from IPython.testing import globalipapp  # noqa: E402

from tapeviz.debugger import breakpoint as bps  # noqa: E402


@pytest.fixture
def ip():
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "tapeviz")
    shell.run_cell("import tapeviz as tf\nw = tf.Variable([1.0, 2.0])")
    yield shell
    shell.run_line_magic("unload_ext", "tapeviz")
    bps.clear_breakpoints()


@pytest.mark.parametrize("kind, magic, usage", [
    ("line", "tapeviz", "%tapeviz [--step N]"),
    ("line", "tapeviz_break", "%tapeviz_break"),
    ("line", "tapeviz_train", "%tapeviz_train"),
    ("cell", "tapeviz", "%%tapeviz [--max-nodes N]"),
])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_flag_prints_the_magics_usage_options_and_example(ip, shown, capsys, kind, magic,
                                                               usage, flag):
    """`%tapeviz --help` was refused as 'unrecognized arguments: --help; did you mean
    --step?'; argparse's habit prints the help, as `%tapeviz?` shows it."""
    if kind == "line":
        ip.run_line_magic(magic, flag)
    else:
        ip.run_cell_magic(magic, flag, "w.assign_add([1.0, 1.0])")
    out = capsys.readouterr().out
    assert usage in out and "Example" in out and "--" in out
    assert not out.startswith("::")
    assert shown == []
    assert ip.user_ns["w"].numpy().tolist() == [1.0, 2.0]   # the cell was not run


def test_a_cell_that_does_not_compile_is_not_said_to_have_run_no_ops(ip, shown, capsys):
    """A SyntaxError under %%tapeviz printed '%%tapeviz: the cell ran no tapeviz ops;
    nothing to show.' above it, as if the cell had run; now only Python's error is said."""
    result = ip.run_cell("%%tapeviz\nwith tf.GradientTape() as tape:\n"
                         "    loss = tf.reduce_sum(w *\n")
    assert isinstance(result.error_in_exec or result.error_before_exec, SyntaxError)
    assert "ran no tapeviz ops" not in capsys.readouterr().out
    assert shown == []


def test_a_cell_run_twice_shows_a_widget_each_time(ip, shown):
    for _ in range(2):
        ip.run_cell_magic("tapeviz", "", "with tf.GradientTape() as tape:\n"
                                         "    loss = tf.reduce_sum(w * w)\n"
                                         "tape.gradient(loss, w)")
    assert len(shown) == 2
