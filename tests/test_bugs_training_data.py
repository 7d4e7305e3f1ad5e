"""The guide's MNIST CNN evaluated on the examples it trained on (`model(train_x[:64])`
reported as the test accuracy): `diagnose` names the evaluation, how many of its examples
were trained on, in which steps, and its line (marked here, looked up, never hard-coded),
where it said nothing. Held-out examples are no finding. The torch twin:
tests/pytorch/test_bugs_training_data_torch.py."""
import numpy as np

from programs import guide_cnn, line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose


def evaluated(on: str):
    (images, labels), _ = load_digits()
    images = (images[:192, ..., None] / 255).astype(np.float32)
    train_x, train_y, test_x = images[:128], labels[:128], images[128:]
    tf.random.set_seed(0)
    model = guide_cnn()
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
        else:
            model(test_x)
    return rec


def test_an_evaluation_on_the_training_examples_is_named():
    [finding] = diagnose(evaluated("training"))
    assert finding.kind == "evaluated_on_training_data"
    assert finding.message.startswith("step 5 evaluates the model (it computed no gradient) on "
                                      "64 examples, 64 of which it trained on (steps 1-2 read "
                                      "them), by conv2d at tests/test_bugs_training_data.py:")
    assert finding.source.lineno == line_of(__file__, "# BUG: evaluates on the training set")
    assert finding.message.endswith("fix: evaluate on held-out data, split off before "
                                    "training (the test set)")


def test_an_evaluation_on_held_out_examples_is_no_finding():
    assert diagnose(evaluated("test")) == []
