"""Code shown to a user is the whole statement its line belongs to, not one physical line of
it (`tf.abs(residual) - 0.5)` alone reads as broken code)."""
import textwrap

import pytest

import tapeviz as tf
from tapeviz.debugger.op_inputs import written_arguments
from tapeviz.errors import ShapeError
from tapeviz.statements import LONGEST, statement_at


def _program(tmp_path, text: str, name: str = "program.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_a_statement_over_lines_is_shown_whole_from_any_of_its_lines(tmp_path):
    path = _program(tmp_path, """\
        import math
        def huber(residual):
            loss = math.fsum(
                [abs(residual) - 0.5])
            return loss
        """)
    whole = "loss = math.fsum(\n    [abs(residual) - 0.5])"
    assert statement_at(path, 3) == whole
    assert statement_at(path, 4) == whole
    assert statement_at(path, 5) == "return loss"


def test_a_compound_statement_shows_its_header_only(tmp_path):
    path = _program(tmp_path, """\
        for step in range(
                3):
            # a comment between the header and the body
            total = step
        """)
    assert statement_at(path, 2) == "for step in range(\n        3):"
    assert statement_at(path, 4) == "total = step"


def test_unparsable_or_long_statements_show_their_one_line(tmp_path):
    cell = _program(tmp_path, "%time x = 1\ny = (2 +\n     3)\n", "cell.py")
    assert statement_at(cell, 2) == "y = (2 +"   # magics: the file does not parse
    long = _program(tmp_path, "x = [\n" + "    1,\n" * LONGEST + "]\n", "long.py")
    assert statement_at(long, 3) == "1,"
    assert statement_at(long, 99) == ""


def test_an_op_error_shows_the_users_whole_statement(tmp_path):
    path = _program(tmp_path, """\
        import tapeviz as tf
        def run():
            residual = tf.constant([1.0, -3.0])
            return tf.matmul(
                residual,
                tf.ones([1, 2]))
        """)
    namespace = {}
    exec(compile(open(path).read(), path, "exec"), namespace)
    with pytest.raises(ShapeError) as caught:
        namespace["run"]()
    message = str(caught.value)
    assert "      return tf.matmul(\n          residual,\n          tf.ones([1, 2]))" in message


def test_inputs_are_named_as_written_in_a_statement_over_lines(tmp_path):
    path = _program(tmp_path, """\
        import tapeviz as tf
        def run(h, w):
            with tf.GradientTape() as tape:
                z = tf.matmul(
                    h,
                    w)
            return tape
        """)
    namespace = {}
    exec(compile(open(path).read(), path, "exec"), namespace)
    tape = namespace["run"](tf.ones([1, 2]), tf.Variable(tf.ones([2, 1])))
    (node,) = [n for n in tape.nodes if n.op.name == "matmul"]
    assert written_arguments(node.op, node.source, 2) == ["h", "w"]
