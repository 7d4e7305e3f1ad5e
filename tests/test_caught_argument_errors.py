"""An argument check's error (a layer's input check, a loss's, `bad_argument`) raised
inside a tape's block and caught by the user's own try/except is drawn as a caught op's
error is: 'raised, caught', the layer or op named, the user's line. Was: only an op's
error in dispatch reached `tape.caught`, so a caught layer refusal left no mark."""
import numpy as np
import pytest

import tapeviz as tf

pytest.importorskip("anywidget")
from tapeviz.viz.widget import TapeWidget  # noqa: E402

CAUGHT_NODE = 'class="node kind&#45;caught"'
FAILED_NODE = 'class="node kind&#45;failed"'


def student_step(bad_call):
    """A student's training step that tries `bad_call` inside the tape, catches its
    ValueError, and trains on."""
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(2, 3), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(2)])
    images = tf.constant(np.ones((2, 5, 5, 1), np.float32))
    labels = tf.constant([0, 1])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model(images)
    with tf.GradientTape() as tape:
        try:
            bad_call(model, loss_fn, images)
        except ValueError as error:
            print(f"skipped: {error}")
        loss = loss_fn(labels, model(images))
    return tape, loss


def one_image(model, loss_fn, images):
    return model.layers[0](images[0])                         # 3-D: no batch axis


def one_hot_labels(model, loss_fn, images):
    return loss_fn(tf.constant([[1.0, 0.0], [0.0, 1.0]]), model(images))


def bad_axis(model, loss_fn, images):
    return tf.reverse(images, 1.5)                            # axis must be a list of ints


@pytest.mark.parametrize("bad_call, named", [
    (one_image, 'layer "conv2d'), (one_hot_labels, "sparse_categorical_crossentropy"),
    (bad_axis, "reverse")])
def test_a_caught_argument_error_is_drawn_raised_and_caught(bad_call, named):
    tape, loss = student_step(bad_call)
    assert tape.raised is None and tape.caught is not None, "not noted"
    assert tape.caught.op.startswith(named), tape.caught.op
    widget = TapeWidget(tape, check_later=False)
    assert CAUGHT_NODE in widget.svg and FAILED_NODE not in widget.svg
    assert "raised, caught" in widget.svg
    [alert] = [alert for alert in widget.alerts if alert["node"] == "failed"]
    assert alert["message"].startswith(f"{tape.caught.op} raised at "), alert
    assert "test_caught_argument_errors.py" in alert["message"], alert   # the user's line
    assert widget.inspect("failed")["title"].startswith(f"{tape.caught.op} raised, caught")
    assert "an op that raised (caught)" in widget.status, widget.status


def test_an_argument_error_tapeviz_catches_itself_is_not_drawn_as_caught():
    """`x == "a"` is False: tapeviz's own try/except caught equal's refusal, which is no error
    of the user's, so nothing is drawn."""
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(x * 2.0)
        assert (total == "a") is False
    assert tape.caught is None
    assert CAUGHT_NODE not in TapeWidget(tape, check_later=False).svg


def test_an_argument_error_that_left_the_block_is_drawn_failed():
    model = tf.keras.layers.Conv2D(2, 3)
    model(tf.constant(np.ones((1, 5, 5, 1), np.float32)))
    with pytest.raises(ValueError), tf.GradientTape() as tape:
        model(tf.constant(np.ones((5, 5, 1), np.float32)))
    assert tape.caught is None
    assert tape.raised is not None and tape.raised.op.startswith('layer "conv2d')
    svg = TapeWidget(tape, check_later=False).svg
    assert FAILED_NODE in svg and CAUGHT_NODE not in svg


def test_an_error_caught_while_the_tape_is_paused_is_not_the_tapes():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            with pytest.raises(ValueError):
                tf.reverse(x, 1.5)
        tf.reduce_sum(x)
    assert tape.caught is None


def test_an_earlier_caught_error_stays_when_tapeviz_catches_one_of_its_own_after():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError):
            tf.reverse(x, 1.5)
        assert (x == "a") is False   # tapeviz catches equal's refusal itself
    assert tape.caught is not None and tape.caught.op == "reverse"
