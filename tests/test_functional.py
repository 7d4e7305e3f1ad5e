"""tapeviz.functional and tapeviz.contrib.eager (TF1's `tfe`), as the CS20 lecture uses them."""
import numpy as np
import pytest

import tapeviz as tf
import tapeviz.contrib.eager as tfe


def values(grads):
    return [None if g is None else g.numpy().tolist() for g in grads]


def test_contrib_is_exported_and_reexports_functional():
    assert tf.contrib.eager is tfe
    from tapeviz import functional
    assert tfe.gradients_function is functional.gradients_function
    assert tfe.value_and_gradients_function is functional.value_and_gradients_function
    assert tfe.implicit_gradients is functional.implicit_gradients
    assert tfe.implicit_value_and_gradients is functional.implicit_value_and_gradients
    assert tfe.Variable is tf.Variable
    assert tfe.Iterator is tf.data.Iterator


def test_enable_eager_execution_is_a_no_op():
    assert tfe.enable_eager_execution() is None
    assert tfe.executing_eagerly() is True


def test_gradients_function_of_square_at_three():
    grads = tfe.gradients_function(lambda x: x * x)(3.0)
    assert isinstance(grads, list) and len(grads) == 1
    assert grads[0].numpy() == 6.0
    assert grads[0].dtype == tf.float32


def test_gradients_function_all_positional_args():
    def f(x, y):
        return x * x * y
    gx, gy = tfe.gradients_function(f)(3.0, 2.0)
    assert (gx.numpy(), gy.numpy()) == (12.0, 9.0)


def test_gradients_function_params_by_index_and_name():
    def f(x, y, z):
        return x * y + z * z
    assert values(tfe.gradients_function(f, params=[1])(2.0, 3.0, 4.0)) == [2.0]
    assert values(tfe.gradients_function(f, params=["z", "x"])(2.0, 3.0, 4.0)) == [8.0, 3.0]
    assert values(tfe.gradients_function(f, params=[0, 2])(2.0, 3.0, 4.0)) == [3.0, 8.0]
    with pytest.raises(ValueError):
        tfe.gradients_function(f, params=["w"])(2.0, 3.0, 4.0)
    with pytest.raises(ValueError):
        tfe.gradients_function(f, params=[0, "y"])(2.0, 3.0, 4.0)


def test_gradients_function_of_varargs_function_uses_every_arg():
    def total(*xs):
        result = xs[0]
        for x in xs[1:]:
            result = result * x
        return result
    assert values(tfe.gradients_function(total)(2.0, 3.0, 4.0)) == [12.0, 8.0, 6.0]


def test_gradients_function_with_tensor_and_array_args():
    f = tfe.gradients_function(lambda x: tf.reduce_sum(x * x))
    [g] = f(tf.constant([1.0, 2.0]))
    assert g.numpy().tolist() == [2.0, 4.0]
    [g] = f(np.array([1.0, 3.0]))
    assert g.dtype == tf.float64 and g.numpy().tolist() == [2.0, 6.0]
    [g] = f([[1.0], [2.0]])
    assert g.shape == (2, 1)


def test_gradients_function_dy_weights_the_output():
    f = tfe.gradients_function(lambda x: x * x)
    [g] = f(tf.constant([1.0, 2.0]), dy=tf.constant([10.0, 100.0]))
    assert g.numpy().tolist() == [20.0, 400.0]
    [g] = f(3.0, dy=2.0)
    assert g.numpy() == 12.0


def test_gradients_function_rejects_other_keyword_arguments():
    with pytest.raises(ValueError, match="keyword"):
        tfe.gradients_function(lambda x: x * x)(x=3.0)


def test_gradients_function_same_tensor_twice_gets_a_gradient_per_position():
    x = tf.constant(3.0)
    gx, gy = tfe.gradients_function(lambda a, b: a * b)(x, x)
    assert (gx.numpy(), gy.numpy()) == (3.0, 3.0)


def test_gradients_function_of_unconnected_arg_is_none():
    assert values(tfe.gradients_function(lambda x, y: x * 2.0)(1.0, 5.0)) == [2.0, None]


def test_gradients_function_of_integer_arg_is_none():
    with pytest.warns(UserWarning):
        grads = tfe.gradients_function(lambda x: x * x)(3)
    assert grads == [None]


def test_nested_gradients_function_gives_second_derivative():
    def f(x):
        return x * x * x
    second = tfe.gradients_function(lambda x: tfe.gradients_function(f)(x)[0])
    assert second(2.0)[0].numpy() == 12.0


