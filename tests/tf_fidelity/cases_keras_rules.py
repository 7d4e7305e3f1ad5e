"""Cases for Keras rules a student's TF code relies on without reading them: the default
initializers' statistics (what must hold of a draw: its bounds, spread, orthogonality),
Dense on inputs of rank 1 and 3, Conv2D and pooling with padding='same' and strides on
odd and even sizes, GlobalAveragePooling2D's keepdims, what a metric's result is before an
update and after reset_state, an unbuilt model's summary, Dataset.batch's
drop_remainder (its values and static shape), shuffle's determinism rules, the compile and
fit arguments a student types from the lectures (class_weight, weighted_metrics,
loss_weights, metrics named twice, History's fields), and layers and activations as a
student writes them (Dropout's training flag, BatchNormalization's statistics in fit,
regularizer losses, activations by name). Registered into `cases.CASES` (cases.py imports
this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32
from .harness import spread


# ---- the default initializers: what must hold of a draw ---------------------------------------
def _within(tf, weights, limit, spread_expected, tolerance=0.15):
    """[every value within (-limit, limit], its std within `tolerance` of `spread_expected`]."""
    values = np.asarray(weights.numpy(), np.float64)
    return [bool(np.abs(values).max() <= limit),
            bool(abs(values.std() / spread_expected - 1) < tolerance)]


def _dense_defaults(tf):
    layer = tf.keras.layers.Dense(200)
    layer.build((None, 300))
    limit = np.sqrt(6 / (300 + 200))   # glorot_uniform
    return _within(tf, layer.kernel, limit, limit / np.sqrt(3)) + [
        bool((layer.bias.numpy() == 0).all()), layer.kernel.numpy().dtype.name]


def _conv_defaults(tf):
    layer = tf.keras.layers.Conv2D(32, 3)
    layer.build((None, 28, 28, 16))
    fan_in, fan_out = 3 * 3 * 16, 3 * 3 * 32   # the receptive field counts in both
    limit = np.sqrt(6 / (fan_in + fan_out))
    return _within(tf, layer.kernel, limit, limit / np.sqrt(3)) + [
        list(layer.kernel.shape), bool((layer.bias.numpy() == 0).all())]


def _embedding_defaults(tf):
    layer = tf.keras.layers.Embedding(1000, 64)
    layer.build((None, 5))
    weights = layer.embeddings   # Keras 3: uniform in [-0.05, 0.05]
    return _within(tf, weights, 0.05, 0.05 / np.sqrt(3))


def _recurrent_defaults(tf):
    layer = tf.keras.layers.SimpleRNN(8)
    layer(tf.zeros((1, 2, 3)))
    recurrent = layer.cell.recurrent_kernel.numpy().astype(np.float64)   # orthogonal
    return [bool(np.allclose(recurrent.T @ recurrent, np.eye(8), atol=1e-5)),
            bool((layer.cell.bias.numpy() == 0).all())]


def _batch_norm_defaults(tf):
    layer = tf.keras.layers.BatchNormalization()
    layer.build((None, 3))
    return [layer.gamma, layer.beta, layer.moving_mean, layer.moving_variance,
            float(layer.momentum), float(layer.epsilon)]


INITIAL = {
    "Dense/rule_default_initializers": _dense_defaults,
    "Conv2D/rule_default_initializers": _conv_defaults,
    "Embedding/rule_default_initializer": _embedding_defaults,
    "SimpleRNN/rule_default_initializers": _recurrent_defaults,
    "BatchNormalization/rule_defaults": _batch_norm_defaults,
}
for _name, _fn in INITIAL.items():
    add_case(f"keras.layers.{_name}", _fn, grad=False)


# ---- Dense over other ranks, Conv2D and pooling with padding='same' and strides ---------------
def _ones_dense(tf, x):
    return tf.keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")(x)


add_case("keras.layers.Dense/rule_rank3_input", _ones_dense, f32(2, 3, 4, seed=11))
add_case("keras.layers.Dense/rule_rank1_input", _ones_dense, f32(4, seed=12), op="dense")


def _conv(tf, x, padding, strides, size=3):
    kernel = spread((size, size, int(x.shape[-1]), 2), seed=13)
    return tf.keras.layers.Conv2D(2, size, strides=strides, padding=padding,
                                  kernel_initializer=tf.constant_initializer(kernel),
                                  bias_initializer="zeros")(x)


CONVOLUTIONS = {
    "same_stride2_odd": ((1, 5, 5, 1), "same", 2),
    "same_stride2_even": ((1, 6, 6, 2), "same", 2),
    "same_stride3_size7": ((2, 7, 7, 1), "same", 3),
    "valid_stride2_odd": ((1, 5, 5, 1), "valid", 2),
    "same_strides_2_1": ((1, 5, 4, 1), "same", (2, 1)),
}
for _name, (_shape, _padding, _strides) in CONVOLUTIONS.items():
    add_case(f"keras.layers.Conv2D/rule_{_name}",
             lambda tf, x, _p=_padding, _s=_strides: _conv(tf, x, _p, _s), f32(*_shape, seed=14))

POOLS = {
    "MaxPooling2D/rule_same_stride2_odd": (lambda tf, x: tf.keras.layers.MaxPooling2D(
        2, padding="same")(x), (1, 5, 5, 2)),
    "AveragePooling2D/rule_same_stride2_odd": (lambda tf, x: tf.keras.layers.AveragePooling2D(
        2, padding="same")(x), (1, 5, 5, 2)),
    "MaxPooling2D/rule_pool3_stride2_valid": (lambda tf, x: tf.keras.layers.MaxPooling2D(
        3, strides=2)(x), (1, 7, 7, 1)),
    "GlobalAveragePooling2D/rule_keepdims": (lambda tf, x: [
        tf.keras.layers.GlobalAveragePooling2D(keepdims=True)(x),
        tf.keras.layers.GlobalAveragePooling2D()(x)], (2, 3, 4, 5)),
    "GlobalMaxPooling2D/rule_keepdims": (lambda tf, x: tf.keras.layers.GlobalMaxPooling2D(
        keepdims=True)(x), (2, 3, 4, 5)),
}
for _name, (_fn, _shape) in POOLS.items():
    add_case(f"keras.layers.{_name}", _fn, f32(*_shape, seed=15))


# ---- metrics: before any update, after reset_state ---------------------------------------------
def _metric_life(make, y_true, y_pred):
    """[result before any update, after two updates, after reset_state, after one more]."""
    def run(tf):
        metric = make(tf)
        results = [metric.result()]
        metric.update_state(tf.constant(y_true), tf.constant(y_pred))
        metric.update_state(tf.constant(y_true[:1]), tf.constant(y_pred[:1]))
        results.append(metric.result())
        metric.reset_state()
        results.append(metric.result())
        metric.update_state(tf.constant(y_true[1:]), tf.constant(y_pred[1:]))
        return results + [metric.result(), [v.numpy() for v in metric.variables]]
    return run


LABELS = np.array([0, 2, 1], np.int64)
SCORES = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1]], np.float32)
BINARY = np.array([[1.0], [0.0], [1.0]], np.float32)
PROBS = np.array([[0.8], [0.6], [0.3]], np.float32)
METRICS = {
    "SparseCategoricalAccuracy": (lambda tf: tf.keras.metrics.SparseCategoricalAccuracy(),
                                  LABELS, SCORES),
    "BinaryAccuracy": (lambda tf: tf.keras.metrics.BinaryAccuracy(), BINARY, PROBS),
    "Precision": (lambda tf: tf.keras.metrics.Precision(), BINARY, PROBS),
    "Recall": (lambda tf: tf.keras.metrics.Recall(), BINARY, PROBS),
    "MeanSquaredError": (lambda tf: tf.keras.metrics.MeanSquaredError(), BINARY, PROBS),
    "RootMeanSquaredError": (lambda tf: tf.keras.metrics.RootMeanSquaredError(), BINARY, PROBS),
}
for _name, (_make, _y, _p) in METRICS.items():
    add_case(f"keras.metrics.{_name}/rule_result_before_and_after_reset",
             _metric_life(_make, _y, _p), grad=False)


def _mean_of_nothing_and_weights(tf):
    metric = tf.keras.metrics.Mean()
    empty = metric.result()
    metric.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 3.0])
    weighted = metric.result()
    metric.update_state(tf.zeros((0,)))
    return [empty, weighted, metric.result(), metric.result().dtype.name]


add_case("keras.metrics.Mean/rule_empty_and_weighted", _mean_of_nothing_and_weights, grad=False)


# ---- an unbuilt model's summary ---------------------------------------------------------------
def _unbuilt_summary(tf):
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(2)], name="unbuilt")
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    text = "\n".join(lines).splitlines()
    rows = [[" ? " in line or "│ ?" in line, "0 (unbuilt)" in line] for line in text
            if "(Dense)" in line]
    totals = [line.strip() for line in text
              if line.strip().startswith(("Total params", "Trainable params", "Non-trainable",
                                          'Model: "'))]
    return [rows, totals, model.built]


add_case("keras.Model.summary/rule_unbuilt", _unbuilt_summary, grad=False)


# ---- Dataset.batch's drop_remainder, shuffle's seeds ------------------------------------------
def _batches(tf, drop):
    dataset = tf.data.Dataset.range(10).batch(4, drop_remainder=drop)
    return [[b.numpy().tolist() for b in dataset], dataset.element_spec.shape.as_list(),
            int(dataset.cardinality())]


add_case("data.Dataset.batch/rule_drop_remainder", lambda tf: [_batches(tf, True),
                                                               _batches(tf, False)], grad=False)


def _order(dataset) -> list:
    return [int(x) for x in dataset]


def _shuffle_rules(tf):
    """What holds of shuffle's orders in TF: a seed gives one order to each new dataset made
    with it, epochs differ unless reshuffle_each_iteration=False, every element comes once."""
    seeded = tf.data.Dataset.range(20).shuffle(20, seed=7)
    again = tf.data.Dataset.range(20).shuffle(20, seed=7)
    fixed = tf.data.Dataset.range(20).shuffle(20, seed=7, reshuffle_each_iteration=False)
    first, second = _order(seeded), _order(seeded)
    return [first == _order(again), first != second, _order(fixed) == _order(fixed),
            sorted(first) == list(range(20)), first != list(range(20)),
            _order(tf.data.Dataset.range(5).shuffle(1)) == list(range(5))]


def _global_seed_rules(tf):
    """tf.random.set_seed then shuffle without its own seed: the same two orders again after
    setting the seed again; two datasets made after one set_seed differ."""
    def two():
        return (_order(tf.data.Dataset.range(20).shuffle(20)),
                _order(tf.data.Dataset.range(20).shuffle(20)))
    tf.random.set_seed(3)
    a, b = two()
    tf.random.set_seed(3)
    c, d = two()
    return [a == c, b == d, a != b]


add_case("data.Dataset.shuffle/rule_seed_determinism", _shuffle_rules, grad=False)
add_case("data.Dataset.shuffle/rule_global_seed", _global_seed_rules, grad=False, fresh=True)


# ---- compile and fit arguments a student types from the lectures ------------------------------
X_FIT = spread((8, 3), seed=21)
Y_SPARSE = np.array([0, 1, 2, 1, 0, 2, 2, 1], np.int64)


def _classifier(tf, loss="sparse_categorical_crossentropy", **compile_args):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        3, activation="softmax", kernel_initializer=tf.constant_initializer(
            spread((3, 3), seed=22)), bias_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss=loss, **compile_args)
    return model


def _history(history) -> dict:
    return {key: np.array(values, np.float32) for key, values in history.history.items()}


def _fit_class_weight(one_hot):
    def run(tf):
        y = np.eye(3, dtype=np.float32)[Y_SPARSE] if one_hot else Y_SPARSE
        model = _classifier(tf, "categorical_crossentropy" if one_hot
                            else "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(X_FIT, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                            class_weight={0: 1.0, 1: 3.0, 2: 0.5})
        return [model.get_weights(), _history(history)]
    return run


def _fit_class_and_sample_weight(tf):
    model = _classifier(tf)
    return model.fit(X_FIT, Y_SPARSE, verbose=0, class_weight={0: 2.0},
                     sample_weight=np.ones(8, np.float32))


def _weighted_metrics(tf):
    model = _classifier(tf, metrics=["accuracy"], weighted_metrics=["accuracy"])
    history = model.fit(X_FIT, Y_SPARSE, batch_size=4, epochs=1, shuffle=False, verbose=0,
                        sample_weight=spread((8,), seed=23, low=0.0, high=2.0))
    return sorted(history.history)


def _loss_weights(tf):
    model = _classifier(tf, loss_weights=2.0)
    history = model.fit(X_FIT, Y_SPARSE, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return [model.get_weights(), _history(history)]


def _compile_runtime_arguments(tf):
    model = _classifier(tf, metrics=["accuracy"], run_eagerly=True, jit_compile=False,
                        steps_per_execution=2)
    history = model.fit(X_FIT, Y_SPARSE, batch_size=2, epochs=2, shuffle=False, verbose=0)
    return [model.get_weights(), _history(history)]


def _history_object(tf):
    model = _classifier(tf, metrics=["accuracy"])
    history = model.fit(X_FIT, Y_SPARSE, batch_size=4, epochs=3, initial_epoch=1,
                        validation_split=0.25, shuffle=False, verbose=0)
    return [history.epoch, sorted(history.history), history.params]


def _no_epochs(tf):
    model = _classifier(tf)
    history = model.fit(X_FIT, Y_SPARSE, epochs=0, verbose=0)
    return [history.history, history.epoch, model.get_weights()]


def _mae_on_class_labels(tf):
    """'mae' among a classifier's metrics: labels (8,) against probabilities (8, 3)."""
    model = _classifier(tf, metrics=["mae", "acc"])
    return model.fit(X_FIT, Y_SPARSE, batch_size=8, epochs=1, shuffle=False, verbose=0)


