"""numpy's floating-point warnings re-said naming the op: where a NaN/Inf an input already
held came from, in the words a NaN origin's entry uses (the data, a variable's value, an
earlier op), never an earlier op for a value no op made."""
import warnings

import numpy as np
import pytest

import tapeviz as tf

DATA = "it is in the data (a constant, numpy array or dataset batch)"


def said(run) -> list:
    """The text of each RuntimeWarning `run()` gives."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        run()
    return [str(w.message) for w in record if w.category is RuntimeWarning]


def test_an_inf_from_a_numpy_array_is_said_to_be_in_the_data():
    data = np.array([1.0, np.inf], np.float32)
    [text] = said(lambda: tf.math.subtract(data, data))
    assert text == f"subtract: invalid value encountered in subtract; input 0 already held " \
                   f"1 Inf: {DATA}"


def test_an_inf_in_a_variable_is_said_to_be_in_its_value():
    w = tf.Variable([np.inf, 1.0], name="w")
    [text] = said(lambda: w * 0.0)
    assert text.endswith("input 0 already held 1 Inf: it is in the value of the variable 'w'")


def test_a_variable_given_no_name_is_named_as_the_users_line_names_it():
    """As the rest of the debugger shows it (variable_names.shown_name), not 'Variable_3:0'."""
    kernel = tf.Variable([np.inf, 1.0])
    assert kernel.name.startswith("Variable")
    [text] = said(lambda: kernel * 0.0)
    assert text.endswith("it is in the value of the variable 'kernel'"), text



def test_under_a_tape_an_inf_no_recorded_op_made_is_in_the_data_and_one_it_made_spread():
    x = tf.constant([1.0, np.inf])
    w = tf.Variable(2.0)
    with tf.GradientTape():
        from_data = said(lambda: x - x)
        y = w * x
        spread = said(lambda: y - y)
    assert from_data == [f"subtract: invalid value encountered in subtract; input 0 already "
                         f"held 1 Inf: {DATA}"]
    assert spread == ["subtract: invalid value encountered in subtract; input 0 already held "
                      "1 Inf: it spread from an earlier op"]


def test_with_no_tape_a_tensor_may_hold_either_and_the_warning_says_so():
    x = tf.constant([1.0, np.inf])
    [text] = said(lambda: x - x)
    assert text.endswith("input 0 already held 1 Inf: it spread from an earlier op or is in "
                         "the data (a constant, numpy array or dataset batch)")


def test_an_error_filter_raises_with_the_same_words():
    data = np.array([np.inf], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning) as caught:
            tf.math.multiply(data, 0.0)
    assert str(caught.value) == f"multiply: invalid value encountered in multiply; input 0 " \
                                f"already held 1 Inf: {DATA}"
