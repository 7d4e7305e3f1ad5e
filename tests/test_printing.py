"""tf.print writes where TF's can: a stream, a 'file://' path, a logging function or level
(the text itself checked against TF in tests/tf_fidelity, print/*)."""
import logging

import pytest

import tapeviz as tf


def test_a_file_path_is_appended_to(tmp_path):
    path = tmp_path / "log.txt"
    tf.print("step", tf.constant(1), output_stream=f"file://{path}")
    tf.print("step", tf.constant(2), output_stream=f"file://{path}")
    assert path.read_text() == "step 1\nstep 2\n"


def test_a_logging_function_or_level_gets_the_text(caplog):
    with caplog.at_level(logging.INFO):
        tf.print("loss:", tf.constant([0.5, 0.25]), output_stream=logging.info)
        tf.print("careful", output_stream=logging.WARNING)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "loss: [0.5 0.25]"), (logging.WARNING, "careful")]


def test_an_output_stream_it_cannot_write_to_is_named():
    with pytest.raises(tf.DTypeError, match="print: output_stream must be sys.stdout, "
                                            "sys.stderr, a logging function or level"):
        tf.print("x", output_stream="stdout.txt")
