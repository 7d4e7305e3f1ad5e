"""Labels shuffled apart from their images, in the TF2 guide's MNIST CNN (its custom loop on
the bundled 8x8 digits): nothing fails, the loss sits at ln(10) and the predictions at
chance while the weights move. `diagnose(recorder)` names it as the likely cause, with
what it saw, the loss op and the line that made the Dataset the labels come from; the
same program with its labels in place, or still at its start, says nothing.
"""
import functools
import math

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from programs import guide_cnn, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def images_and_labels():
    (images, labels), _ = load_digits()
    return images[..., None].astype(np.float32) / 255, labels.astype(np.int64)


def train(dataset, steps: int = 60, learning_rate: float = 1e-3) -> Recorder:
    """The guide's train_step as written, over `steps` batches of `dataset`."""
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.repeat().take(steps):  # LOOP
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def chance_findings(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "loss_at_chance"]


def test_labels_shuffled_alone_are_named_with_the_dataset_line_and_what_was_seen():
    tf.random.set_seed(0)
    images, labels = images_and_labels()
    np.random.default_rng(0).shuffle(labels)  # BUG: the labels shuffled, not the images
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)  # DATASET
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.repeat().take(60):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))  # LOSS
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = chance_findings(rec)   # was: no finding at all
    message = finding.message
    assert message.startswith("the loss stays at chance: its mean over steps 31-60 is 2.30")
    mean = float(message.split(" is ")[1].split(",")[0])
    assert abs(mean - math.log(10)) < 0.01 * math.log(10)
    assert "ln(10) = 2.303 being the loss of a uniform guess over 10 classes" in message
    right = float(message.split("predictions were right ")[1].split("%")[0])
    assert right < 15.0   # chance is 10%; a learning model is right far more often
    assert "likely cause (not certain): the labels were shuffled apart from their inputs" \
        in message
    assert f"the labels come from tests/{here('# DATASET')}" in message
    assert f"the loss is sparse_softmax_cross_entropy_with_logits at tests/{here('# LOSS')}" \
        in message
    assert finding.source.lineno == int(here("# DATASET").split(":")[1])
    assert finding.related.lineno == int(here("# LOSS").split(":")[1])
    assert finding.node.op.name == "sparse_softmax_cross_entropy_with_logits"


def test_a_dataset_given_to_the_training_function_points_at_its_loop():
    images, labels = images_and_labels()
    with pytest.warns(UserWarning, match="shuffled"):   # Dataset.zip's own warning
        pairs = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(images).shuffle(2000),
                                     tf.data.Dataset.from_tensor_slices(labels).shuffle(2000))
                                    ).batch(32)
    [finding] = chance_findings(train(pairs))   # (Dataset.zip warned: said where it trains)
    assert f"the labels come from tests/{here('# LOOP')}" in finding.message


def test_the_labels_in_place_give_no_finding():
    dataset = tf.data.Dataset.from_tensor_slices(images_and_labels()).batch(32)
    assert diagnose(train(dataset)) == []


def test_shuffled_labels_at_a_learning_rate_too_small_to_move_the_weights_are_not_blamed():
    images, labels = images_and_labels()
    np.random.default_rng(0).shuffle(labels)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)
    assert chance_findings(train(dataset, learning_rate=1e-5)) == []   # nothing moved yet


def test_too_few_steps_to_judge_give_no_finding():
    images, labels = images_and_labels()
    np.random.default_rng(0).shuffle(labels)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)
    assert chance_findings(train(dataset, steps=12)) == []


def test_labels_of_a_few_classes_shuffled_apart_are_found_at_their_own_chance():
    """Three digits only, their labels shuffled, given to the guide's 10-way CNN: the model
    learns that only three classes occur and its loss sits at ln(3), not ln(10) (was: no
    finding, the loss being 'far' below ln(10))."""
    images, labels = images_and_labels()
    few = labels < 3
    images, labels = images[few], labels[few]
    np.random.default_rng(0).shuffle(labels)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)
    [finding] = chance_findings(train(dataset, steps=60))
    assert "likely cause (not certain): the labels were shuffled apart from their inputs" \
        in finding.message
    mean = float(finding.message.split(" is ")[1].split(",")[0])
    assert abs(mean - math.log(3)) < 0.1 * math.log(3)
    assert ", ln(3) = 1.099 being the loss of a uniform guess among the 3 classes its labels " \
           "hold (of 10 outputs; at most ln(10) = 2.303), and the predictions" in finding.message
