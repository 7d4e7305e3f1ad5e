"""Custom training loops from the TF tutorials, as a student writes them after the lectures
and debugs them with every tool: an autoencoder on the digits, a @tf.function train step,
BatchNormalization and Dropout in training and inference, a tf.data pipeline of shuffle,
batch and repeat, gradients clipped by global norm under a decaying learning rate, a
checkpoint written and read mid-training. Each is drawn, inspected, stepped backward, run
by the Runner past and into a breakpoint and by the Dashboard, its planted NaN found at the
student's line and its planted silent bug diagnosed."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose, find_nan_origin
from programs import line_of
from raising import raised
from tf_program_tools import (no_warning_from, nothing_left_around, ops_drawn, paused_by,
                              recorded, runs_past, stepped_gradients, stepped_to_the_end,
                              trained_by_dashboard, widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def digits(n=64):
    (images, labels), _ = load_digits()
    return (images[:n].reshape(n, 64) / 255.0).astype(np.float32), labels[:n].astype(np.int64)


# ---- an autoencoder on the digits ------------------------------------------------------------
def autoencoder(steps=3, learning_rate=0.01, nan=False):
    images, _ = digits()
    encoder = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu")])
    decoder = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="sigmoid")])
    optimizer = tf.keras.optimizers.Adam(learning_rate)   # RATE
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            code = encoder(images)   # ENCODED
            if nan:
                code = tf.sqrt(code - 1.0)   # NAN: relu's zeros less 1
            reconstruction = decoder(code)
            loss = tf.reduce_mean(tf.square(reconstruction - images))
        variables = encoder.trainable_variables + decoder.trainable_variables
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))   # UPDATE
        losses.append(float(loss))
    return losses


def test_an_autoencoder_is_drawn_by_layer_inspected_and_stepped_to_the_recorded_gradients():
    losses, rec = recorded(autoencoder)
    assert len(rec.steps) == 3 and losses[-1] < losses[0]
    widget = widget_of(rec)
    assert widget.title == f"step 3 of 3: {len(rec.steps[-1].ops)} ops, loss {losses[-1]:.4g}"
    assert ops_drawn(widget)[:9] == ["@", "+b", "relu", "@", "+b", "σ", "−", "x²", "mean"]
    [relu] = [k for k, n in widget.view.nodes.items() if n.label == "relu"]
    sections = {s["title"]: s["content"] for s in widget.inspect(relu)["sections"]}
    assert f"test_tf_programs_loops.py:{line_of(__file__, '# ENCODED')} in autoencoder" \
        in sections["Source"]
    assert dict(map(tuple, sections["Op"]))["layer path"] == "sequential/dense"
    stepped_to_the_end(widget)
    recorded_grads = rec.steps[-1].variable_gradients
    shown = stepped_gradients(widget)
    assert set(shown) == {"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}
    kernel = recorded_grads["dense/kernel:0"].numpy()
    assert f"min {kernel.min():.4g}" in shown["dense/kernel"]
    widget.close()


def test_an_autoencoders_nan_is_found_at_the_students_line_and_a_look_warns_nothing():
    _, rec = recorded(autoencoder, nan=True)
    origin = no_warning_from(lambda: find_nan_origin(rec.steps[0]))
    assert (origin.op, origin.source.lineno) == ("sqrt", line_of(__file__, "# NAN: relu"))


def test_an_autoencoder_under_a_breakpoint_the_runner_and_the_dashboard():
    runs_past(autoencoder, op="conv2d")
    paused_at, hit = paused_by(autoencoder, op="sigmoid")
    assert paused_at.op_name == "sigmoid" and hit.node.scope.startswith("sequential_")
    assert paused_at.source.lineno == line_of(__file__, "reconstruction = decoder(code)")
    shown = trained_by_dashboard(autoencoder)
    steps, losses = shown["history"]["loss"]
    assert shown["state"] == "finished" and steps == [1, 2, 3] and losses[2] < losses[0]
    assert shown["alerts"] == []


def test_an_autoencoder_whose_learning_rate_is_100x_too_high_is_said_to_saturate():
    """Adam(1.0) for Adam(0.01): the first update pushes the decoder's sigmoid to exactly 0
    and 1 for every pixel, its derivative 0 there, and every gradient is 0 from then on: the
    loss stays flat, nothing fails, and diagnose said nothing."""
    losses, rec = recorded(autoencoder, steps=8, learning_rate=1.0)
    assert losses[-1] == losses[-2] and losses[-1] > 0.15   # stuck
    [finding] = [f for f in diagnose(rec) if f.kind == "saturated"]
    assert finding.message.startswith("saturated sigmoid: sigmoid in layer ")
    said = finding.message.split("the updates pushed it there, a learning rate too large")[1]
    assert said.startswith(" (set at ") and \
        f"test_tf_programs_loops.py:{line_of(__file__, '# RATE')}: " in said


# ---- a @tf.function train step ---------------------------------------------------------------
def tf_function_loop(steps=3, nan=False):
    images, labels = digits()
    model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            if nan:
                logits = logits / tf.zeros_like(logits)   # NAN: x / 0
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return [float(train_step(images, labels)) for _ in range(steps)]


def test_a_tf_function_step_is_recorded_drawn_and_stepped_as_its_eager_body():
    losses, rec = recorded(tf_function_loop)
    assert len(rec.steps) == 3 and losses[2] < losses[0]
    widget = widget_of(rec)
    assert ops_drawn(widget)[:7] == ["@", "+b", "relu", "@", "+b", "sparse CE", "mean"]
    assert stepped_to_the_end(widget) == 7
    assert set(stepped_gradients(widget)) == {"dense/kernel", "dense/bias", "dense_1/kernel",
                                              "dense_1/bias"}
    widget.close()
    paused_at, _ = paused_by(tf_function_loop, op="sparse_softmax_cross_entropy_with_logits")
    assert paused_at.source.lineno == line_of(__file__, "loss = loss_fn(y, logits)")


def test_a_look_at_a_tf_function_steps_nan_warns_nothing_again():
    """The step's backward pass, kept as one record, is run again when find_nan_origin looks:
    its softmax of the Inf logits re-said numpy's RuntimeWarning from the line of the look,
    'input 0 already held 640 Inf: it is in the data' (it came from the division)."""
    _, rec = recorded(tf_function_loop, steps=1, nan=True)
    origin = no_warning_from(lambda: find_nan_origin(rec.steps[0]))
    assert (origin.op, origin.source.lineno) == ("truediv", line_of(__file__, "# NAN: x / 0"))


# ---- BatchNormalization and Dropout, in training and in inference -----------------------------
def normalized(steps=3, training=True):
    images, labels = digits()
    model = tf.keras.Sequential([tf.keras.layers.Dense(32), tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Activation("relu"),
                                 tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(10)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            logits = model(images, training=training)   # TRAINING
            loss = loss_fn(labels, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    held_out, held_labels = digits(96)[0][64:], digits(96)[1][64:]
    predicted = tf.argmax(model(held_out, training=False), axis=1)   # INFERENCE
    return float(tf.reduce_mean(tf.cast(predicted == held_labels, tf.float32)))


def test_batch_norm_and_dropout_are_drawn_as_run_in_training_and_in_inference():
    _, rec = recorded(normalized)
    assert [step.label for step in rec.steps] == [None, None, None, "evaluation"]
    training = widget_of(rec.steps[2])
    assert "moments" in ops_drawn(training) or "mean" in ops_drawn(training)
    stepped_to_the_end(training)
    assert {"batch_normalization/gamma", "batch_normalization/beta"} <= \
        set(stepped_gradients(training))
    training.close()
    inference = widget_of(rec)
    assert inference.no_backward.startswith("step 4 has no backward pass")
    scopes = {op.scope for op in rec.steps[3].ops}
    assert "sequential/dropout" in scopes   # drawn, as the identity it is in inference
    read = {n.label for n in inference.view.nodes.values()}
    assert {"batch_normalization/moving_mean", "batch_normalization/moving_variance"} <= read
    inference.close()
    assert diagnose(rec) == []   # held-out data: no 'evaluated on training data'


def test_a_model_trained_in_inference_mode_is_diagnosed_at_its_call():
    _, rec = recorded(normalized, steps=4, training=False)
    [finding] = [f for f in diagnose(rec) if f.kind == "inference_mode_in_training"]
    assert f"test_tf_programs_loops.py:{line_of(__file__, '# TRAINING')}" in finding.message
    shown = trained_by_dashboard(normalized)
    assert shown["steps"] == 3 and shown["alerts"] == []


# ---- a tf.data pipeline: shuffle, batch, repeat -------------------------------------------------
def regression(epochs=2, squeezed=True, nan=False):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 1)).astype(np.float32)
    y = (3 * x[:, 0] + 1).astype(np.float32)
    if nan:
        x[5, 0] = np.nan   # NAN: a missing value in the data
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(24, seed=1).batch(6)
    w = tf.Variable([[0.5]], name="w")
    b = tf.Variable(0.0, name="b")
    optimizer = tf.keras.optimizers.SGD(0.1)
    for xb, yb in dataset.repeat(epochs):
        with tf.GradientTape() as tape:
            prediction = xb @ w + b
            if squeezed:
                prediction = tf.squeeze(prediction, axis=1)
            loss = tf.reduce_mean(tf.square(prediction - yb))   # LOSS
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
    return float(loss)


def test_a_datasets_batches_are_one_step_each_drawn_with_their_names_and_stepped():
    loss, rec = recorded(regression)
    assert len(rec.steps) == 8 and loss < 2.0
    widget = widget_of(rec)
    labels = [n.label for n in widget.view.nodes.values()]
    assert {"xb", "yb", "w", "b"} <= set(labels)
    assert stepped_to_the_end(widget) == 6
    assert set(stepped_gradients(widget)) == {"w", "b"}
    widget.close()
    paused_at, hit = paused_by(regression, op="reshape")   # tf.squeeze, as the widget draws it
    assert hit.node.inputs[0].shape == (6, 1) and paused_at.source.lineno == \
        line_of(__file__, "prediction = tf.squeeze(prediction, axis=1)")
    runs_past(regression, op="reshape", phase="forward",
              condition=lambda node: node.output.shape != (6,))


def test_a_breakpoint_on_a_function_that_is_no_op_says_which_ops_to_name_instead():
    """break_on(op='expand_dims'), a composite of reshape as tf.squeeze is: 'no op is called
    'expand_dims'; did you mean ...', an op the program never ran for the function the student
    called (torch's adapter, once loaded, names a 'squeeze' op of its own)."""
    err, line = raised(ValueError, lambda: tf.debugger.break_on(op="expand_dims"))
    assert str(err).startswith("break_on: no op is called 'expand_dims': tf.expand_dims is a "
                               "function that runs other ops (as the widget draws them)")
    assert "did you mean" not in str(err) and err.source.lineno == line


def test_a_datasets_nan_is_said_to_come_from_the_data_and_a_broadcast_diagnosed():
    _, rec = recorded(regression, epochs=1, nan=True)
    first = next(step for step in rec.steps if np.isnan(step.loss))
    origin = find_nan_origin(first)
    assert origin.source.lineno == line_of(__file__, "prediction = xb @ w + b")
    assert "`xb` (its input `a`) already held 1 NaN (of 6 values" in str(origin)
    [finding] = [f for f in diagnose(rec) if f.kind == "nan"]
    assert f"in step {first.number} at " in finding.message and "in the data" in finding.message
    _, rec = recorded(regression, squeezed=False)
    [finding] = [f for f in diagnose(rec) if f.kind == "outer_broadcast"]
    assert finding.message.startswith("subtract broadcast (6, 1) and (6,) to (6, 6)")
    assert f"test_tf_programs_loops.py:{line_of(__file__, '# LOSS')}" in finding.message


def test_a_nan_runs_alerts_blame_the_nan_not_a_zero_gradient_it_causes():
    """After the division's Inf, the first layer's weights are NaN; ReLU of NaN passes no
    gradient, so its kernel's gradient is exactly 0 in every later step. The Dashboard
    alerted 'dense/kernel:0: the gradient is exactly zero in all 2 steps: it never trains
    (dead ReLUs, a masked path, or a constant input)' beside the NaN: a second cause that is
    none."""
    shown = trained_by_dashboard(lambda: tf_function_loop(nan=True))
    assert [alert["kind"] for alert in shown["alerts"]] == ["nan"]
    assert "truediv produced inf" in shown["alerts"][0]["message"]
    _, rec = recorded(tf_function_loop, nan=True)
    assert [f.kind for f in diagnose(rec.steps[-1], history=rec.steps[1:])] == ["nan"]


def test_a_recorded_steps_values_and_gradients_are_read_by_the_names_it_lists():
    """`step.variables` and `step.variable_gradients` list variables by name ('w:0'); given
    that name, value_of and gradient_of raised AttributeError: 'str' object has no attribute
    '_value'. A name is read as the Variable is; what is neither is refused naming the call."""
    _, rec = recorded(regression)
    step = rec.last_step
    listed = next(name for name in step.variables if name.startswith("w"))   # 'w:0' alone
    for name in (listed, listed.split(":")[0]):   # ('w_54:0' after other tests' live w's)
        np.testing.assert_array_equal(step.value_of(name), step.variables[listed])
        np.testing.assert_array_equal(step.gradient_of(name), step.variable_gradients[listed])
    assert step.value_of("v:0") is None and step.gradient_of("v") is None   # not in the step
    err, line = raised(TypeError, lambda: step.gradient_of(np.zeros(3)))
    assert str(err).startswith("RecordedStep.gradient_of: tensor must be a Tensor of the step, "
                               "a Variable or a variable's name ('w:0'); got ")
    assert err.source.lineno == line