def _metric_names(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=[   # 'mae' twice: how is it shown?
        "mae", "mse", tf.keras.metrics.RootMeanSquaredError(), "mae"])
    model.fit(X_FIT, X_FIT[:, :1], batch_size=8, epochs=1, shuffle=False, verbose=0)
    logs = model.evaluate(X_FIT, X_FIT[:, :1], verbose=0, return_dict=True)
    return {key: np.float32(value) for key, value in logs.items()}


def _large_batch_and_predict(tf):
    model = _classifier(tf)
    history = model.fit(X_FIT, Y_SPARSE, batch_size=100, epochs=1, shuffle=False, verbose=0)
    return [_history(history), model.predict(X_FIT, batch_size=3, verbose=0)]


FIT = {
    "fit/rule_class_weight_sparse": _fit_class_weight(one_hot=False),
    "fit/rule_class_weight_one_hot": _fit_class_weight(one_hot=True),
    "fit/rule_weighted_metrics": _weighted_metrics,
    "fit/rule_loss_weights_single_output": _loss_weights,
    "fit/rule_compile_run_eagerly_jit_steps_per_execution": _compile_runtime_arguments,
    "fit/rule_history_initial_epoch_validation_split": _history_object,
    "fit/rule_no_epochs": _no_epochs,
    "fit/rule_metric_names": _metric_names,
    "fit/rule_batch_larger_than_data": _large_batch_and_predict,
}
for _name, _fn in FIT.items():
    add_case(f"keras.Model.{_name}", _fn, grad=False)
