"""Op errors name the op, what it expected, what came and the user's line; tapes survive them."""

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


@pytest.fixture(params=["fast path", "traced path"])
def path(request):
    """Run each case with nobody listening and again with a tape and a subscriber active."""
    if request.param == "fast path":
        yield
        return
    seen = []
    tf.subscribe(seen.append)
    w = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        _ = w * 1.0
        yield tape
    tf.unsubscribe(seen.append)


def test_matmul_shape_error_names_user_line(path):
    a, b = tf.ones([32, 784]), tf.ones([10, 784])
    err, line = raised(tf.ShapeError, lambda: tf.matmul(a, b))
    assert isinstance(err, ValueError)
    text = str(err)
    assert text.startswith("matmul:")
    assert "a.shape[-1] must equal b.shape[-2]" in text   # TF's names, as the graph's
    assert "(32, 784) @ (10, 784)" in text
    assert "transpose_b=True" in text  # the computed hint
    assert err.op == "matmul"
    assert_names_this_line(err, line)


def test_matmul_operator_shape_error_names_user_line(path):
    a = tf.Variable(tf.ones([2, 3]))
    err, line = raised(ValueError, lambda: a @ a)
    assert "matmul" in str(err) and "(2, 3) @ (2, 3)" in str(err)
    assert_names_this_line(err, line)


@pytest.mark.parametrize("call, shapes", [
    (lambda a, b: tf.matmul(a, b), [(2, 3), (2, 3)]),        # the op's own check
    (lambda a, b: tf.reshape(a, [4]), [(2, 3)]),             # numpy's error, explained
    (lambda a, b: a + tf.ones([5]), [(2, 3), (5,)]),         # numpy's, said by dispatch
])
def test_an_op_error_keeps_the_values_the_op_was_given(path, call, shapes):
    a = tf.ones([2, 3])
    with pytest.raises(tf.errors.OpError) as info:
        call(a, a)
    given = info.value.input_values
    assert [np.shape(value) for value in given] == shapes
    assert given[0] is a._value                   # the very array: a graph can wire it


def test_matmul_of_a_vector_is_a_shape_error(path):
    err, line = raised(tf.ShapeError, lambda: tf.matmul(tf.ones([3]), tf.ones([3, 2])))
    assert "matmul" in str(err) and "rank >= 2" in str(err) and "(3,)" in str(err)
    assert_names_this_line(err, line)


def test_broadcasting_add_shape_error(path):
    a, b = tf.ones([2, 3]), tf.ones([4])
    err, line = raised(tf.ShapeError, lambda: a + b)
    text = str(err)
    assert text.startswith("add:")
    assert "broadcast" in text
    assert "[2, 3]" in text and "[4]" in text
    assert_names_this_line(err, line)


def test_reshape_shape_error(path):
    err, line = raised(tf.ShapeError, lambda: tf.reshape(tf.ones([2, 3]), [4, 2]))
    text = str(err)
    assert text.startswith("reshape:")
    assert "(2, 3)" in text and "6 values" in text and "[4, 2]" in text
    assert_names_this_line(err, line)


def test_dtype_mismatch(path):
    a, b = tf.constant([1, 2]), tf.constant([1.0, 2.0])
    err, line = raised(tf.DTypeError, lambda: tf.add(a, b))
    assert isinstance(err, TypeError)
    text = str(err)
    assert text.startswith("add:")
    assert "same dtype" in text and "int32" in text and "float32" in text
    assert "hint: " in text and "cast" in text
    assert_names_this_line(err, line)


def test_python_float_that_does_not_fit_an_int_tensor(path):
    err, line = raised(TypeError, lambda: tf.constant([1, 2]) * 1.5)
    assert "multiply" in str(err) and "1.5" in str(err) and "int32" in str(err)
    assert_names_this_line(err, line)


@pytest.mark.parametrize("axis", [2, -3, [0, 5]])
def test_reduce_sum_axis_out_of_range(path, axis):
    err, line = raised(tf.InvalidArgumentError, lambda: tf.reduce_sum(tf.ones([2, 3]), axis=axis))
    assert isinstance(err, ValueError)
    text = str(err)
    assert text.startswith("reduce_sum:")
    assert "out of range" in text and "[-2, 2)" in text
    assert_names_this_line(err, line)


def test_reduce_sum_axis_of_the_wrong_kind(path):
    err, line = raised(ValueError, lambda: tf.reduce_sum(tf.ones([2, 3]), axis=1.5))
    assert "reduce_sum" in str(err) and "1.5" in str(err) and "int" in str(err)
    assert_names_this_line(err, line)


@pytest.mark.parametrize("bad", ["abc", {"a": 1}, object(), [1, "x"]],
                         ids=["str", "dict", "object", "mixed list"])
def test_non_numeric_input(path, bad):
    err, line = raised(TypeError, lambda: tf.exp(bad))
    text = str(err)
    assert text.startswith("exp:")
    assert "expected a tensor, number, array or nested list of numbers" in text
    assert type(bad).__name__ in text
    assert_names_this_line(err, line)


