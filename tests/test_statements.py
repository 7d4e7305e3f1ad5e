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


def test_parse_source_parses_one_thread_at_a_time_and_retries_a_mismatch_once(monkeypatch):
    """python/cpython#106905: CPython 3.11's AST constructor shares its recursion count
    between threads; a Runner's thread naming a line while the notebook's does failed with
    'AST constructor recursion depth mismatch' (seen once in test_torch_runner_threads)."""
    import ast
    import threading

    from tapeviz import statements
    real, calls, inside = ast.parse, [], []

    def parse(*args):
        inside.append(statements._parsing.locked())
        calls.append(args)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=3, after=5)")
        return real(*args)

    monkeypatch.setattr(ast, "parse", parse)
    assert isinstance(statements.parse_source("x = 1").body[0], ast.Assign)
    assert len(calls) == 2 and all(inside)
    monkeypatch.setattr(ast, "parse", real)
    trees = []
    threads = [threading.Thread(target=lambda: trees.extend(
        statements.parse_source("y = [i for i in range(3)]") for _ in range(200)))
        for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(trees) == 800