def test_python_number_results_are_converted():
    value, grads = tfe.value_and_gradients_function(lambda x: 5.0)(1.0)
    assert isinstance(value, tf.Tensor) and value.numpy() == 5.0
    assert grads == [None]


def test_function_returning_none_raises():
    with pytest.raises(ValueError, match="returns None"):
        tfe.gradients_function(lambda x: None)(1.0)
    with pytest.raises(ValueError, match="returns None"):
        tfe.implicit_gradients(lambda: None)()


def test_value_and_gradients_function():
    def f(x, y):
        return x * y + 1.0
    value, grads = tfe.value_and_gradients_function(f)(3.0, 4.0)
    assert value.numpy() == 13.0
    assert values(grads) == [4.0, 3.0]
    value, grads = tfe.value_and_gradients_function(f, params=["y"])(3.0, 4.0)
    assert value.numpy() == 13.0 and values(grads) == [3.0]


def test_value_and_gradients_function_with_a_variable_argument():
    v = tf.Variable(2.0)
    value, [g] = tfe.value_and_gradients_function(lambda x: x * x)(v)
    assert value.numpy() == 4.0 and g.numpy() == 4.0


def test_implicit_gradients_pairs_each_trainable_variable_read():
    w = tf.Variable(3.0)
    b = tf.Variable(1.0)
    frozen = tf.Variable(10.0, trainable=False)
    unused = tf.Variable(7.0)

    def f(x):
        return b + w * x * frozen

    pairs = tfe.implicit_gradients(f)(2.0)
    assert len(pairs) == 2
    assert pairs[0][1] is w and pairs[1][1] is b  # order of construction, not of reading
    assert [g.numpy() for g, _ in pairs] == [20.0, 1.0]
    assert all(v is not unused and v is not frozen for _, v in pairs)


def test_implicit_value_and_gradients_returns_value_too():
    w = tf.Variable([[1.0], [2.0]])
    value, pairs = tfe.implicit_value_and_gradients(
        lambda x: tf.reduce_sum(tf.matmul(x, w)))(tf.constant([[1.0, 1.0]]))
    assert value.numpy() == 3.0
    [(g, v)] = pairs
    assert v is w and g.numpy().tolist() == [[1.0], [1.0]]


def test_implicit_accepts_keyword_arguments():
    w = tf.Variable(2.0)
    grads = tfe.implicit_gradients(lambda x, scale=1.0: w * x * scale)(3.0, scale=10.0)
    assert grads[0][0].numpy() == 30.0


def test_implicit_without_trainable_variables_raises_like_tf():
    frozen = tf.Variable(1.0, trainable=False)
    with pytest.raises(ValueError) as info:
        tfe.implicit_gradients(lambda x: x * frozen)(2.0)
    assert str(info.value) == \
        "No trainable variables were accessed while the function was being computed."
    with pytest.raises(ValueError, match="No trainable variables"):
        tfe.implicit_value_and_gradients(lambda x: x * 2.0)(2.0)


def test_cs20_linear_regression_with_implicit_value_and_gradients():
    # the lecture's eager linear regression: Huber-free squared loss, plain SGD
    rng = np.random.default_rng(1)
    xs = rng.uniform(-1, 1, size=50).astype(np.float32)
    ys = (xs * 2.5 - 0.5).astype(np.float32)
    w = tfe.Variable(0.0)
    b = tfe.Variable(0.0)

    def prediction(x):
        return x * w + b

    def loss_fn(x, y):
        return tf.reduce_mean(tf.square(y - prediction(x)))

    grad_fn = tfe.implicit_value_and_gradients(loss_fn)
    first = None
    for _ in range(200):
        loss, grads_and_vars = grad_fn(xs, ys)
        first = float(loss) if first is None else first
        for grad, var in grads_and_vars:
            var.assign_sub(0.5 * grad)
    assert [var for _, var in grads_and_vars][0] is w
    assert float(loss) < first / 1000
    assert abs(float(w) - 2.5) < 1e-2 and abs(float(b) + 0.5) < 1e-2


def test_helpers_record_on_an_outer_tape_and_leave_no_tape_behind():
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        [g] = tfe.gradients_function(lambda a: a * a)(x)
    assert g.numpy() == 6.0
    assert outer.gradient(g, x).numpy() == 2.0
    with tf.GradientTape() as later:
        y = x * 4.0
    assert len(later.nodes) == 1 and later.gradient(y, x).numpy() == 4.0
