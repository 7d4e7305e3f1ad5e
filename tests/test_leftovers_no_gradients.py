"""apply_gradients given no gradient at all says so as TF does, naming the variables, why
each has none and the usual causes, at the user's line; nothing is updated."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import InvalidArgumentError
from raising import assert_said_at_its_line


def test_every_gradient_none_names_the_variables_and_the_usual_causes_at_the_users_line():
    w, b = tf.Variable([1.0, 2.0], name="w"), tf.Variable(0.5, name="b")
    optimizer = tf.keras.optimizers.Adam(0.1)
    mistake = lambda: optimizer.apply_gradients([(None, w), (None, b)])  # noqa: E731
    with pytest.raises(InvalidArgumentError) as info:
        mistake()
    assert isinstance(info.value, ValueError)   # what an `except ValueError` for TF catches
    assert str(info.value).startswith("Adam.apply_gradients: no gradients provided for any "
                                      "variable (all are None): 'w', 'b': it did not come")
    assert_said_at_its_line(info.value, mistake, (
        f"No gradients provided for any variable: (['{w.name}', '{b.name}'],)",
        "the usual causes", "inside", "does not use", ".numpy()"))
    assert w.numpy().tolist() == [1.0, 2.0] and float(b) == 0.5
    assert int(optimizer.iterations) == 0


def test_a_found_cause_is_said_without_the_usual_list():
    w = tf.Variable([1.0, 2.0], name="w")
    optimizer = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        y = w * 2.0
        loss = tf.reduce_sum(np.asarray(y) ** 2)   # the tape cannot follow numpy
    grads = tape.gradient(loss, [w])
    with pytest.raises(ValueError) as info:
        optimizer.apply_gradients(zip(grads, [w]))
    assert f"No gradients provided for any variable: (['{w.name}'],)" in str(info.value)
    assert info.value.hint is None and "the usual causes" not in str(info.value)
