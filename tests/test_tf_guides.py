"""The tensorflow/docs guides' code under tapeviz, where the fidelity goldens
(tests/tf_fidelity/cases_docs_guides.py) cannot look: each refusal names its op, what was
expected, what came and the user's own line, and leaves the tape, the variable and the
dataset usable; the guides' generator dataset pads as TF pads it."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


def _series():
    for i in range(3):
        yield i, np.ones(i + 1, np.float32)


def test_a_device_name_tf_cannot_parse_is_refused_at_the_users_line():
    err, line = raised(ValueError, lambda: tf.device("garbage"))
    assert str(err).startswith("device: Unknown attribute 'garbage'")
    assert_names_this_line(err, line)
    err, line = raised(ValueError, lambda: tf.device(3))
    assert "device_name must be a string device name" in str(err) and "got 3 (int)" in str(err)
    assert_names_this_line(err, line)


def test_a_gpu_block_runs_on_the_cpu_and_is_taped():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with tf.device("GPU:0"):
            loss = tf.reduce_sum(w * w)
    assert tape.gradient(loss, w).numpy().tolist() == [2.0, 4.0]


def test_an_element_of_another_shape_than_output_shapes_is_refused_where_it_is_read():
    ds = tf.data.Dataset.from_generator(_series, output_types=(tf.int32, tf.float32),
                                        output_shapes=((), (2,)))
    err, line = raised(tf.errors.InvalidArgumentError, lambda: list(ds))
    assert "from_generator: the generator yielded an element of shape (1,) where " \
           "output_shapes expects shape (2,)" in str(err)
    assert_names_this_line(err, line)


def test_output_shapes_of_another_structure_than_output_types_are_refused():
    err, line = raised(ValueError, lambda: tf.data.Dataset.from_generator(
        _series, output_types=(tf.int32, tf.float32), output_shapes=((),)))
    assert "output_shapes ((),) does not match the structure of output_types" in str(err)
    assert_names_this_line(err, line)


def test_the_guides_series_pads_to_its_longest_element_and_says_none():
    ds = tf.data.Dataset.from_generator(_series, output_types=(tf.int32, tf.float32),
                                        output_shapes=((), (None,)))
    ids, padded = next(iter(ds.padded_batch(3)))
    assert padded.numpy().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert str(ds.padded_batch(3).element_spec[1]) == \
        "TensorSpec(shape=(None, None), dtype=tf.float32, name=None)"


def test_py_function_without_inp_is_refused_naming_both_forms():
    err, line = raised(TypeError, lambda: tf.py_function(lambda x: x, Tout=tf.float32))
    assert "py_function: Missing argument `inp`" in str(err)
    assert "@tf.py_function(Tout=...)" in str(err)
    assert_names_this_line(err, line)


def test_a_decorated_py_function_is_differentiated_through():
    @tf.py_function(Tout=tf.float32)
    def doubled(x):
        return x * 2.0

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = doubled(x) * x
    assert tape.gradient(y, x).numpy() == pytest.approx(12.0)


def test_an_unknown_shapes_as_list_is_refused_at_the_users_line():
    spec = tf.TensorSpec(None)
    err, line = raised(ValueError, lambda: spec.shape.as_list())
    assert str(err).startswith("as_list: as_list() is not defined on an unknown TensorShape.")
    assert_names_this_line(err, line)


def test_a_signature_of_unknown_shape_refuses_ints_at_the_users_line():
    double = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec(None)])
    err, line = raised(TypeError, lambda: double(tf.constant([1, 2])))
    assert "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None); got dtype int32" in str(err)
    assert_names_this_line(err, line)
    assert double(tf.constant([[1.0]])).numpy().tolist() == [[2.0]]


def test_an_update_of_another_shape_leaves_the_variable_as_it_was():
    a = tf.Variable([2.0, 3.0])
    err, line = raised(ValueError, lambda: a.assign([1.0, 2.0, 3.0]))
    assert "Shape mismatch.The variable shape (2,), and the assigned value shape (3,) are " \
           "incompatible." in str(err)
    assert_names_this_line(err, line)
    err, line = raised(ValueError, lambda: a.assign_add([[1.0, 2.0]]))
    assert "Cannot update variable with shape [2] using a Tensor with shape [1,2]" in str(err)
    assert a.numpy().tolist() == [2.0, 3.0]
    a.assign([1, 2])
    assert a.numpy().tolist() == [1.0, 2.0] and a.dtype == tf.float32


def test_a_ragged_list_ends_with_tfs_words_at_the_users_line():
    ragged_list = [[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]]
    err, line = raised(ValueError, lambda: tf.constant(ragged_list))
    assert str(err).splitlines()[0].endswith(
        "; in TensorFlow's words: Can't convert non-rectangular Python sequence to Tensor.")
    assert_names_this_line(err, line)


def test_a_complex_variable_is_said_to_be_outside_the_dtypes():
    err, line = raised(TypeError, lambda: tf.Variable([5 + 4j, 6 + 1j]))
    assert "nested list of real numbers; got [(5+4j), (6+1j)], complex: tapeviz's dtypes are " \
           "floats, ints and bool" in str(err)
    assert "two float tensors" in str(err)
    assert_names_this_line(err, line)
