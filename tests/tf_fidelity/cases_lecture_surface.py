"""Cases hunted in the two lecture workloads' surface, where a student's code meets a rule
it did not read: tf.data pipelines (from_tensor_slices, batch, shuffle, map, repeat, take,
prefetch), Huber and SparseCategoricalCrossentropy with their reductions, label shapes and
ignore_class, Conv2D and pooling arguments, what a Keras layer does with float64 or integer
inputs, and TF's dtype rules (no implicit promotion, casts, reductions with keepdims). fit,
evaluate, predict and GradientTape are cases_lecture_training.py's. Registered into
`cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32, f64, i32


def _listed(dataset) -> list:
    """A dataset's elements as numpy values (nested as they come)."""
    return [element for element in dataset.as_numpy_iterator()]


# ---- tf.data ----------------------------------------------------------------------------------
DATA = {
    "slices_python_ints": lambda tf: _listed(tf.data.Dataset.from_tensor_slices([1, 2, 3])),
    "slices_python_floats": lambda tf: _listed(
        tf.data.Dataset.from_tensor_slices([[1.0, 2.0], [3.0, 4.0]])),
    "slices_bools": lambda tf: _listed(tf.data.Dataset.from_tensor_slices([True, False])),
    "range_is_int64": lambda tf: [_listed(tf.data.Dataset.range(3).batch(2)),
                                  str(tf.data.Dataset.range(3).element_spec.dtype.name)],
    "take_minus_one_takes_all": lambda tf: _listed(tf.data.Dataset.range(4).take(-1)),
    "repeat_zero_is_empty": lambda tf: _listed(tf.data.Dataset.range(4).repeat(0)),
    "skip_minus_one_skips_all": lambda tf: _listed(tf.data.Dataset.range(4).skip(-1)),
    "shuffle_buffer_one_keeps_order": lambda tf: _listed(
        tf.data.Dataset.range(6).shuffle(1, seed=3)),
    "prefetch_autotune": lambda tf: [_listed(tf.data.Dataset.range(5).batch(2).prefetch(
        tf.data.AUTOTUNE)), int(tf.data.AUTOTUNE)],
    "batch_spec_unknown_batch": lambda tf: [
        list(tf.data.Dataset.range(5).batch(2).element_spec.shape),
        list(tf.data.Dataset.range(5).batch(2, drop_remainder=True).element_spec.shape)],
    "map_two_arguments": lambda tf: _listed(tf.data.Dataset.from_tensor_slices(
        (np.arange(4, dtype=np.float32), np.arange(4))).map(lambda x, y: x * 2.0 + 1.0)),
    "map_batch_mean": lambda tf: _listed(tf.data.Dataset.from_tensor_slices(
        np.arange(6, dtype=np.float32)).batch(4).map(tf.reduce_mean)),
    "map_int_division": lambda tf: _listed(tf.data.Dataset.range(4).map(lambda x: x / 2)),
    "map_python_number": lambda tf: _listed(tf.data.Dataset.range(3).map(lambda x: (x, 1.5))),
    "batch_elements_of_other_shapes": lambda tf: _listed(tf.data.Dataset.range(1, 4).map(
        lambda n: tf.range(n)).batch(2)),
    "take_then_repeat": lambda tf: [_listed(tf.data.Dataset.range(5).take(2).repeat(2)),
                                    int(tf.data.Dataset.range(5).take(2).repeat(2)
                                        .cardinality())],
    "shuffle_seed_same_each_run": lambda tf: [
        _listed(tf.data.Dataset.range(8).shuffle(8, seed=7)) == _listed(
            tf.data.Dataset.range(8).shuffle(8, seed=7)),
        sorted(_listed(tf.data.Dataset.range(8).shuffle(8, seed=7)))],
    "batch_of_pairs_dtypes": lambda tf: [
        [str(spec.dtype.name) for spec in tf.data.Dataset.from_tensor_slices(
            (np.zeros((4, 2)), np.zeros(4, np.int64))).batch(2).element_spec]],
    "iterate_tensors_then_numpy": lambda tf: [
        x.numpy() for x in tf.data.Dataset.from_tensor_slices(np.arange(3.0)).map(
            lambda x: x + 1)],
}
for _name, _fn in DATA.items():
    add_case(f"data.Dataset/hunt_{_name}", _fn, grad=False,
             op="batch" if _name == "batch_elements_of_other_shapes" else None)
add_case("data.Dataset/hunt_batch_size_zero_error", lambda tf: _listed(
    tf.data.Dataset.range(3).batch(0)), grad=False, op="batch")
