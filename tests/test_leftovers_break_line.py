"""break_on(line=N) without a file stops at line N of the user's own files (scripts, modules,
notebook cells), never at line N of a library's code, and its repr says so. Before, it
matched line N of any file: colorsys.rgb_to_yiq's arithmetic on tensors stopped it."""
import colorsys
import inspect

import pytest

import tapeviz as tf
from tapeviz.debugger import break_on

pytestmark = pytest.mark.usefixtures("quiet_breakpoints")

LIBRARY_LINE = next(number for number, text in enumerate(
    inspect.getsourcelines(colorsys)[0], 1) if text.strip().startswith("y = 0.30*r"))


def test_a_line_without_a_file_does_not_stop_in_a_library():
    bp = break_on(line=LIBRARY_LINE, action="continue")
    r, g, b = tf.constant(0.5), tf.constant(0.25), tf.constant(1.0)
    colorsys.rgb_to_yiq(r, g, b)   # the standard library's own arithmetic, at LIBRARY_LINE
    assert bp.hits == []


def test_a_line_without_a_file_stops_in_the_users_own_file():
    line = inspect.currentframe().f_lineno + 2
    bp = break_on(line=line, action="continue")
    y = tf.exp(tf.constant(1.0))   # the user's line
    assert float(y) > 2.0
    assert [(hit.node.op.name, hit.node.source.lineno) for hit in bp.hits] == [("exp", line)]
    assert hit_file(bp) == __file__


def test_the_repr_says_where_a_line_without_a_file_matches():
    shown = repr(break_on(line=7, action="continue"))
    assert "line=7 in your own files (not a library's)" in shown
    line = inspect.currentframe().f_lineno
    assert "own files" not in repr(break_on(file=__file__, line=line, action="continue"))


def hit_file(bp):
    return bp.hits[0].node.source.filename
