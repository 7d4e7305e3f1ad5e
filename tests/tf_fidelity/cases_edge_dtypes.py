"""Cases of integer, bool and mixed-dtype edges as students meet them: floor division and
modulo of negatives and by zero, integer overflow that wraps, casts of NaN and infinities
and out-of-range floats to every integer width, arithmetic TF has no bool kernel for,
integer means that truncate (and wrap in their own dtype), argmax of ties and of bools.
Values and dtypes, or TF's error class and words, compared with TF's. Registered into
`cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case

_NAN_INF = [np.nan, np.inf, -np.inf, 0.5, -0.5]


def _ints(tf, values, dtype="int32"):
    return tf.constant(values, getattr(tf, dtype))


INTEGERS = {
    "math.floordiv/edge_negative_divisor": lambda tf: [
        tf.math.floordiv(_ints(tf, [7, -7, 7, -7]), _ints(tf, [-2, -2, 3, 3])),
        _ints(tf, [7, -7]) // -3, _ints(tf, [7, -7], "int64") // 2],
    "math.floormod/edge_negative_divisor": lambda tf: [
        tf.math.floormod(_ints(tf, [7, -7, 7, -7]), _ints(tf, [-2, -2, 3, 3])),
        _ints(tf, [7, -7]) % -3, _ints(tf, [7, -7], "int8") % 3],
    "math.floordiv/edge_float_by_zero": lambda tf: tf.constant([1.0, -1.0, 0.0]) // 0.0,
    "math.floormod/edge_float_by_zero": lambda tf: tf.constant([1.0, -1.0, 0.0]) % 0.0,
    "math.floormod/edge_float_negative_zero": lambda tf: [tf.constant([-0.0, 2.0]) % 2.0,
                                                          tf.constant([4.0, -4.0]) % -2.0],
    "math.floordiv/edge_int_by_zero_operator": lambda tf: _ints(tf, [3]) // 0,
    "math.floormod/edge_int_min_by_minus_one": lambda tf: _ints(tf, [-2147483648]) % -1,
    "add/edge_int32_wraps": lambda tf: _ints(tf, [2147483647]) + 1,
    "subtract/edge_int32_wraps": lambda tf: _ints(tf, [-2147483648]) - 1,
    "multiply/edge_int8_wraps": lambda tf: _ints(tf, [100, -100], "int8") * _ints(
        tf, [2, 2], "int8"),
    "negative/edge_int32_min": lambda tf: -_ints(tf, [-2147483648]),
    "math.square/edge_int32_wraps": lambda tf: tf.square(_ints(tf, [65536])),
    "math.reduce_sum/edge_int32_wraps": lambda tf: tf.reduce_sum(_ints(tf, [2147483647, 1])),
    "math.reduce_sum/edge_int8_wraps": lambda tf: tf.reduce_sum(_ints(tf, [100, 100], "int8")),
    "math.cumsum/edge_int32_wraps": lambda tf: tf.cumsum(_ints(tf, [2147483647, 1])),
    "math.reduce_mean/edge_uint8": lambda tf: tf.reduce_mean(_ints(tf, [200, 200], "uint8")),
    "math.reduce_mean/edge_int32_odd": lambda tf: [tf.reduce_mean(_ints(tf, [[1, 2], [4, 4]]),
                                                                  axis=1),
                                                   tf.reduce_mean(_ints(tf, [-3, 0]))],
    "math.reduce_mean/edge_int64": lambda tf: tf.reduce_mean(_ints(tf, [1, 2], "int64")),
    "math.reduce_mean/edge_bool": lambda tf: tf.reduce_mean(tf.constant([True, False])),
    "cast/edge_nan_inf_to_int64": lambda tf: tf.cast(tf.constant(_NAN_INF), tf.int64),
    "cast/edge_nan_inf_to_int8": lambda tf: tf.cast(tf.constant(_NAN_INF), tf.int8),
    "cast/edge_nan_inf_to_uint8": lambda tf: tf.cast(tf.constant(_NAN_INF), tf.uint8),
    "cast/edge_nan_inf_to_int16": lambda tf: tf.cast(tf.constant(_NAN_INF), tf.int16),
    "cast/edge_nan_inf_to_bool": lambda tf: tf.cast(tf.constant(_NAN_INF), tf.bool),
    "cast/edge_f64_nan_to_int32": lambda tf: tf.cast(tf.constant(_NAN_INF, tf.float64),
                                                     tf.int32),
    "cast/edge_f16_inf_to_int32": lambda tf: tf.cast(tf.constant([np.inf, -np.inf, 70000.0],
                                                                 tf.float16), tf.int32),
    "cast/edge_large_to_int64": lambda tf: tf.cast(tf.constant([1e19, -1e19, 9.2e18]), tf.int64),
    "cast/edge_int64_to_int32_wraps": lambda tf: tf.cast(_ints(tf, [2 ** 31, -2 ** 31 - 1],
                                                                "int64"), tf.int32),
    "cast/edge_int32_to_float32_rounds": lambda tf: tf.cast(_ints(tf, [16777217, 2147483647]),
                                                            tf.float32),
    "cast/edge_float_truncates_toward_zero": lambda tf: tf.cast(
        tf.constant([-1.9, -0.1, 0.9, 1.9]), tf.int32),
    "cast/edge_bool_to_int_and_back": lambda tf: [tf.cast(tf.constant([True, False]), tf.int8),
                                                  tf.cast(_ints(tf, [2, 0, -1]), tf.bool)],
    "argmax/edge_bool": lambda tf: tf.argmax(tf.constant([False, True, True])),
    "argmax/edge_int_ties": lambda tf: [tf.argmax(_ints(tf, [[3, 3], [1, 2]]), axis=1),
                                        tf.argmin(_ints(tf, [5, 1, 1, 5]))],
    "argmax/edge_all_nan": lambda tf: [tf.argmax(tf.constant([np.nan, np.nan])),
                                       tf.argmin(tf.constant([np.nan, 1.0, np.nan]))],
    "argmax/edge_inf_ties": lambda tf: tf.argmax(tf.constant([np.inf, 1.0, np.inf])),
    "argmax/edge_axis_out_of_range": lambda tf: tf.argmax(tf.constant([1.0, 2.0]), axis=1),
    "truediv/edge_int8": lambda tf: _ints(tf, [7, -7], "int8") / _ints(tf, [2, 2], "int8"),
    "truediv/edge_uint8": lambda tf: _ints(tf, [7, 200], "uint8") / _ints(tf, [2, 3], "uint8"),
    "truediv/edge_int32_by_zero": lambda tf: _ints(tf, [1, -1, 0]) / 0,
    "truediv/edge_int64": lambda tf: tf.math.divide(_ints(tf, [7], "int64"),
                                                    _ints(tf, [2], "int64")),
    "math.pow/edge_int_zero_exponent": lambda tf: tf.pow(_ints(tf, [0, 2, -3]), 0),
    "math.pow/edge_int_overflow": lambda tf: tf.pow(_ints(tf, [2]), 31),
    "math.abs/edge_int8_min": lambda tf: tf.abs(_ints(tf, [-128, -1], "int8")),
    "add/edge_bool": lambda tf: tf.constant([True]) + tf.constant([False]),
    "multiply/edge_bool": lambda tf: tf.constant([True]) * tf.constant([True]),
    "subtract/edge_bool": lambda tf: tf.subtract(tf.constant([True]), tf.constant([True])),
    "negative/edge_bool": lambda tf: tf.negative(tf.constant([True])),
    "math.abs/edge_bool": lambda tf: tf.abs(tf.constant([True])),
    "multiply/edge_bool_by_python_int": lambda tf: tf.constant([True]) * 2,
    "add/edge_bool_and_int": lambda tf: tf.add(tf.constant([True]), _ints(tf, [1])),
    "math.maximum/edge_bool": lambda tf: tf.maximum(tf.constant([True]), tf.constant([False])),
    "math.reduce_prod/edge_int_overflow": lambda tf: tf.reduce_prod(_ints(tf, [65536, 65536])),
    "math.reduce_max/edge_uint8": lambda tf: [tf.reduce_max(_ints(tf, [0, 255, 3], "uint8")),
                                              tf.reduce_min(_ints(tf, [0, 255, 3], "uint8"))],
    "subtract/edge_uint8_below_zero": lambda tf: _ints(tf, [0], "uint8") - 1,
    "constant/edge_int8_out_of_range": lambda tf: tf.constant(200, tf.int8),
    "constant/edge_float_to_int_dtype": lambda tf: tf.constant(1.5, tf.int32),
    "constant/edge_int64_python_big": lambda tf: tf.constant(2 ** 40),
    "add/edge_int64_and_int32": lambda tf: tf.add(_ints(tf, [1], "int64"), _ints(tf, [1])),
    "add/edge_int_tensor_and_numpy_float": lambda tf: _ints(tf, [1]) + np.float32(0.5),
    "add/edge_float16_and_python_float": lambda tf: tf.constant([1.0], tf.float16) + 70000.0,
    "multiply/edge_float32_and_numpy_float64": lambda tf: tf.constant([1.0]) * np.float64(2.0),
    "multiply/edge_float32_and_numpy_array": lambda tf: tf.constant([1.0]) * np.array([2.0]),
}
for _name, _fn in INTEGERS.items():
    add_case(_name, _fn, grad=False)

add_case("cast/edge_grad_through_int", lambda tf, x: tf.cast(tf.cast(x, tf.int32), tf.float32),
         a32([1.7, -2.5]))
add_case("cast/edge_grad_f16_round_trip", lambda tf, x: tf.cast(tf.cast(x, tf.float16),
                                                                tf.float32), a32([1.0, 70000.0]))
