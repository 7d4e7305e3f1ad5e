"""The bundled 8x8 digits, stored sorted by label, classified by a Keras MLP in a custom loop
over a tf.data pipeline, `import tapeviz as tf`, under every tool. Planted bug: the pipeline
shuffles after batching, ds.batch(32).shuffle(16), which shuffles whole batches: each batch
still holds one class or two, so each step pulls the model toward them. Dataset.shuffle warns
of it at the user's line (found as-is, pinned). Before, diagnose said
nothing: the sorted_batches finding asked for 1.5 classes a batch on average at most, and the
digits' classes of ~51 examples cut into batches of 32 give 1.6; now it says the batches'
classes, the loss's line and dataset.shuffle(len(x)).batch(32). The pipeline that shuffles
the examples before batching says nothing. The Dashboard says it too, from the labels of
its last 16 steps' loss (was: nothing; its opening Recorder's three whole steps, 2-4, cannot
show it: the finding needs three classes each the only one of some batch, and four whole
steps held classes 7/8, 0/1, 1 and 3); the shuffled pipeline's Dashboard says nothing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose
from hunt_tools import drawn_and_stepped, found, quiet_under_every_tool, recorded_steps
from programs import line_of
from tf_program_tools import nothing_left_around, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def sorted_digits(n=512):
    (images, labels), _ = load_digits()
    order = np.argsort(labels[:n], kind="stable")
    return images[:n][order].astype(np.float32) / 255.0, labels[:n][order]


def train(epochs=2, shuffle_after_batch=False):
    tf.random.set_seed(0)
    x, y = sorted_digits()
    model = tf.keras.Sequential([tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(32, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.SGD(0.1)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_after_batch:
        dataset = dataset.batch(32).shuffle(16)   # SHUFFLED BATCHES
    else:
        dataset = dataset.shuffle(len(x)).batch(32)
    losses = []
    for _ in range(epochs):
        for images, labels in dataset:
            with tf.GradientTape() as tape:
                logits = model(images)   # MODEL
                loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                    labels, logits, from_logits=True))   # LOSS
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            losses.append(float(loss))
    return losses


def test_the_pipeline_shuffling_examples_is_drawn_stepped_and_run_saying_nothing_wrong():
    x, y = sorted_digits(8)
    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
    with tf.GradientTape() as tape:
        tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, model(x),
                                                                       from_logits=True))
    assert drawn_and_stepped(tape) > 0
    rec = quiet_under_every_tool(train, op="relu", line=line_of(__file__, "# MODEL"))
    assert len([s for s in rec.steps if s.variable_gradients]) == 32


def test_batches_shuffled_after_batching_are_said_one_class_or_two_each():
    with pytest.warns(UserWarning, match="its input is batched, so it shuffles whole batches") \
            as said:
        rec = recorded_steps(train, shuffle_after_batch=True)
    assert said[0].lineno == line_of(__file__, "# SHUFFLED BATCHES")   # (found as-is)
    finding = found(diagnose(rec), "sorted_batches")   # before: no finding
    assert finding.source.lineno == line_of(__file__, "loss = tf.reduce_mean(")
    assert finding.message.startswith("each training batch holds examples of one class or two")
    assert "a shuffle after batch" in finding.message
    assert "fix: shuffle the examples before batching, with a buffer as large as the data: " \
           "dataset.shuffle(len(x)).batch(32)" in finding.message


def test_the_dashboard_says_batches_shuffled_after_batching_from_its_last_steps():
    with pytest.warns(UserWarning, match="shuffles whole batches"):
        shown = trained_by_dashboard(lambda: train(shuffle_after_batch=True))
    [alert] = [a for a in shown["alerts"] if a["kind"] == "sorted_batches"]   # before: none
    assert alert["message"].startswith("each training batch holds examples of one class or "
                                       "two (their classes by batch over steps 17-32: ")
    assert alert["step"] == 32
    assert "fix: shuffle the examples before batching" in alert["message"]
    shuffled = trained_by_dashboard(train)
    assert [a for a in shuffled["alerts"] if a["kind"] == "sorted_batches"] == []
