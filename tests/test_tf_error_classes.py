"""A TF user's except-clause meets tapeviz: a dtype TF's kernel refuses is an
InvalidArgumentError there, so tapeviz's error is one too, and still the TypeError
(DTypeError) that `except TypeError` code expects; it names the op, what was expected, what
came and the user's line, and ends with TF's own words. Where TF's Python wrapper refuses
first (truediv, gelu), TF's TypeError or ValueError stands. The goldens these follow are
tests/tf_fidelity/cases_error_classes.py's, recorded from TF 2.21."""
from __future__ import annotations

import traceback

import pytest

import tapeviz as tf
from raising import raised


def _ints():
    return tf.constant([1, 2])


def _floats():
    return tf.constant([1.0, 2.0])


KERNEL_REFUSALS = {   # call -> (op, what was expected and came, TF's phrase)
    "add": (lambda: tf.constant(1) + tf.constant(1.0), "add", "input 0 is int32, input 1 is "
            "float32", "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 "
            "tensor but is a float tensor"),
    "add_python_float": (lambda: tf.add(_ints(), 1.5), "add", "cannot convert 1.5 to a tensor "
                         "of dtype int32", "cannot compute AddV2 as input #1(zero-based) was "
                         "expected to be a int32 tensor but is a float tensor"),
    "batch_matmul": (lambda: tf.matmul(tf.ones((2, 2, 2), tf.int32), tf.ones((2, 2, 2))),
                     "matmul", "input 0 is int32, input 1 is float32", "cannot compute "
                     "BatchMatMulV2 as input #1(zero-based) was expected to be a int32 tensor "
                     "but is a float tensor"),
    "concat": (lambda: tf.concat([_floats(), _ints()], 0), "concat", "input 0 is float32, "
               "input 1 is int32", "cannot compute ConcatV2 as input #1(zero-based) was "
               "expected to be a float tensor but is a int32 tensor"),
    "exp": (lambda: tf.exp(_ints()), "exp", "expected floating (float16/32/64) tensors; got "
            "dtype int32", "Value for attr 'T' of int32 is not in the list of allowed values"),
    "reduce_sum": (lambda: tf.reduce_sum(tf.constant([True])), "reduce_sum", "expected a "
                   "numeric tensor; got dtype bool", "Value for attr 'T' of bool is not in the "
                   "list of allowed values"),
    "logical_and": (lambda: tf.logical_and(_floats(), _floats()), "logical_and", "expected "
                    "bool tensors; got dtype float32", "cannot compute LogicalAnd as input "
                    "#0(zero-based) was expected to be a bool tensor but is a float tensor"),
}


@pytest.mark.parametrize("name", KERNEL_REFUSALS)
def test_a_kernels_dtype_refusal_is_caught_by_tfs_except_and_by_except_type_error(name):
    call, op, said, tf_phrase = KERNEL_REFUSALS[name]
    err, _ = raised(tf.errors.InvalidArgumentError, call)
    assert isinstance(err, TypeError) and isinstance(err, tf.errors.DTypeError)
    assert str(err).startswith(f"{op}: ") and said in str(err)
    assert f"; in TensorFlow's words: {tf_phrase}" in str(err)
    user_line = (call.__code__.co_filename, call.__code__.co_firstlineno)   # the lambda's
    assert (err.source.filename, err.source.lineno) == user_line


@pytest.mark.parametrize("call, cls", [
    (lambda: tf.math.truediv(_ints(), _floats()), TypeError),   # TF's wrapper compares dtypes
    (lambda: _floats() * 2 + tf.nn.gelu(_ints()), ValueError),   # Keras-side check in TF
    (lambda: tf.Variable([1.0, 2.0]).assign(_ints()), ValueError),   # conversion, not a kernel
])
def test_a_refusal_tfs_python_makes_keeps_tfs_class(call, cls):
    err, _ = raised(cls, call)
    assert not isinstance(err, tf.errors.InvalidArgumentError) or cls is ValueError
    assert isinstance(err, tf.errors.DTypeError)


def test_truediv_says_tfs_words_and_is_no_invalid_argument_error():
    err, _ = raised(TypeError, lambda: tf.math.truediv(_ints(), _floats()))
    assert not isinstance(err, tf.errors.InvalidArgumentError)
    assert "`x` and `y` must have the same dtype, got tf.int32 != tf.float32." in str(err)


def test_a_kernels_refusal_is_shown_once_in_its_traceback():
    err, _ = raised(tf.errors.InvalidArgumentError, lambda: tf.exp(_ints()))
    shown = "".join(traceback.format_exception(err))
    assert shown.count("exp: expected floating") == 1, shown


def test_a_refusal_caught_inside_a_tape_leaves_the_tape_working():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        try:
            tf.constant([1, 2]) + x
        except tf.errors.InvalidArgumentError:
            pass
        y = tf.reduce_sum(x * x)
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 4.0]
