"""The bundled 8x8 digits classified by a Keras MLP trained with model.fit, as a first
Keras notebook writes it, `import tapeviz as tf`, under every tool. Planted bug: the pixels
fed as the bytes came, 0-255 cast to float32 with no / 255, so the first layer's outputs
reach hundreds and the first loss is ~75 where ln(10) is expected. Found as-is
(`unscaled_input`: the layer, the pixel range, the fit line, the fix) and pinned here, by
diagnose and by the Dashboard's alerts; the scaled program says nothing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose, find_nan_origin
from hunt_tools import diagnosed_clean, drawn_and_stepped, found, recorded_steps
from programs import line_of
from tf_program_tools import nothing_left_around, paused_by, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def model_of():
    return tf.keras.Sequential([tf.keras.layers.Flatten(),
                                tf.keras.layers.Dense(32, activation="relu"),
                                tf.keras.layers.Dense(10)])


def fitted(scaled=True):
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    x = images[:256].astype(np.float32)
    if scaled:
        x = x / 255.0
    model = model_of()
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, labels[:256], batch_size=64, epochs=2, verbose=0)   # FIT
    return history.history["loss"]


def test_the_scaled_program_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    (images, labels), _ = load_digits()
    model = model_of()
    with tf.GradientTape() as tape:
        tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            labels[:8], model(images[:8].astype(np.float32) / 255.0), from_logits=True))
    assert drawn_and_stepped(tape) > 0
    rec = diagnosed_clean(fitted)
    assert find_nan_origin(rec.steps[-1]) is None
    shown = trained_by_dashboard(fitted)
    assert shown["state"] == "finished" and shown["alerts"] == [], shown["alerts"]


def test_pixels_fed_unscaled_to_fit_are_said_at_the_fit_line_with_the_layer():
    losses = fitted(scaled=False)
    assert losses[0] > 10 * np.log(10)   # (what the student sees: a first loss far too big)
    finding = found(diagnose(recorded_steps(fitted, scaled=False)), "unscaled_input")
    assert finding.source.lineno == line_of(__file__, "# FIT")
    assert "the first layer, reads pixels 0 to 255 (whole numbers)" in finding.message
    assert "images / 255" in finding.message
    paused_at, _ = paused_by(lambda: fitted(scaled=False), op="matmul")
    assert paused_at.source.lineno == line_of(__file__, "# FIT")
    shown = trained_by_dashboard(lambda: fitted(scaled=False))
    assert [alert["kind"] for alert in shown["alerts"]] == ["unscaled_input"]
