"""Cases for what tapeviz lacked or did differently, each as a student writes it: a Variable
named under `tf.name_scope`; `tf.TensorArray` in an eager loop (write, read, stack, unstack,
size, its errors); `tf.function(...).get_concrete_function`; `Dataset.group_by_window`
(and `tf.data.experimental.group_by_window`) and `Dataset.rebatch`; `tf.train.list_variables`
and `tf.train.load_variable` on a checkpoint the case saves. Registered into `cases.CASES`
(cases.py imports this module at its end).
"""
from __future__ import annotations

import os
import tempfile

from .cases import add_case, f32

# ---- tf.name_scope prefixes a Variable's name ------------------------------------------------


def _scoped_names(tf):
    with tf.name_scope("dense"):
        w = tf.Variable(1.0, name="w")
        unnamed = tf.Variable(2.0)
        with tf.name_scope("inner"):
            z = tf.Variable(3.0, name="z")
    outside = tf.Variable(4.0, name="b")
    return [w.name, unnamed.name, z.name, outside.name]


def _module_scope(tf):
    class Linear(tf.Module):
        def __init__(self):
            super().__init__(name="linear")
            with self.name_scope:
                self.w = tf.Variable([[1.0], [2.0]], name="w")

    return Linear().w.name


def _layer_build_variable(tf):
    class Scale(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.scale = tf.Variable(2.0, name="scale")

        def call(self, inputs):
            return inputs * self.scale

    layer = Scale(name="scaler")
    out = layer(tf.ones((1, 2)))
    return [layer.scale.name, out]


add_case("name_scope/student_variable_names", _scoped_names, grad=False, fresh=True)
add_case("name_scope/student_module_name_scope", _module_scope, grad=False, fresh=True)
add_case("name_scope/student_variable_made_in_a_layer_build", _layer_build_variable,
         grad=False, fresh=True)

# ---- tf.TensorArray, eager --------------------------------------------------------------------


def _squares_in_a_loop(tf, x):
    squares = tf.TensorArray(tf.float32, size=3)
    for i in range(3):
        squares = squares.write(i, x[i] * x[i])
    return [squares.stack(), squares.size(), squares.read(1)]


def _dynamic_rows(tf, x):
    rows = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    for i in range(4):
        rows = rows.write(i, x * float(i))
    return [rows.stack(), rows.size()]


def _unstack_and_read(tf, x):
    array = tf.TensorArray(tf.float32, size=3).unstack(x)
    return [array.read(2), array.read(0) * 3.0]


def _while_loop_cumulative(tf, x):
    """A running sum written step by step in a tf.while_loop, as TF's guide does."""
    def body(i, total, out):
        total = total + x[i]
        return i + 1, total, out.write(i, total)

    _, _, out = tf.while_loop(lambda i, total, out: i < 4, body,
                              (tf.constant(0), tf.constant(0.0),
                               tf.TensorArray(tf.float32, size=4)))
    return out.stack()


TENSOR_ARRAY = {
    "unwritten_reads_zeros": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, 1.0)
    .stack(),
    "empty_with_element_shape": lambda tf: tf.TensorArray(
        tf.float32, size=0, element_shape=(2,)).stack(),
    "int32_values": lambda tf: tf.TensorArray(tf.int32, size=2).write(0, 4).write(1, 5)
    .stack(),
    "written_in_place": lambda tf: _written_twice(tf),
    "gather": lambda tf: tf.TensorArray(tf.float32, size=3).unstack([1.0, 2.0, 3.0])
    .gather([2, 0]),
    "scatter": lambda tf: tf.TensorArray(tf.float32, size=3).scatter([0, 2], [5.0, 6.0])
    .write(1, 0.0).stack(),
    "read_with_tensor_index": lambda tf: tf.TensorArray(tf.float32, size=2)
    .unstack([1.0, 2.0]).read(tf.constant(1)),
    "write_past_the_end": lambda tf: tf.TensorArray(tf.float32, size=2).write(2, 1.0),
    "read_past_the_end": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, 1.0).read(3),
    "write_negative_index": lambda tf: tf.TensorArray(tf.float32, size=2).write(-1, 1.0),
    "read_twice_cleared": lambda tf: _read_twice(tf, clear_after_read=True),
    "float_into_int32": lambda tf: tf.TensorArray(tf.int32, size=2).write(0, 1.5),
    "shapes_differ": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0])
    .write(1, [1.0]),
    "no_size": lambda tf: tf.TensorArray(tf.float32),
}


def _written_twice(tf):
    array = tf.TensorArray(tf.float32, size=1)
    array.write(0, 1.0)   # eager: the write changes the array even when its result is dropped
    array.write(0, 5.0)
    return array.read(0)