def test_non_numeric_operand_of_an_operator(path):
    err, line = raised(TypeError, lambda: tf.ones([2]) * "x")
    assert "multiply" in str(err) and "'x'" in str(err) and "str" in str(err)
    assert_names_this_line(err, line)


def test_constant_of_a_dict(path):
    err, line = raised(TypeError, lambda: tf.constant({"a": 1}))
    assert "constant" in str(err) and "dict" in str(err)
    assert_names_this_line(err, line)


def _helper_that_fails(x):
    return tf.reshape(x, [7])  # the innermost user frame is this line


def test_numpy_rejecting_the_input_becomes_an_op_error_that_keeps_numpys_error(path):
    err, line = raised(tf.InvalidArgumentError, lambda: tf.reshape(tf.ones([2, 3]), [4]))
    assert_names_this_line(err, line)
    assert isinstance(err.__cause__, ValueError)  # numpy's own message, in the traceback
    assert not isinstance(err.__cause__, tf.OpError)


def test_a_bug_inside_an_op_surfaces_as_itself_not_as_the_users_error(path):
    from tapeviz.ops.registry import defop

    def buggy_forward(x):
        return x.no_such_attribute  # our bug, not the user's input

    buggy = defop("test_buggy_forward", buggy_forward, nondiff=True, register=False)
    with pytest.raises(AttributeError, match="no_such_attribute"):
        buggy(tf.constant(1.0))


def test_error_names_the_innermost_user_frame():
    err, _ = raised(tf.ShapeError, lambda: _helper_that_fails(tf.ones([2, 3])))
    assert err.source.filename == __file__
    assert err.source.function == "_helper_that_fails"
    assert err.source.line == "return tf.reshape(x, [7])  # the innermost user frame is this line"


def test_error_classes_subclass_the_builtins():
    assert issubclass(tf.ShapeError, ValueError)
    assert issubclass(tf.InvalidArgumentError, ValueError)
    assert issubclass(tf.DTypeError, TypeError)
    assert issubclass(tf.ShapeError, tf.OpError) and issubclass(tf.DTypeError, tf.OpError)


# ---- tapes and variables survive errors ------------------------------------------------------
BAD_CALLS = [
    lambda x: tf.matmul(x, x),
    lambda x: x + tf.ones([5]),
    lambda x: tf.reshape(x, [5]),
    lambda x: tf.add(x, tf.constant([[1, 2, 3]])),
    lambda x: tf.reduce_sum(x, axis=3),
    lambda x: x * "text",
    lambda x: x.assign(tf.ones([3, 2])),
]


@pytest.mark.parametrize("bad", BAD_CALLS, ids=["matmul", "broadcast", "reshape", "dtype",
                                                "axis", "string", "assign"])
def test_tape_variables_and_gradients_work_after_an_error(bad):
    x = tf.Variable([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = x * x
        with pytest.raises((ValueError, TypeError)):
            bad(x)
        z = tf.reduce_sum(y * 3.0)
    assert [n.op.name for n in tape.nodes] == ["multiply", "multiply", "reduce_sum"]
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [[6.0, 12.0, 18.0]])
    # a fresh tape afterwards works too
    with tf.GradientTape() as tape2:
        w = tf.reduce_sum(x * x)
    np.testing.assert_array_equal(tape2.gradient(w, x).numpy(), [[2.0, 4.0, 6.0]])


def test_error_escaping_a_with_block_stops_that_tape_recording():
    x = tf.Variable(2.0)
    tape = tf.GradientTape(persistent=True)
    with pytest.raises(ValueError):
        with tape:
            y = x * x
            tf.reshape(x, [3])
    _ = x * 5.0  # after the block: not recorded
    assert len(tape.nodes) == 1
    assert tape.gradient(y, x).numpy() == 4.0


def test_error_in_a_nested_tape_keeps_the_outer_tape_recording():
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with pytest.raises(ValueError):
            with tf.GradientTape():
                tf.matmul(x, x)
        y = x * x
    assert outer.gradient(y, x).numpy() == 6.0


def test_gradient_error_on_bad_output_gradients_leaves_a_persistent_tape_usable():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    with pytest.raises((ValueError, TypeError)):
        tape.gradient(y, x, output_gradients=tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])
    # and new ops after the failed backward are recorded normally
    with tape:
        z = tf.reduce_sum(y * 2.0)
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [4.0, 8.0])


