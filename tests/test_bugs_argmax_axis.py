"""An accuracy from an argmax over the wrong axis: TF's `tf.argmax(logits)` defaults to
axis 0, the examples (silent when the batch holds as many examples as there are classes:
10 digits here), torch's `logits.argmax()` with no dim flattens the logits (silent always:
one index compared with every label). The accuracy reads near zero or chance and nothing
said why; `diagnose` names the argmax, its line and the fix. axis=1 / dim=1: no finding."""
import numpy as np
import pytest

from programs import guide_cnn, line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose


def evaluated(axis) -> Recorder:
    (images, labels), _ = load_digits()
    x = (images[..., None] / 255).astype(np.float32)
    y = labels.astype(np.int64)
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for i in range(4):
            with tf.GradientTape() as tape:
                loss = loss_object(y[i * 32:(i + 1) * 32], model(x[i * 32:(i + 1) * 32]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        logits = model(x[-10:])
        if axis is None:
            predicted = tf.argmax(logits)  # BUG: axis 0
        else:
            predicted = tf.argmax(logits, axis=axis)
        accuracy = float(tf.reduce_mean(tf.cast(predicted == y[-10:], tf.float32)))
    assert 0.0 <= accuracy <= 1.0
    return rec


def test_tf_argmax_with_its_default_axis_is_named():
    [finding] = diagnose(evaluated(None))   # was: no finding
    assert finding.kind == "argmax_over_examples"
    assert finding.message.startswith(
        "argmax over axis 0 (TF's default) of the (10, 10) logits runs along the examples")
    assert finding.message.endswith("fix: tf.argmax(logits, axis=1) (or axis=-1)")
    assert finding.source.lineno == line_of(__file__, "# BUG: axis 0")


@pytest.mark.parametrize("axis", [1, -1])
def test_an_argmax_over_the_classes_is_no_finding(axis):
    assert diagnose(evaluated(axis)) == []
