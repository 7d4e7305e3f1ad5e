"""The lectures' tensor surface, fourth round: a tape's integer sources, tf.where's broadcast
gradients, segment max/min/prod over empty segments, one_hot's and argmax's arguments,
seeded random draws' shapes and dtypes, tf.py_function and tf.numpy_function in a tf.data
function, and gradients at bounds, ties, zeros and saturation. Its Keras half is
cases_lecture_fourth.py. Registered into `cases.CASES` (cases.py imports this module at its
end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case, f32


# ---- a tape's integer sources ------------------------------------------------------------------
def _integer_sources(tf):
    counter, scale = tf.Variable(3), tf.Variable(2.0)
    ints = tf.constant([1, 2])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(ints)
        y = tf.cast(counter, tf.float32) * scale + tf.reduce_sum(tf.cast(ints, tf.float32))
    return [tape.gradient(y, [counter, scale, ints]), tape.watched_variables()[0].name[:5],
            len(tape.watched_variables()),
            tape.gradient(y, counter, unconnected_gradients="zero")]


add_case("GradientTape/hunt_integer_sources", _integer_sources, grad=False)


# ---- tf.where broadcasting, and its gradient to each branch ------------------------------------
WHERES = {
    "column_condition": (lambda tf, x, y: tf.where(x[:, :1] > 0, x, y), f32(3, 4),
                         f32(1, 4, seed=2)),
    "scalar_other_branch": (lambda tf, x, y: tf.where(x > 0, x * y, tf.reduce_sum(y)),
                            f32(2, 3), f32(3, seed=2)),
    "row_branches": (lambda tf, x, y: tf.where(tf.constant([[True], [False]]), x, y),
                     f32(1, 3), f32(2, 1, seed=2)),
}
for _name, (_fn, *_inputs) in WHERES.items():
    add_case(f"where/hunt_{_name}", _fn, *_inputs)


# ---- segment max/min/prod: empty segments, ties ------------------------------------------------
SEGMENTS = {
    "segment_max/hunt_gap_and_tie": (lambda tf, d: tf.math.segment_max(d, [0, 0, 2, 2]),
                                     a32([1.0, 1.0, -3.0, 2.0])),
    "segment_min/hunt_gap": (lambda tf, d: tf.math.segment_min(d, [0, 0, 2]),
                             a32([1.0, -1.0, 4.0])),
    "segment_prod/hunt_gap_and_zero": (lambda tf, d: tf.math.segment_prod(d, [0, 0, 2, 2]),
                                       a32([2.0, 0.0, 3.0, -1.5])),
    "unsorted_segment_max/hunt_empty_segment": (
        lambda tf, d: tf.math.unsorted_segment_max(d, [2, 0, 2], num_segments=4),
        a32([1.0, 5.0, 3.0])),
    "unsorted_segment_min/hunt_empty_segment": (
        lambda tf, d: tf.math.unsorted_segment_min(d, [2, 0, 2], num_segments=4),
        a32([1.0, 5.0, 3.0])),
    "unsorted_segment_prod/hunt_empty_segment": (
        lambda tf, d: tf.math.unsorted_segment_prod(d, [2, 0, 2], num_segments=4),
        a32([1.5, 5.0, -2.0])),
    "unsorted_segment_sqrt_n/hunt_rows": (
        lambda tf, d: tf.math.unsorted_segment_sqrt_n(d, [1, 1, 0], num_segments=3),
        f32(3, 2)),
    "segment_max/hunt_rows_int": (lambda tf: tf.math.segment_max(
        tf.constant([[1, 5], [3, 2], [7, 7]]), [0, 0, 1]),),
    "segment_prod/hunt_rows": (lambda tf, d: tf.math.segment_prod(d, [0, 0, 0, 1]), f32(4, 2)),
    "unsorted_segment_max/hunt_negative_id_dropped": (
        lambda tf, d: tf.math.unsorted_segment_max(d, [1, -1, 1], num_segments=2), f32(3, 2)),
    "unsorted_segment_min/hunt_id_too_large": (
        lambda tf, d: tf.math.unsorted_segment_min(d, [0, 3], num_segments=2), f32(2)),
    "segment_max/hunt_unsorted_ids": (lambda tf, d: tf.math.segment_max(d, [1, 0]), f32(2)),
}
for _name, (_fn, *_inputs) in SEGMENTS.items():
    add_case(_name, _fn, *_inputs)


# ---- one_hot's and argmax's arguments ----------------------------------------------------------
ONE_HOTS = {
    "axis_0_of_a_matrix": lambda tf: tf.one_hot([[0, 2], [1, 1]], 3, axis=0),
    "int32_dtype": lambda tf: tf.one_hot([0, 2], 3, dtype=tf.int32),
    "depth_zero": lambda tf: tf.one_hot([0, 2], 0),
    "uint8_ids": lambda tf: tf.one_hot(tf.constant([0, 2], tf.uint8), 3),
    "int64_ids_depth_tensor": lambda tf: tf.one_hot(tf.constant([0, 2], tf.int64),
                                                    tf.constant(3)),
    "on_value_dtype_differs": lambda tf: tf.one_hot([0, 2], 3, on_value=1, off_value=0.0),
    "float_values_int32_dtype": lambda tf: tf.one_hot([0, 2], 3, on_value=1.0, off_value=0.0,
                                                      dtype=tf.int32),
    "int_value_float32_dtype": lambda tf: tf.one_hot([0, 2], 3, on_value=2, dtype=tf.float32),
    "float64_tensor_and_python_float": lambda tf: tf.one_hot(
        [0, 2], 3, on_value=tf.constant(1.0, tf.float64), off_value=0.0),
    "negative_depth": lambda tf: tf.one_hot([0, 2], -1),
}
for _name, _fn in ONE_HOTS.items():
    add_case(f"one_hot/hunt_{_name}", _fn, grad=False)

ARGMAXES = {
    "ties_take_the_first": lambda tf: [tf.argmax([1.0, 3.0, 3.0]), tf.argmin([2.0, 0.0, 0.0])],
    "nan": lambda tf: [tf.argmax([1.0, np.nan, 3.0]), tf.argmin([1.0, np.nan, -3.0])],
    "matrix_default_axis": lambda tf: tf.argmax(tf.constant([[1, 5], [7, 2]])),
    "int32_output_of_int8": lambda tf: tf.argmax(tf.constant([1, 5], tf.int8),
                                                 output_type=tf.int32),
    "float_output_type": lambda tf: tf.argmax([1.0, 2.0], output_type=tf.float32),
    "bool_input": lambda tf: tf.argmax([False, True, True]),
    "empty_axis": lambda tf: tf.argmax(tf.zeros([2, 0]), axis=1),
}
for _name, _fn in ARGMAXES.items():
    add_case(f"argmax/hunt_{_name}", _fn, grad=False,
             op="argmin" if _name.startswith("ties") else None)


# ---- seeded random draws: shapes and dtypes ----------------------------------------------------
def _drawn(value):
    return [value.dtype.name, list(value.shape)]


RANDOMS = {
    "uniform_int_with_maxval": lambda tf: _drawn(tf.random.uniform([2, 3], maxval=10,
                                                                   dtype=tf.int32, seed=1)),
    "uniform_int_without_maxval": lambda tf: _drawn(tf.random.uniform([2], dtype=tf.int32)),
    "normal_float64": lambda tf: _drawn(tf.random.normal([3], dtype=tf.float64, seed=2)),
    "normal_int_dtype": lambda tf: _drawn(tf.random.normal([3], dtype=tf.int32)),
    "normal_shape_tensor": lambda tf: _drawn(tf.random.normal(tf.shape(tf.ones([2, 5])))),
    "categorical": lambda tf: _drawn(tf.random.categorical(tf.math.log([[0.5, 0.5]]), 4,
                                                           seed=3)),
    "shuffle": lambda tf: _drawn(tf.random.shuffle(tf.reshape(tf.range(6), [3, 2]), seed=4)),
    "truncated_normal_scalar_shape": lambda tf: _drawn(tf.random.truncated_normal([])),
}
for _name, _fn in RANDOMS.items():
    add_case(f"random/hunt_{_name}", _fn, grad=False, op=_name.split("_")[0])


# ---- Python code in a tf.data function: tf.py_function and tf.numpy_function -------------------
def _py_function_gradient(tf, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        through_py = tf.py_function(lambda v: v * v, [x], tf.float32)
        through_numpy = tf.numpy_function(lambda v: v * v, [x], tf.float32)
    return [through_py, tape.gradient(through_py, x), tape.gradient(through_numpy, x)]


PY_FUNCTIONS = {
    "py_function/hunt_numpy_in_map": lambda tf: [int(e) for e in tf.data.Dataset.range(3).map(
        lambda x: tf.py_function(lambda v: v.numpy() * 2, [x], tf.int64))],
    "numpy_function/hunt_in_map": lambda tf: [int(e) for e in tf.data.Dataset.range(3).map(
        lambda x: tf.numpy_function(lambda v: v * 2, [x], tf.int64))],
    "py_function/hunt_two_results": lambda tf: tf.py_function(
        lambda a, b: (a + b, a * b), [1.0, 2.0], [tf.float32, tf.float32]),
    "py_function/hunt_python_number_to_tout": lambda tf: tf.py_function(
        lambda a: a.numpy() + 1, [tf.constant(1)], tf.float32),
    "py_function/hunt_gradient": lambda tf: _py_function_gradient(tf, tf.constant(3.0)),
    "Tensor/hunt_numpy_in_filter": lambda tf: list(tf.data.Dataset.range(3).filter(
        lambda x: x.numpy() > 0)),
}
for _name, _fn in PY_FUNCTIONS.items():
    add_case(_name, _fn, grad=False, op="numpy" if "filter" in _name else None)


# ---- gradients at the edges students meet: bounds, ties, zeros, saturation -----------------------
EDGES = {
    "clip_by_value/hunt_at_the_bounds": (lambda tf, x: tf.clip_by_value(x, -1.0, 1.0),
                                         a32([-1.0, 1.0, 2.0, 0.5])),
    "clip_by_norm/hunt_at_the_norm": (lambda tf, x: tf.clip_by_norm(x, 5.0), a32([3.0, 4.0])),
    "math.minimum/hunt_tie": (lambda tf, x, y: tf.minimum(x, y), a32([1.0, 2.0]),
                              a32([1.0, 3.0])),
    "math.pow/hunt_zero_to_zero": (lambda tf, x, y: tf.pow(x, y), a32([0.0]), a32([0.0])),
    "math.reduce_std/hunt_constant": (lambda tf, x: tf.math.reduce_std(x), a32([2.0, 2.0])),
    "math.reduce_std/hunt_values": (lambda tf, x: tf.math.reduce_std(x), a32([1.0, 2.0, 4.0])),
    "math.log_sigmoid/hunt_saturated": (lambda tf, x: tf.math.log_sigmoid(x),
                                        a32([-100.0, 0.0, 100.0])),
    "nn.sigmoid_cross_entropy_with_logits/hunt_saturated": (
        lambda tf, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant([1.0, 0.0]),
                                                              logits=x), a32([-100.0, 100.0])),
    "math.cumsum/hunt_exclusive_reverse": (lambda tf, x: tf.math.cumsum(
        x, exclusive=True, reverse=True), a32([1.0, 2.0, 3.0])),
    "math.top_k/hunt_ties": (lambda tf, x: list(tf.math.top_k(x, k=2)),
                             a32([1.0, 3.0, 3.0, 2.0])),
    "gather/hunt_batch_dims": (lambda tf, x: tf.gather(x, [[0, 2], [1, 1]], batch_dims=1),
                               f32(2, 3)),
    "boolean_mask/hunt_axis_1": (lambda tf, x: tf.boolean_mask(x, [True, False, True], axis=1),
                                 f32(2, 3)),
    "tensordot/hunt_axes_0": (lambda tf, x, y: tf.tensordot(x, y, axes=0), f32(2), f32(3)),
    "eye/hunt_batch_shape": (lambda tf: tf.eye(2, batch_shape=[2]),),
    "range/hunt_floats": (lambda tf: tf.range(0.0, 1.0, 0.25),),
    "linspace/hunt_int_ends": (lambda tf: tf.linspace(0, 1, 3),),
}
for _name, (_fn, *_inputs) in EDGES.items():
    add_case(_name, _fn, *_inputs)


# ---- jacobians: an integer target, batch_jacobian's ranks ----------------------------------------
def _jacobians(tf, x, method, target_of, **options):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        target = target_of(tf, x)
    return getattr(tape, method)(target, x, **options)


JACOBIANS = {
    "GradientTape/hunt_jacobian_integer_target": (
        lambda tf, x: _jacobians(tf, x, "jacobian", lambda tf, x: tf.cast(x, tf.int32)),
        f32(2, 3)),
    "GradientTape/hunt_jacobian_integer_target_zero": (
        lambda tf, x: _jacobians(tf, x, "jacobian", lambda tf, x: tf.cast(x, tf.int32),
                                 unconnected_gradients="zero"), f32(2, 3)),
    "GradientTape/hunt_batch_jacobian_vector_source": (
        lambda tf, x: _jacobians(tf, x, "batch_jacobian",
                                 lambda tf, x: tf.reshape(x, [3, 1]) * 2.0), f32(3)),
    "GradientTape/hunt_batch_jacobian_vector_target": (
        lambda tf, x: _jacobians(tf, x, "batch_jacobian",
                                 lambda tf, x: tf.reduce_sum(x, axis=1)), f32(2, 3)),
}
for _name, (_fn, *_inputs) in JACOBIANS.items():
    add_case(_name, _fn, *_inputs, grad=False, op="batch_jacobian" if "batch" in _name else None)


# ---- tf.unique and tf.unique_with_counts ---------------------------------------------------------
UNIQUES = {
    "unique/hunt_first_seen_order": (lambda tf, x: list(tf.unique(x)), a32([3.0, 1.0, 3.0, 2.0])),
    "unique/hunt_int64_out_idx": (lambda tf: list(tf.unique(tf.constant([5, 5, 4]),
                                                            out_idx=tf.int64)),),
    "unique/hunt_empty": (lambda tf: list(tf.unique(tf.constant([], tf.float32))),),
    "unique/hunt_matrix": (lambda tf: tf.unique(tf.constant([[1, 2]])),),
    "unique/hunt_field_names": (lambda tf: [type(tf.unique([1, 2])).__name__,
                                            list(tf.unique([1, 2])._fields)],),
    "unique_with_counts/hunt_counts": (lambda tf: list(tf.unique_with_counts(
        tf.constant([3, 1, 3, 3]))),),
}
for _name, (_fn, *_inputs) in UNIQUES.items():
    add_case(_name, _fn, *_inputs, grad=False)
