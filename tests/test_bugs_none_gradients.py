"""Issue 12's None-gradient bugs, found as a user meets them: the gradient comes back None,
so they call why_none(tape, loss, var) after tape.gradient, or read apply_gradients'
warning. "Found" means the reason in words, the variable or tensor named, and this file's
line of the buggy statement (marked `# BUG` below, looked up, never hard-coded).
"""
import gc
import re
import weakref

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import why_none

from programs import line_of


def _names_line(text: str, marker: str) -> bool:
    """Whether `text` names this file with the line of `marker`."""
    line = line_of(__file__, marker)
    return re.search(rf"test_bugs_none_gradients\.py:{line}\b", text) is not None


def _regression_data(n=16):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return tf.constant(x), tf.constant(x @ np.array([[1.0], [-2.0], [0.5]], np.float32))


# ---- bug 7: a variable the loss never uses -----------------------------------------------

def test_bug7_a_variable_the_hand_written_loss_forgets():
    x, y = _regression_data()
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    scale = tf.Variable(1.0, name="scale")
    optimizer = tf.keras.optimizers.SGD(0.1)
    for _ in range(2):
        with tf.GradientTape() as tape:
            pred = tf.matmul(x, w)  # BUG: scale is never used (meant: scale * matmul)
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, [w, scale])
        with pytest.warns(UserWarning) as caught:
            optimizer.apply_gradients(zip(grads, [w, scale]))  # apply (bug 7)
    assert grads[1] is None
    reason = why_none(tape, loss, scale)  # after gradient freed the non-persistent tape
    assert reason.kind == "unused"
    assert f"variable '{scale.name.removesuffix(':0')}' was never read" in reason.message
    assert "the target does not use it" in reason.message
    assert _names_line(reason.message, "# BUG: scale is never used (meant: scale * matmul)")
    assert "leave it out of the variables passed to tape.gradient" in reason.message
    # the warning, at the moment the None arrives, says the same and where
    [warning] = [w for w in caught if "'scale'" in str(w.message)]
    warned = str(warning.message)
    assert reason.message in warned and "is None, so it is not updated" in warned
    assert _names_line(warned, "# apply (bug 7)")
    assert warning.lineno == line_of(__file__, "# apply (bug 7)")


def test_bug7_a_keras_head_computed_but_left_out_of_the_loss():
    tf.random.set_seed(1)
    body = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu")])
    head = tf.keras.layers.Dense(1, name="head")
    aux_head = tf.keras.layers.Dense(1, name="aux_head")
    x, y = _regression_data()
    with tf.GradientTape() as tape:
        features = body(x)
        pred = head(features)
        aux = aux_head(features)  # BUG: the aux output never enters the loss
        loss = tf.reduce_mean(tf.square(pred - y))
    variables = body.trainable_variables + head.trainable_variables + \
        aux_head.trainable_variables
    grads = tape.gradient(loss, variables)
    assert aux is not None and [g is None for g in grads] == [False] * 4 + [True] * 2
    kernel = aux_head.kernel
    reason = why_none(tape, loss, kernel)
    assert reason.kind == "not_on_path"
    assert f"variable '{kernel.name.removesuffix(':0')}' is read at matmul at" in reason.message
    assert "nothing computed from it reaches the target" in reason.message
    assert _names_line(reason.message, "# BUG: the aux output never enters the loss")
    assert reason.source.lineno == line_of(__file__, "# BUG: the aux output never enters the loss")


# ---- bug 8: gradients with respect to an integer (uint8) input ---------------------------

def test_bug8_a_saliency_map_of_uint8_images_through_a_keras_model():
    tf.random.set_seed(2)
    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(3)])
    pixels = np.random.default_rng(3).integers(0, 256, (2, 4, 4, 1)).astype(np.uint8)
    images = tf.constant(pixels)
    with pytest.warns(UserWarning, match="must be floating"):
        with tf.GradientTape() as tape:
            tape.watch(images)  # BUG: images are uint8
            logits = model(images)  # the model casts them (bug 8)
            loss = tf.reduce_max(logits)
    saliency = tape.gradient(loss, images)
    assert saliency is None
    reason = why_none(tape, loss, images)
    assert reason.kind == "integer_dtype"
    assert "the tensor images (uint8, shape (2, 4, 4, 1))" in reason.message
    assert "gradients flow only to floating-point tensors" in reason.message
    assert _names_line(reason.message, "# BUG: images are uint8")
    assert _names_line(reason.message, "# the model casts them (bug 8)")
    assert "tf.cast(x, tf.float32) before the tape" in reason.message
    assert reason.source.lineno == line_of(__file__, "# BUG: images are uint8")


