"""Bugs in how a training program is written, each planted in a small student program of its
own and found where the student looks: `diagnose(recorder)` and the alerts of a TapeWidget
on the Recorder. "Found" is one finding of the bug's kind that names the op, this file's
line of the buggy statement (marked `# BUG <n>`), the figures of the run and the fix; the
same program written correctly gives no finding of that kind (and the reference workloads
of test_bugs_training give no alert at all).
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from tapeviz.viz.dashboard import Dashboard
from tapeviz.viz.widget import TapeWidget
from programs import guide_cnn, line_of, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")



here = functools.partial(marked_line, __file__)   # '<this file>:<line>' of a marker


def findings(kind: str, rec) -> list:
    return [f for f in diagnose(rec) if f.kind == kind]


def regression_data(n: int = 32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3


def classes_data(n: int = 32, classes: int = 4, features: int = 5):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, features)).astype(np.float32)
    labels = np.argmax(x[:, :classes], axis=1)
    return x, np.eye(classes, dtype=np.float32)[labels]


# ---- bug 1: gradient ascent, the update's sign turned -------------------------------------------
def hand_written_regression(update: str, steps: int = 6):
    x, y = regression_data()
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    learning_rate = 0.05
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            grad = tape.gradient(loss, w)
            if update == "ascent":
                w.assign_add(learning_rate * grad)  # BUG 1a: adds the step
            else:
                w.assign_sub(learning_rate * grad)
    return rec, w


def test_gradient_ascent_by_assign_add_names_the_update_the_figures_and_the_fix():
    rec, w = hand_written_regression("ascent")
    [finding] = findings("gradient_ascent", rec)
    losses = [step.loss for step in rec.steps]
    assert losses[-1] > losses[0]
    # the evidence, read from the recording by another road: each update's change of w
    # has a positive product with the step's gradient
    uphill = sum(float(np.sum((s.variables_after[w.name] - s.variables[w.name])
                              * s.variable_gradients[w.name].numpy())) > 0 for s in rec.steps)
    assert uphill == len(rec.steps) == 6
    message = finding.message
    # a name is unique among live variables: an earlier test's widget may keep its w alive
    assert message.startswith(f"the updates move {w.name.split(':')[0]} along the gradient, uphill")
    assert "(update · gradient > 0 in 6 of 6 steps)" in message
    assert f"the loss rose from {losses[0]:.4g} at step 1 to {losses[-1]:.4g} at step 6" \
        in message
    assert f"assign_add at tests/{here('# BUG 1a')}: w.assign_add(learning_rate * grad)" \
        in message
    assert "fix: subtract the step: w.assign_sub(learning_rate * grad)" in message
    assert finding.node.op.name == "assign_add" and finding.variables == (w.name,)
    widget = TapeWidget(rec)
    [alert] = [a for a in widget.alerts if a["kind"] == "gradient_ascent"]
    assert alert["message"] == message
    assert widget.graph.nodes[alert["node"]].op == "assign_add"
    assert "divergence" not in [a["kind"] for a in widget.alerts]   # its hint would not help


def test_gradient_ascent_run_to_overflow_sends_the_nan_finding_to_it_not_to_divergence():
    """The loss climbs until float32 overflows: where the Inf was born says the loss was
    climbing before and names the finding that explains it, gradient ascent's (a
    divergence finding, whose hint is a smaller learning rate, is not given)."""
    x, y = regression_data()
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    with Recorder() as rec:
        for _ in range(30):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            w.assign_add(3.0 * tape.gradient(loss, w))  # BUG 1d
    assert not np.isfinite(rec.steps[-1].loss)
    found = diagnose(rec)
    kinds = [f.kind for f in found]
    assert kinds[0] == "gradient_ascent" and "divergence" not in kinds
    assert here("# BUG 1d") in found[0].message
    [born] = [f for f in found if f.kind == "nan" and "first in step" in f.message]
    assert born.message.endswith("the loss was diverging before: see the gradient ascent "
                                 "finding")


def ascending_loop(steps):
    """Plain SGD with the sign turned, run by a Dashboard's Runner."""
    x, y = regression_data()
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        w.assign_add(0.2 * tape.gradient(loss, w))  # BUG 1c


