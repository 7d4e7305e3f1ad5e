"""Odd arguments a new user gives, each refused naming the call they made, what was expected,
what came and their line, and leaving the tape and the variable usable: a variable's delta of
the wrong shape (was said as `assign`), output_gradients of the wrong shape (was said as the
first VJP's `reshape`) or count (the extra one was dropped silently), a jacobian of None (an
AttributeError naming nothing)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import DTypeError, ShapeError

HERE = "test_reliability_odd_arguments.py"


@pytest.mark.parametrize("update", ["assign_add", "assign_sub"])
def test_a_delta_of_the_wrong_shape_names_the_update(update):
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ShapeError) as caught:
        getattr(v, update)(tf.ones([3]))
    message = str(caught.value)
    assert message.startswith(f"{update}: the delta must have the variable's shape (2,); "
                              f"got shape (3,)")
    assert HERE in message
    assert v.numpy().tolist() == [1.0, 2.0]
    getattr(v, update)(tf.ones([2]))
    assert v.numpy().tolist() != [1.0, 2.0]


def _tape():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        loss = tf.reduce_sum(y)
    return tape, x, y, loss


def test_output_gradients_of_the_wrong_shape_are_refused_as_such():
    tape, x, _, loss = _tape()
    with pytest.raises(ShapeError) as caught:
        tape.gradient(loss, x, output_gradients=tf.ones([3]))
    message = str(caught.value)
    assert message.startswith("output_gradients: each must have its target's shape (); got "
                              "shape (3,)")
    assert HERE in message and "reshape" not in message
    assert tape.gradient(loss, x).numpy().tolist() == [2.0, 4.0]   # the tape still usable


def test_output_gradients_fewer_than_the_targets_are_refused():
    tape, x, y, loss = _tape()
    with pytest.raises(DTypeError, match="output_gradients: expected one gradient for each "
                                         "of the 2 targets; got 1"):
        tape.gradient([y, loss], x, output_gradients=[tf.ones([2])])
    np.testing.assert_array_equal(
        tape.gradient([y, loss], x, output_gradients=[tf.ones([2]), 2.0]).numpy(), [6.0, 12.0])


@pytest.mark.parametrize("call", ["jacobian", "batch_jacobian"])
@pytest.mark.parametrize("target", [None, 3.0, "loss"])
def test_a_jacobian_of_no_tensor_is_refused(call, target):
    tape, x, y, _ = _tape()
    with pytest.raises(DTypeError) as caught:
        getattr(tape, call)(target, x)
    assert str(caught.value).startswith(f"GradientTape.{call}: the target must be a tensor; "
                                        f"got ")
    assert HERE in str(caught.value)
    assert tape.jacobian(y, x).numpy().tolist() == [[2.0, 0.0], [0.0, 4.0]]


def test_batch_jacobian_of_a_list_of_sources_is_refused_naming_the_call():
    tape, x, y, _ = _tape()
    with pytest.raises(DTypeError) as caught:   # was: Python's 'too many values to unpack'
        tape.batch_jacobian(y, [x, x])
    assert str(caught.value).startswith("GradientTape.batch_jacobian: source must be one "
                                        "tensor; got ")
    assert HERE in str(caught.value)


def test_a_generator_element_that_does_not_fit_output_signature_is_refused_as_yielded():
    def ragged():
        yield [1.0, 2.0]
        yield [3.0]
    fixed = tf.data.Dataset.from_generator(
        ragged, output_signature=tf.TensorSpec(shape=(2,), dtype=tf.float32))
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        list(fixed)
    assert str(caught.value).startswith("from_generator: the generator yielded an element of "
                                        "shape (1,) where output_signature expects shape (2,)")
    assert HERE in str(caught.value)
    free = tf.data.Dataset.from_generator(
        ragged, output_signature=tf.TensorSpec(shape=(None,), dtype=tf.float32))
    assert [tuple(x.shape) for x in free] == [(2,), (1,)]


@pytest.mark.parametrize("name", ["persistent", "watch_accessed_variables"])
def test_a_tape_flag_given_a_string_is_refused(name):
    with pytest.raises(DTypeError) as caught:
        tf.GradientTape(**{name: "no"})   # (a string's truth is True)
    assert str(caught.value).startswith(f"GradientTape: {name} must be a bool (True or "
                                        f"False); got 'no' (str)")
    assert HERE in str(caught.value)
    assert tf.GradientTape(persistent=None).persistent is False   # None: TF's falsy default


@pytest.mark.parametrize("name", ["nan", "once"])
def test_a_breakpoint_flag_given_a_string_is_refused(name):
    from tapeviz import debugger
    with pytest.raises(DTypeError) as caught:
        debugger.break_on(op="exp", **{name: "yes"})   # (was armed: a string's truth)
    assert str(caught.value).startswith(f"break_on: {name} must be a bool (True or False); "
                                        f"got 'yes' (str)")
    assert HERE in str(caught.value) and debugger.breakpoints() == []


def test_keras_given_a_dict_or_no_data_says_so():
    """A dict to a Sequential (was KeyError: 0 in build) or to a Dense (was passed on), and
    fit(None) (was a ValueError naming no call)."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        model.fit({"inp": np.ones((2, 3))}, np.ones((2, 1)), verbose=0)
    assert "(Sequential): expects one tensor; got a dict of 1: 'inp': shape (2, 3)" in \
        str(caught.value)
    assert "not layer({'inp': x})" in str(caught.value) and HERE in str(caught.value)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r'layer "dense_\d+" \(Dense\): '
                       r"expects one tensor; got a dict of 2: 'a': float32 \(2, 3\), 'b'"):
        tf.keras.layers.Dense(2)({"a": np.ones((2, 3)), "b": np.ones((2, 3))})
    with pytest.raises(tf.errors.InvalidArgumentError, match="fit: x must be the input data: "
                                                             "arrays, tensors or a Dataset; "
                                                             "got None"):
        model.fit(None, np.ones((2, 1)), verbose=0)
    assert model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0).history["loss"]


@pytest.mark.parametrize("metric, name", [("Accuracy", "accuracy"),
                                          ("BinaryAccuracy", "binary_accuracy")])
def test_an_accuracy_of_shapes_that_do_not_broadcast_names_the_metric(metric, name):
    with pytest.raises(ShapeError) as caught:   # was said as `equal`, an op the user never called
        getattr(tf.keras.metrics, metric)()(tf.ones([3]), tf.ones([4]))
    assert str(caught.value).startswith(f"{name}: y_true and y_pred must have broadcastable "
                                        f"shapes; got y_true (3,) and y_pred (4,)")
    assert HERE in str(caught.value)
