"""What a TF 2.21 / Keras 3 user sees printed: fit's progress bar (verbose=1 and 2, two
epochs with validation_data) and summary() (before and after build, a CNN, a functional
model), for a small Dense model and a guide-style CNN. The text is compared as the user
reads it: Keras 3's ANSI styles dropped, each line as its last '\\r' redraw left it, times
(which vary) written as T, and an 80-column terminal (Jupyter's, and any pipe's, width).
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import contextlib
import io
import os
import re

import numpy as np

from .cases import add_case, spread

X = spread((8, 3), seed=3)
Y = spread((8, 1), seed=4)
IMAGES = spread((6, 6, 6, 1), seed=8, low=0.0, high=1.0)
LABELS = np.array([0, 1, 2, 1, 0, 2], np.int32)


def seen_text(printed: str) -> list:
    """The lines a terminal or notebook shows for `printed`, times masked as T."""
    printed = re.sub(r"\x1b\[[0-9;]*m", "", printed).replace("\b", "")
    lines = [line.split("\r")[-1].rstrip() for line in printed.split("\n")]
    return [re.sub(r"\d+(ms|us|s)\b", "T", line) for line in lines if line]


@contextlib.contextmanager
def _eighty_columns():
    """An 80-column terminal, as Jupyter's kernel and a pipe report (COLUMNS unset)."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _printed(action) -> list:
    printed = io.StringIO()
    with _eighty_columns(), contextlib.redirect_stdout(printed):
        action()
    return seen_text(printed.getvalue())


def _dense(tf, build=True):
    fixed = tf.constant_initializer
    layers = [tf.keras.layers.Dense(4, activation="relu", kernel_initializer=fixed(
        spread((3, 4), seed=5))), tf.keras.layers.Dense(1, kernel_initializer=fixed(
            spread((4, 1), seed=6)))]
    return tf.keras.Sequential(([tf.keras.Input((3,))] if build else []) + layers)


def _cnn(tf):
    fixed = tf.constant_initializer
    return tf.keras.Sequential([
        tf.keras.Input((6, 6, 1)),
        tf.keras.layers.Conv2D(2, 3, activation="relu", kernel_initializer=fixed(
            spread((3, 3, 1, 2), seed=9, low=-0.5, high=0.5))),
        tf.keras.layers.MaxPooling2D(), tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(3, kernel_initializer=fixed(spread((8, 3), seed=10, low=-0.5,
                                                                 high=0.5)))])


def _functional(tf):
    inputs = tf.keras.Input((3,), name="features")
    hidden = tf.keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1, name="out")(hidden), name="reg")


def _fit_dense(tf, verbose):
    model = _dense(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return _printed(lambda: model.fit(X, Y, batch_size=4, epochs=2, shuffle=False,
                                      validation_data=(X[:4], Y[:4]), verbose=verbose))


def _fit_cnn(tf, verbose):
    model = _cnn(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return _printed(lambda: model.fit(IMAGES, LABELS, batch_size=4, epochs=2, shuffle=False,
                                      validation_data=(IMAGES[:3], LABELS[:3]),
                                      verbose=verbose))


def _summary_before_and_after_build(tf):
    model = _dense(tf, build=False)
    before = [line for line in _printed(model.summary)   # tapeviz's own hint below the table
              if not line.startswith("The model is not built")]   # (a deliberate addition)
    model.build((None, 3))
    return [before, _printed(model.summary)]


for _verbose in (1, 2):
    add_case(f"keras.Model.fit/printed_dense_verbose_{_verbose}",
             lambda tf, verbose=_verbose: _fit_dense(tf, verbose), grad=False)
    add_case(f"keras.Model.fit/printed_cnn_verbose_{_verbose}",
             lambda tf, verbose=_verbose: _fit_cnn(tf, verbose), grad=False)
add_case("keras.Model.summary/printed_before_and_after_build", _summary_before_and_after_build,
         grad=False)
add_case("keras.Model.summary/printed_cnn", lambda tf: _printed(_cnn(tf).summary), grad=False)
add_case("keras.Model.summary/printed_functional", lambda tf: _printed(_functional(tf).summary),
         grad=False)


def _branched(tf):
    """Two inputs, a shared layer called twice, a merge: Keras 3 adds 'Connected to'."""
    layers = tf.keras.layers
    a, b = tf.keras.Input((3,), name="a"), tf.keras.Input((2,), name="b")
    joined = layers.Concatenate(name="cat")([layers.Dense(4, name="ha")(a),
                                             layers.Dense(4, name="hb")(b)])
    shared = layers.Dense(2, name="shared")
    return tf.keras.Model([a, b], layers.Add(name="add")([shared(joined), shared(joined)]),
                          name="two")


def _heads(tf):
    """One trunk, two output heads: rows in Keras's order (farthest from the outputs first)."""
    x = tf.keras.Input((4,), name="x")
    trunk = tf.keras.layers.Dense(3, name="trunk")(x)
    return tf.keras.Model(x, [tf.keras.layers.Dense(1, name="head_one")(trunk),
                              tf.keras.layers.Dense(2, name="head_two")(trunk)], name="heads")


add_case("keras.Model.summary/printed_functional_branched",
         lambda tf: _printed(_branched(tf).summary), grad=False)
add_case("keras.Model.summary/printed_functional_two_heads",
         lambda tf: _printed(_heads(tf).summary), grad=False)


def _fit_generator(tf, verbose, output_shapes):
    """fit on a dataset of unknown length (a generator's): the first epoch counts its steps.
    Without output_shapes Keras 3 refuses it: its ranks are unknown."""
    def batches():
        for i in range(3):
            yield X[i * 2:i * 2 + 2], Y[i * 2:i * 2 + 2]

    data = tf.data.Dataset.from_generator(batches, output_types=(tf.float32, tf.float32),
                                          output_shapes=output_shapes)
    model = _dense(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    return _printed(lambda: model.fit(data, epochs=2, verbose=verbose))


for _verbose in (1, 2):
    add_case(f"keras.Model.fit/printed_generator_verbose_{_verbose}",
             lambda tf, verbose=_verbose: _fit_generator(tf, verbose, ((None, 3), (None, 1))),
             grad=False)
add_case("keras.Model.fit/rule_generator_of_unknown_rank",
         lambda tf: _fit_generator(tf, 2, None), grad=False)


def _evaluate_and_predict(tf, verbose):
    model = _dense(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return [_printed(lambda: model.evaluate(X, Y, batch_size=4, verbose=verbose)),
            _printed(lambda: model.predict(X, batch_size=4, verbose=verbose))]


for _verbose in (1, 2):
    add_case(f"keras.Model.evaluate/printed_with_predict_verbose_{_verbose}",
             lambda tf, verbose=_verbose: _evaluate_and_predict(tf, verbose), grad=False)


def _narrow(tf):
    """A name longer than its column: words wrapped, a longer word cut with '…', the
    header's cells at the bottom of theirs (rich's layout at line_length=40 and positions)."""
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        4, name="a_rather_long_layer_name_for_the_column")])
    return [_printed(lambda: model.summary(line_length=40)),
            _printed(lambda: model.summary(positions=[0.3, 0.6, 1.0]))]


add_case("keras.Model.summary/printed_narrow_columns", _narrow, grad=False)
