"""Mistakes in using the debugger itself: a name `tf.debugging` lacks, a breakpoint on a line
that runs no op. Each is said at once, with what to do, rather than silently ignored."""
import os

import pytest

import tapeviz as tf
from tapeviz.debugger import break_on
from programs import line_of


def test_a_tf_debugging_name_tapeviz_lacks_is_said_to_be_tensorflows_or_a_typo():
    with pytest.raises(AttributeError, match="tf.debugging.assert_positive is TensorFlow's, "
                                             "and tapeviz does not cover it"):
        _ = tf.debugging.assert_positive
    with pytest.raises(AttributeError, match="TensorFlow has no tf.debugging.check_numeric "
                                             "either; did you mean check_numerics"):
        _ = tf.debugging.check_numeric
    assert not hasattr(tf.debugging, "_repr_html_")
    assert tf.debugging.check_numerics(tf.constant([1.0]), "x").shape == (1,)


def scaled(x):
    return x * 2.0   # OPS LATER: runs an op whenever scaled is called


def test_a_breakpoint_on_a_line_of_code_that_runs_no_op_is_warned_naming_lines_that_can(
        quiet_breakpoints):
    a = 1 + 2  # NO OP: constants only
    line = line_of(__file__, "# NO OP")
    with pytest.warns(UserWarning) as warned:
        bp = break_on(file=__file__, line=line, action="continue")
    [warning] = [w for w in warned if "break_on" in str(w.message)]
    message = str(warning.message)
    assert message.startswith(f"break_on: no op can run at {os.path.basename(__file__)}:{line} "
                              "(a = 1 + 2  # NO OP: constants only): the line calls nothing")
    before = [line_of(__file__, "check_numerics(tf.constant"), line_of(__file__, "# OPS LATER")]
    assert message.endswith("lines nearby that can: " + ", ".join(
        map(str, before + [line + 1, line + 2])))   # not the def lines between
    assert warning.filename == __file__   # said from the user's line
    assert bp.enabled and a == 3   # still set, as pdb sets one on any line of code


def test_a_breakpoint_in_a_function_called_later_is_set_silently_and_stops(quiet_breakpoints,
                                                                         recwarn):
    bp = break_on(file=__file__, line=line_of(__file__, "# OPS LATER"), action="continue")
    assert [w for w in recwarn if "break_on" in str(w.message)] == []
    scaled(tf.constant(1.0))
    [hit] = bp.hits
    assert hit.node.op.name == "multiply"
