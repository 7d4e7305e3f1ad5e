"""The lectures' Keras surface, fourth round: summary()'s rows, predict's batches and return
types, fit's history with validation data (its keys in order, its values' types, params),
EarlyStopping on validation metrics, metrics' result() and reset_state(), train_on_batch's
order, top-k accuracy, optimizers' get_config() and layers' names. Its tensor half is
cases_tensor_fourth.py. Registered into `cases.CASES` (cases.py imports this module at its
end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case, f32
from .cases_lecture_mnist import _cnn
from .cases_lecture_training import X, Y, _small_classifier


# ---- summary(): each layer's row as Keras prints it --------------------------------------------
BOX_DRAWING = "│┃┏┓┗┛┡┩━─┼╇┳┻┴┬├┤└┘┌┐"


def _summary_rows(model) -> list:
    """The table's words, sorted (Keras 3 draws a box and wraps a long name onto a second
    line, Keras 2 and tapeviz print columns), and the totals' lines."""
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    text = "\n".join(lines).splitlines()
    totals = [line.strip() for line in text if line.strip().startswith(
        ("Total params", "Trainable params", "Non-trainable"))]
    table = ["".join(" " if c in BOX_DRAWING else c for c in line) for line in text[1:]
             if line.strip() not in totals]
    return [sorted(word for line in table if line.strip(" _=") for word in line.split()),
            totals]


def _functional(tf):
    inputs = tf.keras.Input((3,), name="features")
    hidden = tf.keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1, name="out")(hidden), name="reg")


SUMMARIES = {
    "sequential_dense": lambda tf: _small_classifier(tf),
    "cnn": _cnn,
    "functional": _functional,
    "dropout_and_batch_norm": lambda tf: tf.keras.Sequential([
        tf.keras.Input((5,)), tf.keras.layers.Dense(4, name="d"),
        tf.keras.layers.BatchNormalization(name="bn"), tf.keras.layers.Dropout(0.5, name="drop"),
        tf.keras.layers.Dense(1, name="o")]),
    "long_names_whole": lambda tf: tf.keras.Sequential([
        tf.keras.Input((6, 6, 1)), tf.keras.layers.Conv2D(2, 3),
        tf.keras.layers.BatchNormalization(), tf.keras.layers.GlobalAveragePooling2D()]),
}
for _name, _model in SUMMARIES.items():
    add_case(f"keras.Model.summary/hunt_rows_{_name}", lambda tf, model=_model: _summary_rows(
        model(tf)), grad=False)


# ---- predict: batches, return types, inputs of other kinds -------------------------------------
def _predicted(tf, x, **kwargs):
    out = _small_classifier(tf).predict(x, verbose=0, **kwargs)
    return [type(out).__name__, out.dtype.name, list(out.shape)]


def _two_outputs(tf):
    inputs = tf.keras.Input((3,))
    return tf.keras.Model(inputs, [tf.keras.layers.Dense(2)(inputs),
                                   tf.keras.layers.Dense(1)(inputs)])


PREDICTS = {
    "batch_larger_than_data": lambda tf: _predicted(tf, X, batch_size=64),
    "uneven_last_batch": lambda tf: _predicted(tf, X, batch_size=4),
    "float64_input": lambda tf: _predicted(tf, X.astype(np.float64)),
    "tensor_input": lambda tf: _predicted(tf, tf.constant(X)),
    "list_of_rows": lambda tf: _predicted(tf, X.tolist()),
    "types_of_a_dataset_of_pairs": lambda tf: _predicted(tf, tf.data.Dataset.from_tensor_slices(
        (X, Y)).batch(3)),
    "dataset_of_features": lambda tf: _predicted(tf, tf.data.Dataset.from_tensor_slices(
        X).batch(3)),
    "one_example_without_batch_axis": lambda tf: _predicted(tf, X[0]),   # Dense's error
    "multi_output": lambda tf: [[type(o).__name__, list(o.shape)]
                                for o in _two_outputs(tf).predict(X, verbose=0)],
    "call_returns_a_tensor": lambda tf: [type(out := _small_classifier(tf)(X)).__name__[-6:],
                                         out.dtype.name],
}
for _name, _fn in PREDICTS.items():
    add_case(f"keras.Model.predict/hunt_{_name}", _fn, grad=False,
             op="Dense" if _name == "one_example_without_batch_axis" else None)


# ---- fit's history with validation data --------------------------------------------------------
def _history_of_fit(tf, metrics, **kwargs):
    model = _small_classifier(tf, metrics=metrics)
    history = model.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0, **kwargs)
    return [list(history.history), [type(v).__name__ for v in history.history.values()],
            sorted({type(x).__name__ for v in history.history.values() for x in v}),
            history.params, history.epoch, type(history).__name__,
            history.model is model]