add_case("data.Dataset/hunt_shuffle_buffer_zero", lambda tf: _listed(
    tf.data.Dataset.range(3).shuffle(0)), grad=False, op="shuffle")


# ---- losses: Huber, SparseCategoricalCrossentropy ---------------------------------------------
def _huber(reduction, **options):
    return lambda tf, y, p: tf.keras.losses.Huber(reduction=reduction, **options)(y, p)


for _reduction in ("sum_over_batch_size", "sum", "none", "mean"):
    add_case(f"keras.losses.Huber/hunt_reduction_{_reduction}", _huber(_reduction, delta=0.7),
             f32(4, 3, seed=3), f32(4, 3, seed=4))
add_case("keras.losses.Huber/hunt_labels_rank_one", lambda tf, y, p: tf.keras.losses.Huber()(
    y, p), f32(5, seed=5), f32(5, 1, seed=6))
add_case("keras.losses.Huber/hunt_sample_weight", lambda tf, y, p: tf.keras.losses.Huber()(
    y, p, sample_weight=tf.constant([1.0, 0.0, 2.0, 0.5])), f32(4, 2, seed=7), f32(4, 2, seed=8))
add_case("keras.losses.Huber/hunt_int_labels", lambda tf, p: tf.keras.losses.Huber()(
    tf.constant([[1], [0], [2]]), p), f32(3, 1, seed=9))
add_case("keras.losses.MeanSquaredError/hunt_labels_rank_one", lambda tf, y, p: tf.keras.losses
         .MeanSquaredError()(y, p), f32(5, seed=10), f32(5, 1, seed=11))


def _sparse(reduction="sum_over_batch_size", from_logits=True, **options):
    return lambda tf, logits, labels=None: tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=from_logits, reduction=reduction, **options)(
        tf.constant([2, 0, 1, 2]) if labels is None else labels, logits)


for _reduction in ("sum_over_batch_size", "sum", "none"):
    add_case(f"keras.losses.SparseCategoricalCrossentropy/hunt_logits_{_reduction}",
             _sparse(_reduction), f32(4, 3, seed=12))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_labels_column",
         lambda tf, logits: _sparse()(tf, logits, tf.constant([[2], [0], [1], [2]])),
         f32(4, 3, seed=13))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_float_labels",
         lambda tf, logits: _sparse()(tf, logits, tf.constant([2.0, 0.0, 1.0, 2.0])),
         f32(4, 3, seed=14))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_int64_labels",
         lambda tf, logits: _sparse()(tf, logits, tf.constant([2, 0, 1, 2], tf.int64)),
         f32(4, 3, seed=15))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_ignore_class",
         lambda tf, logits: tf.keras.losses.SparseCategoricalCrossentropy(
             from_logits=True, ignore_class=0)(tf.constant([2, 0, 1, 0]), logits),
         f32(4, 3, seed=16))
IGNORED = {  # name: (labels, the loss's arguments, sample_weight)
    "sum": ([2, 0, 1, 0], {"reduction": "sum"}, None),
    "none": ([2, 0, 1, 0], {"reduction": "none"}, None),
    "column_labels": ([[2], [0], [1], [0]], {}, None),
    "out_of_range_label": ([2, 255, 1, 255], {"ignore_class": 255}, None),
    "sample_weight_column": ([2, 0, 1, 1], {}, [[1.0], [3.0], [0.5], [2.0]]),
    "every_label": ([0, 0, 0, 0], {}, None),
}
for _name, (_labels, _options, _weights) in IGNORED.items():
    add_case(f"keras.losses.SparseCategoricalCrossentropy/hunt_ignore_class_{_name}",
             lambda tf, logits, _l=_labels, _o=_options, _w=_weights: tf.keras.losses
             .SparseCategoricalCrossentropy(from_logits=True, **{"ignore_class": 0, **_o})(
                 tf.constant(_l), logits, sample_weight=_w), f32(4, 3, seed=25))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_ignore_class_config", lambda tf, logits: [
    tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0).get_config(),
    tf.keras.losses.SparseCategoricalCrossentropy.from_config(
        tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=0).get_config())(tf.constant([2, 0, 1]), logits)],
    f32(3, 3, seed=47))
