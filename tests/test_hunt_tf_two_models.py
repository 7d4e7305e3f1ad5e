"""An encoder and a decoder, two Keras models trained as one autoencoder by a custom loop,
`import tapeviz as tf`, under every tool. Planted bug: the gradients of both models' variables
applied with the encoder's list alone (`zip(grads, encoder.trainable_variables)`), so zip
drops the decoder's and it stays at its initialisation while the encoder trains around it.
Before, nothing said it (each step updates something, the loss falls); now
`left_out_of_updates` names the decoder's weights, the update's line and the fix. The same
loop applying both lists, and an encoder kept fixed under a trained decoder (the optimizer
given the decoder's alone, fine-tuning's way), say nothing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import nothing_left_around, paused_by, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def points(n=64):
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(n, 2)).astype(np.float32)
    return codes @ rng.normal(size=(2, 6)).astype(np.float32)


def autoencoder(steps=12, applied="both"):
    tf.random.set_seed(0)
    x = points()
    encoder = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh"),
                                   tf.keras.layers.Dense(2)])
    decoder = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh"),
                                   tf.keras.layers.Dense(6)])
    optimizer = tf.keras.optimizers.Adam(1e-2)
    losses = []
    for step in range(steps):
        batch = x[(step % 4) * 16:(step % 4 + 1) * 16]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(decoder(encoder(batch)) - batch))   # LOSS
        variables = encoder.trainable_variables + decoder.trainable_variables
        grads = tape.gradient(loss, variables)
        if applied == "encoder":
            optimizer.apply_gradients(zip(grads, encoder.trainable_variables))   # APPLY
        elif applied == "decoder":
            optimizer.apply_gradients(zip(grads[4:], decoder.trainable_variables))
        else:
            optimizer.apply_gradients(zip(grads, variables))
        losses.append(float(loss))
    return losses


def test_the_autoencoder_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    x = points()
    encoder = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    with tf.GradientTape() as tape:
        tf.reduce_mean(tf.square(encoder(x)))
    assert drawn_and_stepped(tape) > 0
    rec = diagnosed_clean(autoencoder)
    assert find_nan_origin(rec.steps[-1]) is None
    assert paused_then_stopped(autoencoder)[1] is not None
    trained_quietly(autoencoder)
    diagnosed_clean(autoencoder, applied="decoder")   # (a fixed encoder: fine-tuning's way)


def test_a_decoder_left_out_of_the_update_is_said_with_its_weights_and_the_line():
    losses = autoencoder(applied="encoder")
    assert losses[-4] < losses[0]   # (what the student sees: the loss falls, batch by batch)
    finding = found(diagnose(recorded_steps(autoencoder, applied="encoder")),
                    "left_out_of_updates")
    assert finding.source.lineno == line_of(__file__, "# APPLY")
    assert len(finding.variables) == 4 and "never updated" in finding.message
    assert "give apply_gradients the list tape.gradient was given" in finding.message
    paused_at, _ = paused_by(lambda: autoencoder(applied="encoder"), op="square")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    shown = trained_by_dashboard(lambda: autoencoder(applied="encoder"))
    assert [alert["kind"] for alert in shown["alerts"]] == ["left_out_of_updates"]