HISTORIES = {
    "validation_data_keys_in_order": lambda tf: _history_of_fit(
        tf, ("accuracy",), validation_data=(X[:4], Y[:4])),
    "two_metrics_and_validation": lambda tf: _history_of_fit(
        tf, ("accuracy", "sparse_categorical_crossentropy"), validation_data=(X[:4], Y[:4])),
    "validation_freq": lambda tf: _history_of_fit(
        tf, ("accuracy",), validation_data=(X[:4], Y[:4]), validation_freq=2),
}
for _name, _fn in HISTORIES.items():
    add_case(f"keras.callbacks.History/hunt_{_name}", _fn, grad=False)


def _early_stopping_on_validation(tf, **options):
    model = _small_classifier(tf)
    stopper = tf.keras.callbacks.EarlyStopping(**options)
    history = model.fit(X, Y, epochs=6, batch_size=5, shuffle=False, verbose=0,
                        validation_data=(X[:4], Y[:4]), callbacks=[stopper])
    return [len(history.history["loss"]), stopper.stopped_epoch, stopper.wait,
            stopper.monitor, float(stopper.best), stopper.best_epoch]


EARLY_STOPPING = {
    "val_accuracy_mode_auto": dict(monitor="val_accuracy", patience=1),
    "val_loss_min_delta": dict(monitor="val_loss", patience=1, min_delta=0.5),
    "baseline_not_reached": dict(monitor="val_loss", patience=2, baseline=0.01),
}
for _name, _options in EARLY_STOPPING.items():
    add_case(f"keras.callbacks.EarlyStopping/hunt_{_name}",
             lambda tf, options=_options: _early_stopping_on_validation(tf, **options), grad=False)


# ---- metrics: result() before and after updates, reset_state() ---------------------------------
def _metric_life(tf, metric, *batches):
    """result() before any update, after each update, and after reset_state()."""
    results = [metric.result()]
    for batch in batches:
        returned = metric.update_state(*batch)
        results.append(metric.result())
    metric.reset_state()
    results.append(metric.result())
    return [results, returned is None, [tf.as_dtype(v.dtype).name for v in metric.variables]]


LABELS, PROBABILITIES = np.array([0, 1, 1, 0], np.float32), a32([0.2, 0.7, 0.4, 0.6])
METRICS = {
    "binary_accuracy_threshold": lambda tf: _metric_life(
        tf, tf.keras.metrics.BinaryAccuracy(threshold=0.65), (LABELS, PROBABILITIES)),
    "accuracy_of_ids": lambda tf: _metric_life(
        tf, tf.keras.metrics.Accuracy(), ([1, 2, 3], [1, 2, 4]), ([0], [0])),
    "precision_no_positive_predictions": lambda tf: _metric_life(
        tf, tf.keras.metrics.Precision(), (LABELS, np.zeros(4, np.float32))),
    "recall_two_batches": lambda tf: _metric_life(
        tf, tf.keras.metrics.Recall(), (LABELS, PROBABILITIES), (LABELS, 1 - PROBABILITIES)),
    "mean_absolute_error": lambda tf: _metric_life(
        tf, tf.keras.metrics.MeanAbsoluteError(), (LABELS, PROBABILITIES)),
    "categorical_accuracy": lambda tf: _metric_life(
        tf, tf.keras.metrics.CategoricalAccuracy(), (np.eye(3, dtype=np.float32)[[0, 2]],
                                                     f32(2, 3))),
}
for _name, _fn in METRICS.items():
    add_case(f"keras.metrics/hunt_{_name}", _fn, grad=False)


# ---- train_on_batch/test_on_batch: the values in metrics_names' order ---------------------------
ON_BATCH = {
    "train_on_batch/hunt_loss_then_accuracy": lambda tf: _small_classifier(tf).train_on_batch(
        X, Y),
    "test_on_batch/hunt_loss_then_accuracy": lambda tf: _small_classifier(tf).test_on_batch(X, Y),
    "test_on_batch/hunt_two_metrics": lambda tf: _small_classifier(
        tf, metrics=("sparse_categorical_accuracy", "accuracy")).test_on_batch(X, Y),
    "evaluate/hunt_two_metrics": lambda tf: _small_classifier(
        tf, metrics=("sparse_categorical_accuracy", "accuracy")).evaluate(X, Y, verbose=0),
}
for _name, _fn in ON_BATCH.items():
    add_case(f"keras.Model.{_name}", _fn, grad=False)


# ---- top-k accuracy: the class, the function, compile's name, ties at the k-th score ----------
def _top_k_history(tf):
    model = _small_classifier(tf, metrics=("sparse_top_k_categorical_accuracy",))
    history = model.fit(X, Y, epochs=2, batch_size=5, shuffle=False, verbose=0)
    return [list(history.history), np.array(history.history["sparse_top_k_categorical_accuracy"],
                                            np.float32)]