add_case("keras.Model.fit/rule_class_weight_with_sample_weight", _fit_class_and_sample_weight,
         grad=False, op="class_weight")
add_case("keras.Model.fit/rule_mae_on_class_labels", _mae_on_class_labels, grad=False,
         op="mean_absolute_error")


# ---- layers and activations as a student writes them ------------------------------------------
def _dropout_rules(tf, x):
    layer = tf.keras.layers.Dropout(0.5)
    tf.random.set_seed(1)
    dropped = layer(x, training=True).numpy()
    kept = dropped[dropped != 0]
    return [layer(x), layer(x, training=False), bool(np.allclose(kept, 2 * x.numpy()[
        dropped != 0])), bool(0 < (dropped == 0).mean() < 1)]


def _batch_norm_in_fit(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X_FIT, X_FIT[:, :1], batch_size=4, epochs=1, shuffle=False, verbose=0)
    norm = model.layers[0]
    return [norm.moving_mean, norm.moving_variance, norm.gamma, norm.beta,
            model.predict(X_FIT[:2], verbose=0)]


def _l2_losses(tf, x):
    layer = tf.keras.layers.Dense(2, kernel_initializer="ones", use_bias=False,
                                  kernel_regularizer=tf.keras.regularizers.l2(0.01))
    out = layer(x)
    return [out, layer.losses, len(layer.weights)]


