"""Comparisons refuse string tensors where TF's kernels do, on the inputs' conversion path
(dispatch_inputs.py), so a comparison of numbers runs numpy's own operator and pays nothing
for the check."""
import contextlib
import operator

import pytest

import tapeviz as tf
from tapeviz.errors import KernelDTypeError
from tapeviz.ops import compare

from raising import assert_said_at_its_line

WORDS = ("expected numeric tensors", "tf.string", "not in the list of allowed values")


@pytest.mark.parametrize("row, numpy_operator", [
    (compare.less, operator.lt), (compare.less_equal, operator.le),
    (compare.greater, operator.gt), (compare.greater_equal, operator.ge)])
def test_an_ordering_of_numbers_runs_numpy_operator_alone(row, numpy_operator):
    assert row.forward is numpy_operator


@pytest.mark.parametrize("mistake, op", [
    (lambda s: s < s, "less"),
    (lambda s: tf.math.less_equal(s[0], s[1]), "less_equal"),
    (lambda s: s > "b", "greater"),
    (lambda s: tf.greater_equal(tf.Variable(["a"]), s[:1]), "greater_equal")])
@pytest.mark.parametrize("taped", [False, True])
def test_an_ordering_of_string_tensors_is_refused_at_the_users_line(mistake, op, taped):
    text = tf.constant(["a", "c"])
    with tf.GradientTape() if taped else contextlib.nullcontext():
        with pytest.raises(KernelDTypeError) as info:
            mistake(text)
    assert str(info.value).startswith(op + ":")
    assert_said_at_its_line(info.value, mistake, WORDS)


def test_strings_compare_equal_and_numbers_still_order():
    text = tf.constant(["a", "c"])
    assert (text == tf.constant(["a", "b"])).numpy().tolist() == [True, False]
    assert tf.not_equal(text, "c").numpy().tolist() == [True, False]
    assert (tf.constant([1.0, 3.0]) < tf.constant([2.0, 2.0])).numpy().tolist() == [True, False]


def test_an_ordering_of_two_dtypes_still_says_they_differ():
    mistake = lambda: tf.less(tf.constant([1.0]), tf.constant([1]))  # noqa: E731
    with pytest.raises(KernelDTypeError) as info:
        mistake()
    assert_said_at_its_line(info.value, mistake, ("same dtype", "float32", "int32"))

