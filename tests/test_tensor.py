"""Tensors and variables as TF 2 eager has them: dtype inference, operators, printing."""
import operator

import numpy as np
import pytest

import tapeviz as tf


# ---- dtype inference -----------------------------------------------------------------------
@pytest.mark.parametrize("value, dtype", [
    (1.5, tf.float32), (2, tf.int32), (True, tf.bool), (2 ** 40, tf.int64),
    ([1.0, 2.0], tf.float32), ([[1, 2], [3, 4]], tf.int32), ([[1, 2.5]], tf.float32),
    ([[True], [False]], tf.bool),
    (np.array([1.0, 2.0]), tf.float64), (np.array([1, 2], dtype=np.int64), tf.int64),
    (np.array([1, 2], dtype=np.uint8), tf.uint8), (np.float16(1), tf.float16),
    (np.float64(1.0), tf.float64),
])
def test_constant_infers_tf_dtype(value, dtype):
    assert tf.constant(value).dtype == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


def test_a_tensor_is_made_by_constant_not_by_its_class():
    """As in TF 2, whose tf.Tensor(1.0) is a TypeError (its class takes an op, not a
    value): the engine makes tensors by a bare `Tensor()`, no __init__ run (tensor.py)."""
    with pytest.raises(TypeError):
        tf.Tensor(1.0)
    made = tf.constant(1.0)
    assert type(made) is tf.Tensor and made.dtype == tf.float32 and made.numpy() == 1.0


def test_nested_lists_keep_their_shape_and_values():
    t = tf.constant([[[1, 2]], [[3, 4]], [[5, 6]]])
    assert t.shape == (3, 1, 2)
    np.testing.assert_array_equal(t.numpy(), np.arange(1, 7).reshape(3, 1, 2))


@pytest.mark.parametrize("tensor_value", [np.float64(2.0), np.float16(2.0), np.int64(2),
                                          np.uint8(2)])
def test_python_scalar_next_to_tensor_takes_the_tensor_dtype(tensor_value):
    t = tf.constant(np.array([tensor_value]))
    assert (t + 1).dtype == t.dtype
    assert (1 + t).dtype == t.dtype
    assert (t * 3).dtype == t.dtype
    assert tf.multiply(3, t).dtype == t.dtype


def test_python_float_next_to_float64_tensor_stays_float64():
    t = tf.constant(np.array([1.0]))
    assert (t * 0.1).dtype == tf.float64
    np.testing.assert_array_equal((t * 0.1).numpy(), np.array([1.0]) * 0.1)


def test_python_float_next_to_int_tensor_raises():
    with pytest.raises(TypeError):
        tf.constant([1, 2]) + 1.5


@pytest.mark.parametrize("op, fn", [("add", tf.add), ("multiply", tf.multiply),
                                    ("subtract", tf.subtract), ("maximum", tf.maximum)])
def test_two_tensors_of_different_dtypes_raise_dtype_error_naming_the_op(op, fn):
    with pytest.raises(tf.DTypeError) as info:
        fn(tf.constant([1, 2]), tf.constant([1.0, 2.0]))
    assert isinstance(info.value, TypeError)
    assert op in str(info.value)
    assert "int32" in str(info.value) and "float32" in str(info.value)


def test_operator_mixing_dtypes_raises():
    with pytest.raises(TypeError, match="add"):
        tf.constant(1) + tf.constant(1.0)
    with pytest.raises(TypeError, match="multiply"):
        tf.constant(1.0, dtype=tf.float64) * tf.constant(1.0)


@pytest.mark.parametrize("dtype, np_dtype", [
    (tf.float32, np.float32), (tf.float64, np.float64), (tf.int32, np.int32),
    (tf.int64, np.int64), (tf.bool, np.bool_), (tf.uint8, np.uint8), (tf.float16, np.float16)])