add_case("keras.losses.sparse_categorical_crossentropy/hunt_ignore_class", lambda tf, logits: tf
         .keras.losses.sparse_categorical_crossentropy(tf.constant([1, 2, 1]), logits,
                                                       from_logits=True, ignore_class=1),
         f32(3, 3, seed=26))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_probabilities",
         lambda tf, p: _sparse(from_logits=False)(tf, tf.nn.softmax(p)), f32(4, 3, seed=17))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_sample_weight",
         lambda tf, logits: tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
             tf.constant([2, 0, 1, 2]), logits, sample_weight=tf.constant([1.0, 2.0, 0.0, 1.0])),
         f32(4, 3, seed=18))
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_rank_three_logits",
         lambda tf, logits: _sparse()(tf, logits, tf.constant([[0, 1, 2], [2, 2, 0]])),
         f32(2, 3, 3, seed=19))


# ---- layers: Conv2D, pooling, dtypes a layer is given -----------------------------------------
def _conv(**options):
    return lambda tf, x: tf.keras.layers.Conv2D(
        2, kernel_initializer="ones", bias_initializer="ones", **options)(x)


CONV = {
    "dilation_rate": ({"kernel_size": 2, "dilation_rate": 2}, (1, 5, 5, 1)),
    "kernel_size_tuple_strides": ({"kernel_size": (3, 1), "strides": (2, 1)}, (1, 5, 4, 2)),
    "same_stride_two_even": ({"kernel_size": 3, "strides": 2, "padding": "same"}, (2, 6, 6, 1)),
    "valid_stride_three": ({"kernel_size": 2, "strides": 3}, (1, 7, 7, 1)),
    "no_bias_relu": ({"kernel_size": 3, "use_bias": False, "activation": "relu"},
                     (1, 4, 4, 2)),
}
for _name, (_options, _shape) in CONV.items():
    add_case(f"keras.layers.Conv2D/hunt_{_name}", _conv(**_options),
             f32(*_shape, seed=20, low=-1, high=1))
add_case("keras.layers.Conv2D/hunt_rank_three_input", _conv(kernel_size=2),
         f32(4, 4, 1, seed=21), op="conv2d")
add_case("keras.layers.Conv2D/hunt_float64_input", _conv(kernel_size=2), f64(1, 3, 3, 1))
add_case("keras.layers.Dense/hunt_float64_input", lambda tf, x: tf.keras.layers.Dense(
    2, kernel_initializer="ones")(x), f64(3, 4))
add_case("keras.layers.Dense/hunt_int_input", lambda tf: tf.keras.layers.Dense(
    2, kernel_initializer="ones")(tf.constant([[1, 2, 3]])), grad=False)
add_case("keras.layers.MaxPooling2D/hunt_default_strides_same", lambda tf, x: tf.keras.layers
         .MaxPooling2D(3, padding="same")(x), f32(1, 7, 7, 2, seed=22))
add_case("keras.layers.AveragePooling2D/hunt_strides_one", lambda tf, x: tf.keras.layers
         .AveragePooling2D(2, strides=1)(x), f32(1, 3, 3, 1, seed=23))
add_case("keras.layers.GlobalAveragePooling2D/hunt_float64_input", lambda tf, x: tf.keras
         .layers.GlobalAveragePooling2D()(x), f64(2, 3, 3, 2))
add_case("keras.layers.GlobalMaxPooling2D/hunt_keepdims", lambda tf, x: tf.keras.layers
         .GlobalMaxPooling2D(keepdims=True)(x), f32(2, 3, 3, 2, seed=24))


