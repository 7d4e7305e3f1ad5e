"""The lectures' Keras surface, third round: what tab completion shows of a tape, fit's
validation_steps on a finite and a repeated dataset, save_weights' file names, a loss or
metric class given to compile, evaluate/predict on datasets, validation_split, Huber's delta,
a variable assigned under a tape, and which errors `except tf.errors.InvalidArgumentError`
catches. Its tensor and tf.data half is cases_tensor_surface.py. Registered into
`cases.CASES` (cases.py imports this module at its end).
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


# ---- fit/evaluate/predict given datasets with batch sizes, weights, a generator ----------------
def _weights_of_batches(tf, call, *data, **options):
    """The batch count and loss a fit or evaluate reports, the weights fixed (a rate of 0)."""
    model = _small_classifier(tf, metrics=())
    model.optimizer.learning_rate = 0.0
    batches = []
    counter = tf.keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: batches.append(b),
        on_test_batch_end=lambda b, logs: batches.append(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = getattr(model, call)(*data, verbose=0, callbacks=[counter], **options)
    loss = result.history["loss"] if call == "fit" else result
    return [len(batches), np.array(loss, np.float32)]


WEIGHTS = np.linspace(0.0, 1.0, 10).astype(np.float32)
FITS = {
    "fit/hunt_dataset_with_batch_size": lambda tf: _weights_of_batches(
        tf, "fit", tf.data.Dataset.from_tensor_slices((X, Y)).batch(5), batch_size=2),
    "fit/hunt_dataset_of_weighted_triples": lambda tf: _weights_of_batches(
        tf, "fit", tf.data.Dataset.from_tensor_slices((X, Y, WEIGHTS)).batch(5)),
    "fit/hunt_dataset_with_sample_weight": lambda tf: _weights_of_batches(
        tf, "fit", tf.data.Dataset.from_tensor_slices((X, Y)).batch(5), sample_weight=WEIGHTS),
    "evaluate/hunt_dataset_with_sample_weight": lambda tf: _weights_of_batches(
        tf, "evaluate", tf.data.Dataset.from_tensor_slices((X, Y)).batch(5),
        sample_weight=WEIGHTS),
    "fit/hunt_validation_batch_size": lambda tf: _weights_of_batches(
        tf, "fit", X, Y, batch_size=5, validation_data=(X, Y), validation_batch_size=3),
    "evaluate/hunt_arrays_with_steps": lambda tf: _weights_of_batches(
        tf, "evaluate", X, Y, batch_size=3, steps=2),
    "fit/hunt_python_generator": lambda tf: _weights_of_batches(
        tf, "fit", ((X[i:i + 5], Y[i:i + 5]) for i in (0, 5)), steps_per_epoch=2),
}
for _name, _fn in FITS.items():
    add_case(f"keras.Model.{_name}", _fn, grad=False, rtol=1e-4, atol=1e-5,
             op=_name.split("/")[0])


# ---- fit's history keys for the metric and loss names students write ---------------------------
def _history_keys(tf, loss, metrics):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    history = model.fit(X, Y.astype(np.float32), epochs=1, verbose=0, validation_split=0.2)
    return sorted(history.history)


HISTORY_KEYS = {
    "mae_and_mse_strings": ("mse", ["mae", "mse"]),
    "long_names": ("mean_squared_error", ["mean_absolute_error"]),
    "metric_instances": (lambda tf: tf.keras.losses.MeanSquaredError(), lambda tf: [
        tf.keras.metrics.MeanAbsoluteError(), tf.keras.metrics.RootMeanSquaredError()]),
    "named_instance": ("mse", lambda tf: [tf.keras.metrics.MeanAbsoluteError(name="err")]),
    "upper_case_names": ("MSE", ["MAE"]),
    "same_metric_twice": ("mse", ["mae", "mae"]),
}
for _name, (_loss, _metrics) in HISTORY_KEYS.items():
    add_case(f"keras.Model.fit/hunt_history_keys_{_name}", lambda tf, loss=_loss, metrics=_metrics:
             _history_keys(tf, loss(tf) if callable(loss) else loss,
                           metrics(tf) if callable(metrics) else metrics), grad=False)


# ---- a tape given Python numbers, numpy arrays and nested sources ----------------------------
def _gradient_structures(tf):
    w, b = tf.Variable([1.0, 2.0]), tf.Variable(0.5)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(w * w) + b
    as_tuple = tape.gradient(y, (w, b))
    nested = tape.gradient(y, {"layer": [w, {"bias": b}]})
    return [type(as_tuple).__name__, as_tuple, sorted(nested), nested["layer"][1]["bias"],
            type(tape.gradient(y, [w])).__name__]


TAPE_MISUSES = {
    "watch_python_number": lambda tf: tf.GradientTape().watch(1.0),
    "watch_numpy_array": lambda tf: tf.GradientTape().watch(np.ones(2, np.float32)),
    "gradient_of_python_number": lambda tf: _gradient_of(tf, lambda x: 3.0),
    "gradient_wrt_python_number": lambda tf: _gradient_of(tf, None),
}


def _gradient_of(tf, target):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(target(x) if target else y, 2.0)


add_case("GradientTape/hunt_gradient_structures", _gradient_structures, grad=False)
for _name, _fn in TAPE_MISUSES.items():
    add_case(f"GradientTape/hunt_{_name}", _fn, grad=False,
             op="watch" if _name.startswith("watch") else "gradient")
