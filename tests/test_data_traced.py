"""A tf.data function's own `x.numpy()` is refused as TF's trace refuses it (py_function.py),
and tf.py_function / tf.numpy_function run Python code on the values instead."""
import pytest

import tapeviz as tf
from tapeviz.threadstate import local


def test_numpy_in_a_map_function_is_refused_at_the_users_line_and_leaves_the_thread_clean():
    dataset = tf.data.Dataset.range(3).map(lambda x: x.numpy() * 2)
    with pytest.raises(AttributeError) as refused:
        list(dataset)
    assert str(refused.value).startswith("numpy: 'SymbolicTensor' object has no attribute "
                                         "'numpy'")
    assert "tf.py_function(func, [x], Tout)" in str(refused.value)
    assert "test_data_traced.py" in str(refused.value)
    assert local.state.traced is False
    assert tf.constant(2.0).numpy() == 2.0


def test_tapeviz_ops_in_a_map_function_read_values_as_they_need():
    rows = [v.numpy().tolist() for v in tf.data.Dataset.range(2).map(lambda x: tf.one_hot(x, 2))]
    assert rows == [[1.0, 0.0], [0.0, 1.0]]


def test_py_function_and_numpy_function_give_the_values_inside_a_map():
    doubled = tf.data.Dataset.range(3).map(
        lambda x: tf.py_function(lambda v: v.numpy() * 2, [x], tf.int64))
    tripled = tf.data.Dataset.range(3).map(lambda x: tf.numpy_function(lambda v: v * 3, [x],
                                                                       tf.int64))
    assert [int(v) for v in doubled] == [0, 2, 4]
    assert [int(v) for v in tripled] == [0, 3, 6]
    assert local.state.traced is False