# ---- issue 13: each call a ValueError or TypeError naming the function, the argument and what
# came; nothing TF refuses is silently computed ---------------------------------------------
X2D = tf.constant([[1, 2, 3], [4, 5, 6]])
ISSUE_13 = [  # (call, error type, words the message must hold)
    (lambda: tf.constant(10**30), ValueError, ["constant", "10000", "int64"]),
    (lambda: tf.constant(2**64), ValueError, ["constant", "18446744073709551616", "int64"]),
    (lambda: tf.exp(10**30), ValueError, ["exp", "int64"]),
    (lambda: tf.argmax(tf.ones([2, 3]), axis=float("inf")), ValueError, ["argmax", "axis",
                                                                          "inf"]),
    (lambda: tf.argmax(tf.ones([2, 3]), axis=1.7), ValueError, ["argmax", "axis", "1.7"]),
    (lambda: tf.tensordot(2.0, tf.ones([3, 4]), axes=1), ValueError, ["tensordot", "axes=1",
                                                                       "rank 0"]),
    (lambda: tf.squeeze(tf.constant(1.0), axis=0), ValueError, ["squeeze", "scalar", "axis 0"]),
    (lambda: tf.Variable(1.0, name=3), TypeError, ["Variable", "name", "3 (int)"]),
    (lambda: tf.reduce_sum([[1., 2.], [3.]]), ValueError, ["reduce_sum", "input_tensor",
                                                           "ragged"]),
    (lambda: tf.nn.softmax("abc"), TypeError, ["softmax", "logits", "'abc'"]),
    (lambda: tf.eye(tf.ones([2])), TypeError, ["eye", "num_rows", "float32 tensor"]),
    (lambda: tf.cast(tf.ones([2]), tf.ones([2])), TypeError, ["cast", "dtype", "tensor"]),
    (lambda: tf.range(tf.ones([2])), TypeError, ["range", "limit", "tensor"]),
    (lambda: X2D[True], ValueError, ["getitem", "True"]),
    (lambda: tf.transpose(X2D, [1, 2]), ValueError, ["transpose", "perm", "[1, 2]"]),
    (lambda: tf.reshape(X2D, [-2, 3]), ValueError, ["reshape", "shape", "[-2, 3]"]),
    (lambda: tf.shape(None), TypeError, ["shape", "input", "None"]),
    (lambda: tf.fill([2, 3], tf.ones([2, 3])), ValueError, ["fill", "value", "scalar"]),
    (lambda: tf.reduce_sum(X2D, axis=[0, 0]), ValueError, ["reduce_sum", "axis", "twice"]),
    (lambda: tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]), transpose_b="no"), TypeError,
     ["matmul", "transpose_b", "'no'"]),
    (lambda: tf.reduce_mean(X2D, keepdims="no"), TypeError, ["reduce_mean", "keepdims"]),
    (lambda: tf.zeros([2, -3]), ValueError, ["zeros", "shape", "[2, -3]"]),
    (lambda: tf.matmul([[True]], [[False]]), TypeError, ["matmul", "bool"]),
    (lambda: tf.keras.losses.mse("abc", tf.ones([2])), TypeError, ["mean_squared_error",
                                                                   "'abc'"]),
]


@pytest.mark.parametrize("case", range(len(ISSUE_13)))
def test_issue_13_calls_are_named_errors(path, case):
    call, kind, words = ISSUE_13[case]
    with pytest.raises(kind) as info:
        call()
    assert isinstance(info.value, tf.OpError)
    text = str(info.value)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    assert info.value.source.filename == __file__   # the user's line: the lambda above


def test_an_error_inside_a_composite_names_the_function_called_and_the_op():
    """reduce_variance fails in its reduce_mean: the message starts with both names."""
    x = tf.ones([2, 3])
    err, line = raised(tf.InvalidArgumentError, lambda: tf.math.reduce_variance(x, axis=5))
    assert str(err).startswith("reduce_variance: reduce_mean: axis 5 is out of range")
    assert err.function == "reduce_variance" and err.op == "reduce_mean"
    assert_names_this_line(err, line)


def test_an_error_from_an_operator_names_only_the_op():
    err, _ = raised(tf.ShapeError, lambda: tf.ones([2]) + tf.ones([3]))
    assert str(err).startswith("add: ") and err.function is None


def test_out_of_memory_inside_an_op_stays_a_memory_error_naming_op_and_shape(path):
    from numpy._core._exceptions import _ArrayMemoryError

    from tapeviz.ops.registry import defop

    def allocates_too_much(x):
        raise _ArrayMemoryError((2**20, 2**20), np.dtype(np.float32))  # what numpy raises

    hog = defop("test_memory_hog", allocates_too_much, nondiff=True, register=False)
    err, line = raised(MemoryError, lambda: hog(tf.ones([2])))
    assert isinstance(err, tf.errors.OutOfMemoryError)
    text = str(err)
    assert text.startswith("test_memory_hog: out of memory")
    assert "(1048576, 1048576)" in text and "float32" in text and "4.0 TiB" in text
    assert_names_this_line(err, line)


def test_a_size_no_array_can_have_names_the_function_and_shape():
    err, line = raised(ValueError, lambda: tf.zeros([2**40, 2**30]))
    assert str(err).startswith("zeros: cannot allocate a tensor of shape "
                               "(1099511627776, 1073741824)")
    assert_names_this_line(err, line)
