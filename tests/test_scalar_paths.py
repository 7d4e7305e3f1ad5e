"""The scalar loops' shortcuts give what the general code gives: a variable read beside a
tensor or a number is recorded and tracked as the general conversion records it, dtype
checks decided by a numpy scalar's type refuse what `.dtype` refused, and a backward pass
over numpy scalars and arrays unbroadcasts where shapes differ."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import DTypeError
from tapeviz.variable import VariableRead


EXPRESSIONS = {"w * x": lambda w, x: w * x, "x * w": lambda w, x: x * w,
               "w * 2.0": lambda w, x: w * 2.0, "2.0 * w": lambda w, x: 2.0 * w,
               "w + x": lambda w, x: w + x}


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_a_variable_read_beside_a_tensor_or_number_is_tracked_by_the_variable(expression):
    w, x = tf.Variable(3.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = EXPRESSIONS[expression](w, x)
    w.assign_sub(1.0)   # the record keeps the value the op read
    [node] = tape.nodes
    reads = [t for t in node.inputs if type(t) is VariableRead]
    assert [r.variable for r in reads] == [w]
    assert float(reads[0]._value) == 3.0
    assert id(w) in node.input_ids
    assert tape.watched_variables() == (w,)
    expected = {"w + x": 1.0, "w * 2.0": 2.0, "2.0 * w": 2.0}.get(expression, 2.0)
    assert float(tape.gradient(y, w)) == expected


def test_second_derivative_through_a_variable_read_beside_a_number():
    w = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = (w * 2.0) * w * w   # 2 w**3
        dy = inner.gradient(y, w)
    assert float(dy) == pytest.approx(54.0)         # 6 w**2
    assert float(outer.gradient(dy, w)) == pytest.approx(36.0)  # 12 w


@pytest.mark.parametrize("op", ["add", "multiply"])
@pytest.mark.parametrize("values", [(True, False), ([True], [False])])
def test_add_and_multiply_refuse_bools_as_scalars_and_arrays(op, values):
    a, b = (tf.constant(v) for v in values)
    with pytest.raises(DTypeError, match=f"^{op}: expected numeric tensors; got dtype bool"):
        getattr(tf, op)(a, b)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_only_ops_take_float_scalars_and_keep_their_dtype(dtype):
    x = tf.constant(dtype(0.5))
    assert tf.exp(x).numpy().dtype == dtype
    assert tf.pow(x, x).numpy().dtype == dtype


@pytest.mark.parametrize("value", [np.int32(2), np.array([1, 2], np.int64), np.uint8(3)])
def test_float_only_ops_refuse_integer_scalars_and_arrays(value):
    with pytest.raises(DTypeError, match="^exp: expected floating"):
        tf.exp(tf.constant(value))


@pytest.mark.parametrize("value", [True, [True, False]])
def test_pow_refuses_bool_scalars_and_arrays(value):
    with pytest.raises(DTypeError, match="^pow: expected numeric"):
        tf.pow(tf.constant(value), tf.constant(value))


def test_a_scalar_variable_times_a_vector_gets_the_summed_gradient():
    w = tf.Variable(2.0)                       # a numpy scalar value
    x = tf.constant([1.0, 2.0, 4.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * x + w)      # 7 w + 3 w
    assert float(tape.gradient(loss, w)) == 10.0


def test_a_zero_dimensional_array_variable_beside_a_numpy_scalar():
    w = tf.Variable(np.array(2.0, np.float32))  # a 0-d ndarray value, not a numpy scalar
    x = tf.constant(np.float32(3.0))
    with tf.GradientTape() as tape:
        loss = w * x - x
    grad = tape.gradient(loss, w)
    assert grad.shape == () and float(grad) == 3.0


def test_one_target_and_a_list_of_it_seed_the_same_gradient():
    w = tf.Variable(1.5)
    with tf.GradientTape(persistent=True) as tape:
        y = w * w
    assert float(tape.gradient(y, w)) == float(tape.gradient([y], w)) == 3.0