def test_gradient_ascent_in_the_dashboards_alerts_under_a_runner_and_a_recorder():
    dash = Dashboard(show_tape=False)
    try:
        runner = dash.train(ascending_loop, 12)
        assert runner.join(60.0)
        dash._timer.join(60.0)   # the timer's last turn pushed the end (and the alerts)
        [alert] = [a for a in dash.alerts if a["kind"] == "gradient_ascent"]
        assert here("# BUG 1c") in alert["message"]
        assert "divergence" not in [a["kind"] for a in dash.alerts]
    finally:
        dash.close()
    with Recorder() as rec:
        dash = Dashboard(recorder=rec, show_tape=False)
        try:
            ascending_loop(6)
            dash.flush()
            assert [a["kind"] for a in dash.alerts] == ["gradient_ascent"]
        finally:
            dash.close()


def test_the_same_regression_descending_gives_no_alert():
    rec, _ = hand_written_regression("descent")
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert TapeWidget(rec).alerts == []


def keras_custom_loop(negate: bool, steps: int = 6):
    tf.random.set_seed(0)
    x, y = regression_data(n=64)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh", input_shape=(3,)),
                                 tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.05)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            if negate:
                grads = [-g for g in grads]   # "gradient ascent on the negative loss"
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # BUG 1b
    return rec, model


def test_gradient_ascent_by_negated_gradients_to_apply_gradients():
    rec, model = keras_custom_loop(negate=True)
    [finding] = findings("gradient_ascent", rec)
    losses = [step.loss for step in rec.steps]
    assert f"the loss rose from {losses[0]:.4g} at step 1 to {losses[-1]:.4g} at step 6" \
        in finding.message
    assert "in 6 of 6 steps" in finding.message
    first, head = model.layers
    assert finding.message.startswith(f"the updates move the kernel and bias of layer "
                                      f"{first.name} and the kernel and bias of layer "
                                      f"{head.name} along the gradient")
    assert here("# BUG 1b") in finding.message
    assert "fix: the optimizer already subtracts learning_rate * the gradient it is given: " \
        "pass tape.gradient's gradients as they are, not negated" in finding.message
    rec, _ = keras_custom_loop(negate=False)
    assert rec.steps[-1].loss < rec.steps[0].loss and findings("gradient_ascent", rec) == []


def test_a_minimax_negating_one_models_gradients_on_purpose_is_not_gradient_ascent():
    """A GAN's generator climbs the discriminator's loss by negated gradients: the loss reads
    the discriminator's variables too, which this step does not move."""
    tf.random.set_seed(4)
    noise = np.random.default_rng(4).normal(size=(32, 2)).astype(np.float32)
    generator = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    discriminator = tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="tanh", input_shape=(1,)),
        tf.keras.layers.Dense(1)])
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.5)
    fake = np.zeros((32, 1), np.float32)
    with Recorder() as rec:
        for _ in range(8):
            with tf.GradientTape() as tape:
                loss = bce(fake, discriminator(generator(noise)))
            grads = tape.gradient(loss, generator.trainable_variables)
            optimizer.apply_gradients(zip([-g for g in grads], generator.trainable_variables))
    assert rec.steps[-1].loss > rec.steps[0].loss   # the generator climbs, as meant
    assert findings("gradient_ascent", rec) == []


def test_climbing_an_activation_on_purpose_is_not_gradient_ascent():
    """Feature visualisation: the image climbs a filter's response by design."""
    rng = np.random.default_rng(2)
    kernel = tf.Variable(rng.normal(size=(3, 3, 1, 4)).astype(np.float32), trainable=False)
    image = tf.Variable(rng.uniform(0, 0.1, size=(1, 8, 8, 1)).astype(np.float32))
    with Recorder() as rec:
        for _ in range(5):
            with tf.GradientTape() as tape:
                response = -tf.reduce_mean(tf.nn.conv2d(image, kernel, 1, "VALID")[..., 0])
            image.assign_add(0.5 * tape.gradient(response, image))   # climbs on purpose
    assert rec.steps[-1].loss > rec.steps[0].loss
    assert findings("gradient_ascent", rec) == []


@pytest.mark.parametrize("optimizer,kind", [
    (lambda: tf.keras.optimizers.SGD(0.3, momentum=0.99), "divergence"),
    (lambda: tf.keras.optimizers.RMSprop(0.5), "oscillation")], ids=["sgd-momentum", "rmsprop"])
