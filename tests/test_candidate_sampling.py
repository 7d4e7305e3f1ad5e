"""word2vec's sampled losses: the draw repeats after set_seed, frequent (small) ids are drawn
most, bad labels are refused naming the loss, and training with them lowers the loss."""
import numpy as np
import pytest

import tapeviz as tf


def test_the_draw_repeats_after_set_seed_and_favours_small_ids():
    draws = []
    for _ in range(2):
        tf.random.set_seed(5)
        draws.append(tf.random.log_uniform_candidate_sampler(
            [[0]], 1, 300, False, 1000)[0].numpy())
    np.testing.assert_array_equal(draws[0], draws[1])
    assert (draws[0] < 10).mean() > (draws[0] >= 500).mean()


def test_labels_of_one_id_per_example_must_be_a_column_for_the_sampler():
    weights, biases = tf.zeros([10, 3]), tf.zeros([10])
    with pytest.raises(ValueError, match=r"nce_loss: labels must have shape \(batch, num_true\)"
                                         r".*\n.*\n.*\n  hint: one label per example: "
                                         r"tf.reshape\(labels, \[-1, 1\]\)"):
        tf.nn.nce_loss(weights, biases, [1, 2], tf.ones([2, 3]), 4, 10)
    with pytest.raises(ValueError, match=r"sampled_softmax_loss: labels must be class ids in "
                                         r"\[0, 10\)"):
        tf.nn.sampled_softmax_loss(weights, biases, [[1], [10]], tf.ones([2, 3]), 4, 10)


def test_word2vec_trains_with_nce_loss():
    tf.random.set_seed(1)
    vocabulary, dim = 40, 6
    embeddings = tf.Variable(tf.random.uniform([vocabulary, dim], -1.0, 1.0))
    weights = tf.Variable(tf.random.truncated_normal([vocabulary, dim], stddev=0.4))
    biases = tf.Variable(tf.zeros([vocabulary]))
    centers = np.arange(16) % vocabulary
    contexts = ((centers + 1) % vocabulary).reshape(-1, 1)
    optimizer = tf.keras.optimizers.SGD(1.0)
    losses = []
    for _ in range(150):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.nce_loss(weights, biases, contexts,
                                                 tf.nn.embedding_lookup(embeddings, centers),
                                                 num_sampled=4, num_classes=vocabulary))
        variables = [embeddings, weights, biases]
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
    assert np.mean(losses[-30:]) < 0.5 * np.mean(losses[:10])


def test_num_classes_beyond_the_weights_rows_is_named():
    # it surfaced as gather's out-of-range index, with no word of num_classes
    with pytest.raises(ValueError, match=r"nce_loss: num_classes=100 but weights has 5 rows "
                                         r"\(one per class\)(.|\n)*test_candidate_sampling.py"):
        tf.nn.nce_loss(tf.zeros([5, 3]), tf.zeros([5]), [[1], [2]], tf.ones([2, 3]),
                       num_sampled=4, num_classes=100)
