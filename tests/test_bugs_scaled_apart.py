"""Training and evaluated data scaled apart with numpy, before tapeviz sees an op: the digits
standardised with the test set's per-pixel statistics (a corner pixel always 0 in the test
images has std ~0 there: the training images reach 1e5, std 3,470), or the test set left
unscaled (0-255) beside standardised training data, or standardised with the training set's
std + 1e-7, which divides 6 pixels always 0 in the training images by 1e-7 (the test images
reach 5e6 there). In the first case the first loss is 768 and the model
still gets to 93%, so nothing else is said; `diagnose` now names the first layer's data on
both sides, with their figures and lines. Both standardised with the training set's
statistics: no finding. The torch twin: tests/pytorch/test_bugs_scaled_apart_torch.py.
"""
import numpy as np
import pytest

from programs import line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def trained(prepared: str) -> Recorder:
    (images, labels), (test_images, test_labels) = load_digits()
    x = images[:512].reshape(512, -1).astype(np.float32) / 255
    y = labels[:512].astype(np.int64)
    test_x = test_images[:300].reshape(300, -1).astype(np.float32) / 255
    test_y = test_labels[:300].astype(np.int64)
    if prepared == "test statistics":
        mean, std = test_x.mean(axis=0), test_x.std(axis=0) + 1e-7  # BUG: the test set's
        x, test_x = (x - mean) / std, (test_x - mean) / std
    elif prepared == "test unscaled":
        mean, std = x.mean(axis=0), x.std(axis=0) + 1e-7
        x, test_x = (x - mean) / std, test_x * 255  # BUG: the test set left 0-255
    elif prepared == "std + 1e-7":
        mean, std = x.mean(axis=0), x.std(axis=0) + 1e-7  # BUG: 6 pixels always 0 in training
        x, test_x = (x - mean) / std, (test_x - mean) / std
    else:
        mean, std = x.mean(axis=0), x.std(axis=0)
        std[std < 1e-6] = 1   # a pixel constant in the training images: left as it is
        x, test_x = (x - mean) / std, (test_x - mean) / std
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam(1e-3)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    scores = []
    with Recorder() as rec:
        for _epoch in range(2):
            for i in range(0, 512, 64):
                with tf.GradientTape() as tape:
                    loss = loss_object(y[i:i + 64], model(x[i:i + 64]))  # TRAIN
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
            scores.append(tf.argmax(model(test_x), axis=1) == test_y)  # EVALUATE
    return rec


@pytest.mark.parametrize("prepared, standard, other", [
    ("test statistics", "evaluated", "training"), ("test unscaled", "training", "evaluated"),
    ("std + 1e-7", "training", "evaluated")])
def test_data_scaled_apart_is_named_with_both_sides_figures(prepared, standard, other):
    finding, *more = diagnose(trained(prepared))   # was: no finding
    assert finding.kind == "scaled_apart"
    for divergence in more:   # the blown-up training data's first steps overshoot
        assert divergence.kind == "divergence" and standard == "evaluated"
        assert "here the training data's scale is the likelier cause (std 3.47e+03: see " \
            "the scaled_apart finding)" in divergence.message
    message = finding.message
    train_line, eval_line = line_of(__file__, "# TRAIN"), line_of(__file__, "# EVALUATE")
    assert message.startswith("the training and evaluated data are scaled apart: the first "
                              f"layer (matmul at tests/test_bugs_scaled_apart.py:{train_line}")
    assert f"in the last 2 evaluations (tests/test_bugs_scaled_apart.py:{eval_line}" \
        in message
    assert f"the {standard} data is standardised, the {other} is not" in message
    assert message.endswith("std[std < 1e-6] = 1), and apply them to both sets")
    assert finding.source.lineno == eval_line and finding.related.lineno == train_line


def test_both_sets_standardised_with_the_training_statistics_say_nothing():
    assert diagnose(trained("train statistics")) == []