def test_bug8_a_hand_written_input_gradient_of_byte_features():
    counts = tf.constant(np.arange(6, dtype=np.uint8))
    with pytest.warns(UserWarning):
        with tf.GradientTape() as tape:
            tape.watch(counts)  # BUG: watching byte counts
            energy = tf.reduce_sum(tf.square(tf.cast(counts, tf.float32)))  # cast (bug 8b)
    assert tape.gradient(energy, counts) is None
    reason = why_none(tape, energy, counts)
    assert reason.kind == "integer_dtype" and "counts (uint8, shape (6,))" in reason.message
    assert "was cast at" in reason.message and _names_line(reason.message, "# cast (bug 8b)")
    assert _names_line(reason.message, "# BUG: watching byte counts")


# ---- bug 9: the tape cut by .numpy() or numpy math inside the loss -----------------------

def test_bug9_numpy_inside_a_hand_written_cross_entropy():
    logits_w = tf.Variable(np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32),
                           name="logits_w")
    x, _ = _regression_data(8)
    labels = np.arange(8) % 4
    with tf.GradientTape() as tape:
        probs = tf.nn.softmax(tf.matmul(x, logits_w))
        p = probs.numpy()  # BUG: the probabilities leave the tape
        picked = tf.constant(p[np.arange(8), labels])
        loss = -tf.reduce_mean(tf.math.log(picked))  # comes back as a constant (bug 9)
    assert tape.gradient(loss, logits_w) is None
    reason = why_none(tape, loss, logits_w)
    assert reason.kind == "cut"
    assert "left tapeviz through .numpy()" in reason.message
    assert f"the chain from variable '{logits_w.name.removesuffix(':0')}'" in reason.message
    assert "the value of softmax at" in reason.message
    assert _names_line(reason.message, "# BUG: the probabilities leave the tape")
    assert reason.source.lineno == line_of(__file__, "# BUG: the probabilities leave the tape")
    assert "keep the computation in tapeviz ops" in reason.message


def test_bug9_numpy_math_on_a_keras_model_output_is_explained_by_apply_gradients():
    tf.random.set_seed(5)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    x, y = _regression_data()
    optimizer = tf.keras.optimizers.Adam(0.01)
    with tf.GradientTape() as tape:
        pred = model(x)
        clipped = np.clip(pred, -1.0, 1.0)  # BUG: numpy math on a taped tensor
        loss = tf.reduce_mean(tf.square(clipped - y))  # back as a constant (bug 9b)
    grads = tape.gradient(loss, model.trainable_variables)
    assert grads == [None, None]
    with pytest.raises(ValueError) as raised:
        optimizer.apply_gradients(zip(grads, model.trainable_variables))  # apply (bug 9b)
    message = str(raised.value)
    assert "no gradients provided for any variable" in message
    kernel, bias = (var.name.removesuffix(":0") for var in model.trainable_variables)
    # as the graph draws them (no TF ':0'), one cause said once for both (it was said twice,
    # the sentences differing by the name)
    assert f"'{kernel}', '{bias}': the chain from variable '{kernel}'" in message
    assert message.count("the chain from") == 1 and "(the same for the other 1)" in message
    assert "left tapeviz through np.asarray or numpy math" in message
    assert _names_line(message, "# BUG: numpy math on a taped tensor")
    assert _names_line(message, "# back as a constant (bug 9b)")
    assert _names_line(message, "# apply (bug 9b)")