def _read_twice(tf, **options):
    array = tf.TensorArray(tf.float32, size=1, **options).write(0, 1.0)
    return [array.read(0), array.read(0)]


for _name, _fn in TENSOR_ARRAY.items():
    add_case(f"TensorArray/{_name}", _fn, grad=False)
add_case("TensorArray/student_squares_in_a_loop", _squares_in_a_loop, f32(3, seed=2))
add_case("TensorArray/student_dynamic_rows", _dynamic_rows, f32(2, seed=3))
add_case("TensorArray/student_unstack_and_read", _unstack_and_read, f32(3, 2, seed=4))
add_case("TensorArray/student_while_loop_running_sum", _while_loop_cumulative, f32(4, seed=5))

# ---- tf.function(...).get_concrete_function ---------------------------------------------------


def _scaled(tf):
    @tf.function
    def scale(x, factor=2.0):
        return x * factor

    return scale


def _concrete_from_spec(tf, x):
    concrete = _scaled(tf).get_concrete_function(tf.TensorSpec([None], tf.float32))
    return [concrete(x), concrete(x=x)]


def _concrete_from_tensor(tf, x):
    concrete = _scaled(tf).get_concrete_function(x, 3.0)
    return [concrete(x), concrete(x * 2.0, 3.0)]


def _concrete_of_signature(tf):
    add_one = tf.function(lambda x: x + 1,
                          input_signature=[tf.TensorSpec([2], tf.int32)])
    concrete = add_one.get_concrete_function()
    return [concrete(tf.constant([1, 2])), concrete([3, 4])]


CONCRETE = {
    "wrong_dtype": lambda tf: _scaled(tf).get_concrete_function(
        tf.TensorSpec([None], tf.float32))(tf.constant([1, 2])),
    "python_value_changed": lambda tf: _scaled(tf).get_concrete_function(
        tf.constant(2.0), 3.0)(tf.constant(5.0), 4.0),
    "argument_missing": lambda tf: _scaled(tf).get_concrete_function(),
    "spec_outside_the_signature": lambda tf: tf.function(
        lambda x: x + 1, input_signature=[tf.TensorSpec([2], tf.int32)])
    .get_concrete_function(tf.TensorSpec([3], tf.int32)),
}
add_case("function.get_concrete_function/student_from_spec", _concrete_from_spec,
         f32(3, seed=6), op="function")
add_case("function.get_concrete_function/student_from_tensor", _concrete_from_tensor,
         f32(2, seed=7), op="function")
add_case("function.get_concrete_function/student_input_signature", _concrete_of_signature,
         grad=False, op="function")
for _name, _fn in CONCRETE.items():
    add_case(f"function.get_concrete_function/{_name}", _fn, grad=False, op="function")

# ---- Dataset.group_by_window, Dataset.rebatch -------------------------------------------------


def _listed(dataset) -> list:
    return list(dataset)


GROUPED = {
    "by_parity": lambda tf: _listed(tf.data.Dataset.range(10).group_by_window(
        key_func=lambda x: x % 2, reduce_func=lambda key, window: window.batch(3),
        window_size=3)),
    "experimental_apply": lambda tf: _listed(tf.data.Dataset.range(10).apply(
        tf.data.experimental.group_by_window(lambda x: x % 3,
                                             lambda key, window: window.batch(2), 2))),
    "key_in_the_output": lambda tf: _listed(tf.data.Dataset.range(10).group_by_window(
        lambda x: x % 2, lambda key, window: window.batch(4).map(lambda b: (key, b)), 4)),
    "window_size_func": lambda tf: _listed(tf.data.Dataset.range(10).group_by_window(
        lambda x: x % 2, lambda key, window: window.batch(10),
        window_size_func=lambda key: key + 2)),
    "tuples": lambda tf: _listed(tf.data.Dataset.from_tensor_slices(
        ([1, 2, 3, 4], [10.0, 20.0, 30.0, 40.0])).group_by_window(
        lambda a, b: tf.cast(a % 2, tf.int64), lambda key, window: window.batch(2), 2)),
    "cardinality_unknown": lambda tf: tf.data.Dataset.range(10).group_by_window(
        lambda x: x % 2, lambda key, window: window.batch(3), 3).cardinality(),
    "both_sizes": lambda tf: _listed(tf.data.Dataset.range(4).group_by_window(
        lambda x: x % 2, lambda key, window: window.batch(2), 2,
        window_size_func=lambda key: key + 2)),
    "int32_key": lambda tf: _listed(tf.data.Dataset.range(4).group_by_window(
        lambda x: tf.cast(x % 2, tf.int32), lambda key, window: window.batch(2), 2)),
    "reduce_returns_a_tensor": lambda tf: _listed(tf.data.Dataset.range(4).group_by_window(
        lambda x: x % 2, lambda key, window: key, 2)),
    "zero_window": lambda tf: _listed(tf.data.Dataset.range(4).group_by_window(
        lambda x: x % 2, lambda key, window: window.batch(2), 0)),
}
for _name, _fn in GROUPED.items():
    add_case(f"data.Dataset.group_by_window/{_name}", _fn, grad=False, op="group_by_window")