# ---- dtype rules, casts, reductions -----------------------------------------------------------
DTYPES = {
    "add/hunt_int32_plus_float32": lambda tf: tf.constant(1) + tf.constant(1.0),
    "add/hunt_int32_plus_python_float": lambda tf: tf.constant(1) + 1.5,
    "add/hunt_float32_plus_numpy_float64_scalar": lambda tf: tf.constant(1.0) + np.float64(2.5),
    "multiply/hunt_float32_times_numpy_float64_array": lambda tf: tf.constant([1.0, 2.0])
    * np.array([2.0, 3.0]),
    "add/hunt_int64_plus_int32": lambda tf: tf.constant(1, tf.int64) + tf.constant(1),
    "truediv/hunt_int32_over_int32": lambda tf: tf.constant([3, 4]) / tf.constant([2, 8]),
    "floordiv/hunt_negative_ints": lambda tf: tf.constant([-7, 7]) // tf.constant([2, -2]),
    "floormod/hunt_negative_ints": lambda tf: tf.constant([-7, 7]) % tf.constant([2, -2]),
    "cast/hunt_negative_float_to_int": lambda tf: tf.cast(tf.constant([-1.7, 1.7, -0.5]),
                                                          tf.int32),
    "cast/hunt_float_to_bool": lambda tf: tf.cast(tf.constant([0.0, 0.3, -2.0]), tf.bool),
    "cast/hunt_float64_to_float16_rounds": lambda tf: tf.cast(tf.constant([0.1, 70000.0],
                                                                          tf.float64),
                                                              tf.float16),
    "cast/hunt_int_to_float_large": lambda tf: tf.cast(tf.constant([16777217]), tf.float32),
    "reduce_mean/hunt_int_truncates": lambda tf: tf.reduce_mean(tf.constant([1, 2, 2])),
    "reduce_sum/hunt_keepdims_axis_list": lambda tf: tf.reduce_sum(
        tf.reshape(tf.range(24.0), (2, 3, 4)), axis=[0, -1], keepdims=True),
    "reduce_max/hunt_keepdims_all": lambda tf: tf.reduce_max(
        tf.constant([[1.0, 5.0], [3.0, 2.0]]), keepdims=True),
    "reduce_mean/hunt_empty": lambda tf: tf.reduce_mean(tf.zeros((0,))),
    "reduce_max/hunt_empty": lambda tf: tf.reduce_max(tf.zeros((0,))),
    "reduce_sum/hunt_bool_refused": lambda tf: tf.reduce_sum(tf.constant([True, False])),
    "reduce_any/hunt_keepdims": lambda tf: tf.reduce_any(
        tf.constant([[True, False], [False, False]]), axis=1, keepdims=True),
    "reduce_std/hunt_int_refused": lambda tf: tf.math.reduce_std(tf.constant([1, 2, 3])),
    "range/hunt_dtypes": lambda tf: [tf.range(3), tf.range(3.0), tf.range(0, 1, 0.25),
                                     tf.range(3, dtype=tf.float64)],
    "equal/hunt_int_and_float": lambda tf: tf.equal(tf.constant([1, 2]),
                                                    tf.constant([1.0, 2.0])),
    "argmax/hunt_dtype_and_ties": lambda tf: tf.argmax(tf.constant([[1.0, 3.0, 3.0]]), axis=1),
    "constant/hunt_numpy_int64_default": lambda tf: tf.constant(np.arange(3)),
    "convert_to_tensor/hunt_python_list_of_numpy_float64": lambda tf: tf.convert_to_tensor(
        [np.float64(1.0), np.float64(2.0)]),
}
for _name, _fn in DTYPES.items():
    add_case(_name, _fn, grad=False)
add_case("reduce_mean/hunt_keepdims_gradient", lambda tf, x: tf.reduce_mean(
    x, axis=1, keepdims=True), f32(3, 4, seed=40))
add_case("reduce_std/hunt_keepdims_gradient", lambda tf, x: tf.math.reduce_std(
    x, axis=0, keepdims=True), f32(3, 4, seed=41))
add_case("cast/hunt_gradient_through_float64", lambda tf, x: tf.cast(tf.cast(x, tf.float64)
                                                                    * 2.0, tf.float32),
         f32(4, seed=42))
add_case("cast/hunt_gradient_to_int_is_none", lambda tf, x: tf.cast(
    tf.cast(x, tf.int32), tf.float32) * x, f32(4, seed=43))
add_case("reduce_sum/hunt_int_axis_out_of_range", lambda tf, x: tf.reduce_sum(x, axis=2),
         i32(2, 3))


