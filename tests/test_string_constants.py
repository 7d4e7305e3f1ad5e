"""String constants (tf.string tensors made from Python text): made, read and compared as
TF's are (tests/tf_fidelity/cases_strings.py holds TF's own results); math asked of them is
refused naming the op, the string dtype and the user's line, and leaves the tape working."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


def test_text_makes_a_string_tensor_of_bytes():
    words = tf.constant([["a", "bc"], ["d", "\u00e9"]])
    assert words.dtype == tf.string and words.shape == (2, 2)
    assert words.numpy().tolist() == [[b"a", b"bc"], [b"d", "\u00e9".encode()]]
    assert tf.constant("text").numpy() == b"text"
    assert str(tf.constant(["a", "b"])) == "tapeviz.Tensor([b'a' b'b'], shape=(2,), dtype=string)"


def test_one_element_and_each_element_are_string_scalars():
    words = tf.constant(["a", "b", "c"])
    assert [w.dtype for w in words] == [tf.string] * 3
    assert words[1].numpy() == b"b" and words[1].shape == ()


def test_two_string_scalars_add_to_a_string_scalar():
    """As TF's AddV2 concatenates them (numpy gives Python bytes for two 0-d object arrays)."""
    joined = tf.constant("a") + tf.constant("b")
    assert joined.dtype == tf.string and joined.shape == ()
    assert joined.numpy() == b"ab"
    assert str(joined) == "tapeviz.Tensor(b'ab', shape=(), dtype=string)"
    assert (tf.constant("a") + "b").numpy() == b"ab"


@pytest.mark.parametrize("call, op", [
    (lambda: tf.reduce_sum(tf.constant(["a", "b"])), "reduce_sum"),
    (lambda: tf.reduce_mean(tf.constant(["a", "b"])), "reduce_mean"),
    (lambda: tf.exp(tf.constant("a")), "exp"),
    (lambda: tf.constant("a") - tf.constant("b"), "subtract"),
    (lambda: tf.argmax(tf.constant(["a", "b"])), "argmax"),
    (lambda: tf.ones_like(tf.constant(["a"])), "ones_like"),
])
def test_math_on_text_names_the_op_the_string_dtype_and_the_line(call, op):
    err, _ = raised(tf.errors.InvalidArgumentError, call)
    assert str(err).startswith(f"{op}: ") and "string" in str(err) and "object" not in str(err)
    assert "Value for attr 'T' of string is not in the list of allowed values" in str(err)
    assert_names_this_line(err, call.__code__.co_firstlineno)   # the lambda's line


def test_a_cast_of_text_to_numbers_is_refused_as_tf_refuses_it():
    err, line = raised(TypeError, lambda: tf.cast(tf.constant(["1", "2"]), tf.float32))
    assert "cast" in str(err) and "Cast string to float is not supported" in str(err)
    assert_names_this_line(err, line)
    assert tf.cast(tf.constant(["1"]), tf.string).numpy().tolist() == [b"1"]


def test_text_and_numbers_do_not_convert_into_each_other():
    err, line = raised(TypeError, lambda: tf.constant(1, tf.string))
    assert "Cannot convert 1 to EagerTensor of dtype string" in str(err)
    assert_names_this_line(err, line)
    err, line = raised(TypeError, lambda: tf.constant("a", tf.float32))
    assert "Cannot convert 'a' to EagerTensor of dtype float" in str(err)
    err, line = raised(ValueError, lambda: tf.constant(["a", 1]))
    assert "mixed types" in str(err)
    assert_names_this_line(err, line)


def test_a_refusal_leaves_the_tape_working():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * x)
        raised(tf.errors.InvalidArgumentError, lambda: tf.reduce_sum(tf.constant(["a"])))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
