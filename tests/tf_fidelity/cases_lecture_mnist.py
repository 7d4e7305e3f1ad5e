"""Cases hunted in the MNIST CNN lecture's surface: fit's validation (split, data as a list
or a dataset), the metric names `accuracy` resolves to in history, evaluate's return forms,
predict's batch_size, Sequential.add/pop, `trainable = False` and fit, get_weights/
set_weights, to_categorical and one_hot, and the argmax/equal/reduce_mean accuracy idiom
with the dtypes a student's labels come in. Registered into `cases.CASES` (cases.py imports
this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, spread
from .cases_lecture_training import X, Y, _small_classifier

IMAGES = spread((8, 6, 6, 1), seed=31, low=0.0, high=1.0)
IMAGE_LABELS = (np.arange(8) % 3).astype(np.int32)
LOGITS = spread((6, 3), seed=5)


def _cnn(tf):
    return tf.keras.Sequential([
        tf.keras.Input((6, 6, 1)),
        tf.keras.layers.Conv2D(2, 3, activation="relu", kernel_initializer="ones"),
        tf.keras.layers.MaxPooling2D(), tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(3, activation="softmax", kernel_initializer="ones")])


def _fit(model, x=X, y=Y, **options):
    options = {"epochs": 1, "verbose": 0, "shuffle": False, **options}
    return model.fit(x, y, **options)


# ---- fit's history: the names `accuracy` resolves to, validation, epochs -----------------------
def _history_of(tf, metrics, loss=None, y=Y, **options):
    model = _small_classifier(tf, metrics=metrics)
    if loss is not None:
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss=loss, metrics=list(metrics))
    history = _fit(model, y=y, **options)
    return {key: np.array(values, np.float32) for key, values in history.history.items()}


def _binary_accuracy(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        1, activation="sigmoid", kernel_initializer="ones")])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    history = _fit(model, y=(Y > 0).astype(np.float32))
    return {key: np.array(values, np.float32) for key, values in history.history.items()}


def _history_params(tf):
    history = _fit(_small_classifier(tf), epochs=2, batch_size=4)
    return [sorted(history.params.items()), history.epoch, history.model is not None]


def _validation_data_dataset(tf):
    valid = tf.data.Dataset.from_tensor_slices((X[:4], Y[:4])).batch(2)
    return sorted(_fit(_small_classifier(tf), validation_data=valid).history)


def _restore_best(tf):
    model = _small_classifier(tf)
    stopper = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=0,
                                               restore_best_weights=True)
    history = _fit(model, epochs=20, validation_data=(X[:3], (Y[:3] + 1) % 3),
                   callbacks=[stopper])
    return [stopper.stopped_epoch, history.epoch, float(stopper.best), model.weights[0]]


HISTORY = {
    "keras.Model.fit/hunt_acc_with_loss_string": lambda tf: _history_of(
        tf, ("acc",), "sparse_categorical_crossentropy"),
    "keras.Model.fit/hunt_two_accuracy_names": lambda tf: _history_of(
        tf, ("sparse_categorical_accuracy", "accuracy")),
    "keras.Model.fit/hunt_accuracy_with_categorical_loss": lambda tf: _history_of(
        tf, ("accuracy",), "categorical_crossentropy", y=np.eye(3, dtype=np.float32)[Y],
        epochs=2, batch_size=5),
    "keras.Model.fit/hunt_accuracy_with_binary_loss": _binary_accuracy,
    "keras.Model.fit/hunt_history_params": _history_params,
    "keras.Model.fit/hunt_validation_split_one": lambda tf: _history_of(
        tf, ("accuracy",), validation_split=1.0),
    "keras.Model.fit/hunt_validation_split_dataset": lambda tf: _small_classifier(tf).fit(
        tf.data.Dataset.from_tensor_slices((X, Y)).batch(5), validation_split=0.2,
        verbose=0).history,
    "keras.Model.fit/hunt_validation_data_list": lambda tf: _history_of(
        tf, ("accuracy",), validation_data=[X[:4], Y[:4]]),
    "keras.Model.fit/hunt_validation_data_dataset": _validation_data_dataset,
    "keras.Model.fit/hunt_epochs_zero": lambda tf: [
        (history := _fit(_small_classifier(tf), epochs=0)).history, history.epoch],
    "keras.Model.fit/hunt_initial_epoch": lambda tf: _fit(
        _small_classifier(tf), epochs=3, initial_epoch=1).epoch,
    "keras.Model.fit/hunt_float_sparse_labels": lambda tf: _history_of(
        tf, ("accuracy",), y=Y.astype(np.float32)),
    "keras.callbacks.EarlyStopping/hunt_restore_best_stopped_epoch": _restore_best,
}
HISTORY_OPS = {"keras.Model.fit/hunt_validation_split_one": "validation_split",
               "keras.Model.fit/hunt_validation_split_dataset": "validation_split"}
for _name, _fn in HISTORY.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5, op=HISTORY_OPS.get(_name))


# ---- evaluate's and predict's return forms -----------------------------------------------------
def _type_and_value(result):
    return [type(result).__name__, result]


def _mnist_cnn(tf):
    model = _cnn(tf)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = _fit(model, IMAGES, IMAGE_LABELS, epochs=2, batch_size=4, validation_split=0.25)
    return [{key: np.array(values, np.float32) for key, values in history.history.items()},
            {key: np.array(value, np.float32) for key, value in model.evaluate(
                IMAGES, IMAGE_LABELS, verbose=0, return_dict=True).items()}]


def _uint8_images(tf):
    model = _cnn(tf)
    model.compile("sgd", "sparse_categorical_crossentropy")
    return np.array(_fit(model, (IMAGES * 255).astype(np.uint8), IMAGE_LABELS).history["loss"],
                    np.float32)


def _cnn_predict(tf):
    probabilities = _cnn(tf).predict(IMAGES, batch_size=3, verbose=0)
    return [type(probabilities).__name__, np.argmax(probabilities, axis=1),
            probabilities.sum(axis=1)]


RESULTS = {
    "keras.Model.evaluate/hunt_no_metrics": lambda tf: _type_and_value(
        _small_classifier(tf, metrics=()).evaluate(X, Y, verbose=0)),
    "keras.Model.evaluate/hunt_with_metrics": lambda tf: _type_and_value(
        _small_classifier(tf).evaluate(X, Y, verbose=0)),
    "keras.Model.evaluate/hunt_return_dict_no_metrics": lambda tf: _small_classifier(
        tf, metrics=()).evaluate(X, Y, verbose=0, return_dict=True),
    "keras.Model.evaluate/hunt_batch_size_zero": lambda tf: _small_classifier(tf).evaluate(
        X, Y, batch_size=0, verbose=0),
    "keras.Model.predict/hunt_batch_size": lambda tf: _small_classifier(tf).predict(
        X, batch_size=3, verbose=0),
    "keras.Model.predict/hunt_batch_size_zero": lambda tf: _small_classifier(tf).predict(
        X, batch_size=0, verbose=0),
    "keras.Model.predict/hunt_dataset": lambda tf: _small_classifier(tf).predict(
        tf.data.Dataset.from_tensor_slices(X).batch(4), verbose=0),
    "keras.Sequential/hunt_mnist_cnn_fit": _mnist_cnn,
    "keras.Sequential/hunt_mnist_cnn_predict": _cnn_predict,
    "keras.Sequential/hunt_uint8_images": _uint8_images,
}
RESULT_OPS = {"keras.Model.evaluate/hunt_batch_size_zero": "batch_size",
              "keras.Model.predict/hunt_batch_size_zero": "batch_size"}
for _name, _fn in RESULTS.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5, op=RESULT_OPS.get(_name))


# ---- Sequential.add/pop, trainable, get_weights/set_weights -------------------------------------
def _popped(tf):
    model = _small_classifier(tf)
    model.pop()
    return [len(model.layers), model.predict(X[:2], verbose=0)]


def _added_after_compile(tf):
    model = _small_classifier(tf)
    model.add(tf.keras.layers.Dense(2, kernel_initializer="ones"))
    return model.predict(X[:2], verbose=0)


def _frozen_then_compiled(tf):
    model = _small_classifier(tf)
    model.layers[0].trainable = False
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    _fit(model)
    return [len(model.trainable_weights), len(model.non_trainable_weights), model.get_weights()]


def _frozen_after_compile(tf):
    model = _small_classifier(tf)
    model.layers[0].trainable = False
    _fit(model)
    return model.get_weights()


def _model_frozen(tf):
    model = _small_classifier(tf)
    model.trainable = False
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    _fit(model)
    return [len(model.trainable_weights), model.get_weights()]


def _batch_norm_order(tf):
    model = tf.keras.Sequential([tf.keras.Input((6, 6, 1)), tf.keras.layers.Conv2D(2, 3),
                                 tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(3)])
    return [[list(w.shape) for w in model.get_weights()],
            [w.name.split("/")[-1].split(":")[0] for w in model.weights]]


def _set_weights_transposed(tf):
    model = _small_classifier(tf)
    weights = model.get_weights()
    model.set_weights([weights[0].T] + weights[1:])


LAYERS = {
    "keras.Sequential/hunt_pop": _popped,
    "keras.Sequential/hunt_pop_empty": lambda tf: tf.keras.Sequential().pop(),
    "keras.Sequential/hunt_add_after_compile": _added_after_compile,
    "keras.Sequential/hunt_add_string": lambda tf: tf.keras.Sequential().add("dense"),
    "keras.layers.Layer/hunt_trainable_false_then_compile": _frozen_then_compiled,
    "keras.layers.Layer/hunt_trainable_false_after_compile": _frozen_after_compile,
    "keras.Model/hunt_trainable_false": _model_frozen,
    "keras.Model.get_weights/hunt_batch_norm_order": _batch_norm_order,
    "keras.Model.set_weights/hunt_too_few": lambda tf: (model := _small_classifier(
        tf)).set_weights(model.get_weights()[:3]),
    "keras.Model.set_weights/hunt_transposed_kernel": _set_weights_transposed,
    "keras.layers.Dense.set_weights/hunt_transposed_kernel": lambda tf: _small_classifier(
        tf).layers[0].set_weights([np.ones((4, 3), np.float32), np.ones(4, np.float32)]),
}
LAYER_OPS = {"keras.Model.set_weights/hunt_transposed_kernel": "weight",
             "keras.layers.Dense.set_weights/hunt_transposed_kernel": "weight"}
for _name, _fn in LAYERS.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5, op=LAYER_OPS.get(_name))


# ---- labels: to_categorical, one_hot, and the accuracy idiom -------------------------------------
LABELS = {
    "one_hot/hunt_forms": lambda tf: [
        tf.one_hot([0, 2, -1, 5], 3), tf.one_hot([1, 0], 3, on_value=5.0, off_value=-1.0),
        tf.one_hot([1, 0], 3, axis=0), tf.one_hot(np.array([1, 2], np.int64), 3,
                                                  dtype=tf.int32)],
    "keras.utils.to_categorical/hunt_float_labels": lambda tf: tf.keras.utils.to_categorical(
        [1.0, 2.0, 0.0]),
    "keras.utils.to_categorical/hunt_label_past_num_classes": lambda tf:
        tf.keras.utils.to_categorical([0, 5], num_classes=3),
    "argmax/hunt_accuracy_idiom": lambda tf: [
        prediction := tf.argmax(tf.constant(LOGITS), axis=1),
        tf.reduce_mean(tf.cast(tf.equal(prediction, tf.constant(np.arange(6) % 3)),
                               tf.float32))],
    "equal/hunt_argmax_against_int32_labels": lambda tf: tf.equal(
        tf.argmax(tf.constant(LOGITS), axis=1), tf.constant(Y[:6])),
    "argmax/hunt_output_type_int32_accuracy": lambda tf: tf.reduce_mean(tf.cast(tf.equal(
        tf.argmax(tf.constant(LOGITS), axis=1, output_type=tf.int32), tf.constant(Y[:6])),
        tf.float32)),
    "equal/hunt_argmax_against_numpy_labels": lambda tf: tf.equal(
        tf.argmax(tf.constant(LOGITS), 1), np.arange(6) % 3),
    "reduce_mean/hunt_bool": lambda tf: tf.reduce_mean(tf.constant([True, False])),
    "reduce_mean/hunt_int_accuracy": lambda tf: tf.reduce_mean(tf.constant([1, 0, 1, 1])),
}
for _name, _fn in LABELS.items():
    add_case(_name, _fn, grad=False)
