"""A sigmoid's output given to a loss that applies the sigmoid itself (a Keras
BinaryCrossentropy given from_logits=True after Dense(1, activation="sigmoid"), or
tf.nn.sigmoid_cross_entropy_with_logits of a sigmoid): the model trains on
sigmoid(sigmoid(z)). `diagnose` names the sigmoid, the loss and its line (marked here,
looked up, never hard-coded); the logits given, or the sigmoid kept with a loss that takes
probabilities, are no finding."""
import numpy as np
import pytest

from programs import line_of, marked_line

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose


def binary_batch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def classifier(activation, loss_of, steps: int = 4) -> Recorder:
    x, y = binary_batch()
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation=activation)])
    optimizer = tf.keras.optimizers.SGD(0.5)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = loss_of(y, model(x))  # THE LOSS
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def keras_from_logits(y, p):
    return tf.keras.losses.BinaryCrossentropy(from_logits=True)(y, p)


def tf_nn_of(y, p):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=p))  # TF.NN


@pytest.mark.filterwarnings("ignore::UserWarning")   # (the numpy engine also warns at the call)
def test_a_sigmoid_layer_under_from_logits_true_is_named():
    """was: nothing from diagnose (the loss falls, slowly, to a floor)."""
    [finding] = [f for f in diagnose(classifier("sigmoid", keras_from_logits))
                 if f.kind == "double_sigmoid"]
    at = f"tests/{marked_line(__file__, '# THE LOSS')}"
    assert finding.message == (
        f"sigmoid_cross_entropy_with_logits is given probabilities: its logits were made by "
        f"sigmoid at {at}: loss = loss_of(y, model(x))  # THE LOSS, and "
        f"sigmoid_cross_entropy_with_logits applies the sigmoid itself, so the model trains "
        f"on sigmoid(sigmoid(z)), which stays between 0.5 and 0.731: every example is "
        f"predicted positive, a label 0 costs at least 0.693 (log 2) whatever the model "
        f"learns, and its gradients shrink, so it learns slowly, silently; at "
        f"tests/{marked_line(__file__, 'return tf.keras.losses.BinaryCrossentropy')}: return "
        f"tf.keras.losses.BinaryCrossentropy(from_logits=True)(y, p); fix: pass the logits (no "
        f"sigmoid on the last layer: Dense(1) with no activation), or keep the sigmoid and use "
        f"from_logits=False")
    assert finding.related.lineno == line_of(__file__, "# THE LOSS")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_tf_nns_sigmoid_loss_of_a_sigmoid_is_named_with_its_fix():
    [finding] = [f for f in diagnose(classifier("sigmoid", tf_nn_of))
                 if f.kind == "double_sigmoid"]
    assert finding.source.lineno == line_of(__file__, "# TF.NN")
    assert finding.message.endswith(
        "fix: pass the logits (no sigmoid before sigmoid_cross_entropy_with_logits), or keep "
        "the sigmoid and use tf.keras.losses.binary_crossentropy(labels, probabilities)")


@pytest.mark.parametrize("activation, loss_of", [
    (None, keras_from_logits), (None, tf_nn_of),
    ("sigmoid", lambda y, p: tf.keras.losses.BinaryCrossentropy()(y, p))],
    ids=["logits_from_logits", "logits_tf_nn", "sigmoid_probabilities"])
def test_logits_given_or_the_sigmoid_with_a_loss_of_probabilities_is_no_finding(activation,
                                                                                 loss_of):
    rec = classifier(activation, loss_of)
    assert diagnose(rec) == []
    assert rec.steps[-1].loss < rec.steps[0].loss
