"""The tutorials a student meets after the lectures (tensorflow/docs: keras/classification,
keras/save_and_load's weights, customization/custom_training_walkthrough), their eager
cells where they touch what tapeviz covers: `tf.version.VERSION`, ModelCheckpoint's
`save_freq` in batches with `{epoch:04d}` names, a Softmax model wrapped around a trained
one. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32


def _create_model(tf):
    """save_and_load's create_model, smaller (784 -> 16 features), with fixed weights."""
    model = tf.keras.Sequential([
        tf.keras.Input((16,)),
        tf.keras.layers.Dense(8, activation="relu",
                              kernel_initializer=tf.constant_initializer(f32(16, 8, seed=2))),
        tf.keras.layers.Dense(3, kernel_initializer=tf.constant_initializer(f32(8, 3, seed=3)))])
    model.compile(optimizer="sgd",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
    return model


def _checkpoint_every_batches(tf, save_freq, name):
    """save_and_load's 'checkpoint callback options': save_freq counted in batches."""
    import contextlib
    import io
    import os
    import tempfile
    directory = tempfile.mkdtemp()
    images, labels = f32(20, 16, seed=4, low=0.0, high=1.0), np.arange(20) % 3
    model = _create_model(tf)
    model.save_weights(os.path.join(directory, name.format(epoch=0, batch=0)))
    save = tf.keras.callbacks.ModelCheckpoint(os.path.join(directory, name), verbose=1,
                                              save_weights_only=True, save_freq=save_freq)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model.fit(images, labels, epochs=4, batch_size=8, callbacks=[save], verbose=0,
                  shuffle=False)
    files = sorted(os.listdir(directory))
    fresh = _create_model(tf)
    fresh.load_weights(os.path.join(directory, files[-1]))
    lines = [line.replace(directory, "DIR") for line in printed.getvalue().splitlines() if line]
    return [files, lines, fresh.layers[-1].kernel]


def _probability_model(tf, images):
    """classification's probability_model: the trained model with a Softmax layer after."""
    model = _create_model(tf)
    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    predictions = probability_model.predict(images, verbose=0)
    single = probability_model.predict(np.expand_dims(images[1], 0), verbose=0)
    return [predictions, int(np.argmax(predictions[0])), single.shape, type(predictions).__name__]


add_case("version.VERSION/tutorial_print",
         lambda tf: [tf.version.VERSION == tf.__version__, type(tf.version.VERSION).__name__,
                     type(tf.version.GIT_VERSION).__name__], grad=False)
add_case("keras.callbacks.ModelCheckpoint/tutorial_save_freq_batches",
         lambda tf: _checkpoint_every_batches(tf, 3, "cp-{epoch:04d}.weights.h5"), grad=False)
add_case("keras.callbacks.ModelCheckpoint/tutorial_save_freq_batch_names",
         lambda tf: _checkpoint_every_batches(tf, 2, "cp-{epoch}-{batch}.weights.h5"),
         grad=False)
add_case("keras.callbacks.ModelCheckpoint/tutorial_save_freq_refused",
         lambda tf: tf.keras.callbacks.ModelCheckpoint("w.weights.h5", save_weights_only=True,
                                                       save_freq="batch"), grad=False)
add_case("keras.Sequential/tutorial_probability_model", _probability_model,
         f32(5, 16, seed=5, low=0.0, high=1.0), grad=False)


def _horsepower_model(tf, horsepower, mpg):
    """regression's horsepower_model: Normalization(input_shape=[1,], axis=None) and one
    Dense, fed a vector of single features in predict, fit and evaluate."""
    normalizer = tf.keras.layers.Normalization(input_shape=[1, ], axis=None)
    normalizer.adapt(horsepower)
    model = tf.keras.Sequential([normalizer, tf.keras.layers.Dense(
        units=1, kernel_initializer=tf.constant_initializer(0.5))])
    before = model.predict(horsepower[:4], verbose=0)
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
                  loss="mean_absolute_error")
    history = model.fit(horsepower, mpg, epochs=2, verbose=0, shuffle=False,
                        validation_split=0.2)
    line = model.predict(tf.linspace(0.0, 250, 251), verbose=0)
    return [before, tf.constant(history.history["loss"]), history.epoch, line.shape,
            model.evaluate(horsepower, mpg, verbose=0)]


add_case("keras.Sequential/tutorial_regression_one_feature_vector", _horsepower_model,
         f32(20, seed=6, low=50.0, high=200.0), f32(20, seed=7, low=10.0, high=40.0),
         grad=False)
