"""Cases of what TF raises where a user's except-clause meets it: dtype mismatches of binary
math, matmul, concat, stack and where, assignments of another dtype, reductions of bools,
and shapes that do not fit an op of three or more inputs or a batch matmul. Each golden
keeps TF's class and message; the replay checks tapeviz's error is of TF's class and
repeats TF's phrase. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations


from .cases import add_case


def _ints(tf):
    return tf.constant([1, 2])


def _floats(tf):
    return tf.constant([1.0, 2.0])


DTYPE_MISMATCHES = {
    "subtract/error_int_and_float": lambda tf: tf.subtract(_ints(tf), _floats(tf)),
    "subtract/error_operator_float_and_int": lambda tf: _floats(tf) - _ints(tf),
    "multiply/error_operator_float64_and_float32":
        lambda tf: tf.constant([1.0], tf.float64) * tf.constant([1.0]),
    "maximum/error_int_and_float": lambda tf: tf.maximum(_ints(tf), _floats(tf)),
    "minimum/error_float_and_int64": lambda tf: tf.minimum(_floats(tf), tf.constant([1, 2],
                                                                                    tf.int64)),
    "pow/error_float_and_int": lambda tf: tf.pow(_floats(tf), _ints(tf)),
    "less/error_int_and_float": lambda tf: tf.less(_ints(tf), _floats(tf)),
    "greater/error_operator_float_and_int": lambda tf: _floats(tf) > _ints(tf),
    "not_equal/error_int_and_float": lambda tf: tf.not_equal(_ints(tf), _floats(tf)),
    "squared_difference/error_float_and_int":
        lambda tf: tf.math.squared_difference(_floats(tf), _ints(tf)),
    "floordiv/error_int_and_float": lambda tf: tf.math.floordiv(_ints(tf), _floats(tf)),
    "truediv/error_tensors_int_and_float": lambda tf: tf.math.truediv(_ints(tf), _floats(tf)),
    "truediv/error_operator_float_and_int": lambda tf: _floats(tf) / _ints(tf),
    "matmul/error_operator_float64_and_float32":
        lambda tf: tf.ones((2, 2), tf.float64) @ tf.ones((2, 2)),
    "matmul/error_batch_int_and_float":
        lambda tf: tf.matmul(tf.ones((2, 2, 2), tf.int32), tf.ones((2, 2, 2))),
    "concat/error_float_and_int": lambda tf: tf.concat([_floats(tf), _ints(tf)], 0),
    "stack/error_int_and_float": lambda tf: tf.stack([_ints(tf), _floats(tf)]),
    "where/error_float64_and_float32_branches":
        lambda tf: tf.where(tf.constant([True, False]), tf.constant([1.0, 2.0], tf.float64),
                            _floats(tf)),
    "add_n/error_three_with_int_last":
        lambda tf: tf.add_n([_floats(tf), _floats(tf), _ints(tf)]),
    "Variable.assign/error_int_tensor_to_float":
        lambda tf: tf.Variable([1.0, 2.0]).assign(_ints(tf)),
    "Variable.assign_sub/error_float64_from_float32":
        lambda tf: tf.Variable([1.0, 2.0]).assign_sub(tf.constant([1.0, 1.0], tf.float64)),
    "Variable.assign_add/error_python_float_to_int":
        lambda tf: tf.Variable([1, 2]).assign_add([0.5, 0.5]),
    "reduce_max/error_bool": lambda tf: tf.reduce_max(tf.constant([True, False])),
    "reduce_prod/error_bool": lambda tf: tf.reduce_prod(tf.constant([True, False])),
    "reduce_min/error_bool": lambda tf: tf.reduce_min(tf.constant([True, False])),
    "reduce_all/error_float": lambda tf: tf.reduce_all(_floats(tf)),
    "reduce_sum/error_strings": lambda tf: tf.reduce_sum(tf.constant(["a", "b"])),
    "reduce_max/error_strings": lambda tf: tf.reduce_max(tf.constant(["a", "b"])),
    "logical_and/error_float": lambda tf: tf.logical_and(_floats(tf), _floats(tf)),
    "math.log/error_int": lambda tf: tf.math.log(_ints(tf)),
    "nn.softmax/error_int": lambda tf: tf.nn.softmax(_ints(tf)),
}

SHAPE_MISMATCHES = {
    "matmul/error_batch_inner_mismatch":
        lambda tf: tf.matmul(tf.ones((2, 3, 4)), tf.ones((2, 5, 6))),
    "matmul/error_batch_dims_mismatch":
        lambda tf: tf.matmul(tf.ones((2, 3, 4)), tf.ones((3, 4, 5))),
    "matmul/error_operator_batch_inner_mismatch":
        lambda tf: tf.ones((4, 2, 3)) @ tf.ones((4, 2, 3)),
    "add_n/error_three_shapes": lambda tf: tf.add_n([tf.ones((2, 3)), tf.ones((2, 3)),
                                                     tf.ones((3, 2))]),
    "where/error_three_shapes":
        lambda tf: tf.where(tf.constant([True, False]), tf.ones((3,)), tf.ones((4,))),
    "where/error_condition_shape":
        lambda tf: tf.where(tf.constant([True, False, True]), tf.ones((2,)), tf.ones((2,))),
    "concat/error_three_shapes":
        lambda tf: tf.concat([tf.ones((2, 3)), tf.ones((2, 3)), tf.ones((2, 4))], 0),
    "stack/error_three_shapes":
        lambda tf: tf.stack([tf.ones((2,)), tf.ones((2,)), tf.ones((3,))]),
    "clip_by_value/error_bounds_shape":
        lambda tf: tf.clip_by_value(tf.ones((2, 3)), tf.zeros((3, 2)), 1.0),
}

for _name, _fn in {**DTYPE_MISMATCHES, **SHAPE_MISMATCHES}.items():
    add_case(_name, _fn, grad=False)