def test_a_learning_rate_too_large_is_not_taken_for_gradient_ascent(optimizer, kind):
    """Momentum and a large step overshoot: some updates go uphill, and the loss may rise for
    a while; that is a learning rate's problem, not a sign error: a divergence when the loss
    climbs past any height it had (momentum's), an oscillation when it jumps and falls back
    within them (RMSprop's: 197 at step 3, 22.5 at its later peak)."""
    tf.random.set_seed(1)
    x, y = regression_data(n=64)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="tanh", input_shape=(3,)),
                                 tf.keras.layers.Dense(1)])
    optimizer = optimizer()
    with Recorder() as rec:
        for _ in range(40):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    losses = [step.loss for step in rec.steps]
    assert any(b > a for a, b in zip(losses, losses[1:]))   # the loss did rise at times
    kinds = [f.kind for f in diagnose(rec)]
    assert kind in kinds and "gradient_ascent" not in kinds


# ---- bug 2: hidden units initialised identical ---------------------------------------------------
def test_zero_initialised_hidden_layer_stays_symmetric_and_is_named_with_its_line():
    x, y = regression_data()
    w1 = tf.Variable(tf.zeros((3, 16)))  # BUG 2a: every hidden unit starts the same
    b1 = tf.Variable(tf.zeros(16))
    w2 = tf.Variable(tf.fill((16, 1), 0.1))   # and every output weight 0.1
    variables = [w1, b1, w2]
    with Recorder() as rec:
        for _ in range(5):
            with tf.GradientTape() as tape:
                hidden = tf.tanh(tf.matmul(x, w1) + b1)  # 2a read
                loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - y))
            for v, g in zip(variables, tape.gradient(loss, variables)):
                v.assign_sub(0.1 * g)
    # the bug, seen by another road: five steps later the 16 columns are still one column
    assert np.any(w1.numpy()) and np.allclose(w1.numpy(), w1.numpy()[:, :1])
    [finding] = findings("symmetric_init", rec)
    message = finding.message
    assert message.startswith("the 16 units of w1 (3x16, ")   # as the graph draws it
    assert "are identical and all 16 get the same gradient, so they stay identical" in message
    assert f"made at tests/{here('# BUG 2a')}: w1 = tf.Variable(tf.zeros((3, 16)))" in message
    assert f"read by matmul at tests/{here('# 2a read')}" in message
    assert "fix: initialise it at random, as Keras does (glorot_uniform): tf.Variable(" \
        "tf.keras.initializers.GlorotUniform()(shape=(3, 16)))" in message
    assert finding.variables == (w1.name,) and finding.node.op.name == "matmul"
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["symmetric_init"]


def test_symmetric_layer_found_on_a_tape_shown_with_its_target():
    x, y = regression_data()
    w1 = tf.Variable(tf.fill((3, 8), 0.2))  # BUG 2c: a constant initializer
    w2 = tf.Variable(tf.fill((8, 1), 0.2))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(tf.sigmoid(tf.matmul(x, w1)), w2) - y))
    widget = TapeWidget(tape, target=loss, sources=[w1, w2])
    [alert] = widget.alerts
    assert alert["kind"] == "symmetric_init" and widget.graph.nodes[alert["node"]].op == "matmul"
    assert alert["message"].startswith("the 8 units of w1 (3x8, every weight 0.2) are "
                                       "identical and all 8 get the same gradient")
    assert [n.label for n in widget.graph.nodes.values() if n.ref is w1] == ["w1"]
    assert here("# BUG 2c") in alert["message"]
    # without the target the gradient is unknown: nothing is claimed
    assert TapeWidget(tape).alerts == []


def test_keras_constant_kernel_initializer_in_fit_is_named_with_the_layer():
    x, y = regression_data(n=64)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="tanh", input_shape=(3,),
                              kernel_initializer=tf.keras.initializers.Constant(0.1)),
        tf.keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    with Recorder() as rec:
        model.fit(x, y, batch_size=64, epochs=4, verbose=0)  # BUG 2b
    [finding] = findings("symmetric_init", rec)
    layer = model.layers[0].name
    assert f"the 8 units of the kernel of layer {layer} (3x8, each column the same)" \
        in finding.message
    assert here("# BUG 2b") in finding.message
    assert "fix: drop the layer's kernel_initializer (Keras' default, glorot_uniform" \
        in finding.message


