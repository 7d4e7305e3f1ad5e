"""The guide's MNIST CNN evaluated on the examples it trained on (`model(train_x[:64])`
reported as the test accuracy): `diagnose` names the evaluation, how many of its examples
were trained on, in which steps, and its line (marked here, looked up, never hard-coded),
where it said nothing (the loop's call of the model, for a subclassed model too). Held-out
examples are no finding. The torch twin: tests/pytorch/test_bugs_training_data_torch.py."""
import numpy as np
import pytest

from programs import guide_cnn, line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose


class GuideCNN(tf.keras.Model):
    """The guide's CNN subclassed, as the guide writes it: its ops run at lines of call()."""

    def __init__(self):
        super().__init__()
        self.conv1 = tf.keras.layers.Conv2D(8, 3, activation="relu")
        self.flatten = tf.keras.layers.Flatten()
        self.d2 = tf.keras.layers.Dense(10)

    def call(self, x):
        return self.d2(self.flatten(self.conv1(x)))


def evaluated(on: str, make_model=guide_cnn):
    (images, labels), _ = load_digits()
    images = (images[:192, ..., None] / 255).astype(np.float32)
    train_x, train_y, test_x = images[:128], labels[:128], images[128:]
    tf.random.set_seed(0)
    model = make_model()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for i in range(4):
            x, y = train_x[i * 32:(i + 1) * 32], train_y[i * 32:(i + 1) * 32]
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        if on == "training":
            model(train_x[:64])  # BUG: evaluates on the training set
        elif on == "training, then test":
            model(train_x[:64])  # BUG: the training set, then the test set
            model(test_x)
        elif on == "test, then training":
            model(test_x)
            model(train_x[:64])  # BUG: the test set, then the training set
        else:
            model(test_x)
    return rec


@pytest.mark.parametrize("make_model", [guide_cnn, GuideCNN])
def test_an_evaluation_on_the_training_examples_is_named_at_the_models_call(make_model):
    """A subclassed model's ops run in its call(): the line said is the loop's model(x)."""
    [finding] = diagnose(evaluated("training", make_model))
    assert finding.kind == "evaluated_on_training_data"
    line = line_of(__file__, "# BUG: evaluates on the training set")
    assert finding.message.startswith(
        "step 5 evaluates the model (it computed no gradient) on 64 examples, 64 of which it "
        "trained on (steps 1-2 read them), by conv2d of the model called at "
        f"tests/test_bugs_training_data.py:{line}: model(train_x[:64])")
    assert finding.source.lineno == line
    assert finding.message.endswith("fix: evaluate on held-out data, split off before "
                                    "training (the test set)")


def test_an_evaluation_on_held_out_examples_is_no_finding():
    assert diagnose(evaluated("test")) == []


@pytest.mark.parametrize("order, marker", [
    ("training, then test", "# BUG: the training set, then the test set"),
    ("test, then training", "# BUG: the test set, then the training set")])
def test_an_evaluation_followed_by_another_call_is_named_at_its_own_call(order, marker):
    """The training examples evaluated, then the test set: the model's calls are kept (the
    last few of each model) with what each was given, so the finding names the call that gave
    the training examples, not the last one (was: the test set's `model(test_x)` line). The
    test set first: each call is judged (was: the first alone, no finding)."""
    [finding] = diagnose(evaluated(order))
    line = line_of(__file__, marker)
    assert f"of the model called at tests/test_bugs_training_data.py:{line}: " \
        "model(train_x[:64])" in finding.message
    assert finding.source.lineno == line


def test_model_evaluate_on_training_examples_counts_every_batch():
    """model.evaluate's batches, each a call of the model at the user's evaluate line: was
    'on 16 examples' (its first batch alone)."""
    (images, labels), _ = load_digits()
    images = (images[:128, ..., None] / 255).astype(np.float32)
    tf.random.set_seed(0)
    model = guide_cnn()
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with Recorder() as rec:
        model.fit(images, labels[:128], epochs=1, batch_size=32, verbose=0)
        model.evaluate(images[:64], labels[:64], batch_size=16, verbose=0)  # BUG: EVALUATE
    [finding] = diagnose(rec)
    assert "on 64 examples in 4 batches, 64 of which it trained on" in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: EVALUATE")
