"""More of the MNIST CNN lecture's surface, hunted: the callbacks (EarlyStopping without
validation or on val_accuracy, validation_freq, a History given, stop_training from a
LambdaCallback, ModelCheckpoint's best weights loaded back), compile's optimizer strings,
Keras 2's input_shape= on a first layer, float64 pixels, the feature maps of a CNN's layers
as a Model's outputs, get_layer, a grayscale batch without its channel axis, and
steps_per_epoch (an epoch goes on where the last one stopped).
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import os
import tempfile
import warnings

import numpy as np

from .cases import add_case, spread
from .cases_lecture_mnist import IMAGE_LABELS, IMAGES, _cnn, _fit
from .cases_lecture_training import X, Y, _small_classifier


# ---- callbacks ---------------------------------------------------------------------------------
def _early_stopping_without_validation(tf):
    stopper = tf.keras.callbacks.EarlyStopping(patience=1)   # monitors val_loss, never logged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = _fit(_small_classifier(tf), epochs=3, callbacks=[stopper])
    return [history.epoch, stopper.stopped_epoch]


def _early_stopping_val_accuracy(tf):
    stopper = tf.keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=1)
    history = _fit(_small_classifier(tf), epochs=6, validation_data=(X[:4], Y[:4]),
                   callbacks=[stopper])
    return [history.epoch, stopper.stopped_epoch, float(stopper.best)]


def _validation_freq(tf):
    history = _fit(_small_classifier(tf), epochs=4, validation_data=(X[:4], Y[:4]),
                   validation_freq=2)
    return {key: np.array(values, np.float32) for key, values in history.history.items()}


def _history_given(tf):
    given = tf.keras.callbacks.History()
    returned = _fit(_small_classifier(tf), epochs=2, callbacks=[given])
    return [returned is given, sorted(given.history)]


def _stop_training_from_lambda(tf):
    model = _small_classifier(tf)

    def stop_after_second(epoch, logs):
        if epoch == 1:
            model.stop_training = True
    callback = tf.keras.callbacks.LambdaCallback(on_epoch_end=stop_after_second)
    return _fit(model, epochs=5, callbacks=[callback]).epoch


def _best_weights_loaded_back(tf):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "best.weights.h5")
        checkpoint = tf.keras.callbacks.ModelCheckpoint(path, save_weights_only=True,
                                                        save_best_only=True)
        _fit(_small_classifier(tf), epochs=3, validation_data=(X[:4], Y[:4]),
             callbacks=[checkpoint])
        restored = _small_classifier(tf)
        restored.load_weights(path)
        return [float(checkpoint.best), restored.get_weights()]


CALLBACKS = {
    "keras.callbacks.EarlyStopping/hunt_without_validation": _early_stopping_without_validation,
    "keras.callbacks.EarlyStopping/hunt_val_accuracy_max": _early_stopping_val_accuracy,
    "keras.Model.fit/hunt_validation_freq": _validation_freq,
    "keras.callbacks.History/hunt_given_to_fit": _history_given,
    "keras.callbacks.LambdaCallback/hunt_stop_training": _stop_training_from_lambda,
    "keras.callbacks.ModelCheckpoint/hunt_best_weights_loaded_back": _best_weights_loaded_back,
}
for _name, _fn in CALLBACKS.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5)


# ---- compile's strings, a first layer's input_shape=, pixels, layers' outputs ------------------
def _optimizer_strings(tf):
    found = []
    for name in ("adam", "sgd", "rmsprop"):
        model = _cnn(tf)
        model.compile(optimizer=name, loss="sparse_categorical_crossentropy")
        found.append([type(model.optimizer).__name__,
                      float(model.optimizer.learning_rate.numpy())])
    return found


def _unknown_optimizer(tf):
    _cnn(tf).compile(optimizer="adamm", loss="sparse_categorical_crossentropy")


def _input_shape_keyword(tf):
    with warnings.catch_warnings():   # Keras 3 warns: use an Input(shape) object instead
        warnings.simplefilter("ignore")
        model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=(6, 6)),
            tf.keras.layers.Dense(3, kernel_initializer="ones")])
    return [model.built, model.count_params(), model(IMAGES[..., 0])]


def _float64_pixels(tf):
    model = _small_classifier(tf)
    history = _fit(model, x=X.astype(np.float64))
    return [np.array(history.history["loss"], np.float32),
            model.predict(X.astype(np.float64), verbose=0)]


def _feature_maps(tf):
    model = _cnn(tf)
    maps = tf.keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    return maps.predict(IMAGES[:2], verbose=0)


def _get_layer(tf):
    model = _cnn(tf)
    return [model.get_layer(index=0) is model.layers[0],
            model.get_layer(model.layers[1].name) is model.layers[1]]


def _labels_one_short(tf):
    _small_classifier(tf).fit(X, Y[:9], verbose=0)


def _grayscale_without_channel_axis(tf):
    model = _cnn(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    return np.array(_fit(model, IMAGES[..., 0], IMAGE_LABELS).history["loss"], np.float32)


MODELS = {
    "keras.Model.compile/hunt_optimizer_strings": _optimizer_strings,
    "keras.Model.compile/hunt_unknown_optimizer": _unknown_optimizer,
    "keras.layers.Flatten/hunt_input_shape_keyword": _input_shape_keyword,
    "keras.Model.fit/hunt_float64_inputs": _float64_pixels,
    "keras.Model/hunt_feature_maps": _feature_maps,
    "keras.Model.get_layer/hunt_by_index_and_name": _get_layer,
    "keras.Model.get_layer/hunt_missing_name": lambda tf: _cnn(tf).get_layer("nope"),
    "keras.Model.get_layer/hunt_index_past_end": lambda tf: _cnn(tf).get_layer(index=9),
    "keras.Model.fit/hunt_labels_one_short": _labels_one_short,
    "keras.Sequential/hunt_grayscale_without_channel_axis": _grayscale_without_channel_axis,
}
MODEL_OPS = {"keras.Model.compile/hunt_unknown_optimizer": "adamm",
             "keras.Model.get_layer/hunt_missing_name": "nope",
             "keras.Model.get_layer/hunt_index_past_end": "9",
             "keras.Model.fit/hunt_labels_one_short": "cardinality"}
for _name, _fn in MODELS.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5, op=MODEL_OPS.get(_name))


# ---- steps_per_epoch: an epoch goes on where the last stopped ----------------------------------
def _epochs_of(tf, data, **options):
    """Each epoch's batch count and loss, the model's weights fixed (a learning rate of 0), so
    the loss tells which batches an epoch saw."""
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(3)])
    model.set_weights([spread((3, 3), seed=9), np.zeros(3, np.float32)])
    model.compile(tf.keras.optimizers.SGD(0.0),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    counts = []
    counter = tf.keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: counts.append(0),
        on_train_batch_end=lambda batch, logs: counts.__setitem__(-1, counts[-1] + 1))
    with warnings.catch_warnings():   # Keras 3: "your input ran out of data"
        warnings.simplefilter("ignore")
        history = model.fit(*data, callbacks=[counter], verbose=0, **options)
    return [counts, np.array(history.history["loss"], np.float32)]


def _batched(tf):
    return tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)


STEPS = {
    "repeated_dataset": lambda tf: _epochs_of(tf, (_batched(tf).repeat(),), steps_per_epoch=2,
                                              epochs=3),
    "dataset_shorter_than_the_epochs": lambda tf: _epochs_of(tf, (_batched(tf),),
                                                             steps_per_epoch=2, epochs=3),
    "dataset_of_exactly_the_steps": lambda tf: _epochs_of(tf, (_batched(tf),),
                                                          steps_per_epoch=3, epochs=2),
    "dataset_of_unknown_length": lambda tf: _epochs_of(tf, (tf.data.Dataset.from_tensor_slices(
        (X, Y)).filter(lambda x, y: y >= 0).batch(4),), steps_per_epoch=2, epochs=3),
    "arrays": lambda tf: _epochs_of(tf, (X, Y), batch_size=4, steps_per_epoch=2, epochs=3,
                                    shuffle=False),
}
for _name, _fn in STEPS.items():
    add_case(f"keras.Model.fit/hunt_steps_per_epoch_{_name}", _fn, grad=False, rtol=1e-4,
             atol=1e-5)


# ---- compile given a class where an instance goes -----------------------------------------------
def _compiled_with_class(tf, **given):
    model = _cnn(tf)
    arguments = {"optimizer": "sgd", "loss": "sparse_categorical_crossentropy", **given}
    model.compile(**arguments)
    return np.array(_fit(model, IMAGES, IMAGE_LABELS).history["loss"], np.float32)


CLASSES = {
    "loss": lambda tf: _compiled_with_class(
        tf, loss=tf.keras.losses.SparseCategoricalCrossentropy),
    "optimizer": lambda tf: _compiled_with_class(tf, optimizer=tf.keras.optimizers.Adam),
    "metric": lambda tf: _compiled_with_class(
        tf, metrics=[tf.keras.metrics.SparseCategoricalAccuracy]),
}
for _name, _fn in CLASSES.items():
    add_case(f"keras.Model.compile/hunt_{_name}_class_for_instance", _fn, grad=False,
             rtol=1e-4, atol=1e-5, op=_name)


# ---- Keras 2's attributes a lecture's printouts read -------------------------------------------
add_case("keras.layers.Layer/hunt_output_shape", lambda tf: [
    list(layer.output_shape) for layer in _cnn(tf).layers], grad=False)
add_case("keras.Sequential/hunt_input_and_output", lambda tf: [
    list((model := _cnn(tf)).input.shape), list(model.output.shape)], grad=False)