def test_random_hidden_layers_and_a_zero_initialised_output_layer_are_not_symmetric():
    x, onehot = classes_data()
    rng = np.random.default_rng(3)
    w1 = tf.Variable(rng.normal(size=(5, 16)).astype(np.float32) * 0.3)
    w2 = tf.Variable(tf.zeros((16, 4)))   # an output layer: the labels tell its units apart
    with Recorder() as rec:
        for _ in range(4):
            with tf.GradientTape() as tape:
                logits = tf.matmul(tf.tanh(tf.matmul(x, w1)), w2)
                loss = tf.reduce_mean(
                    tf.nn.softmax_cross_entropy_with_logits(onehot, logits))
            for v, g in zip([w1, w2], tape.gradient(loss, [w1, w2])):
                v.assign_sub(0.5 * g)
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert diagnose(rec) == []


# ---- bug 3: softmax or cross-entropy over the batch axis --------------------------------------
def softmax_classifier(axis: int, over: int = -1):
    x, onehot = classes_data()
    w = tf.Variable(np.random.default_rng(4).normal(size=(5, 4)).astype(np.float32) * 0.1)
    b = tf.Variable(tf.zeros(4))
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(tf.matmul(x, w) + b, axis=axis)  # BUG 3a
                loss = tf.reduce_mean(-tf.reduce_sum(onehot * tf.math.log(probs), over))  # BUG 3b
            for v, g in zip([w, b], tape.gradient(loss, [w, b])):
                v.assign_sub(0.5 * g)
    return rec


def test_softmax_over_the_batch_axis_names_the_op_the_shape_and_the_line():
    rec = softmax_classifier(axis=0)
    [finding] = findings("batch_axis", rec)
    [softmax] = rec.last_step.find(op="softmax")
    sums = softmax.output.sum(axis=1)
    message = finding.message
    assert message.startswith("softmax over axis 0 of (32, 4), the batch axis: each class is "
                              "normalised across the 32 examples")
    assert f"they sum to {sums.min():.3g} to {sums.max():.3g} here" in message
    assert f"at tests/{here('# BUG 3a')}: probs = tf.nn.softmax(" in message
    assert "fix: normalise over the classes, the last axis: tf.nn.softmax(logits)" in message
    # the first alert: the bias's gradient vanishing and the norms' ratio follow from it (a
    # class's bias is the same for every example, and the batch's softmax cancels it)
    alerts = TapeWidget(rec).alerts
    assert alerts[0]["kind"] == "batch_axis" and alerts[0]["message"] == message
    assert alerts[0]["location"].endswith(here("# BUG 3a"))


def test_hand_written_cross_entropy_summed_over_the_batch_axis():
    rec = softmax_classifier(axis=-1, over=0)
    [finding] = findings("batch_axis", rec)
    assert finding.node.op.name == "reduce_sum"
    assert finding.message.startswith(
        "reduce_sum over axis 0 of y * log(p) (32, 4), the batch axis: it sums each class over "
        "the 32 examples (4 class values, not 32 example losses), and the reduce_mean after it "
        "makes the loss 8x the examples' mean cross-entropy (32 examples, 4 classes)")
    # the figure, by another road: the loss against the examples' mean cross-entropy
    [log] = rec.last_step.find(op="log")
    _, onehot = classes_data()
    mean_ce = -np.sum(onehot * log.output) / 32
    assert rec.last_step.loss == pytest.approx(8 * mean_ce, rel=1e-5)
    assert here("# BUG 3b") in finding.message
    assert "fix: sum over the classes, then average over the batch: tf.reduce_mean(" \
        "-tf.reduce_sum(y * tf.math.log(p), axis=-1))" in finding.message


def test_softmax_over_the_batch_in_a_keras_custom_loop():
    tf.random.set_seed(2)
    x, onehot = classes_data(n=48)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu", input_shape=(5,)),
                                 tf.keras.layers.Dense(4)])
    loss_fn = tf.keras.losses.CategoricalCrossentropy()
    optimizer = tf.keras.optimizers.Adam(0.01)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(model(x), axis=0)  # BUG 3c
                loss = loss_fn(onehot, probs)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = findings("batch_axis", rec)
    assert finding.message.startswith("softmax over axis 0 of (48, 4), the batch axis")
    assert here("# BUG 3c") in finding.message and finding.node.op.name == "softmax"


