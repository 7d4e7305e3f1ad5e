"""tf.while_loop's nested loop variables: kept nested, and a body that changes the nesting
refused naming the op and both nestings."""
import collections

import pytest

import tapeviz as tf


def test_nested_and_named_loop_variables_keep_their_structure():
    Pair = collections.namedtuple("Pair", "count scale")
    (pair,) = tf.while_loop(lambda p: p.count < 3, lambda p: (Pair(p.count + 1, p.scale * 2.0),),
                            (Pair(0, 1.0),))
    assert isinstance(pair, Pair)
    assert (int(pair.count), float(pair.scale)) == (3, 8.0)


def test_a_body_that_changes_the_nesting_is_refused():
    with pytest.raises(ValueError, match=r"while_loop: body must return its loop variables "
                                         r"nested as it takes them, \(x, \(x, x\)\); got "
                                         r"\(x, x\)\n  at .*test_control_flow.py"):
        tf.while_loop(lambda i, p: i < 3, lambda i, p: (i + 1, p[0] + p[1]), (0, (1.0, 2.0)))
