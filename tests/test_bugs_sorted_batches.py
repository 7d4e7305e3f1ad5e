"""The guide's CNN on digits sorted by label, shuffled with a buffer of 1 (a typo for the
dataset's size): every batch of 32 holds one class, so each step pulls the model toward it.
Nothing fails; `diagnose` said nothing (or an oscillation). Now it names the batches' classes,
the loss's line and the fix; the same data shuffled before batching says nothing. The torch
twin: tests/pytorch/test_bugs_sorted_batches_torch.py."""
import numpy as np
import pytest

from programs import guide_cnn, line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def trained(buffer_size: int) -> Recorder:
    (images, labels), _ = load_digits()
    order = np.argsort(labels, kind="stable")   # the examples sorted by their digit
    x = (images[order, ..., None] / 255).astype(np.float32)
    y = labels[order].astype(np.int64)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(buffer_size, seed=0).batch(32)
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for images_batch, labels_batch in dataset.take(20):
            with tf.GradientTape() as tape:
                loss = loss_object(labels_batch, model(images_batch))  # LOSS
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def test_batches_of_one_class_each_are_named_with_their_classes():
    [finding] = [f for f in diagnose(trained(1)) if f.kind == "sorted_batches"]   # was: none
    message = finding.message
    assert message.startswith("each training batch holds examples of one class or two (their "
                              "classes by batch over steps 5-20: 0/1, 1, 1, 1, 1, 1/2, 2, 2, "
                              "...; 5 classes in all), as given to "
                              "sparse_softmax_cross_entropy_with_logits at "
                              f"tests/test_bugs_sorted_batches.py:{line_of(__file__, '# LOSS')}")
    assert message.endswith("dataset.shuffle(len(x)).batch(32) (torch: DataLoader(..., "
                            "shuffle=True))")


def test_the_same_data_shuffled_before_batching_says_nothing():
    assert [f for f in diagnose(trained(2000)) if f.kind == "sorted_batches"] == []
