"""The lectures' tensor and tf.data surface, third round: tf.data's tuple and dict elements,
cardinality and count arguments (an int32 tensor refused as TF's int64 kernels refuse it),
`assert_cardinality`, a variable's assign results and the numbers it takes, casts of bools and
by dtype names, reductions over negative, empty and elementless axes with keepdims, and
sparse_softmax_cross_entropy_with_logits' shapes and errors. Registered into `cases.CASES`
(cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32
from .cases_lecture_training import X, Y


# ---- tf.data: tuple and dict elements, cardinality, as_numpy_iterator ---------------------------
def _dict_elements(tf):
    dataset = tf.data.Dataset.from_tensor_slices({"x": X[:5], "y": Y[:5]})
    batches = list(dataset.batch(2).as_numpy_iterator())
    return [sorted(dataset.element_spec), [sorted(b) for b in batches],
            [b["x"] for b in batches], [b["y"] for b in batches], int(dataset.cardinality())]


def _tuple_map(tf):
    dataset = tf.data.Dataset.from_tensor_slices((X[:6], Y[:6]))
    mapped = dataset.map(lambda x, y: (x * 2.0, tf.one_hot(y, 3))).shuffle(
        6, seed=1, reshuffle_each_iteration=False).batch(4).prefetch(tf.data.AUTOTUNE)
    shapes = [[list(x.shape), list(y.shape)] for x, y in mapped]
    total = sum(float(tf.reduce_sum(tf.cast(x, tf.float64))) for x, _ in mapped)
    return [shapes, total, int(mapped.cardinality())]


def _numpy_iterator_types(tf):
    items = list(tf.data.Dataset.from_tensor_slices((X[:2], Y[:2])).as_numpy_iterator())
    scalars = list(tf.data.Dataset.range(2).as_numpy_iterator())
    return [[type(v).__name__ for v in items[0]], type(items[0]).__name__,
            [type(v).__name__ for v in scalars], scalars]


def _cardinalities(tf):
    ten = tf.data.Dataset.range(10)
    return [int(d.cardinality()) for d in (
        ten.batch(3), ten.batch(3, drop_remainder=True), ten.repeat(), ten.repeat().take(4),
        ten.repeat(2).skip(3), ten.filter(lambda v: v > 2), ten.shuffle(4).prefetch(1),
        ten.take(20), ten.repeat().batch(3), ten.map(lambda v: v * 2).batch(4).unbatch())]


def _len_of_repeated(tf):
    return len(tf.data.Dataset.range(3).repeat())


add_case("data.Dataset/hunt_dict_elements", _dict_elements, grad=False)
add_case("data.Dataset/hunt_tuple_map_shuffle_batch_prefetch", _tuple_map, grad=False)
add_case("data.Dataset/hunt_as_numpy_iterator_types", _numpy_iterator_types, grad=False)
add_case("data.Dataset/hunt_cardinalities", _cardinalities, grad=False)
add_case("data.Dataset/hunt_len_of_repeated", _len_of_repeated, grad=False, op="len")


# ---- a variable's assign results ------------------------------------------------------------
def _assign_results(tf):
    v = tf.Variable([1.0, 2.0])
    assigned = v.assign([3.0, 4.0])
    added = v.assign_add([1.0, 1.0])
    quiet = v.assign_sub([0.5, 0.5], read_value=False)
    counter = tf.Variable(0)
    stepped = counter.assign_add(1)
    return [assigned, added, quiet is None, v, stepped, stepped.dtype.name,
            isinstance(assigned, tf.Variable), float(assigned[0]), (assigned + 1.0)]


def _assign_shape_mismatch(tf):
    tf.Variable([1.0, 2.0]).assign([1.0, 2.0, 3.0])


def _assign_float_to_int(tf):
    tf.Variable([1, 2]).assign([1.5, 2.5])


add_case("Variable/hunt_assign_results", _assign_results, grad=False)
add_case("Variable/hunt_assign_shape_mismatch", _assign_shape_mismatch, grad=False,
         op="assign")
add_case("Variable/hunt_assign_float_to_int", _assign_float_to_int, grad=False, op="assign")


# ---- casts of bools, reductions over negative axes ----------------------------------------
add_case("cast/hunt_bool_both_ways", lambda tf, x: [
    tf.cast(x > 0.0, tf.float32), tf.cast(x > 0.0, tf.int32), tf.cast(x, tf.bool),
    tf.cast(tf.constant([0.0, -0.0, np.nan, 1e-30]), tf.bool),
    tf.reduce_mean(tf.cast(x > 0.0, tf.float32))], f32(2, 3), grad=False)
add_case("cast/hunt_bool_gradient", lambda tf, x: tf.cast(x > 0.0, tf.float32) * x,
         f32(2, 3))
REDUCTIONS = {
    "sum_two_negative_axes": lambda tf, x: tf.reduce_sum(x, axis=[-1, -2], keepdims=True),
    "mean_axis_minus_three": lambda tf, x: tf.reduce_mean(x, axis=-3, keepdims=True),
    "max_mixed_axes": lambda tf, x: tf.reduce_max(x, axis=(0, -1), keepdims=True),
    "prod_axis_tuple_keepdims_false": lambda tf, x: tf.reduce_prod(x, axis=(-2,)),
    "std_negative_keepdims": lambda tf, x: tf.math.reduce_std(x, axis=-1, keepdims=True),
    "sum_axis_too_negative": lambda tf, x: tf.reduce_sum(x, axis=-4),
    "mean_same_axis_twice": lambda tf, x: tf.reduce_mean(x, axis=[1, -2]),
    "any_negative_keepdims": lambda tf, x: tf.reduce_any(x > 0.0, axis=-2, keepdims=True),
}
for _name, _fn in REDUCTIONS.items():
    add_case(f"math.reduce_{_name.split('_')[0]}/hunt_{_name}", _fn, f32(2, 3, 4),
             op="reduce_" + _name.split("_")[0])


# ---- sparse_softmax_cross_entropy_with_logits: shapes and errors ----------------------------
SPARSE = {
    "labels_of_rank_two": (np.array([[0], [2]], np.int32), f32(2, 3)),
    "float_labels": (np.array([0.0, 2.0], np.float32), f32(2, 3)),
    "batch_sizes_differ": (np.array([0, 2, 1], np.int32), f32(2, 3)),
    "three_axes": (np.array([[0, 1], [2, 0]], np.int64), f32(2, 2, 3)),
    "scalar_logits_row": (np.array(1, np.int32), f32(3)),
}
for _name, _inputs in SPARSE.items():
    add_case(f"nn.sparse_softmax_cross_entropy_with_logits/hunt_{_name}",
             lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
             *_inputs, op="sparse_softmax_cross_entropy_with_logits")


# ---- a (dict, labels) pipeline, variable dtypes, more reductions ------------------------------
def _dict_and_labels(tf):
    dataset = tf.data.Dataset.from_tensor_slices(({"a": X[:6, 0], "b": X[:6, 1:]}, Y[:6]))
    mapped = dataset.map(lambda features, label: ({**features, "sum": features["a"] +
                                                   tf.reduce_sum(features["b"])}, label))
    first = next(iter(mapped.batch(4)))
    return [sorted(first[0]), first[0]["sum"], first[1], list(mapped.element_spec[0]["b"].shape),
            int(mapped.batch(4).cardinality())]


def _from_tensors_and_zip(tf):
    whole = tf.data.Dataset.from_tensors(X[:3])
    zipped = tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(5)))
    return [int(whole.cardinality()), list(whole.element_spec.shape), int(zipped.cardinality()),
            [list(pair) for pair in zipped.as_numpy_iterator()]]


def _variable_dtypes(tf):
    integer, wide = tf.Variable(1), tf.Variable(1.0, dtype=tf.float64)
    narrow = tf.Variable(1.0)
    narrow.assign(np.float64(2.5))
    narrow.assign_add(1)
    return [integer.dtype.name, wide.dtype.name, narrow, narrow.dtype.name,
            integer.assign_add(2), wide.assign(3)]


add_case("data.Dataset/hunt_dict_and_labels_map", _dict_and_labels, grad=False)
add_case("data.Dataset/hunt_from_tensors_and_zip", _from_tensors_and_zip, grad=False)
add_case("Variable/hunt_dtypes_and_python_numbers", _variable_dtypes, grad=False)
add_case("Variable/hunt_assign_float64_tensor_to_float32",
         lambda tf: tf.Variable(1.0).assign(tf.constant(2.0, tf.float64)), grad=False,
         op="assign")
add_case("Variable/hunt_assign_add_shape_mismatch",
         lambda tf: tf.Variable([1.0, 2.0]).assign_add([1.0, 2.0, 3.0]), grad=False,
         op="assign_add")
MORE_REDUCTIONS = {
    "sum_keepdims_no_axis": lambda tf, x: tf.reduce_sum(x, keepdims=True),
    "logsumexp_negative_keepdims": lambda tf, x: tf.reduce_logsumexp(x, axis=-1, keepdims=True),
    "min_tensor_axis": lambda tf, x: tf.reduce_min(x, axis=tf.constant(-1)),
    "mean_numpy_axis": lambda tf, x: tf.reduce_mean(x, axis=np.int64(-2), keepdims=True),
    "count_nonzero_negative_keepdims": lambda tf, x: tf.math.count_nonzero(
        x > 0.0, axis=-1, keepdims=True),
}
for _name, _fn in MORE_REDUCTIONS.items():
    _family = "math.count_nonzero" if _name.startswith("count") else \
        f"math.reduce_{_name.split('_')[0]}"
    add_case(f"{_family}/hunt_{_name}", _fn, f32(2, 3, 4), grad=False)
add_case("math.reduce_mean/hunt_int_keepdims_negative",
         lambda tf: tf.reduce_mean(tf.constant([[1, 2], [3, 6]]), axis=-1, keepdims=True),
         grad=False)
add_case("nn.sparse_softmax_cross_entropy_with_logits/hunt_negative_label",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         np.array([-1, 0], np.int32), f32(2, 3), op="sparse_softmax_cross_entropy_with_logits")
add_case("cast/hunt_bool_to_float_then_mean_accuracy", lambda tf, y, p: tf.reduce_mean(
    tf.cast(tf.equal(tf.argmax(p, axis=-1, output_type=tf.int32), y), tf.float32)),
    np.array([0, 2, 1], np.int32), f32(3, 3), grad=False)
# ---- tf.data given tensors and numpy numbers where ints go; cardinality's own type ---------------
def _tensor_arguments(tf):
    ten = tf.data.Dataset.range(tf.constant(10, tf.int64))
    batched = ten.batch(np.int64(4)).take(tf.constant(2, tf.int64))
    cardinality = batched.cardinality()
    return [[list(b) for b in batched.as_numpy_iterator()], type(cardinality.numpy()).__name__,
            cardinality.dtype.name, int(tf.data.experimental.cardinality(ten.skip(np.int32(3))))]


def _assert_cardinality(tf):
    dataset = tf.data.Dataset.range(10).filter(lambda v: v >= 0).apply(
        tf.data.experimental.assert_cardinality(10))
    return [int(dataset.cardinality()), len(dataset)]


def _shuffle_buffer_argument(tf):
    dataset = tf.data.Dataset.range(6).shuffle(buffer_size=tf.constant(6, tf.int64), seed=3)
    return sorted(int(v) for v in dataset)


def _map_deterministic(tf):
    dataset = tf.data.Dataset.range(5).map(lambda v: v * 2, num_parallel_calls=tf.data.AUTOTUNE,
                                           deterministic=True)
    return list(dataset.as_numpy_iterator())


def _element_of_batched_pairs(tf):
    x, y = next(iter(tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)))
    return [type(x).__name__ == type(tf.constant(0)).__name__, x.dtype.name, y.dtype.name,
            list(x.shape), x.numpy().dtype.name]


add_case("data.Dataset/hunt_tensor_and_numpy_arguments", _tensor_arguments, grad=False)
add_case("data.Dataset/hunt_assert_cardinality", _assert_cardinality, grad=False)
add_case("data.Dataset/hunt_shuffle_tensor_buffer", _shuffle_buffer_argument, grad=False)
add_case("data.Dataset/hunt_map_deterministic", _map_deterministic, grad=False)
add_case("data.Dataset/hunt_element_of_batched_pairs", _element_of_batched_pairs, grad=False)
add_case("data.Dataset/hunt_batch_negative_size", lambda tf: list(
    tf.data.Dataset.range(4).batch(-2)), grad=False, op="batch")
add_case("data.Dataset/hunt_from_tensor_slices_scalar", lambda tf: list(
    tf.data.Dataset.from_tensor_slices(tf.constant(3.0))), grad=False, op="from_tensor_slices")
INT32_COUNTS = {   # tf.shape(x)[0] is an int32 tensor: TF's dataset kernels take int64
    "range": lambda tf, n: tf.data.Dataset.range(n),
    "take": lambda tf, n: tf.data.Dataset.range(6).take(n),
    "skip": lambda tf, n: tf.data.Dataset.range(6).skip(n),
    "batch": lambda tf, n: tf.data.Dataset.range(6).batch(n),
    "repeat": lambda tf, n: tf.data.Dataset.range(6).repeat(n),
    "shuffle": lambda tf, n: tf.data.Dataset.range(6).shuffle(n),
}
for _name, _fn in INT32_COUNTS.items():
    add_case(f"data.Dataset/hunt_{_name}_int32_tensor", lambda tf, fn=_fn: [
        int(v) for v in fn(tf, tf.shape(tf.ones([3, 2]))[0])], grad=False, op=_name)
def _six(tf):
    return tf.data.Dataset.range(6)


INT32_ARGUMENTS = {   # the other count and size arguments: int64 in TF's kernels too
    "padded_batch": ("padded_batch", lambda tf, n: _six(tf).padded_batch(n).unbatch()),
    "window_size": ("window", lambda tf, n: _six(tf).window(n).flat_map(lambda w: w)),
    "window_shift": ("window", lambda tf, n: _six(tf).window(2, shift=n).flat_map(
        lambda w: w)),
    "window_stride": ("window", lambda tf, n: _six(tf).window(2, stride=n).flat_map(
        lambda w: w)),
    "prefetch": ("prefetch", lambda tf, n: _six(tf).prefetch(n)),
    "shard_num_shards": ("shard", lambda tf, n: _six(tf).shard(n, 0)),
    "shard_index": ("shard", lambda tf, n: _six(tf).shard(4, n)),
    "interleave_cycle_length": ("interleave", lambda tf, n: _six(tf).interleave(
        tf.data.Dataset.from_tensors, cycle_length=n)),
    "interleave_block_length": ("interleave", lambda tf, n: _six(tf).interleave(
        tf.data.Dataset.from_tensors, cycle_length=2, block_length=n)),
    "map_num_parallel_calls": ("map", lambda tf, n: _six(tf).map(
        lambda x: x, num_parallel_calls=n)),
    "batch_num_parallel_calls": ("batch", lambda tf, n: _six(tf).batch(
        2, num_parallel_calls=n).unbatch()),
    "enumerate_start": ("enumerate", lambda tf, n: _six(tf).enumerate(n).map(lambda i, x: i)),
    "rebatch": ("rebatch", lambda tf, n: _six(tf).batch(2).rebatch(n).unbatch()),
    "group_by_window_size": ("group_by_window", lambda tf, n: _six(tf).group_by_window(
        lambda x: x % 2, lambda key, window: window.batch(2), window_size=n).unbatch()),
    "shuffle_seed": ("shuffle", lambda tf, n: _six(tf).shuffle(6, seed=n)),
}
for _name, (_op, _fn) in INT32_ARGUMENTS.items():
    add_case(f"data.Dataset/hunt_{_name}_int32_tensor", lambda tf, fn=_fn: [
        int(v) for v in fn(tf, tf.shape(tf.ones([3, 2]))[0])], grad=False, op=_op)
DATA_ARGUMENT_VALUES = {   # values TF's dataset kernels check when the dataset is made
    "prefetch_negative_buffer": lambda tf: _six(tf).prefetch(-5),
    "shard_index_past_the_shards": lambda tf: _six(tf).shard(2, 3),
    "unbatch_scalars": lambda tf: _six(tf).unbatch(),
}
for _name, _fn in DATA_ARGUMENT_VALUES.items():
    add_case(f"data.Dataset/hunt_{_name}", lambda tf, fn=_fn: [int(v) for v in fn(tf)],
             grad=False, op=_name.split("_")[0])
add_case("data.experimental.assert_cardinality/hunt_cardinality_and_elements", lambda tf: [
    [int(v) for v in tf.data.Dataset.range(4).filter(lambda v: v >= 0).apply(
        tf.data.experimental.assert_cardinality(4))],
    int(tf.data.Dataset.range(7).apply(tf.data.experimental.assert_cardinality(5)).cardinality())],
    grad=False)


# ---- a variable given numbers of other kinds and shapes ------------------------------------------
VARIABLE_ASSIGNS = {
    "scalar_to_vector": lambda tf: tf.Variable([1.0, 2.0]).assign(5.0),
    "int64_numpy_to_float32": lambda tf: tf.Variable([1.0, 2.0]).assign(np.array([3, 4])),
    "int64_tensor_to_int32": lambda tf: tf.Variable([1, 2]).assign_add(
        tf.constant([1, 1], tf.int64)),
    "float32_tensor_to_float64": lambda tf: tf.Variable(1.0, dtype=tf.float64).assign(
        tf.constant(2.0)),
    "python_float_to_int32": lambda tf: tf.Variable(1).assign_add(1.0),
    "bool_to_float32": lambda tf: tf.Variable(1.0).assign(True),
    "list_of_tensors": lambda tf: tf.Variable([1.0, 2.0]).assign([tf.constant(3.0), 4.0]),
    "not_trainable_value": lambda tf: [(v := tf.Variable(2.0, trainable=False)).assign_sub(0.5),
                                       v.trainable, v.read_value(), v.value()],
}
for _name, _fn in VARIABLE_ASSIGNS.items():
    add_case(f"Variable/hunt_assign_{_name}", _fn, grad=False,
             op="assign_add" if "assign_add" in _name or _name in (
                 "int64_tensor_to_int32", "python_float_to_int32") else "assign")


# ---- reductions over no axes or no elements; casts named by string and numpy type -------------
EDGE_REDUCTIONS = {
    "reduce_sum/hunt_empty_axis_list": lambda tf, x: tf.reduce_sum(x, axis=[]),
    "reduce_mean/hunt_empty_axis_tensor": lambda tf, x: tf.reduce_mean(
        x, axis=tf.constant([], tf.int32), keepdims=True),
    "reduce_max/hunt_no_elements": lambda tf, x: tf.reduce_max(x[:, :0], axis=-1),
    "reduce_mean/hunt_no_elements": lambda tf, x: tf.reduce_mean(x[:0], axis=0),
    "reduce_min/hunt_int_no_elements": lambda tf, x: tf.reduce_min(
        tf.zeros([2, 0], tf.int32), axis=1, keepdims=True),
    "reduce_sum/hunt_axis_float": lambda tf, x: tf.reduce_sum(x, axis=1.0),
}
for _name, _fn in EDGE_REDUCTIONS.items():
    add_case(f"math.{_name}", _fn, f32(2, 3), op=_name.split("/")[0])
CASTS = {
    "string_dtype": lambda tf, x: tf.cast(x, "int32"),
    "numpy_dtype": lambda tf, x: tf.cast(x, np.float64),
    "python_bool": lambda tf, x: tf.cast(True, tf.int32),
    "wraps_into_uint8": lambda tf, x: tf.cast(tf.constant([300, -1]), tf.uint8),
    "large_int_to_float16": lambda tf, x: tf.cast(tf.constant([70000], tf.int64), tf.float16),
    "bool_to_string": lambda tf, x: tf.cast(x > 0.0, "bool"),
    "unknown_dtype_name": lambda tf, x: tf.cast(x, "float"),
}
for _name, _fn in CASTS.items():
    add_case(f"cast/hunt_{_name}", _fn, f32(2, 3), grad=False, op="cast")


# ---- loss functions on the label shapes students pass ------------------------------------------
_LABELS01 = np.array([0.0, 1.0, 1.0, 0.0], np.float32)
LOSS_SHAPES = {
    "keras.losses.BinaryCrossentropy/hunt_labels_n_predictions_n1": lambda tf, p: (
        tf.keras.losses.BinaryCrossentropy()(_LABELS01, tf.sigmoid(p))),
    "keras.losses.MeanSquaredError/hunt_labels_n_predictions_n1": lambda tf, p: (
        tf.keras.losses.MeanSquaredError()(_LABELS01, p)),
    "keras.losses.mse/hunt_labels_n_predictions_n1": lambda tf, p: tf.keras.losses.mse(
        _LABELS01, p),
    "keras.losses.sparse_categorical_crossentropy/hunt_from_logits_axis": lambda tf, p: (
        tf.keras.losses.sparse_categorical_crossentropy(
            np.array([0, 0, 0, 0]), tf.concat([p, -p], axis=-1), from_logits=True, axis=-1)),
    "keras.losses.categorical_crossentropy/hunt_label_smoothing": lambda tf, p: (
        tf.keras.losses.categorical_crossentropy(
            tf.one_hot([0, 1, 1, 0], 2), tf.concat([p, -p], axis=-1), from_logits=True,
            label_smoothing=0.1)),
    "nn.sparse_softmax_cross_entropy_with_logits/hunt_float64_logits": lambda tf, p: (
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant([0, 1, 1, 0], tf.int64),
            logits=tf.cast(tf.concat([p, -p], axis=-1), tf.float64))),
}
for _name, _fn in LOSS_SHAPES.items():
    add_case(_name, _fn, f32(4, 1), rtol=1e-5, atol=1e-6)
