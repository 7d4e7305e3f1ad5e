"""Cases for TensorFlow's rules a student relies on without reading them: how a Python
number or a numpy scalar meets a tensor (which dtype wins, which mix TF refuses), integer
division and powers, reductions with `keepdims` over several or negative axes (and their
gradients at ties), the reductions of a Keras loss with sample weights, optimizers'
first steps with their less common arguments, the order of Dataset pipelines TF makes
deterministic (batch/repeat/take/skip/shard orders and cardinalities), and the error
classes TF raises for common misuse. Registered into `cases.CASES` (cases.py imports
this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case, f32, f64, i32
from .harness import spread

# ---- Python numbers and numpy scalars against tensors --------------------------------------
PROMOTIONS = {
    # name: (fn, op named by an error)
    "float32_times_python_int": (lambda tf, x: x * 3, "multiply"),
    "python_int_minus_int64": (lambda tf: 1 - tf.constant([5, -2], tf.int64), "subtract"),
    "float64_plus_python_float": (lambda tf, x: x + 0.1, "add"),
    "int32_plus_python_float": (lambda tf: tf.constant([1, 2]) + 1.5, "add"),
    "int32_truediv_python_int": (lambda tf: tf.constant([1, 2, 7]) / 2, "truediv"),
    "int64_truediv_int64": (lambda tf: tf.constant([1, 2, 7], tf.int64)
                            / tf.constant([2, 4, 2], tf.int64), "truediv"),
    "int32_floordiv_negative": (lambda tf: tf.constant([-7, 7, -1]) // 2, "floordiv"),
    "int32_mod_negative": (lambda tf: tf.constant([-7, 7, -1]) % 3, "floormod"),
    "float32_mod_negative": (lambda tf, x: x % 0.75, "floormod"),
    "int32_pow_python_int": (lambda tf: tf.constant([2, -3]) ** 3, "pow"),
    "float32_pow_python_int": (lambda tf, x: x ** 2, "pow"),
    "python_float_rpow": (lambda tf, x: 2.0 ** x, "pow"),
    "python_float_rsub_broadcast": (lambda tf, x: 1.0 - x, "subtract"),
    "numpy_float64_times_float32": (lambda tf, x: x * np.float64(2.5), "multiply"),
    "float32_times_numpy_float32_array": (lambda tf, x: x * np.array([2.0, 3.0], np.float32),
                                          "multiply"),
    "float32_plus_numpy_float64_array": (lambda tf, x: x + np.array([1.0, 2.0]), "add"),
    "uint8_minus_python_int": (lambda tf: tf.constant([3, 250], tf.uint8) - 2, "subtract"),
    "int8_times_python_int": (lambda tf: tf.constant([1, -2], tf.int8) * 3, "multiply"),
    "python_bool_and_bool": (lambda tf: tf.constant([True, False]) & True, "logical_and"),
    "float16_times_python_float": (lambda tf: tf.constant([1.5, -2.0], tf.float16) * 0.5,
                                   "multiply"),
    "compare_int_with_python_float": (lambda tf: tf.constant([1, 2, 3]) < 2.5, "less"),
}
_PROMOTION_INPUTS = {"float32_times_python_int": (f32(2, 3),),
                     "float64_plus_python_float": (f64(3),),
                     "float32_mod_negative": (f32(4),),
                     "float32_pow_python_int": (f32(2, 2),),
                     "python_float_rpow": (f32(3),),
                     "python_float_rsub_broadcast": (f32(2, 3),),
                     "numpy_float64_times_float32": (f32(3),),
                     "float32_times_numpy_float32_array": (f32(3, 2),),
                     "float32_plus_numpy_float64_array": (f32(2),)}
for _name, (_fn, _op) in PROMOTIONS.items():
    add_case(f"operators/rule_{_name}", _fn, *_PROMOTION_INPUTS.get(_name, ()), op=_op)

add_case("math.add/rule_two_python_numbers", lambda tf: tf.add(1.5, 2))
add_case("math.multiply/rule_python_int_and_float64", lambda tf, x: tf.multiply(2, x), f64(3))
add_case("constant/rule_mixed_python_list", lambda tf: [tf.constant([1, 2.5]), tf.constant([1, 2]),
                                                       tf.constant([[True], [False]])],
         grad=False)
add_case("constant/rule_large_python_int", lambda tf: tf.constant(2 ** 40), grad=False)
add_case("convert_to_tensor/rule_numpy_keeps_float64",
         lambda tf: tf.convert_to_tensor(np.array([1.5, 2.0])), grad=False)
add_case("cast/rule_float_to_int_truncates", lambda tf: tf.cast(
    tf.constant([-1.7, -0.5, 0.5, 1.7, 2.5]), tf.int32), grad=False)
add_case("cast/rule_bool_to_float_and_back", lambda tf: [
    tf.cast(tf.constant([True, False]), tf.float32),
    tf.cast(tf.constant([0.0, -0.3, 2.0]), tf.bool)], grad=False)

# ---- reductions: keepdims over several and negative axes, ties, integers ---------------------
X234 = f32(2, 3, 4, seed=5)
TIES = a32([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, 2.0, 2.0]])
REDUCTIONS_KEPT = {
    "reduce_sum/rule_axes_tuple_keepdims": (lambda tf, x: tf.reduce_sum(
        x, axis=(0, 2), keepdims=True), X234),
    "reduce_mean/rule_negative_axes_keepdims": (lambda tf, x: tf.reduce_mean(
        x, axis=[-1, -3], keepdims=True), X234),
    "reduce_max/rule_ties_keepdims": (lambda tf, x: tf.reduce_max(x, axis=1, keepdims=True),
                                      TIES),
    "reduce_min/rule_ties_all": (lambda tf, x: tf.reduce_min(x), TIES),
    "reduce_prod/rule_keepdims_negative_axis": (lambda tf, x: tf.reduce_prod(
        x, axis=-2, keepdims=True), X234),
    "reduce_std/rule_axes_keepdims": (lambda tf, x: tf.math.reduce_std(
        x, axis=[0, 1], keepdims=True), X234),
    "reduce_logsumexp/rule_keepdims": (lambda tf, x: tf.reduce_logsumexp(
        x, axis=-1, keepdims=True), X234),
    "reduce_mean/rule_int32_truncates": (lambda tf, x: [
        tf.reduce_mean(x), tf.reduce_mean(x, axis=1, keepdims=True)], i32(3, 4, seed=2)),
    "reduce_sum/rule_empty_axis_list": (lambda tf, x: tf.reduce_sum(x, axis=[]), f32(2, 3)),
    "reduce_any/rule_keepdims": (lambda tf: tf.reduce_any(
        tf.constant([[True, False], [False, False]]), axis=1, keepdims=True), None),
    "argmax/rule_ties_first": (lambda tf, x: [tf.argmax(x, axis=1), tf.argmin(x, axis=0)],
                               TIES),
}
for _name, (_fn, _x) in REDUCTIONS_KEPT.items():
    add_case(f"math.{_name}", _fn, *(() if _x is None else (_x,)))

# ---- Keras losses: reductions with sample weights --------------------------------------------
Y_TRUE, Y_PRED = f32(4, 3, seed=8, low=0.0, high=1.0), f32(4, 3, seed=9, low=0.05, high=0.95)
WEIGHTS = a32([1.0, 0.0, 2.0, 0.5])
LABELS = np.array([0, 2, 1, 2], np.int32)
LOSS_REDUCTIONS = {
    "MeanSquaredError/rule_none_weighted": (
        lambda tf, y, p: tf.keras.losses.MeanSquaredError(reduction="none")(
            y, p, sample_weight=tf.constant(WEIGHTS)), (Y_TRUE, Y_PRED)),
    "MeanSquaredError/rule_sum_weighted": (
        lambda tf, y, p: tf.keras.losses.MeanSquaredError(reduction="sum")(
            y, p, sample_weight=tf.constant(WEIGHTS)), (Y_TRUE, Y_PRED)),
    "MeanAbsoluteError/rule_mean_with_sample_weight": (
        lambda tf, y, p: tf.keras.losses.MeanAbsoluteError(reduction="mean_with_sample_weight")(
            y, p, sample_weight=tf.constant(WEIGHTS)), (Y_TRUE, Y_PRED)),
    "SparseCategoricalCrossentropy/rule_sum_weighted_logits": (
        lambda tf, p: tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="sum")(tf.constant(LABELS), p,
                                               sample_weight=tf.constant(WEIGHTS)),
        (f32(4, 3, seed=4),)),
    "CategoricalCrossentropy/rule_smoothing_none": (
        lambda tf, p: tf.keras.losses.CategoricalCrossentropy(
            label_smoothing=0.2, reduction="none")(tf.one_hot(LABELS, 3), p), (Y_PRED,)),
    "BinaryCrossentropy/rule_logits_weighted_columns": (
        lambda tf, y, p: tf.keras.losses.BinaryCrossentropy(from_logits=True)(
            y, p, sample_weight=tf.constant([[1.0], [2.0], [0.0], [1.0]])),
        (np.round(Y_TRUE), f32(4, 3, seed=6))),
    "Huber/rule_sum_over_batch_size_weighted": (
        lambda tf, y, p: tf.keras.losses.Huber(delta=0.3)(
            y, p, sample_weight=tf.constant(WEIGHTS)), (Y_TRUE, Y_PRED * 3.0)),
}
for _name, (_fn, _inputs) in LOSS_REDUCTIONS.items():
    add_case(f"keras.losses.{_name}", _fn, *_inputs)


# ---- Keras optimizers: the first steps with less common arguments -----------------------------
def _first_steps(tf, make, steps=3):
    v = tf.Variable([1.0, -2.0, 0.5])
    optimizer = make(tf)
    history = []
    for step in range(steps):
        optimizer.apply_gradients([(tf.constant(spread((3,), seed=40 + step)), v)])
        history.append(v.numpy())
    return history + [int(optimizer.iterations.numpy())]


FIRST_STEPS = {
    "SGD/rule_nesterov_schedule": lambda tf: tf.keras.optimizers.SGD(
        tf.keras.optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.05, 0.01]),
        momentum=0.8, nesterov=True),
    "SGD/rule_global_clipnorm": lambda tf: tf.keras.optimizers.SGD(0.1, global_clipnorm=0.5),
    "Adam/rule_clipvalue_amsgrad": lambda tf: tf.keras.optimizers.Adam(
        0.05, amsgrad=True, clipvalue=0.5),
    "Adam/rule_learning_rate_set_between_steps": None,
    "RMSprop/rule_centered_momentum_rho": lambda tf: tf.keras.optimizers.RMSprop(
        0.02, rho=0.5, momentum=0.3, centered=True),
    "Adagrad/rule_initial_accumulator": lambda tf: tf.keras.optimizers.Adagrad(
        0.1, initial_accumulator_value=0.5, epsilon=1e-3),
    "SGD/rule_weight_decay": lambda tf: tf.keras.optimizers.SGD(0.1, weight_decay=0.2),
    "Adam/rule_weight_decay": lambda tf: tf.keras.optimizers.Adam(0.05, weight_decay=0.1),
}


def _learning_rate_set(tf):
    v = tf.Variable([1.0, -2.0, 0.5])
    optimizer = tf.keras.optimizers.Adam(0.1)
    optimizer.apply_gradients([(tf.constant([0.5, -1.0, 2.0]), v)])
    optimizer.learning_rate = 0.01
    optimizer.apply_gradients([(tf.constant([0.5, -1.0, 2.0]), v)])
    return [v, optimizer.learning_rate, int(optimizer.iterations.numpy())]


for _name, _make in FIRST_STEPS.items():
    add_case(f"keras.optimizers.{_name}",
             _learning_rate_set if _make is None else (lambda tf, _m=_make: _first_steps(tf, _m)),
             grad=False)

# ---- Dataset pipelines whose order TF fixes ---------------------------------------------------


def _elements(dataset) -> list:
    return [element.numpy().tolist() for element in dataset]


DATASET_ORDERS = {
    "batch_then_repeat": lambda tf: tf.data.Dataset.range(5).batch(2).repeat(2),
    "repeat_then_batch": lambda tf: tf.data.Dataset.range(5).repeat(2).batch(3),
    "repeat_batch_drop_remainder": lambda tf: tf.data.Dataset.range(5).repeat(2).batch(
        3, drop_remainder=True),
    "skip_take_shard": lambda tf: tf.data.Dataset.range(20).skip(3).take(12).shard(3, 1),
    "take_more_than_there_is": lambda tf: tf.data.Dataset.range(3).take(10),
    "unbatch_rebatch": lambda tf: tf.data.Dataset.range(7).batch(3).unbatch().batch(2),
    "filter_map_batch": lambda tf: tf.data.Dataset.range(10).filter(
        lambda x: x % 3 != 0).map(lambda x: x * x).batch(4),
    "concatenate_enumerate": lambda tf: tf.data.Dataset.range(2).concatenate(
        tf.data.Dataset.range(5, 7)).enumerate(start=10).map(lambda i, x: i * 100 + x),
}
for _name, _make in DATASET_ORDERS.items():
    add_case(f"data.Dataset/rule_{_name}", lambda tf, _m=_make: _elements(_m(tf)), grad=False)

add_case("data.Dataset/rule_cardinalities", lambda tf: [int(d.cardinality()) for d in (
    tf.data.Dataset.range(10).batch(3), tf.data.Dataset.range(10).batch(3, drop_remainder=True),
    tf.data.Dataset.range(10).repeat(), tf.data.Dataset.range(10).repeat().take(4),
    tf.data.Dataset.range(10).filter(lambda x: x > 2), tf.data.Dataset.range(10).shard(3, 2),
    tf.data.Dataset.range(0).repeat(), tf.data.Dataset.range(10).skip(20),
    tf.data.Dataset.range(10).shuffle(4).take(20))], grad=False)
add_case("data.Dataset/rule_shuffle_keeps_pairs", lambda tf: [
    int(x) * 10 == int(y) for x, y in tf.data.Dataset.from_tensor_slices(
        (np.arange(6), np.arange(6) * 10)).shuffle(6, seed=3)], grad=False)

# ---- the error classes TF raises for common misuse --------------------------------------------


def _second_gradient(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    return tape.gradient(y, x)


def _assign_wrong_shape(tf):
    v = tf.Variable([1.0, 2.0])
    return v.assign([1.0, 2.0, 3.0])


def _assign_wrong_dtype(tf):
    v = tf.Variable([1.0, 2.0])
    return v.assign_add(tf.constant([1, 2]))


def _item_assignment(tf):
    x = tf.constant([1.0, 2.0])
    x[0] = 3.0
    return x


ERRORS = {
    "GradientTape/rule_second_gradient": (_second_gradient, (f32(2),), "gradient"),
    "Variable/rule_assign_wrong_shape": (_assign_wrong_shape, (), "assign"),
    "Variable/rule_assign_add_wrong_dtype": (_assign_wrong_dtype, (), "assign_add"),
    "Tensor/rule_item_assignment": (_item_assignment, (), "item assignment"),
    "Tensor/rule_bool_of_many_values": (lambda tf: bool(tf.constant([1, 2])), (), "bool"),
    "Tensor/rule_len_of_scalar": (lambda tf: len(tf.constant(1.0)), (), "len"),
    "Tensor/rule_float_index": (lambda tf, x: x[1.5], (f32(3),), "getitem"),
    "reshape/rule_wrong_size": (lambda tf, x: tf.reshape(x, [4]), (f32(2, 3),), "reshape"),
    "matmul/rule_inner_mismatch": (lambda tf, x, w: tf.matmul(x, w), (f32(2, 3), f32(2, 3)),
                                   "matmul"),
    "math.add/rule_float32_plus_float64": (lambda tf, x, y: x + y, (f32(2), f64(2)), "add"),
    "concat/rule_rank_mismatch": (lambda tf, x, y: tf.concat([x, y], 0), (f32(2, 3), f32(3)),
                                  "concat"),
    "one_hot/rule_float_indices": (lambda tf: tf.one_hot(tf.constant([0.0, 1.0]), 3), (),
                                   "one_hot"),
    "constant/rule_shape_of_other_size": (
        lambda tf: tf.constant([1.0, 2.0, 3.0], shape=[2, 2]), (), "constant"),
    "math.multiply/rule_shapes_do_not_broadcast": (lambda tf, x, y: x * y,
                                                   (f32(2, 3), f32(3, 2)), "mul"),
    "matmul/rule_transposed_inner_mismatch": (
        lambda tf, x, w: tf.matmul(x, w, transpose_b=True), (f32(2, 3), f32(2, 2)), "matmul"),
}
for _name, (_fn, _inputs, _op) in ERRORS.items():
    add_case(_name, _fn, *_inputs, op=_op, grad=False)

# ---- dtypes ops accept or refuse ----------------------------------------------------------------
KERNEL_DTYPES = {
    "range/rule_float_step": (lambda tf: [tf.range(0, 1, 0.25), tf.range(5, dtype=tf.float32),
                                          tf.range(3, 0, -1)], "range"),
    "zeros_like/rule_keeps_dtype": (lambda tf: [tf.zeros_like(tf.constant([1, 2])),
                                                tf.ones_like(tf.constant([True]))], "zeros_like"),
    "math.reduce_sum/rule_bool_refused": (lambda tf: tf.reduce_sum(tf.constant([True, False])),
                                          "reduce_sum"),
    "math.divide/rule_python_ints": (lambda tf: tf.math.divide(7, 2), "truediv"),
    "math.square/rule_int_stays_int": (lambda tf: tf.square(tf.constant([-3, 4])), "square"),
    "math.sqrt/rule_int_refused": (lambda tf: tf.sqrt(tf.constant([4, 9])), "sqrt"),
    "math.exp/rule_int_refused": (lambda tf: tf.exp(tf.constant(1)), "exp"),
    "concat/rule_int32_with_int64": (lambda tf: tf.concat(
        [tf.constant([1]), tf.constant([2], tf.int64)], 0), "concat"),
    "where/rule_int_and_float_branches": (lambda tf: tf.where(
        tf.constant([True, False]), tf.constant([1, 2]), tf.constant([0.5, 1.5])), "where"),
    "math.maximum/rule_int_and_python_float": (lambda tf: tf.maximum(tf.constant([1, 3]), 2.5),
                                               "maximum"),
    "clip_by_value/rule_int_stays_int": (lambda tf: tf.clip_by_value(
        tf.constant([-2, 1, 5]), 0, 3), "clip_by_value"),
    "reshape/rule_two_unknown_dimensions": (lambda tf, x: tf.reshape(x, [-1, -1]), "reshape"),
    "data.Dataset.batch/rule_zero_size": (lambda tf: list(tf.data.Dataset.range(3).batch(0)),
                                          "batch"),
    "data.Dataset.from_tensor_slices/rule_lengths_differ": (
        lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2], [1, 2, 3])), "from_tensor_slices"),
}
for _name, (_fn, _op) in KERNEL_DTYPES.items():
    add_case(_name, _fn, *((f32(2, 3),) if "two_unknown" in _name else ()), op=_op, grad=False)
