"""Mistakes in using the debugger itself: a name `tf.debugging` lacks, a breakpoint on a line
that runs no op. Each is said at once, with what to do, rather than silently ignored."""
import pytest

import tapeviz as tf


def test_a_tf_debugging_name_tapeviz_lacks_is_said_to_be_tensorflows_or_a_typo():
    with pytest.raises(AttributeError, match="tf.debugging.assert_positive is TensorFlow's, "
                                             "and tapeviz does not cover it"):
        _ = tf.debugging.assert_positive
    with pytest.raises(AttributeError, match="TensorFlow has no tf.debugging.check_numeric "
                                             "either; did you mean check_numerics"):
        _ = tf.debugging.check_numeric
    assert not hasattr(tf.debugging, "_repr_html_")
    assert tf.debugging.check_numerics(tf.constant([1.0]), "x").shape == (1,)
