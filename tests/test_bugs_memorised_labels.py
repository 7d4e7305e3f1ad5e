"""Labels shuffled apart from their images once, then memorised: a small MLP on 512 of the
bundled digits learns its shuffled training labels (the loss falls from 2.37 to 1.68, the
last batches right 44% of the time) while its accuracy on 300 held-out digits, evaluated
each epoch, stays at chance (9.7%). The loss left ln(10), so `loss_at_chance` says nothing;
`diagnose` names the evaluations at chance beside the training batches learned, with the
evaluation's line and the loss's. The same program with its labels in place says nothing.
The torch twin: tests/pytorch/test_bugs_memorised_labels_torch.py.
"""
import numpy as np
import pytest

from programs import line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def trained(shuffled: bool, evaluate: str = "accuracy") -> Recorder:
    (images, labels), (test_images, test_labels) = load_digits()
    x = images[:512].reshape(512, -1).astype(np.float32) / 255
    y = labels[:512].astype(np.int64)
    test_x = test_images[:300].reshape(300, -1).astype(np.float32) / 255
    test_y = test_labels[:300].astype(np.int64)
    if shuffled:
        np.random.default_rng(0).shuffle(y)  # BUG: the labels shuffled, not the images
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam(1e-2)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    scores = []   # each epoch's held-out score, as a student prints it
    with Recorder() as rec:
        for _epoch in range(12):
            for i in range(0, 512, 64):
                with tf.GradientTape() as tape:
                    loss = loss_object(y[i:i + 64], model(x[i:i + 64]))  # LOSS
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
            if evaluate == "accuracy":
                predicted = tf.argmax(model(test_x), axis=1)
                scores.append(tf.reduce_mean(tf.cast(predicted == test_y, tf.float32)))  # ACCURACY
            else:
                scores.append(loss_object(test_y, model(test_x)))  # TEST LOSS
    return rec


@pytest.mark.parametrize("evaluate, marker", [("accuracy", "# ACCURACY"),
                                               ("loss", "# TEST LOSS")])
def test_shuffled_labels_memorised_are_named_by_the_evaluations_at_chance(evaluate, marker):
    [finding] = diagnose(trained(shuffled=True, evaluate=evaluate))   # was: no finding
    assert finding.kind == "memorised_labels"
    message = finding.message
    assert message.startswith("the model memorises its training labels and learns nothing "
                              "that holds on held-out data: over steps 100-107 the model was "
                              "right on ")
    train_right = int(message.split("right on ")[1].split("%")[0])
    assert train_right >= 30          # chance is about 10%
    evaluated = float(message.split("were right on ")[1].split("%")[0])
    assert evaluated < 13.0
    assert "its last 6 evaluations" in message and "of 1800 examples" in message
    eval_line, loss_line = line_of(__file__, marker), line_of(__file__, "# LOSS")
    assert f"test_bugs_memorised_labels.py:{eval_line}" in message
    assert f"the training loss is sparse_softmax_cross_entropy_with_logits at " \
           f"tests/test_bugs_memorised_labels.py:{loss_line}" in message
    assert "fix: shuffle inputs and labels with one permutation" in message
    assert finding.source.lineno == eval_line and finding.related.lineno == loss_line


def test_the_same_program_with_its_labels_in_place_says_nothing():
    assert diagnose(trained(shuffled=False)) == []


def test_model_fit_with_validation_data_is_judged_by_its_validation_steps():
    """fit's validation runs in batches of 32: each epoch's are pooled (was: each batch
    judged alone, one of 44 examples at 23% read as above chance, so no finding)."""
    (images, labels), (test_images, test_labels) = load_digits()
    x = images[:512].reshape(512, -1).astype(np.float32) / 255
    y = labels[:512].astype(np.int64)
    np.random.default_rng(0).shuffle(y)  # BUG: the labels shuffled, not the images
    test_x = test_images[:300].reshape(300, -1).astype(np.float32) / 255
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with Recorder() as rec:
        model.fit(x, y, epochs=12, batch_size=64, verbose=0,  # FIT
                  validation_data=(test_x, test_labels[:300].astype(np.int64)))
    [finding] = diagnose(rec)
    assert finding.kind == "memorised_labels"
    assert "its last 6 evaluations (equal at tests/test_bugs_memorised_labels.py:" \
        f"{line_of(__file__, '# FIT')}" in finding.message
    assert "of 1800 examples, as often as chance" in finding.message
