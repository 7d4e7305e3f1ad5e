"""The lectures' Keras and tf.data surface, third round: what tab completion shows of a tape,
fit's validation_steps on a finite and a repeated dataset, save_weights' file names, a loss
or metric class given to compile; then tf.data's tuple and dict elements and cardinality,
a variable's assign results, casts of bools, reductions over negative axes with keepdims,
sparse_softmax_cross_entropy_with_logits' shapes, and which errors `except
tf.errors.InvalidArgumentError` catches. Registered into `cases.CASES` (cases.py imports
this module at its end).
"""
from __future__ import annotations

import os
import tempfile
import warnings

import numpy as np

from .cases import add_case, f32
from .cases_lecture_mnist import IMAGE_LABELS, IMAGES, _cnn, _fit
from .cases_lecture_training import X, Y, _small_classifier

# tapeviz's own names a tape shows beside TF's: the stepper's pass (`for step in
# tape.backward(loss)`) and the recorded ops the widget draws (`tape.nodes`), both in README
TAPEVIZ_TAPE_NAMES = ("backward", "nodes")


def _tape_dir(tf):
    with tf.GradientTape(persistent=True) as tape:
        return sorted(name for name in dir(tape)
                      if not name.startswith("_") and name not in TAPEVIZ_TAPE_NAMES)


add_case("GradientTape/hunt_dir_shows_tensorflows_names", _tape_dir, grad=False)


# ---- fit(validation_steps=): each epoch's validation starts at the dataset's beginning -----
def _validation_steps(tf, validation, steps):
    """Each epoch's validation batch count and val_loss, the weights fixed (a rate of 0), so
    the loss tells which batches each epoch's validation read."""
    model = _small_classifier(tf, metrics=())
    model.optimizer.learning_rate = 0.0
    counts = []
    counter = tf.keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: counts.append(0),
        on_test_batch_end=lambda batch, logs: counts.__setitem__(-1, counts[-1] + 1))
    with warnings.catch_warnings():   # Keras 3: "your input ran out of data"
        warnings.simplefilter("ignore")
        history = model.fit(X, Y, batch_size=5, epochs=3, verbose=0, shuffle=False,
                            validation_data=validation(tf), validation_steps=steps,
                            callbacks=[counter])
    return [counts, np.array(history.history["val_loss"], np.float32)]


def _validation_batches(tf):   # 4 batches: 3, 3, 3, 1
    return tf.data.Dataset.from_tensor_slices((X[::-1].copy(), Y[::-1].copy())).batch(3)


VALIDATION = {
    "finite": (_validation_batches, 2),
    "finite_fewer_than_the_steps": (_validation_batches, 6),
    "repeated": (lambda tf: _validation_batches(tf).repeat(), 3),
}
for _name, (_data, _steps) in VALIDATION.items():
    add_case(f"keras.Model.fit/hunt_validation_steps_{_name}",
             lambda tf, data=_data, steps=_steps: _validation_steps(tf, data, steps),
             grad=False, rtol=1e-4, atol=1e-5)


# ---- save_weights: Keras 3's .weights.h5 names ------------------------------------------------
def _saved_as(tf, name):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    with tempfile.TemporaryDirectory() as folder:
        model.save_weights(os.path.join(folder, name))
        return sorted(os.listdir(folder))


for _name, _file in {"h5": "w.h5", "keras": "w.keras", "npz": "w.npz",
                     "weights_h5": "w.weights.h5"}.items():
    add_case(f"keras.Model.save_weights/hunt_name_{_name}",
             lambda tf, file=_file: _saved_as(tf, file), grad=False, op="save_weights")


# ---- compile given a loss or metric class: Keras 3 makes one with its defaults ------------------
def _history_keys_with_metric_class(tf):
    model = _cnn(tf)
    model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy,
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy])
    history = _fit(model, IMAGES, IMAGE_LABELS)
    return [sorted(history.history), type(model.loss).__name__]


add_case("keras.Model.compile/hunt_classes_history_keys", _history_keys_with_metric_class,
         grad=False)


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


# ---- which shape errors `except tf.errors.InvalidArgumentError` catches ---------------------
def _caught(tf, call):
    try:
        call()
    except tf.errors.InvalidArgumentError:
        return "InvalidArgumentError"
    except ValueError:
        return "ValueError"
    except TypeError:
        return "TypeError"
    return "nothing"


CAUGHT = {
    "add": lambda tf: tf.ones([2, 3]) + tf.ones([3, 2]),
    "matmul": lambda tf: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])),
    "reshape": lambda tf: tf.reshape(tf.ones([2, 3]), [4, 2]),
    "concat": lambda tf: tf.concat([tf.ones([2, 3]), tf.ones([2, 2])], axis=0),
    "dense_features": lambda tf: tf.keras.Sequential([tf.keras.Input((3,)),
                                                      tf.keras.layers.Dense(2)])(tf.ones([2, 4])),
    "loss_batches": lambda tf: tf.keras.losses.MeanSquaredError()(tf.ones([2, 1]),
                                                                  tf.ones([3, 1])),
    "fit_samples": lambda tf: _small_classifier(tf).fit(X, Y[:9], verbose=0),
}
for _name, _call in CAUGHT.items():
    add_case(f"errors.InvalidArgumentError/hunt_caught_{_name}",
             lambda tf, call=_call: _caught(tf, lambda: call(tf)), grad=False)