# ---- second pass: what MNIST-style pipelines and first models meet ----------------------------
PIXELS = np.array([[0, 128], [255, 7]], np.uint8)
SECOND = {
    "truediv/hunt_uint8_over_python_float": lambda tf: tf.constant(PIXELS) / 255.0,
    "truediv/hunt_uint8_over_python_int": lambda tf: tf.constant(PIXELS) / 255,
    "truediv/hunt_int32_over_python_int": lambda tf: tf.constant([3, 4]) / 2,
    "multiply/hunt_int32_times_python_float": lambda tf: tf.constant([3, 4]) * 0.5,
    "add/hunt_int32_plus_numpy_int64_array": lambda tf: tf.constant([1, 2]) + np.array([1, 2]),
    "multiply/hunt_float64_times_float32": lambda tf: tf.constant(2.0, tf.float64)
    * tf.constant(3.0),
    "matmul/hunt_int_and_float": lambda tf: tf.matmul(tf.constant([[1, 2]]),
                                                      tf.constant([[1.0], [2.0]])),
    "sqrt/hunt_int_refused": lambda tf: tf.sqrt(tf.constant([4, 9])),
    "one_hot/hunt_float_indices": lambda tf: tf.one_hot(tf.constant([0.0, 2.0]), 3),
    "one_hot/hunt_out_of_range_and_negative": lambda tf: tf.one_hot([0, 3, -1], 3),
    "Variable/hunt_int_assign_add_float": lambda tf: tf.Variable(3).assign_add(1.5),
    "reduce_sum/hunt_axis_out_of_range": lambda tf: tf.reduce_sum(tf.ones((2, 3)), axis=-3),
    "reduce_mean/hunt_empty_axis_tuple": lambda tf: tf.reduce_mean(tf.ones((2, 3)), axis=()),
    "argmax/hunt_output_type_int32": lambda tf: tf.math.argmax(tf.constant([[1.0, 3.0]]),
                                                                axis=-1, output_type=tf.int32),
}
for _name, _fn in SECOND.items():
    add_case(_name, _fn, grad=False, op="assign_add" if _name.startswith("Variable") else None)


CONV_REFUSED = {
    "dilation_and_strides": {"kernel_size": 2, "strides": 2, "dilation_rate": 2},
    "causal_padding": {"kernel_size": 2, "padding": "causal"},
    "channels_mismatch_after_build": None,
}


def _channels_changed(tf, x):
    layer = tf.keras.layers.Conv2D(2, 2)
    layer(x)
    return layer(tf.concat([x, x], axis=-1))


for _name, _options in CONV_REFUSED.items():
    add_case(f"keras.layers.Conv2D/hunt_{_name}", _channels_changed if _options is None
             else _conv(**_options), f32(1, 4, 4, 1, seed=27), grad=False,
             op="conv2d" if _options is None else "Conv2D")
add_case("keras.losses.Huber/hunt_delta_zero", lambda tf, y, p: tf.keras.losses.Huber(
    delta=0.0)(y, p), f32(4, seed=28), f32(4, seed=29))
add_case("keras.layers.Dense/hunt_python_list_input", lambda tf: tf.keras.layers.Dense(
    2, kernel_initializer="ones")([[1.0, 2.0]]), grad=False)


# ---- the regression lecture's Python around its tensors ---------------------------------------
def _rows(tf):
    return [row for row in tf.constant([[1.0, 2.0], [3.0, 4.0]])]


def _running_total(tf):
    """total_loss = 0.0; total_loss += loss per example; total_loss / n_samples."""
    total = 0.0
    for loss in (tf.constant(1.5), tf.constant(2.25), tf.constant(0.5)):
        total += loss
    return [total / 3, type(total).__name__.endswith(("Tensor", "EagerTensor"))]


PYTHON = {
    "Tensor/hunt_format_spec": lambda tf: [f"{tf.constant(1.23456):.2f}",
                                           "{:>6.1f}".format(tf.constant(2.5))],
    "Variable/hunt_format_spec": lambda tf: f"{tf.Variable(0.5):.3f}",
    "Tensor/hunt_round_builtin": lambda tf: round(tf.constant(2.6)),
    "Tensor/hunt_hash_tensor": lambda tf: {tf.constant(1.0): 1},
    "Variable/hunt_hash_variable": lambda tf: {tf.Variable(1.0): 1},
    "Variable/hunt_ref_as_key": lambda tf: len({tf.Variable(1.0).ref(): 1,
                                                tf.Variable(2.0).ref(): 2}),
    "DType/hunt_equals_string": lambda tf: [tf.float32 == "float32", tf.constant(1).dtype
                                            == "int32", tf.float32 == np.float32,
                                            tf.float32 != "float64"],
    "Tensor/hunt_iterate_rows": _rows,
    "Tensor/hunt_iterate_scalar": lambda tf: [x for x in tf.constant(1.0)],
    "Tensor/hunt_bool_mask_index": lambda tf: tf.constant([1.0, 2.0, 3.0])[
        tf.constant([True, False, True])],
    "Tensor/hunt_python_sum": lambda tf: sum([tf.constant(1.0), tf.constant(2.5)]),
    "Tensor/hunt_python_max": lambda tf: max(tf.constant(1.0), tf.constant(2.5)),
    "Tensor/hunt_numpy_mean": lambda tf: [np.mean(tf.constant([1.0, 2.0])).dtype.name,
                                          float(np.mean(tf.constant([1.0, 2.0])))],
    "Tensor/hunt_numpy_scalar_times_tensor": lambda tf: [
        type(np.float32(2.0) * tf.constant([1.0])).__name__.endswith("Tensor"),
        np.float32(2.0) * tf.constant([1.0])],
    "Tensor/hunt_int_to_negative_power": lambda tf: tf.constant([2, 4]) ** -1,
    "Tensor/hunt_float_of_one_element_vector": lambda tf: float(tf.constant([2.5])),
    "Tensor/hunt_int_of_float": lambda tf: [int(tf.constant(-2.7)), int(tf.constant(2.7))],
    "Tensor/hunt_shape_forms": lambda tf: [tf.zeros((2, 3)).shape.as_list(),
                                           tf.zeros((2, 3)).get_shape().as_list(),
                                           tf.zeros((2, 3)).ndim, tf.shape(tf.zeros((2, 3))),
                                           tf.zeros((2, 3)).shape[0], len(tf.zeros((2, 3)))],
    "Tensor/hunt_running_total": _running_total,
    "Tensor/hunt_compare_python_control_flow": lambda tf: [
        "square" if tf.abs(tf.constant(-0.5)) <= 1.0 else "linear",
        "square" if tf.abs(tf.constant(-1.5)) <= 1.0 else "linear"],
}
OPS_NAMED = {"Tensor/hunt_iterate_scalar": "scalar", "Tensor/hunt_int_to_negative_power": "pow",
             "Tensor/hunt_float_of_one_element_vector": "float", "Tensor/hunt_round_builtin":
             "round", "Variable/hunt_format_spec": "format"}