def test_a_keras_loss_function_summing_over_the_batch_in_model_fit():
    tf.random.set_seed(0)
    x, onehot = classes_data(n=64)
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="softmax",
                                                       input_shape=(5,))])
    model.compile(optimizer="sgd",
                  loss=lambda y, p: -tf.reduce_sum(y * tf.math.log(p), axis=0))  # BUG 3d
    with Recorder() as rec:
        model.fit(x, onehot, batch_size=32, epochs=2, verbose=0)
    [finding] = findings("batch_axis", rec)
    assert finding.message.startswith(
        "reduce_sum over axis 0 of y * log(p) (32, 4), the batch axis") and \
        "makes the loss 8x the examples' mean cross-entropy" in finding.message
    assert here("# BUG 3d") in finding.message


def test_softmax_over_the_classes_and_the_column_layout_give_no_alert():
    """No batch-axis alert; the hand-written log(softmax) is said once, as what can make NaN
    later (test_bugs_lectures: the log of a probability that rounds to 0)."""
    rec = softmax_classifier(axis=-1)
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["log_of_probability"]
    # the mean over axis 0, then the sum over classes: the examples' mean cross-entropy
    x, onehot = classes_data()
    w = tf.Variable(np.random.default_rng(4).normal(size=(5, 4)).astype(np.float32) * 0.1)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(tf.matmul(x, w))
                loss = -tf.reduce_sum(tf.reduce_mean(onehot * tf.math.log(probs), axis=0))
            w.assign_sub(0.5 * tape.gradient(loss, w))
    assert findings("batch_axis", rec) == []
    # one example a column (w @ x, as some courses write it): axis 0 is the classes
    x, onehot = classes_data()
    w = tf.Variable(np.random.default_rng(4).normal(size=(4, 5)).astype(np.float32) * 0.1)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(tf.matmul(w, x.T), axis=0)
                loss = -tf.reduce_mean(tf.reduce_sum(onehot.T * tf.math.log(probs), axis=0))
            w.assign_sub(0.5 * tape.gradient(loss, w))
    assert findings("batch_axis", rec) == []


# ---- bug 4: pixels 0-255 fed to the first layer -----------------------------------------------
def digits_cnn(scale: float, steps: int = 3):
    tf.random.set_seed(1)
    (images, labels), _ = load_digits()
    images = tf.cast(images[:96, :, :, np.newaxis], tf.float32) / scale
    dataset = tf.data.Dataset.from_tensor_slices((images, tf.cast(labels[:96], tf.int64)))
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for batch_images, batch_labels in dataset.batch(32).take(steps):
            with tf.GradientTape() as tape:
                logits = model(batch_images, training=True)  # BUG 4a: the batch enters
                loss = loss_object(batch_labels, logits)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec, model


def test_unscaled_pixels_to_the_guide_cnn_name_the_range_and_where_the_batch_was_first_read():
    rec, model = digits_cnn(scale=1.0)
    [finding] = findings("unscaled_input", rec)
    [conv] = rec.last_step.find(op="conv2d", phase="forward")[:1]
    pixels, out = conv.inputs[0], conv.output
    assert pixels.min() == 0 and pixels.max() == 255
    message = finding.message
    assert message.startswith(f"conv2d in layer {conv.scope}, the first layer, "
                              f"reads pixels 0 to 255 (whole numbers), a 32x8x8x1 batch")
    assert f"its outputs reach {np.max(np.abs(out)):.3g} (std {np.std(out):.3g}; " in message
    # the batch was made before the recording: only the line that read it is known
    assert f"the batch was first read at tests/{here('# BUG 4a')}: logits = model(" in message
    assert "entered" not in message and "made at" not in message
    assert "fix: scale the pixels to 0-1 where the batch is made: images / 255" in message
    assert finding.node.op.name == "conv2d"
    # the same program on pixels / 255 (the guide's) says nothing
    rec, _ = digits_cnn(scale=255.0)
    assert TapeWidget(rec).alerts == []


