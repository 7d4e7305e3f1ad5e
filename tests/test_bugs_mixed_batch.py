"""The MNIST digits through a Dense layer, flattened by `tf.reshape(x, (64, -1))` then
transposed (meant: `tf.reshape(x, (32, -1))`): each row the layer reads holds a pixel of
every example, the shapes fit and nothing fails. `diagnose` names the reshape and its line
(marked here, looked up, never hard-coded), where it said nothing; the batch flattened
example by example, or transposed as NHWC to NCHW, is no finding. The torch twin:
tests/pytorch/test_bugs_mixed_batch_torch.py."""
import numpy as np
import pytest

from programs import line_of

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose


def flatten(x, how: str):
    if how == "mixed":
        return tf.transpose(tf.reshape(x, (64, -1)))  # BUG: mixes the examples
    if how == "per_example":
        return tf.reshape(x, (32, -1))
    return tf.reshape(tf.transpose(x, (0, 3, 1, 2)), (32, -1))   # NHWC -> NCHW, then rows


def trained(how: str):
    (images, labels), _ = load_digits()
    images = (images[:128, ..., None] / 255).astype(np.float32)
    tf.random.set_seed(0)
    dense = tf.keras.layers.Dense(10)
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for i in range(4):
            x, y = images[i * 32:(i + 1) * 32], labels[i * 32:(i + 1) * 32]
            with tf.GradientTape() as tape:
                loss = loss_object(y, dense(flatten(x, how)))
            grads = tape.gradient(loss, dense.trainable_variables)
            optimizer.apply_gradients(zip(grads, dense.trainable_variables))
    return rec


def test_a_reshape_that_mixes_the_examples_is_named_at_its_line():
    [finding] = diagnose(trained("mixed"))
    assert finding.kind == "batch_mixed"
    assert finding.source.lineno == line_of(__file__, "# BUG: mixes the examples")
    assert finding.message.startswith("reshape at tests/test_bugs_mixed_batch.py:")
    assert ("mixes the examples of the batch: it makes (64, 32) of the batch (32, 8, 8, 1), "
            "whose first axis holds its 32 examples, and the first layer's matmul at ") \
        in finding.message
    assert "reads (32, 64) rows of which 32 of 32 hold values of other examples" \
        in finding.message
    assert finding.message.endswith("fix: keep the batch axis first: tf.reshape(x, (32, -1)) "
                                    "keeps each example a row; to swap axes, transpose, do "
                                    "not reshape")


@pytest.mark.parametrize("how", ["per_example", "channels_first"])
def test_the_batch_flattened_example_by_example_is_no_finding(how):
    assert diagnose(trained(how)) == []
