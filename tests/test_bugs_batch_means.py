"""The guide's loop over 200 digits in batches of 64 (the last holds 8), reporting the
epoch's loss as tf.reduce_mean of the batches' losses: each is already its batch's mean, so
the 8 examples weigh as much as 64 and the figure is not the loss over the examples.
`diagnose` names the mean's line (marked here, looked up, never hard-coded) and both
figures, where it said nothing; batches of one size (200 in batches of 50, or 192 in 64s)
give no finding. The torch twin: tests/pytorch/test_bugs_batch_means_torch.py."""
import numpy as np

from programs import marked_line

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose


def epoch(count: int, batch_size: int):
    (images, labels), _ = load_digits()
    x = tf.constant(images[:count].reshape(-1, 64) / 255, tf.float32)
    y = tf.constant(labels[:count].astype(np.int64))
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        losses = []
        for images_batch, labels_batch in tf.data.Dataset.from_tensor_slices((x, y)).batch(
                batch_size):
            with tf.GradientTape() as tape:
                loss = loss_object(labels_batch, model(images_batch))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            losses.append(loss)
        epoch_loss = tf.reduce_mean(losses)  # BUG: a mean of the batches' means
    return rec, [float(loss) for loss in losses], float(epoch_loss)


def test_a_mean_of_uneven_batches_losses_is_named_with_both_figures():
    rec, losses, said = epoch(200, 64)
    [finding] = [f for f in diagnose(rec) if f.kind == "mean_of_batch_means"]
    weighted = (64 * sum(losses[:3]) + 8 * losses[3]) / 200
    assert finding.message.startswith(
        f"reduce_mean at tests/{marked_line(__file__, '# BUG: a mean of')}")
    assert ("averages the losses of steps 1-4 alike, while their batches hold 64, 64, 64 and 8 "
            "examples: each loss is already its batch's mean, so the 8 examples of the smaller "
            "batch weigh as much as 64: it gives "
            f"{said:.4g}, where the loss over the 200 examples is {weighted:.4g}; ") \
        in finding.message
    assert finding.message.endswith("fix: weigh each batch's loss by its size: sum(loss * "
                                    "batch_size) / number of examples (or drop_remainder=True "
                                    "in batch, so that every batch holds as many)")


def test_batches_of_one_size_give_no_finding():
    for count, batch_size in ((200, 50), (192, 64)):
        rec, _, _ = epoch(count, batch_size)
        assert not [f for f in diagnose(rec) if f.kind == "mean_of_batch_means"]