TOP_K = {
    "keras.metrics.SparseTopKCategoricalAccuracy/hunt_k2": lambda tf: _metric_life(
        tf, tf.keras.metrics.SparseTopKCategoricalAccuracy(k=2), ([0, 2, 1], f32(3, 4)),
        ([[3]], f32(1, 4, seed=3))),
    "keras.metrics.TopKCategoricalAccuracy/hunt_k1_one_hot": lambda tf: _metric_life(
        tf, tf.keras.metrics.TopKCategoricalAccuracy(k=1), (np.eye(3, dtype=np.float32),
                                                            f32(3, 3))),
    "keras.metrics.sparse_top_k_categorical_accuracy/hunt_ties": lambda tf:
        tf.keras.metrics.sparse_top_k_categorical_accuracy(
            [2, 0], a32([[0.5, 0.2, 0.2], [0.1, 0.1, 0.8]]), k=2),
    "keras.metrics.top_k_categorical_accuracy/hunt_default_k": lambda tf:
        tf.keras.metrics.top_k_categorical_accuracy(np.eye(6, dtype=np.float32)[[5]],
                                                    f32(1, 6)),
    "keras.Model.compile/hunt_top_k_by_name": _top_k_history,
}
for _name, _fn in TOP_K.items():
    add_case(_name, _fn, grad=False)


# ---- an optimizer's get_config(): Keras 3's keys, set or not (the name aside: 'adam_1') -------
def _config_without_name(optimizer) -> dict:
    return {key: value for key, value in optimizer.get_config().items() if key != "name"}


OPTIMIZER_CONFIGS = {
    "SGD/hunt_config_keys": lambda tf: _config_without_name(tf.keras.optimizers.SGD(0.01, 0.9)),
    "Adam/hunt_config_settings": lambda tf: _config_without_name(tf.keras.optimizers.Adam(
        0.01, clipnorm=1.0, use_ema=True, weight_decay=0.004)),
    "RMSprop/hunt_config_keys": lambda tf: _config_without_name(tf.keras.optimizers.RMSprop()),
    "Adam/hunt_config_round_trip": lambda tf: _config_without_name(
        tf.keras.optimizers.Adam.from_config(tf.keras.optimizers.Adam(
            0.005, global_clipnorm=2.0).get_config())),
}
for _name, _fn in OPTIMIZER_CONFIGS.items():
    add_case(f"keras.optimizers.{_name}", _fn, grad=False)


# ---- a layer's or model's name: a string without '/' (Keras 3's rule) ------------------------
LAYER_NAMES = {
    "keras.layers.Dense/hunt_name_with_slash": lambda tf: tf.keras.layers.Dense(2, name="a/b"),
    "keras.layers.Dense/hunt_name_not_a_string": lambda tf: tf.keras.layers.Dense(2, name=3),
    "keras.layers.Dense/hunt_name_with_space": lambda tf: tf.keras.layers.Dense(
        2, name="my dense").name,
    "keras.Sequential/hunt_name_with_slash": lambda tf: tf.keras.Sequential(name="a/b"),
}
for _name, _fn in LAYER_NAMES.items():
    add_case(_name, _fn, grad=False, op="Sequential" if "Sequential" in _name else "Dense")


# ---- CSVLogger: the file fit leaves (header, epochs, values; 'NA' without validation) ---------
def _csv_log(tf, append=False, **fit_options):
    import csv
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), "training.log")
    for _ in range(2 if append else 1):
        _small_classifier(tf).fit(X, Y, epochs=2, batch_size=5, shuffle=False, verbose=0,
                                  callbacks=[tf.keras.callbacks.CSVLogger(path, append=append)],
                                  **fit_options)
    with open(path) as log:
        rows = list(csv.reader(log))
    return [rows[0], [row[0] for row in rows[1:]],
            [[cell if cell == "NA" or not cell else np.float32(cell) for cell in row[1:]]
             for row in rows[1:] if row[0] != "epoch"]]


CSV_LOGS = {
    "without_validation": lambda tf: _csv_log(tf),
    "with_validation": lambda tf: _csv_log(tf, validation_data=(X[:4], Y[:4])),
    "appended": lambda tf: _csv_log(tf, append=True),
}
for _name, _fn in CSV_LOGS.items():
    add_case(f"keras.callbacks.CSVLogger/hunt_{_name}", _fn, grad=False, rtol=1e-4, atol=1e-5)


# ---- keras.utils.set_random_seed: one call seeds Python's, numpy's and the framework's draws ----
def _reseeded_draws(tf):
    import random
    draws = []
    for _ in range(2):
        tf.keras.utils.set_random_seed(42)
        draws.append([tf.random.uniform([3]).numpy(), np.random.rand(2), random.random(),
                      tf.keras.layers.Dense(2)(tf.ones([1, 3])).numpy()])
    first, second = draws
    return [bool(np.array_equal(a, b)) for a, b in zip(first, second)]


SEEDS = {
    "repeats_every_draw": _reseeded_draws,
    "float": lambda tf: tf.keras.utils.set_random_seed(1.5),
    "negative": lambda tf: tf.keras.utils.set_random_seed(-1),
}
for _name, _fn in SEEDS.items():
    add_case(f"keras.utils.set_random_seed/hunt_{_name}", _fn, grad=False)
