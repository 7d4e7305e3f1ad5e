"""Variables cut off the gradient in a hand-written training loop: a layer's output passed
through tf.stop_gradient, or taken out with .numpy() and made a tensor again. The gradient
call is given them, gets None every step, and `diagnose` names them, the line that cut
them and the fix (was: 'read ... but not on the way to the loss; fix: use it in the loss',
which the code already does)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose

from programs import line_of, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")   # (apply_gradients' None)


def two_layer_regression(cut: str | None, steps: int = 4) -> Recorder:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    x, y = tf.constant(x), tf.constant(x @ np.array([[1.0], [-2.0], [0.5]], np.float32))
    tf.random.set_seed(0)
    w1, b1 = tf.Variable(tf.random.normal([3, 8]) * 0.5), tf.Variable(tf.zeros([8]))
    w2, b2 = tf.Variable(tf.random.normal([8, 1]) * 0.5), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(0.05)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                h = tf.nn.relu(x @ w1 + b1)  # HIDDEN
                if cut == "stop_gradient":
                    h = tf.stop_gradient(h)  # BUG: stop_gradient
                elif cut == "numpy":
                    h = tf.constant(h.numpy())  # BUG: numpy
                pred = h @ w2 + b2  # READ AGAIN
                loss = tf.reduce_mean(tf.square(pred - y))
            grads = tape.gradient(loss, [w1, b1, w2, b2])
            optimizer.apply_gradients(zip(grads, [w1, b1, w2, b2]))
    return rec


def test_a_stop_gradient_between_layers_names_the_variables_and_its_line():
    [finding] = diagnose(two_layer_regression("stop_gradient"))
    assert finding.kind == "gradient_cut"
    assert finding.message == (
        f"w1 and b1: the gradient is None in every step, so they never train: the loss reads "
        f"them only through stop_gradient at "
        f"tests/{marked_line(__file__, '# BUG: stop_gradient')}: h = tf.stop_gradient(h)  "
        f"# BUG: stop_gradient, which passes no gradient back; fix: remove the "
        f"tf.stop_gradient (keep one only for a value that must not train, such as a target "
        f"network's output or a GAN's fake batch in the discriminator's step)")
    assert finding.source.lineno == line_of(__file__, "# BUG: stop_gradient")


def test_a_layers_output_taken_out_by_numpy_names_where_it_left_and_came_back():
    [finding] = diagnose(two_layer_regression("numpy"))
    assert finding.kind == "gradient_cut"
    assert finding.message == (
        f"w1 and b1: the gradient is None in every step, so they never train: the value relu "
        f"made from them at tests/{marked_line(__file__, '# HIDDEN')}: h = tf.nn.relu(x @ w1 "
        f"+ b1)  # HIDDEN left the graph and came back as a new tensor, read by matmul at "
        f"tests/{marked_line(__file__, '# READ AGAIN')}: pred = h @ w2 + b2  # READ AGAIN: a "
        f"value taken out (.numpy() or float()) and made a tensor again carries no gradient; "
        f"fix: give relu's output itself to the next op")
    assert finding.related.lineno == line_of(__file__, "# HIDDEN")


def test_the_same_loop_without_the_cut_is_no_finding():
    assert diagnose(two_layer_regression(None)) == []


def test_a_variable_the_loss_never_reads_is_still_told_to_be_used_in_the_loss():
    """A variable off the way to the loss, with no cut: the None-gradient finding as before."""
    x = tf.constant(np.ones((8, 2), np.float32))
    w, unused = tf.Variable(tf.ones([2, 1])), tf.Variable(tf.ones([2, 1]))
    optimizer = tf.keras.optimizers.SGD(0.01)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                side = tf.reduce_sum(x @ unused)  # READ, OFF THE PATH
                loss = tf.reduce_mean(tf.square(x @ w))
            grads = tape.gradient(loss, [w, unused])
            optimizer.apply_gradients(zip(grads, [w, unused]))
    assert side is not None
    [finding] = diagnose(rec)
    assert finding.kind == "none_gradient"
    assert "but not on the way to the loss; fix: use it in the loss" in finding.message