for _name, _fn in PYTHON.items():
    add_case(_name, _fn, grad=False, op=OPS_NAMED.get(_name))


# ---- tf.data, a third pass: what a map function and a pipeline's ends may do ------------------
def _if_in_map(x):
    return x * 10 if x > 2 else -x   # autograph's tf.cond in TF, Python's if in tapeviz


PIPELINE = {
    "map_returns_list": lambda tf: _listed(tf.data.Dataset.range(3).map(lambda x: [x, x * 2])),
    "map_with_if": lambda tf: _listed(tf.data.Dataset.range(5).map(_if_in_map)),
    "map_numpy_call": lambda tf: _listed(tf.data.Dataset.range(3).map(lambda x: x.numpy())),
    "filter_int_predicate": lambda tf: _listed(tf.data.Dataset.range(4).filter(lambda x: x % 2)),
    "filter_modulo_equal": lambda tf: _listed(tf.data.Dataset.range(6).filter(
        lambda x: x % 2 == 0)),
    "zip_shortest": lambda tf: _listed(tf.data.Dataset.zip((tf.data.Dataset.range(3),
                                                            tf.data.Dataset.range(5)))),
    "dict_lengths_differ": lambda tf: tf.data.Dataset.from_tensor_slices(
        {"a": [1, 2, 3], "b": [1, 2]}),
    "take_cache_repeat": lambda tf: _listed(tf.data.Dataset.range(5).take(3).cache().repeat(2)),
    "enumerate_start": lambda tf: _listed(tf.data.Dataset.range(3).enumerate(start=5)),
    "len_of_batched": lambda tf: [len(tf.data.Dataset.range(10).batch(3)),
                                  len(tf.data.Dataset.range(10).batch(3, drop_remainder=True))],
    "list_of_pairs": lambda tf: [[a.numpy(), b.numpy()] for a, b in list(
        tf.data.Dataset.from_tensor_slices(([1.0, 2.0], [3, 4])))],
    "experimental_autotune": lambda tf: int(tf.data.experimental.AUTOTUNE),
    "shuffle_reshuffle_false_in_two_epochs": lambda tf: (lambda d: _listed(d) == _listed(d))(
        tf.data.Dataset.range(6).shuffle(6, seed=2, reshuffle_each_iteration=False)),
    "float64_slices_batched_spec": lambda tf: [str(tf.data.Dataset.from_tensor_slices(
        np.zeros((4, 2))).batch(2).element_spec.dtype.name)],
    "map_cast_divide": lambda tf: _listed(tf.data.Dataset.range(3).map(
        lambda x: tf.cast(x, tf.float32) / 2)),
}
for _name, _fn in PIPELINE.items():
    add_case(f"data.Dataset/hunt_{_name}", _fn, grad=False,
             op={"map_numpy_call": "numpy", "filter_int_predicate": "filter",
                 "dict_lengths_differ": "from_tensor_slices"}.get(_name))