def _student_bucketing(tf):
    """Sentences of 1-4 tokens bucketed by length, each bucket padded to its longest."""
    lengths = [3, 1, 4, 2, 3, 1, 4, 2]
    sentences = tf.data.Dataset.from_generator(
        lambda: ([n * 10 + t for t in range(n)] for n in lengths),
        output_signature=tf.TensorSpec([None], tf.int32))
    buckets = sentences.group_by_window(
        key_func=lambda s: tf.cast(tf.size(s) > 2, tf.int64),
        reduce_func=lambda key, window: window.padded_batch(2), window_size=2)
    return _listed(buckets)


add_case("data.Dataset.group_by_window/student_length_buckets", _student_bucketing,
         grad=False, op="group_by_window")

REBATCHED = {
    "smaller": lambda tf: _listed(tf.data.Dataset.range(10).batch(4).rebatch(3)),
    "drop_remainder": lambda tf: _listed(tf.data.Dataset.range(10).batch(4).rebatch(
        3, drop_remainder=True)),
    "list_of_sizes": lambda tf: _listed(tf.data.Dataset.range(10).batch(4).rebatch([2, 1, 1])),
    "larger": lambda tf: _listed(tf.data.Dataset.range(10).batch(2).rebatch(5)),
    "tuples": lambda tf: _listed(tf.data.Dataset.from_tensor_slices(
        ([1, 2, 3, 4, 5], [1.0, 2.0, 3.0, 4.0, 5.0])).batch(2).rebatch(3)),
    "element_spec": lambda tf: [str(tf.data.Dataset.range(10).batch(4).rebatch(3)
                                    .element_spec.shape),
                                str(tf.data.Dataset.range(10).batch(4, drop_remainder=True)
                                    .rebatch(3, drop_remainder=True).element_spec.shape)],
    "scalar_elements": lambda tf: _listed(tf.data.Dataset.range(10).rebatch(2)),
}
for _name, _fn in REBATCHED.items():
    add_case(f"data.Dataset.rebatch/{_name}", _fn, grad=False, op="rebatch")

# ---- tf.train.list_variables, tf.train.load_variable ------------------------------------------


def _saved(tf):
    """A checkpoint of loose Variables, saved in a new directory: (directory, path)."""
    directory = tempfile.mkdtemp()
    checkpoint = tf.train.Checkpoint(w=tf.Variable([1.0, 2.0], name="w"),
                                     step=tf.Variable(3, name="step"))
    return directory, checkpoint.save(os.path.join(directory, "ckpt"))


def _read_back(tf):
    directory, path = _saved(tf)
    shapes = dict(tf.train.list_variables(path))
    return [shapes["w/.ATTRIBUTES/VARIABLE_VALUE"], shapes["step/.ATTRIBUTES/VARIABLE_VALUE"],
            tf.train.load_variable(path, "w/.ATTRIBUTES/VARIABLE_VALUE"),
            tf.train.load_variable(directory, "step/.ATTRIBUTES/VARIABLE_VALUE"),
            tf.train.load_variable(directory, "save_counter/.ATTRIBUTES/VARIABLE_VALUE")]


def _listed_whole(tf):
    _, path = _saved(tf)
    return tf.train.list_variables(path)


def _model_listed(tf):
    directory = tempfile.mkdtemp()
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    path = tf.train.Checkpoint(model=model).save(os.path.join(directory, "ckpt"))
    return [name for name, _ in tf.train.list_variables(path)]


add_case("train.list_variables/student_read_back", _read_back, grad=False,
         op="load_variable")
add_case("train.list_variables/whole_list", _listed_whole, grad=False)
add_case("train.list_variables/model_names", _model_listed, grad=False)
add_case("train.load_variable/missing_key", lambda tf: tf.train.load_variable(
    _saved(tf)[1], "nope"), grad=False)
add_case("train.load_variable/missing_checkpoint", lambda tf: tf.train.load_variable(
    os.path.join("no_such_checkpoint_directory", "ckpt-1"), "w"), grad=False)