# ---- more of the same surface: a (dict, labels) pipeline, variable dtypes, reductions ---------
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
MORE_CAUGHT = {
    "sparse_loss_given_one_hot": lambda tf: tf.keras.losses.SparseCategoricalCrossentropy()(
        tf.one_hot([0, 2], 3), tf.fill([2, 3], 1 / 3)),
    "categorical_loss_given_ids": lambda tf: tf.keras.losses.CategoricalCrossentropy()(
        tf.constant([0, 2]), tf.fill([2, 3], 1 / 3)),
    "conv2d_without_channel_axis": lambda tf: tf.keras.layers.Conv2D(2, 3)(tf.ones([2, 5, 5])),
    "softmax_cross_entropy_classes": lambda tf: tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.ones([2, 3]), logits=tf.ones([2, 4])),
    "gather_out_of_range": lambda tf: tf.gather(tf.constant([1.0, 2.0]), 5),
    "stack_shapes": lambda tf: tf.stack([tf.ones([2]), tf.ones([3])]),
    "broadcast_to": lambda tf: tf.broadcast_to(tf.ones([3]), [2, 4]),
    "index_out_of_range": lambda tf: tf.constant([1, 2])[5],
    "variable_assign_shape": lambda tf: tf.Variable([1.0, 2.0]).assign([1.0, 2.0, 3.0]),
    "reshape_two_unknowns": lambda tf: tf.reshape(tf.ones([2, 3]), [-1, -1]),
    "one_hot_float_indices": lambda tf: tf.one_hot(tf.constant([0.0, 1.0]), 3),
}
for _name, _call in MORE_CAUGHT.items():
    add_case(f"errors.InvalidArgumentError/hunt_caught_{_name}",
             lambda tf, call=_call: _caught(tf, lambda: call(tf)), grad=False)


# ---- evaluate/predict on datasets, validation_split, Huber's delta, assign under a tape --------
def _evaluate_steps(tf):
    model = _small_classifier(tf)
    data = tf.data.Dataset.from_tensor_slices((X, Y)).batch(3)
    counts = []
    counter = tf.keras.callbacks.LambdaCallback(on_test_batch_end=lambda b, logs: counts.append(b))
    result = model.evaluate(data, steps=2, verbose=0, callbacks=[counter])
    return [counts, np.array(result, np.float32)]


def _predict_pairs(tf):
    model = _small_classifier(tf)
    predictions = model.predict(tf.data.Dataset.from_tensor_slices((X, Y)).batch(4), verbose=0)
    return [type(predictions).__name__, list(predictions.shape)]


def _validation_split_rows(tf):
    model = _small_classifier(tf)
    model.optimizer.learning_rate = 0.0
    split = model.fit(X, Y, validation_split=0.3, epochs=1, verbose=0, shuffle=True)
    last = model.evaluate(X[7:], Y[7:], verbose=0)
    return np.array([split.history["val_loss"][0], last[0]], np.float32)


def _assign_under_tape(tf, x):
    v = tf.Variable(tf.zeros_like(x))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        v.assign(x * 2.0)
        y = v * 3.0
    return [tape.gradient(y, x) is None, tape.gradient(y, v)]


add_case("keras.Model.evaluate/hunt_dataset_steps", _evaluate_steps, grad=False, rtol=1e-4,
         atol=1e-5)
add_case("keras.Model.predict/hunt_dataset_of_pairs", _predict_pairs, grad=False)
add_case("keras.Model.fit/hunt_validation_split_with_shuffle", _validation_split_rows,
         grad=False, rtol=1e-4, atol=1e-5)
add_case("Variable/hunt_assign_under_tape", _assign_under_tape, f32(2, 2), grad=False)
HUBER = {"int_delta": {"delta": 2}, "negative_delta": {"delta": -1.0},
         "tensor_delta": "tensor"}
for _name, _options in HUBER.items():
    add_case(f"keras.losses.Huber/hunt_{_name}", lambda tf, y, p, options=_options:
             tf.keras.losses.Huber(**(options if options != "tensor" else
                                      {"delta": tf.constant(0.5)}))(y, p),
             f32(4, 2, seed=3), f32(4, 2, seed=4), op="Huber")
add_case("keras.losses.huber/hunt_function_delta", lambda tf, y, p: tf.keras.losses.huber(
    y, p, delta=0.5), f32(4, 2, seed=3), f32(4, 2, seed=4))


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