LAYERS = {
    "Dropout/rule_training_flag": (_dropout_rules, (f32(4, 5, seed=31, low=0.5, high=1.5),)),
    "LayerNormalization/rule_defaults": (lambda tf, x: [
        tf.keras.layers.LayerNormalization()(x),
        float(tf.keras.layers.LayerNormalization().epsilon)], (f32(2, 3, 4, seed=32),)),
    "Flatten/rule_rank4": (lambda tf, x: tf.keras.layers.Flatten()(x), (f32(2, 3, 2, 2),)),
    "Reshape/rule_minus_one": (lambda tf, x: tf.keras.layers.Reshape((-1, 2))(x),
                               (f32(2, 3, 4),)),
    "Activation/rule_softmax_rank3": (lambda tf, x: tf.keras.layers.Activation("softmax")(x),
                                      (f32(2, 3, 4, seed=33),)),
    "ReLU/rule_max_value_negative_slope": (lambda tf, x: [
        tf.keras.layers.ReLU(max_value=1.0)(x), tf.keras.layers.ReLU(negative_slope=0.1)(x)],
        (f32(2, 5, seed=34),)),
    "Dense/rule_l2_regularizer_losses": (_l2_losses, (f32(3, 4, seed=35),)),
    "Dense/rule_activation_gelu": (lambda tf, x: tf.keras.layers.Dense(
        2, activation="gelu", kernel_initializer="ones")(x), (f32(3, 4, seed=36),)),
    "Dense/rule_activation_hard_sigmoid": (lambda tf, x: tf.keras.layers.Dense(
        2, activation="hard_sigmoid", kernel_initializer="ones")(x), (f32(3, 4, seed=37),)),
}
for _name, (_fn, _inputs) in LAYERS.items():
    add_case(f"keras.layers.{_name}", _fn, *_inputs,
             grad=not _name.startswith(("Dropout", "Dense/rule_l2")))
add_case("keras.layers.BatchNormalization/rule_moving_statistics_in_fit", _batch_norm_in_fit,
         grad=False)
add_case("keras.utils.to_categorical/rule_dtype_and_classes", lambda tf: [
    tf.keras.utils.to_categorical(np.array([0, 2, 1]), num_classes=4),
    tf.keras.utils.to_categorical(np.array([[1], [0]]))], grad=False, op="to_categorical")
