"""Large op outputs reuse the arrays of dropped outputs, never of anything still held."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.ops import recycler

BIG = (300, 300)   # 360 KB of float32: above the size the recycler takes


def big(seed: int):
    return tf.constant(np.random.default_rng(seed).standard_normal(BIG, dtype=np.float32))


def test_a_dropped_output_is_written_again_in_place():
    first = tf.nn.relu(big(0))
    address = first._value.__array_interface__["data"][0]
    del first
    again = tf.nn.relu(big(1))
    assert again._value.__array_interface__["data"][0] == address
    np.testing.assert_array_equal(again.numpy(), np.maximum(big(1).numpy(), 0))


def test_an_output_still_held_is_never_reused():
    kept = tf.nn.relu(big(0))
    expected = kept.numpy()
    others = [tf.nn.relu(big(seed)) for seed in range(1, 4)]
    assert not any(np.shares_memory(kept._value, other._value) for other in others)
    np.testing.assert_array_equal(kept.numpy(), expected)


@pytest.mark.parametrize("hold", [
    lambda t: t[1:],                    # a tapeviz slice: a view of the output's array
    lambda t: np.asarray(t),            # the array itself, as numpy code gets it
    lambda t: np.asarray(t)[::2],       # a numpy view of it
])
def test_views_and_arrays_taken_from_a_dropped_tensor_keep_their_values(hold):
    tensor = tf.nn.relu(big(0))
    held = hold(tensor)
    expected = np.array(held)
    del tensor
    for seed in range(1, 4):
        tf.nn.relu(big(seed))
    np.testing.assert_array_equal(np.asarray(held), expected)


def test_a_recorded_step_keeps_its_values_while_later_steps_run():
    x = tf.Variable(np.random.default_rng(0).standard_normal(BIG, dtype=np.float32))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.nn.relu(x * 1.0)
    seen = [node.output.numpy() for node in tape.nodes]
    for _ in range(3):
        with tf.GradientTape() as other:
            z = tf.nn.relu(x * 2.0)
        other.gradient(z, x)
    for node, value in zip(tape.nodes, seen):
        np.testing.assert_array_equal(node.output.numpy(), value)
    np.testing.assert_array_equal(y.numpy(), seen[-1])


def test_the_guide_cnn_trains_to_the_same_weights_with_fresh_arrays(monkeypatch):
    def train():
        tf.random.set_seed(0)
        model = tf.keras.Sequential([
            tf.keras.layers.Conv2D(16, 3, activation="relu", input_shape=(28, 28, 1)),
            tf.keras.layers.Conv2D(16, 3, activation="relu"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(10)])
        optimizer = tf.keras.optimizers.Adam()
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        rng = np.random.default_rng(0)
        losses = []
        for _ in range(3):
            images = rng.random((32, 28, 28, 1), dtype=np.float32)
            labels = rng.integers(0, 10, 32)
            with tf.GradientTape() as tape:
                loss = loss_object(labels, model(images, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            losses.append(float(loss))
        return losses, [v.numpy() for v in model.trainable_variables]

    recycled_losses, recycled_weights = train()
    monkeypatch.setattr(recycler, "empty", lambda shape, dtype: np.empty(shape, dtype))
    fresh_losses, fresh_weights = train()
    assert recycled_losses == fresh_losses
    for recycled, fresh in zip(recycled_weights, fresh_weights):
        np.testing.assert_array_equal(recycled, fresh)


def test_threads_never_share_an_array():
    inputs = [big(seed) for seed in range(8)]
    results = [None] * len(inputs)

    def work(i):
        for _ in range(20):
            results[i] = tf.nn.relu(inputs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for x, y in zip(inputs, results):
        np.testing.assert_array_equal(y.numpy(), np.maximum(x.numpy(), 0))


def test_what_is_kept_stays_bounded():
    held = [recycler.empty((70 + i, 1000), np.float32) for i in range(100)]
    assert len(recycler._kept) <= recycler._ENTRIES
    assert sum(a.nbytes for a in recycler._kept) <= recycler._BUDGET
    assert len({id(a) for a in held}) == len(held)   # every one held: none handed out twice