def test_bytes_cast_to_float_in_the_loop_name_the_cast():
    (images, labels), _ = load_digits()
    onehot = np.eye(10, dtype=np.float32)[labels[:64]]
    rng = np.random.default_rng(5)
    w1 = tf.Variable(rng.normal(size=(64, 32)).astype(np.float32) * 0.1)
    w2 = tf.Variable(rng.normal(size=(32, 10)).astype(np.float32) * 0.1)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                batch = tf.cast(tf.reshape(images[:64], (64, 64)), tf.float32)  # BUG 4b
                logits = tf.matmul(tf.sigmoid(tf.matmul(batch, w1)), w2)
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(onehot, logits))
            for v, g in zip([w1, w2], tape.gradient(loss, [w1, w2])):
                v.assign_sub(0.1 * g)
    [finding] = findings("unscaled_input", rec)
    assert "reads pixels 0 to 255 (bytes cast to float), a 64x64 batch" in finding.message
    assert f"the bytes were cast to float at tests/{here('# BUG 4b')}: batch = tf.cast(" \
        in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG 4b")


def test_unscaled_pixels_given_to_model_fit():
    tf.random.set_seed(3)
    (images, labels), _ = load_digits()
    pixels = images[:128].reshape(128, 64).astype(np.float32)   # 0-255, not / 255
    model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="sigmoid",
                                                       input_shape=(64,)),
                                 tf.keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    with Recorder() as rec:
        model.fit(pixels, labels[:128], batch_size=64, epochs=1, verbose=0)  # BUG 4c
    [finding] = findings("unscaled_input", rec)
    assert f"matmul in layer {model.name}/{model.layers[0].name}, the first layer, reads " \
        f"pixels 0 to 255 (whole numbers), a 64x64 batch" in finding.message
    assert here("# BUG 4c") in finding.message
    with Recorder() as rec:
        model.fit(pixels / 255, labels[:128], batch_size=64, epochs=1, verbose=0)
    assert findings("unscaled_input", rec) == []


def test_word_counts_are_not_taken_for_pixels():
    """Whole numbers in wide rows, but counts: a bag of words reaching 40, not 255."""
    rng = np.random.default_rng(6)
    counts = rng.poisson(3.0, size=(64, 100)).astype(np.float32)
    counts[:, 0] = 40.0   # a frequent word
    w = tf.Variable(rng.normal(size=(100, 1)).astype(np.float32))
    target = rng.normal(size=(64, 1)).astype(np.float32)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(counts, w) - target))
            w.assign_sub(1e-4 * tape.gradient(loss, w))
    assert np.std(rec.last_step.find(op="matmul")[0].output) > 5   # large outputs, all the same
    assert findings("unscaled_input", rec) == []


# ---- bug 5: a Variable made inside the training loop ------------------------------------------
def test_a_variable_made_in_the_loop_names_its_line_and_the_lost_updates():
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(6):
            w = tf.Variable(tf.zeros([3, 1]))  # BUG 5a: a new w every step
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))  # 5a read
            w.assign_sub(0.1 * tape.gradient(loss, w))
    losses = [step.loss for step in rec.steps]
    assert len(set(losses)) == 1   # the symptom: every step starts over, the loss never moves
    [finding] = findings("variable_in_loop", rec)
    message = finding.message
    assert message.startswith("w (3x1) is made inside the training loop, anew in each of "
                              "the last 6 steps (a new variable each step), so each update "
                              "is lost")
    assert f"made at tests/{here('# BUG 5a')}: w = tf.Variable(tf.zeros([3, 1]))" in message
    assert f"read by matmul at tests/{here('# 5a read')}" in message
    assert "fix: create the variable once, before the loop" in message
    assert finding.source.lineno == line_of(__file__, "# BUG 5a")
    assert finding.variables == (w.name,)
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["variable_in_loop"]


def test_a_keras_model_made_in_the_loop_is_named():
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(4):
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])  # BUG 5b
            optimizer = tf.keras.optimizers.SGD(0.05)   # (Keras 3: one per set of variables)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = findings("variable_in_loop", rec)
    layer = model.layers[0].name
    assert finding.message.startswith(f"the kernel and bias of layer {layer} are made inside "
                                      f"the training loop, anew in each of the last 4 steps")
    assert f"made at tests/{here('# BUG 5b')}: model = tf.keras.Sequential(" in finding.message
    assert "fix: make the model (and its optimizer) once, before the loop" in finding.message