def test_bug9_float_of_a_taped_value_names_where_it_left_and_came_back():
    w = tf.Variable([2.0, 3.0], name="w")
    with tf.GradientTape() as tape:
        norm = tf.sqrt(tf.reduce_sum(w * w))
        size = float(norm)  # BUG: float() leaves the tape
        loss = tf.reduce_sum(tf.constant([1.0, 1.0]) * size)  # came back (bug 9c)
    assert tape.gradient(loss, w) is None
    reason = why_none(tape, loss, w)
    assert reason.kind == "cut" and "through float() at" in reason.message
    assert _names_line(reason.message, "# BUG: float() leaves the tape")
    assert "came back as a constant into multiply at" in reason.message
    assert reason.related.lineno == line_of(__file__, "# came back (bug 9c)")


def test_a_chain_through_an_integer_cast_is_named_after_the_tape_freed_its_record():
    w = tf.Variable([0.4, 1.7], name="w")
    with tf.GradientTape() as tape:
        bins = tf.cast(w * 2.0, tf.int32)  # BUG: rounds to int
        loss = tf.reduce_sum(tf.cast(bins, tf.float32))
    assert tape.gradient(loss, w) is None
    reason = why_none(tape, loss, w)
    assert reason.kind == "nondiff" and "goes through cast at" in reason.message
    assert "makes integer or boolean values" in reason.message
    assert _names_line(reason.message, "# BUG: rounds to int")


def test_logging_a_value_inside_the_tape_is_not_blamed():
    w, frozen_out = tf.Variable([1.0, 2.0], name="w"), tf.Variable(1.0, name="unused_too")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
        logged = loss.numpy()
    grads = tape.gradient(loss, [w, frozen_out])
    assert grads[0] is not None and grads[1] is None and logged == 5.0
    assert tape.value_exits()  # noted, but it is the loss itself, not a cut
    assert why_none(tape, loss, frozen_out).kind == "unused"


# ---- the freed record keeps no values ----------------------------------------------------

def test_a_freed_tape_keeps_no_tensor_value_alive():
    w = tf.Variable(np.ones((4, 1), np.float32), name="w")
    forgotten = tf.Variable(1.0, name="forgotten")  # a None gradient: the outline is kept
    big = tf.constant(np.ones((512, 512), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(big)
        hidden = tf.matmul(big, tf.ones([512, 4])) * 2.0
        left = hidden.numpy()  # a value that left while the tape recorded
        loss = tf.reduce_sum(tf.matmul(hidden, w))
    assert left.shape == (512, 4)
    refs = [weakref.ref(t) for t in (big, hidden)]
    assert tape.gradient(loss, [w, forgotten])[1] is None
    del big, hidden
    gc.collect()
    assert [ref() for ref in refs] == [None, None]
    skeleton = tape.skeleton
    assert skeleton is not None and [o.op.name for o in skeleton.outlines(id(w))] == \
        ["matmul", "multiply", "matmul", "reduce_sum"]
    assert all(exit_.value is None for exit_ in skeleton.exits)
    assert tape.watched_tensors() == (w,)  # the watched constant is gone, the variable kept


def test_a_loss_written_after_the_with_block_is_said_at_the_gradient_call():
    """The lecture's per-example regression, its Huber loss unindented out of the `with`
    block: the gradients come back None and the student's own update line fails on
    `lr * None` (Python's TypeError, which tapeviz cannot reach). Was: no word before it;
    now tape.gradient warns from the user's line, naming the loss's line."""
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    x_i, y_i = 12.0, 70.0
    with tf.GradientTape() as tape:
        prediction = x_i * w + b
    t = y_i - prediction
    loss = tf.where(tf.abs(t) <= 14.0, t ** 2, 14.0 * (2 * tf.abs(t) - 14.0))  # BUG: outside
    with pytest.warns(UserWarning) as caught:
        dw, db = tape.gradient(loss, [w, b])  # GRADIENT
    assert dw is None and db is None
    [warning] = [w for w in caught if "every gradient is None" in str(w.message)]
    message = str(warning.message)
    assert message.startswith("GradientTape.gradient: every gradient is None: the target "
                              "(made at ")
    assert _names_line(message, "# BUG: outside")
    assert "Compute it inside the `with tf.GradientTape() as tape:` block" in message
    assert warning.lineno == line_of(__file__, "# GRADIENT")


def test_a_loss_inside_the_with_block_gives_no_such_warning(recwarn):
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = (3.0 * w - 1.0) ** 2
    assert tape.gradient(loss, w) is not None
    assert not [w for w in recwarn if "every gradient is None" in str(w.message)]