def test_dtypes_compare_equal_to_numpy_dtypes(dtype, np_dtype):
    assert dtype == np_dtype
    assert dtype == np.dtype(np_dtype)
    assert dtype == np.dtype(np_dtype).name
    assert tf.as_dtype(np_dtype) is dtype
    assert dtype.as_numpy_dtype is np_dtype
    assert dtype != (np.int8 if np_dtype is not np.int8 else np.float32)


def test_dtype_aliases_and_flags():
    assert tf.double is tf.float64 and tf.half is tf.float16
    assert tf.float32.is_floating and not tf.float32.is_integer
    assert tf.int32.is_integer and tf.bool.is_bool
    assert tf.float32 != tf.float64


# ---- Tensor basics ---------------------------------------------------------------------------
def test_numpy_shape_dtype_ndim_len():
    t = tf.constant([[1, 2, 3], [4, 5, 6]])
    value = t.numpy()
    assert isinstance(value, np.ndarray) and value.dtype == np.int32
    np.testing.assert_array_equal(value, [[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.shape.as_list() == [2, 3]
    assert t.dtype == tf.int32
    assert t.ndim == 2
    assert len(t) == 2


def test_numpy_returns_a_copy_the_tensor_stays_immutable():
    t = tf.constant([1.0, 2.0])
    t.numpy()[0] = 99.0
    assert t.numpy()[0] == 1.0


def test_scalar_numpy_is_a_numpy_scalar():
    value = tf.constant(2.5).numpy()
    assert value == 2.5 and np.ndim(value) == 0 and value.dtype == np.float32


def test_len_and_iteration_of_scalar_raise():
    with pytest.raises(TypeError):
        len(tf.constant(1.0))
    with pytest.raises(TypeError):
        iter(tf.constant(1.0)).__next__()


def test_iteration_yields_rows():
    rows = list(tf.constant([[1, 2], [3, 4]]))
    assert len(rows) == 2
    assert all(isinstance(r, tf.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].numpy(), [3, 4])


@pytest.mark.parametrize("key", [
    0, -1, 2, slice(1, 3), slice(None, None, 2), slice(None, None, -1), slice(-3, -1),
    (1, 2), (slice(None), 1), (Ellipsis, 0), (0, Ellipsis), (None,), (slice(None), None),
    (Ellipsis, None, slice(1, None, 2)), (-1, slice(None, None, -2)), (slice(0, 0),),
])
def test_indexing_matches_numpy(key):
    array = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = tf.constant(array)
    got = t[key]
    assert isinstance(got, tf.Tensor)
    np.testing.assert_array_equal(got.numpy(), array[key])
    assert got.shape == array[key].shape


def test_newaxis_is_none_and_inserts_an_axis():
    assert tf.newaxis is None
    t = tf.constant([1, 2, 3])
    assert t[tf.newaxis].shape == (1, 3)
    assert t[:, tf.newaxis].shape == (3, 1)


def test_index_out_of_range_raises_value_error():
    with pytest.raises(ValueError, match="getitem|strided_slice"):
        tf.constant([1, 2, 3])[5]


def test_scalar_int_tensor_works_as_an_index():
    t = tf.constant([10, 20, 30])
    assert int(t[tf.constant(1)]) == 20
    assert [0, 1, 2, 3][tf.constant(2)] == 2
    with pytest.raises(TypeError):
        [0, 1][tf.constant(1.0)]
    with pytest.raises(TypeError):
        [0, 1][tf.constant([1])]


# ---- operators -------------------------------------------------------------------------------
X = np.array([[1.5, -2.0], [3.0, 4.5]], dtype=np.float32)
Y = np.array([[2.0, 0.5], [-1.5, 3.0]], dtype=np.float32)

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
          operator.floordiv, operator.mod]


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
def test_binary_operator_and_reflected_form(fn):
    x, y = (np.abs(X), np.abs(Y)) if fn is operator.pow else (X, Y)
    expected = fn(x, y)
    for got in (fn(tf.constant(x), tf.constant(y)), fn(tf.constant(x), y), fn(x, tf.constant(y)),
                fn(tf.constant(x), y.tolist()), fn(x.tolist(), tf.constant(y))):
        assert isinstance(got, tf.Tensor), type(got)
        assert got.dtype == tf.float32
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
def test_operator_with_python_scalar_on_either_side(fn):
    x = np.abs(X)
    np.testing.assert_allclose(fn(tf.constant(x), 2.0).numpy(), fn(x, np.float32(2.0)),
                               rtol=1e-6)
    np.testing.assert_allclose(fn(2.0, tf.constant(x)).numpy(), fn(np.float32(2.0), x),
                               rtol=1e-6)


def test_numpy_array_on_the_left_gives_a_tensor():
    got = np.array([1.0, 2.0], dtype=np.float32) * tf.constant([3.0, 4.0])
    assert isinstance(got, tf.Tensor)
    np.testing.assert_array_equal(got.numpy(), [3.0, 8.0])
    got = np.array([[1.0, 2.0]], dtype=np.float32) @ tf.constant([[1.0], [2.0]])
    assert isinstance(got, tf.Tensor)
    np.testing.assert_array_equal(got.numpy(), [[5.0]])


def test_matmul_operator_and_reflected_form():
    a, b = tf.constant(X), tf.constant(Y)
    np.testing.assert_allclose((a @ b).numpy(), X @ Y, rtol=1e-6)
    np.testing.assert_allclose((X.tolist() @ b).numpy(), X @ Y, rtol=1e-6)


def test_integer_true_division_gives_float64_as_tf():
    got = tf.constant([7, 8]) / tf.constant([2, 4])
    assert got.dtype == tf.float64
    np.testing.assert_array_equal(got.numpy(), [3.5, 2.0])


def test_integer_floordiv_and_mod_follow_python():
    a = tf.constant([7, -7])
    np.testing.assert_array_equal((a // 2).numpy(), [3, -4])
    np.testing.assert_array_equal((a % 3).numpy(), [1, 2])
    assert (a // 2).dtype == tf.int32


def test_unary_operators():
    t = tf.constant([-1.5, 2.0])
    np.testing.assert_array_equal((-t).numpy(), [1.5, -2.0])
    np.testing.assert_array_equal((+t).numpy(), [-1.5, 2.0])
    np.testing.assert_array_equal(abs(t).numpy(), [1.5, 2.0])
    np.testing.assert_array_equal((~tf.constant([True, False])).numpy(), [False, True])


@pytest.mark.parametrize("fn", [operator.and_, operator.or_, operator.xor],
                         ids=lambda f: f.__name__)
def test_logical_operators_on_bools(fn):
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    for got in (fn(tf.constant(a), tf.constant(b)), fn(tf.constant(a), b), fn(a, tf.constant(b))):
        assert isinstance(got, tf.Tensor) and got.dtype == tf.bool
        np.testing.assert_array_equal(got.numpy(), fn(a, b))


@pytest.mark.parametrize("fn", [operator.lt, operator.le, operator.gt, operator.ge,
                                operator.eq, operator.ne], ids=lambda f: f.__name__)
def test_comparisons_are_elementwise(fn):
    got = fn(tf.constant(X), tf.constant(Y))
    assert isinstance(got, tf.Tensor) and got.dtype == tf.bool
    np.testing.assert_array_equal(got.numpy(), fn(X, Y))
    np.testing.assert_array_equal(fn(tf.constant(X), 3.0).numpy(), fn(X, np.float32(3.0)))
    np.testing.assert_array_equal(fn(3.0, tf.constant(X)).numpy(), fn(np.float32(3.0), X))


def test_equality_with_none_or_unconvertible_is_false_not_an_error():
    t = tf.constant([1, 2])
    assert (t == None) is False  # noqa: E711
    assert (t != None) is True  # noqa: E711
    assert (t == "a") is False


def test_tensors_are_unhashable_but_refs_are():
    t = tf.constant(1.0)
    with pytest.raises(TypeError):
        hash(t)
    d = {t.ref(): 1}
    assert d[t.ref()] == 1 and t.ref().deref() is t


# ---- Python conversions ----------------------------------------------------------------------
def test_bool_int_float_index_of_single_values():
    assert bool(tf.constant(True)) is True
    assert bool(tf.constant(0.0)) is False
    assert int(tf.constant(2.7)) == 2
    assert float(tf.constant(3)) == 3.0
    assert isinstance(float(tf.constant(3)), float)
    assert tf.constant(4).__index__() == 4
    assert list(range(10))[tf.constant(1):tf.constant(3)] == [1, 2]
    assert bool(tf.constant([[1]])) is True


def test_conversions_of_many_values_raise():
    t = tf.constant([1, 2])
    with pytest.raises(ValueError):
        bool(t)
    with pytest.raises(TypeError):
        int(t)
    with pytest.raises(TypeError):
        float(t)
    with pytest.raises(TypeError):
        t.__index__()
    with pytest.raises(TypeError):
        tf.constant(1.0).__index__()


def test_numpy_functions_accept_tensors():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert np.sum(t) == 10.0
    out = np.multiply(t, 2)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [[2.0, 4.0], [6.0, 8.0]])
    assert np.asarray(t).dtype == np.float32
    assert np.array(t, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(np.array(t), t.numpy())


# ---- printing --------------------------------------------------------------------------------
def test_str_of_matrix_is_shaped_like_tf():
    assert str(tf.constant([[1, 2], [3, 4]])) == \
        "tapeviz.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"


def test_str_of_scalar_and_vector():
    assert str(tf.constant(2.5)) == "tapeviz.Tensor(2.5, shape=(), dtype=float32)"
    assert str(tf.constant([1.0, 2.0])) == "tapeviz.Tensor([1. 2.], shape=(2,), dtype=float32)"


def test_repr_is_shaped_like_tf():
    assert repr(tf.constant(6.0)) == "<tapeviz.Tensor: shape=(), dtype=float32, numpy=6.0>"
    assert repr(tf.constant([1, 2])) == \
        "<tapeviz.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>"
    assert repr(tf.constant([[1, 2], [3, 4]])) == (
        "<tapeviz.Tensor: shape=(2, 2), dtype=int32, numpy=\n"
        "array([[1, 2],\n       [3, 4]], dtype=int32)>")


def test_format_prints_values_alone():
    assert "{}".format(tf.constant([[1, 2], [3, 4]])) == "[[1 2]\n [3 4]]"
    assert "{}".format(tf.constant(4.0)) == "4.0"
    assert f"{tf.constant(3.14159):.2f}" == "3.14"
    assert "hello, {}".format(tf.matmul([[2.0]], [[2.0]])) == "hello, [[4.]]"


def test_shape_prints_like_tf():
    assert repr(tf.constant([[1]]).shape) == "TensorShape([1, 1])"
    assert str(tf.constant([[1]]).shape) == "(1, 1)"


# ---- Variable --------------------------------------------------------------------------------
def test_variable_assign_family_and_read_value():
    v = tf.Variable([1.0, 2.0])
    assert v.dtype == tf.float32 and v.shape == (2,)
    assert v.assign([3.0, 4.0]) is v
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(v.numpy(), [4.0, 5.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    read = v.read_value()
    assert type(read) is tf.Tensor
    v.assign([0.0, 0.0])
    np.testing.assert_array_equal(read.numpy(), [3.5, 4.5])  # a read is a snapshot


def test_tensor_made_from_variable_does_not_follow_later_assigns():
    v = tf.Variable(1.0)
    t = v * 1.0
    c = tf.constant(v)
    v.assign(5.0)
    assert float(t) == 1.0 and float(c) == 1.0


def test_variable_numpy_is_a_copy():
    v = tf.Variable([1.0, 2.0])
    v.numpy()[0] = 50.0
    assert v.numpy()[0] == 1.0


def test_variable_initial_value_is_copied():
    init = np.array([1.0, 2.0], dtype=np.float32)
    v = tf.Variable(init)
    init[0] = 100.0
    assert v.numpy()[0] == 1.0


def test_a_variable_keeps_its_name_as_tf_once_the_old_one_is_gone():
    names = [tf.Variable(1.0, name="kept").name for _ in range(3)]   # each freed at once
    assert names == ["kept:0"] * 3


def test_a_cell_run_again_names_its_variable_as_before():
    names = []
    for _ in range(3):   # the old w is still bound while the new one is made
        w = tf.Variable(0.0, name="rerun")
        names.append(w.name)
    assert names == ["rerun:0"] * 3


def test_variables_alive_at_once_get_names_the_debugger_tells_apart():
    alive = [tf.Variable(1.0, name="twin") for _ in range(3)]
    assert [v.name for v in alive] == ["twin:0", "twin_1:0", "twin_2:0"]
    del alive[1]
    assert tf.Variable(1.0, name="twin").name == "twin_1:0"   # the freed name, first


def test_first_default_variable_names_in_a_fresh_process():
    import subprocess
    import sys
    code = ("import tapeviz as tf; a, b = tf.Variable(1.0), tf.Variable(2.0); "
            "print(a.name, b.name, tf.Variable(3.0).name)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["Variable:0", "Variable_1:0", "Variable_2:0"]


def test_variable_dtype_argument_and_callable_initial_value():
    assert tf.Variable(1, dtype=tf.float32).dtype == tf.float32
    assert tf.Variable(lambda: tf.ones([2])).shape == (2,)
    assert tf.Variable(1).dtype == tf.int32
    assert tf.Variable(1.0, trainable=False).trainable is False


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_assign_of_the_wrong_shape_raises_and_leaves_the_variable_unchanged(method):
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="assign"):
        getattr(v, method)([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_assign_of_the_wrong_dtype_raises_and_leaves_the_variable_unchanged():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(TypeError):
        v.assign(tf.constant([1, 2]))
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert v.dtype == tf.float32


def test_variables_work_wherever_tensors_do():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((v + 1).numpy(), [[2, 3], [4, 5]])
    np.testing.assert_array_equal((2 * v).numpy(), [[2, 4], [6, 8]])
    np.testing.assert_array_equal((v @ v).numpy(), [[7, 10], [15, 22]])
    np.testing.assert_array_equal(tf.reduce_sum(v, axis=0).numpy(), [4, 6])
    np.testing.assert_array_equal(v[1].numpy(), [3, 4])
    np.testing.assert_array_equal(np.asarray(v), [[1, 2], [3, 4]])
    assert isinstance(tf.convert_to_tensor(v), tf.Tensor)
    assert not isinstance(tf.convert_to_tensor(v), tf.Variable)
    assert float(tf.Variable(2.0)) == 2.0
    assert len(v) == 2


def test_variable_repr_names_it():
    v = tf.Variable(1.0, name="weight")
    assert repr(v) == f"<tapeviz.Variable '{v.name}' shape=() dtype=float32, numpy=1.0>"


# ---- creation --------------------------------------------------------------------------------
def test_constant_with_dtype_and_shape():
    t = tf.constant(1, dtype=tf.float32, shape=[2, 3])
    assert t.dtype == tf.float32 and t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        tf.constant([1, 2, 3], shape=[2, 2])
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)


def test_constant_copies_numpy_input():
    array = np.array([1.0, 2.0])
    t = tf.constant(array)
    array[0] = 7.0
    assert t.numpy()[0] == 1.0


def test_convert_to_tensor_passes_tensors_through():
    t = tf.constant([1.0])
    assert tf.convert_to_tensor(t) is t
    assert tf.convert_to_tensor([1, 2], dtype=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    with pytest.raises(TypeError):
        tf.convert_to_tensor(t, dtype=tf.float64)


def test_zeros_ones_like_and_fill():
    z = tf.zeros([2, 3])
    assert z.dtype == tf.float32 and z.shape == (2, 3) and not z.numpy().any()
    o = tf.ones((2,), dtype=tf.int32)
    assert o.dtype == tf.int32 and o.numpy().tolist() == [1, 1]
    src = tf.constant([[1, 2]])
    assert tf.zeros_like(src).dtype == tf.int32 and tf.zeros_like(src).numpy().tolist() == [[0, 0]]
    assert tf.ones_like(src, dtype=tf.float32).dtype == tf.float32
    f = tf.fill([2, 2], 7)
    assert f.dtype == tf.int32 and f.numpy().tolist() == [[7, 7], [7, 7]]
    assert tf.fill([1], 0.5).dtype == tf.float32
    assert tf.zeros([]).shape == ()


def test_range_like_tf():
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert tf.range(5).dtype == tf.int32
    assert tf.range(1, 10, 3).numpy().tolist() == [1, 4, 7]
    assert tf.range(5, 0, -2).numpy().tolist() == [5, 3, 1]
    r = tf.range(0.0, 1.0, 0.25)
    assert r.dtype == tf.float32 and r.numpy().tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tf.range(3, dtype=tf.float64).dtype == tf.float64
    with pytest.raises(ValueError):
        tf.range(0, 3, 0)


def test_eye():
    np.testing.assert_array_equal(tf.eye(3).numpy(), np.eye(3))
    assert tf.eye(2, 3).shape == (2, 3)
    assert tf.eye(2, batch_shape=[4]).shape == (4, 2, 2)
    assert tf.eye(2, dtype=tf.int32).dtype == tf.int32


def test_cast_truncates_toward_zero_and_identity_copies_value():
    c = tf.cast([1.7, -1.7, 2.5], tf.int32)
    assert c.dtype == tf.int32 and c.numpy().tolist() == [1, -1, 2]
    assert tf.cast(tf.constant([0, 2]), tf.bool).numpy().tolist() == [False, True]
    assert tf.cast(tf.constant(1), "float64").dtype == tf.float64
    t = tf.constant([1.0, 2.0])
    i = tf.identity(t)
    assert i is not t and i.numpy().tolist() == [1.0, 2.0]


def test_executing_eagerly():
    assert tf.executing_eagerly() is True


@pytest.mark.parametrize("convert, error", [(bool, ValueError), (int, TypeError),
                                            (float, TypeError)])
def test_python_scalars_of_a_tensor_of_many_values_name_the_call_and_shape(convert, error):
    with pytest.raises(error) as info:
        convert(tf.ones([2, 3]))
    assert isinstance(info.value, tf.OpError)
    assert str(info.value).startswith(f"{convert.__name__}(): only a ")
    assert "shape (2, 3)" in str(info.value)
    assert convert(tf.constant(1.0)) == convert(1.0)  # a scalar converts


@pytest.mark.parametrize("key", [True, 1.5, 10**30, "a", [0, 1]])
def test_index_of_the_wrong_kind_is_refused_by_getitem(key):
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(tf.InvalidArgumentError, match="getitem: indices must be ints"):
        _ = x[key]


def test_a_float_tensor_as_index_is_refused_by_getitem_and_an_int_one_works():
    x = tf.constant([10, 20, 30])
    with pytest.raises(tf.InvalidArgumentError, match="got a float32 tensor of shape"):
        _ = x[tf.constant(1.0)]
    assert int(x[tf.constant(1)]) == 20 and x[tf.constant(0):tf.constant(2)].shape == (2,)


def test_numpy_of_a_0d_result_is_a_numpy_scalar_as_in_tf():
    for scalar in (tf.squeeze(tf.ones([1, 1])), tf.reshape(tf.ones([1]), []),
                   tf.norm(tf.ones([2, 3]), ord=1, axis=[0, 1])):
        value = scalar.numpy()
        assert type(value) is np.float32 and value == scalar.numpy()