def test_a_variable_remade_from_its_updated_value_keeps_training_and_gives_no_alert():
    """w = tf.Variable(w - lr * g): a new variable each step, but from the updated value, so
    plain SGD trains as assign_sub would."""
    x, y = regression_data()
    w = tf.Variable(tf.zeros([3, 1]))
    with Recorder() as rec:
        for _ in range(6):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            w = tf.Variable(w - 0.1 * tape.gradient(loss, w))
    losses = [step.loss for step in rec.steps if step.loss is not None]
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert findings("variable_in_loop", rec) == []


def test_a_variable_drawn_again_at_random_each_step_is_found():
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(5):
            w = tf.Variable(tf.random.normal([3, 1]))  # BUG 5c: a new random w every step
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            w.assign_sub(0.1 * tape.gradient(loss, w))
            tf.reduce_max(tf.abs(w))   # a metric after the update: the last step has no gradient
    assert rec.steps[-1].gradient_sources == []
    [finding] = findings("variable_in_loop", rec)
    assert finding.message.startswith("w (3x1) is made inside the training loop, anew in each "
                                      "of the last 5 steps")
    assert here("# BUG 5c") in finding.message


def test_a_variable_made_in_the_loop_and_rebound_by_w_minus_lr_g_is_found():
    """No update op writes it (`w = w - lr * g` after the tape makes a Tensor): its update is
    lost all the same, the next step starting again from zeros."""
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(5):
            w = tf.Variable(tf.zeros([3, 1]))  # BUG 5d: a new w every step
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            w = w - 0.1 * tape.gradient(loss, w)
    losses = [step.loss for step in rec.steps if step.loss is not None]
    assert len(losses) == 5 and len(set(losses)) == 1   # every step starts over
    [finding] = findings("variable_in_loop", rec)
    assert finding.message.startswith("w (3x1) is made inside the training loop, anew in each "
                                      "of the last 5 steps")
    assert f"made at tests/{here('# BUG 5d')}: w = tf.Variable(" in finding.message


def test_a_variable_made_once_before_the_loop_gives_no_alert():
    x, y = regression_data()
    w = tf.Variable(tf.zeros([3, 1]))
    with Recorder() as rec:
        for _ in range(6):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            w.assign_sub(0.1 * tape.gradient(loss, w))
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert TapeWidget(rec).alerts == []


def test_softmax_outputs_given_to_a_loss_taking_logits_are_found():
    """The same bug as tests/pytorch's F.cross_entropy(F.softmax(...)): found from the
    recording (the loss's call also warns)."""
    x, labels = classes_data()
    w = tf.Variable(np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32) * 0.1)
    with Recorder() as rec, pytest.warns(UserWarning, match="look like probabilities"):
        for _ in range(3):
            with tf.GradientTape() as tape, tf.name_scope("loss"):
                probs = tf.nn.softmax(x @ w)  # BUG 7a
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels, probs))
            w.assign_sub(0.5 * tape.gradient(loss, w))
    [finding] = findings("double_softmax", rec)
    assert finding.message.startswith(
        "softmax_cross_entropy_with_logits is given probabilities: its logits were made by "
        f"softmax at tests/{here('# BUG 7a')}")
    assert "with 4 classes the loss can never go below 0.744" in finding.message
    # tf.nn's loss takes no from_logits: the fix names one that takes probabilities
    assert finding.message.endswith(
        "fix: pass the logits (no softmax before softmax_cross_entropy_with_logits), or keep "
        "the softmax and use tf.keras.losses.categorical_crossentropy(labels, probabilities), "
        "which takes probabilities")


def test_a_keras_model_with_a_softmax_layer_and_a_loss_from_logits_is_told_from_logits():
    x, labels = classes_data()
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer="sgd",
                  loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
    with Recorder() as rec, pytest.warns(UserWarning, match="look like probabilities"):
        model.fit(x, labels, epochs=1, batch_size=16, verbose=0)
    [finding] = findings("double_softmax", rec)
    assert finding.message.endswith("fix: pass the logits (no softmax on the last layer: "
                                    "Dense(k) with no activation), or keep the softmax and "
                                    "use from_logits=False")
