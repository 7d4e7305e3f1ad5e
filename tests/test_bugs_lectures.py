"""Bugs planted, one at a time, in the two reference programs: the CS20 lecture's birth-rate
regression (per example with the Huber loss, and the vectorised version students write
next) and the TF2 guide's MNIST CNN (its custom loop on the bundled 8x8 digits). Each is
found the way a user looks: `diagnose(recorder)` (the widget's and the dashboard's
alerts), the warning or the error the program meets. "Found" is a message that says what
is wrong, names the op and this file's line of the buggy statement (marked `# BUG <n>`);
the same program written correctly gives no finding.
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits, synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose
from tapeviz.viz.widget import TapeWidget
from programs import guide_cnn, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

here = functools.partial(marked_line, __file__)   # '<this file>:<line>' of a marker


def findings(kind: str, rec) -> list:
    return [f for f in diagnose(rec) if f.kind == kind]


def birth_life():
    """(birth rates, life expectancies): the lecture file's layout (a synthetic stand-in)."""
    data, _ = synthetic_birth_life()
    return data[:, 0], data[:, 1]


def digits(count: int = 192):
    """The guide's dataset on the bundled digits: scaled images with their channel axis."""
    (images, labels), _ = load_digits()
    images = tf.cast(images[:count, ..., tf.newaxis] / 255, tf.float32)
    return tf.data.Dataset.from_tensor_slices((images, tf.cast(labels[:count], tf.int64)))


def guide_cnn_with_dropout():
    """The guide's CNN with a Dropout before its head, as students add one."""
    model = guide_cnn()
    return tf.keras.Sequential(model.layers[:3] + [tf.keras.layers.Dropout(0.5),
                                                   model.layers[3]])


def train_guide_cnn(model, steps: int = 4):
    """The guide's train_step over `steps` batches of 32."""
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for images, labels in digits().batch(32).take(steps):
        with tf.GradientTape() as tape:
            loss_value = loss_object(labels, model(images, training=True))
        grads = tape.gradient(loss_value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))


# ---- the guide's CNN evaluated with training=True, copied from its train_step --------------
def test_an_evaluation_of_the_guide_cnn_with_training_true_names_dropout_and_the_line():
    tf.random.set_seed(0)
    model = guide_cnn_with_dropout()
    held_out = next(iter(digits().skip(128).batch(64)))[0]
    with Recorder() as rec:
        train_guide_cnn(model)
        logits = model(held_out, training=True)  # BUG 1: an evaluation in training mode
    [finding] = findings("train_mode_in_evaluation", rec)
    assert finding.message.startswith(f"step {rec.last_step.number} computed no gradient (an "
                                      "evaluation) but ran dropout in training mode")
    assert "dropout still zeroes units at random (50% of them)" in finding.message
    assert f"dropout at tests/{here('# BUG 1:')}" in finding.message
    assert f"in layer {model.name}/{model.layers[3].name}" in finding.message
    assert finding.message.endswith("fix: evaluate with training=False: model(x) (its "
                                    "default) or model(x, training=False); training=True is "
                                    "for the training step")
    assert logits.shape == (64, 10)


def test_an_evaluation_of_a_batch_norm_model_in_training_mode_is_found_and_eval_is_not():
    """Batch norm in training mode normalises by the batch and moves its moving averages
    (the recorder may count those updates into the step before: the layer reads no moving
    variance to normalise with, which is what it is judged by)."""
    tf.random.set_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    y = x[:, :1] - x[:, 1:2]

    def run(training: bool):
        model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                     tf.keras.layers.BatchNormalization(),
                                     tf.keras.layers.Dense(1)])
        optimizer = tf.keras.optimizers.SGD(0.05)
        with Recorder() as rec:
            for _ in range(3):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
            model(x, training=training)  # BUG 2: the evaluation's mode
        return rec

    [finding] = findings("train_mode_in_evaluation", run(training=True))
    assert "ran batch_norm in training mode" in finding.message
    assert f"batch_norm at tests/{here('# BUG 2:')}" in finding.message
    assert "batch_norm still normalises by each batch's own statistics" in finding.message
    assert findings("train_mode_in_evaluation", run(training=False)) == []


def test_the_guide_cnn_evaluated_as_the_guide_does_gives_no_alert():
    tf.random.set_seed(0)
    model = guide_cnn_with_dropout()
    held_out = next(iter(digits().skip(128).batch(64)))[0]
    with Recorder() as rec:
        train_guide_cnn(model)
        model(held_out)
    assert TapeWidget(rec).alerts == []


# ---- the vectorised regression: reduce_mean over the wrong axis leaves a loss per example ---
def vectorised_regression(axis, steps: int = 6, optimizer=None):
    """The full-batch regression, its loss a mean over `axis` (None: a scalar), recorded."""
    birth_rate, life = birth_life()
    x, y = tf.constant(birth_rate[:, None]), tf.constant(life[:, None])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = optimizer or tf.keras.optimizers.SGD(0.01)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                squared = tf.square(y - (tf.matmul(x, w) + b))
                loss = tf.reduce_mean(squared, axis=axis)  # BUG 3: axis=1 keeps the batch
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    return rec


def test_a_loss_per_example_from_reduce_mean_over_the_wrong_axis_names_the_op_and_the_line():
    rec = vectorised_regression(axis=1)
    [finding] = findings("non_scalar_loss", rec)
    assert finding.message.startswith(
        "the loss given to tape.gradient in step 1 is not one number: shape (190,), 190 "
        "values, made by reduce_mean over axis=1 of a (190, 1), which left the other axes, "
        f"at tests/{here('# BUG 3:')}")
    assert "every gradient is 190x that of their mean" in finding.message
    assert "fix: reduce it to one number over every axis" in finding.message
    assert diagnose(rec)[0].kind == "non_scalar_loss"   # the cause before its symptoms


def test_the_vectorised_regression_with_one_loss_gives_no_alert():
    rec = vectorised_regression(axis=None)
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert TapeWidget(rec).alerts == []


def test_a_keras_loss_function_per_example_given_to_the_tape_is_named():
    birth_rate, life = birth_life()
    x, y = birth_rate[:64, None], life[:64, None]
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.001)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.keras.losses.mean_squared_error(y, model(x))  # BUG 4: one per row
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = findings("non_scalar_loss", rec)
    assert "shape (64,), 64 values" in finding.message
    assert f"at tests/{here('# BUG 4:')}" in finding.message
    assert "a Keras loss function returns one loss per example" in finding.message


# ---- the per-example regression with a norm penalty: sqrt(0)'s gradient at a zero init -----
def test_a_norm_penalty_at_zero_weights_names_sqrt_and_its_line_not_only_the_gradient_call():
    birth_rate, life = birth_life()
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.01)
    with Recorder() as rec:
        for x_i, y_i in zip(birth_rate[:4], life[:4]):
            with tf.GradientTape() as tape:
                t = y_i - (x_i * w + b)
                loss = t ** 2 + 0.01 * tf.sqrt(w * w + b * b)  # BUG 5: the norm of zeros
            grads = tape.gradient(loss, [w, b])  # BUG 5: the gradient call
            optimizer.apply_gradients(zip(grads, [w, b]))
    [finding] = findings("nan", rec)
    assert finding.message.startswith(
        "sqrt_grad produced inf in the backward pass, in the gradient through sqrt (op ")
    assert f"tests/{here('# BUG 5: the norm')}" in finding.message
    assert "sqrt's gradient 0.5 / sqrt(x) is infinite where x = 0" in finding.message
    assert "fix: add an epsilon inside the root" in finding.message
    assert "first in step 1" in finding.message
    assert finding.source.lineno == int(here("# BUG 5: the norm").split(":")[1])


# ---- the per-example regression with its weight made inside the step ------------------------
def test_a_variable_made_in_the_step_refused_by_the_optimizer_names_its_line_and_the_fix():
    birth_rate, life = birth_life()
    b = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.01)
    with pytest.raises(tf.errors.InvalidArgumentError) as refused:
        for x_i, y_i in zip(birth_rate[:3], life[:3]):
            w = tf.Variable(0.0)  # BUG 6: a new weight each step
            with tf.GradientTape() as tape:
                loss = tf.square(y_i - (x_i * w + b))
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))  # BUG 6: refused
    message = str(refused.value)
    assert f"was made at tests/{here('# BUG 6: a new')}: w = tf.Variable(0.0)" in message
    assert "a tf.Variable made inside the training step is a new variable each step" in message
    assert message.splitlines()[1].strip().startswith(f"at tests/{here('# BUG 6: refused')}")
    assert message.endswith("hint: create the variable once, before the training loop, and "
                            "let the optimizer update it")


# ---- dead ReLUs in the guide's CNN: killed by the initialisation, or by the learning rate ----
def test_dead_relus_of_a_bad_bias_in_model_fit_are_found_though_fits_last_step_only_averages():
    """model.fit's last recorded step only averages its metrics: the step that trained is
    the one judged (before, fit's dead layers went unsaid)."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1),
                               bias_initializer=tf.keras.initializers.Constant(-3.0)),
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    images, labels = next(iter(digits().batch(192)))
    with Recorder() as rec:
        model.fit(images, labels, batch_size=32, epochs=1, verbose=0)  # BUG 7
    [first] = findings("dead_relu", rec)   # one cause: the second layer is fed its zeros
    assert first.message.startswith(f"dead ReLU: relu in layer {model.layers[0].name} "
                                    f"outputs only zeros")   # as its variables name it
    assert f"at tests/{here('# BUG 7')}" in first.message
    assert "it was dead from the first recorded step (step 1): its initial weights or bias " \
           "killed it; hint: re-initialise the layer" in first.message
    assert ("; 1 more ReLU layer after it, which its zeros feed, output only zeros too "
            f"({model.layers[1].name}: 2 dead layers,") in first.message


def test_relus_killed_by_a_learning_rate_100x_too_large_name_the_step_and_the_optimizer_line():
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam(0.1)  # BUG 8: 100x the guide's
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for images, labels in digits(320).batch(32):
            with tf.GradientTape() as tape:
                loss_value = loss_object(labels, model(images, training=True))  # BUG 8: dies
            grads = tape.gradient(loss_value, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = findings("dead_relu", rec)
    assert f"at tests/{here('# BUG 8: dies')}" in finding.message
    assert "; it was alive in step 1 (" in finding.message
    assert ("the updates killed it, a learning rate too large (set at tests/"
            f"{here('# BUG 8: 100x')}: optimizer = tf.keras.optimizers.Adam(0.1)") \
        in finding.message
    assert "hint: lower the learning rate" in finding.message


def test_the_guide_cnn_trained_by_model_fit_gives_no_alert():
    tf.random.set_seed(0)
    model = guide_cnn()
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    images, labels = next(iter(digits().batch(192)))
    with Recorder() as rec:
        model.fit(images, labels, batch_size=32, epochs=1, verbose=0)
    assert TapeWidget(rec).alerts == []


# ---- the vectorised regression with its labels read as integers ------------------------------
def test_integer_labels_against_float_predictions_say_cast_the_labels_not_the_predictions():
    birth_rate, life = birth_life()
    x = tf.constant(birth_rate[:, None])
    y = tf.constant(np.round(life[:, None]).astype(np.int64))  # BUG 9: whole years, int64
    w = tf.Variable(tf.zeros([1, 1]))
    with pytest.raises(TypeError) as refused, tf.GradientTape():
        tf.reduce_mean(tf.square(y - tf.matmul(x, w)))  # BUG 9: refused here
    assert str(refused.value).startswith("subtract: inputs must have the same dtype; got "
                                         "input 0 is int64, input 1 is float32")
    assert str(refused.value).splitlines()[1].strip().startswith(
        f"at tests/{here('# BUG 9: refused')} in ")
    assert refused.value.hint.startswith("cast y to float32: tf.cast(y, tf.float32)")


# ---- the guide's dataset with images and labels shuffled apart -------------------------------
def test_images_and_labels_shuffled_apart_then_zipped_warn_at_the_zip_line():
    (images, labels), _ = load_digits()
    image_ds = tf.data.Dataset.from_tensor_slices(tf.cast(images[:64, ..., None] / 255,
                                                          tf.float32))
    label_ds = tf.data.Dataset.from_tensor_slices(tf.cast(labels[:64], tf.int64))
    with pytest.warns(UserWarning, match="Dataset.zip: components 0 and 1 were each shuffled "
                                         "on its own before zipping") as warned:
        dataset = tf.data.Dataset.zip((image_ds.shuffle(64), label_ds.shuffle(64)))  # BUG 10
    [warning] = warned
    assert f"{warning.filename}:{warning.lineno}".endswith(here("# BUG 10"))
    assert str(warning.message).endswith("shuffle after zipping: "
                                         "tf.data.Dataset.zip((x, y)).shuffle(buffer_size)")
    pairs = {(int(np.sum(x)), int(y)) for x, y in dataset.as_numpy_iterator()}
    assert pairs != {(int(np.sum(x)), int(y)) for x, y in tf.data.Dataset.zip(
        (image_ds, label_ds)).as_numpy_iterator()}   # the harm: other pairs


def test_zipping_then_shuffling_or_shuffling_with_one_seed_gives_no_warning(recwarn):
    a, b = tf.data.Dataset.range(8), tf.data.Dataset.range(8)
    tf.data.Dataset.zip((a, b)).shuffle(8)
    kept = tf.data.Dataset.zip((a.shuffle(8, seed=3), b.shuffle(8, seed=3)))
    assert [w for w in recwarn if "Dataset.zip" in str(w.message)] == []
    assert all(x == y for x, y in kept.as_numpy_iterator())


# ---- the guide's CNN called on a batch of images without their channel axis ----------------
def test_the_guide_cnn_on_images_without_their_channel_axis_says_add_one():
    tf.random.set_seed(0)
    model = guide_cnn()
    train_guide_cnn(model, steps=1)   # built on (32, 8, 8, 1) batches
    (images, _), _ = load_digits()
    batch = tf.cast(images[:32] / 255, tf.float32)   # (32, 8, 8): no [..., tf.newaxis]
    with pytest.raises(ValueError) as refused:
        model(batch)  # BUG 11
    message = str(refused.value)
    assert message.startswith(f'layer "{model.layers[0].name}" (Conv2D): expected an input of '
                              "rank 4 (batch, height, width, channels); got shape (32, 8, 8)")
    assert message.splitlines()[1].strip().startswith(f"at tests/{here('# BUG 11')} in ")
    assert refused.value.hint == ("the batch has no channel axis (grayscale images): add one "
                                  "where the batch is made, images[..., tf.newaxis]")


# ---- the per-example regression with the bias left out of the prediction --------------------
def test_a_bias_the_prediction_forgets_is_a_finding_of_the_recording_not_only_a_warning():
    birth_rate, life = birth_life()
    w = tf.Variable(0.0)
    b = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.001)
    with Recorder() as rec, pytest.warns(UserWarning, match="the gradient for variable"):
        for x_i, y_i in zip(birth_rate[:5], life[:5]):
            with tf.GradientTape() as tape:
                loss = tf.square(y_i - x_i * w)  # BUG 12: + b forgotten
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    [finding] = findings("none_gradient", rec)
    assert finding.message == (
        "b: the gradient is None in all 5 steps, so it never trains: no op of the step read "
        "it: the loss does not use it; fix: use it in the loss, or leave it out of the "
        "variables given to tape.gradient (why_none(tape, loss, variable), right after "
        "tape.gradient, says why)")
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["none_gradient"]


def test_a_bias_read_off_the_way_to_the_loss_names_the_op_that_read_it():
    birth_rate, life = birth_life()
    w = tf.Variable(0.0)
    b = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.001)
    with Recorder() as rec, pytest.warns(UserWarning, match="the gradient for variable"):
        for x_i, y_i in zip(birth_rate[:3], life[:3]):
            with tf.GradientTape() as tape:
                prediction = x_i * w + b  # BUG 13: computed, then not used
                loss = tf.square(y_i - x_i * w)
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    [finding] = findings("none_gradient", rec)
    assert finding.message.startswith(
        "b: the gradient is None in all 3 steps, so it never trains: it is read by add at "
        f"tests/{here('# BUG 13')}: prediction = x_i * w + b")
    assert "but not on the way to the loss" in finding.message
    assert prediction.shape == ()


# ---- the per-example regression updated by hand with w = w - lr * g --------------------------
def test_a_weight_rebound_by_w_minus_lr_g_names_the_line_that_rebound_it():
    birth_rate, life = birth_life()
    w = tf.Variable(0.0)
    b = tf.Variable(0.0)
    learning_rate = 0.001
    with Recorder() as rec, pytest.warns(UserWarning, match="a source is a plain Tensor"), \
            pytest.raises(TypeError):   # step 2: learning_rate * None
        for x_i, y_i in zip(birth_rate[:3], life[:3]):
            with tf.GradientTape() as tape:
                loss = tf.square(y_i - (x_i * w + b))
            dw, db = tape.gradient(loss, [w, b])
            w = w - learning_rate * dw  # BUG 14: a new Tensor bound to w
            b.assign_sub(learning_rate * db)
    [finding] = findings("variable_rebound", rec)
    assert finding.message.startswith(
        f"w stopped being a Variable: subtract at tests/{here('# BUG 14')}: w = w - "
        "learning_rate * dw")
    assert "so the gradient call of step 2 is given that Tensor, which no tape watches: its " \
           "gradient is None" in finding.message
    assert finding.message.endswith("fix: update the Variable in place, w.assign_sub(lr * "
                                    "grad) (or optimizer.apply_gradients(zip(grads, "
                                    "variables)))")


def test_a_saliency_map_of_a_layers_output_is_not_a_rebound_variable():
    """The gradient with respect to a layer's output (x @ w + b, watched on purpose) is
    given a Tensor an op made from a Variable: no finding."""
    birth_rate, life = birth_life()
    x, y = tf.constant(birth_rate[:16, None]), tf.constant(life[:16, None])
    w, b = tf.Variable([[-5.0]]), tf.Variable([80.0])
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape(persistent=True) as tape:
                hidden = tf.matmul(x, w) + b
                tape.watch(hidden)
                loss = tf.reduce_mean(tf.square(y - hidden))
            saliency = tape.gradient(loss, hidden)
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.001 * dw)
            b.assign_sub(0.001 * db)
    assert saliency.shape == (16, 1)
    assert findings("variable_rebound", rec) == []


def test_a_tape_shown_with_a_loss_per_example_says_so_in_the_widgets_alerts():
    birth_rate, life = birth_life()
    x, y = tf.constant(birth_rate[:8, None]), tf.constant(life[:8, None])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(y - (tf.matmul(x, w) + b)), axis=1)  # BUG 15
    [alert] = [a for a in TapeWidget(tape, target=loss, sources=[w, b]).alerts
               if a["kind"] == "non_scalar_loss"]
    assert alert["message"].startswith(
        "the loss given to tape.gradient is not one number: shape (8,), 8 values, made by "
        f"reduce_mean over axis=1 of a (8, 1), which left the other axes, at tests/"
        f"{here('# BUG 15')}")


# ---- the per-example Huber regression at learning rate 1.0: it bounces, it does not blow up --
def per_example_huber(learning_rate: float, epochs: int = 2):
    birth_rate, life = birth_life()
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate)  # BUG 16: 1.0, 100x the lecture's
    with Recorder() as rec:
        for _ in range(epochs):
            for x_i, y_i in zip(birth_rate, life):
                with tf.GradientTape() as tape:
                    t = y_i - (x_i * w + b)
                    loss = t ** 2 if tf.abs(t) <= 1.0 else 2 * tf.abs(t) - 1.0
                grads = tape.gradient(loss, [w, b])
                optimizer.apply_gradients(zip(grads, [w, b]))
    return rec


def test_per_example_losses_that_bounce_under_a_large_learning_rate_are_an_oscillation():
    rec = per_example_huber(1.0)
    assert findings("divergence", rec) == []
    [finding] = findings("oscillation", rec)
    losses = [step.loss for step in rec.steps]
    assert max(losses) < 1e3 and all(np.isfinite(losses))   # bounded: it never blows up
    assert finding.message.startswith("the training oscillates: the loss jumps x")
    assert f"but it does not grow: it stays between {min(losses):.4g}" in finding.message
    assert f"and {max(losses):.4g}" in finding.message
    assert "a step of 1x the gradient" in finding.message
    assert (f"the optimizer's learning rate was set at tests/{here('# BUG 16')}"
            in finding.message)
    assert "too large for the loss's curvature" in finding.message
    assert "(it does not blow up)" in finding.message
    assert findings("oscillation", per_example_huber(0.01)) == []


def test_a_full_batch_regression_at_a_learning_rate_too_large_still_diverges():
    optimizer = tf.keras.optimizers.SGD(0.2)  # BUG 17: past 2 / the curvature
    rec = vectorised_regression(axis=None, steps=12, optimizer=optimizer)
    assert findings("oscillation", rec) == []
    [finding] = findings("divergence", rec)
    assert finding.message.startswith("the training diverges: the loss grows x")
    assert f"set at tests/{here('# BUG 17')}" in finding.message


def test_the_overflow_a_loss_per_example_leads_to_points_to_it_not_to_the_learning_rate():
    rec = vectorised_regression(axis=1, steps=25)
    kinds = [f.kind for f in diagnose(rec)]
    assert kinds.index("non_scalar_loss") < kinds.index("nan")
    [nan] = findings("nan", rec)
    assert "overflowed float32" in nan.message
    assert ("cause: the loss of many values: tape.gradient differentiates their sum, so the "
            f"updates are that many times too large (the non_scalar_loss finding, at tests/"
            f"{here('# BUG 3:')}") in nan.message
    assert "fix what that finding says, not the learning rate" in nan.message
    assert "lower the learning rate" not in nan.message
    assert nan.related.lineno == int(here("# BUG 3:").split(":")[1])


# ---- the guide's CNN with its cross-entropy written by hand: log of a softmax ---------------
def test_a_hand_written_cross_entropy_of_softmax_probabilities_is_said_before_it_makes_nan():
    """Six steps make no NaN: the finding says what will (a probability rounded to 0)."""
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    with Recorder() as rec:
        for images, labels in digits().batch(32).take(6):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(model(images, training=True))  # BUG 18: probabilities
                onehot = tf.one_hot(labels, 10)
                loss = -tf.reduce_mean(tf.reduce_sum(onehot * tf.math.log(probs), 1))  # BUG 18: log
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert all(np.isfinite(step.loss) for step in rec.steps)   # no NaN yet
    [finding] = findings("log_of_probability", rec)
    smallest = float(np.min(rec.last_step.find(op="softmax")[0].output))
    assert finding.message.startswith(
        f"log takes the log of probabilities, the output of softmax at "
        f"tests/{here('# BUG 18: probabilities')}: probs = tf.nn.softmax(")
    assert f"(the smallest it read in this step: {smallest:.3g})" in finding.message
    assert "log(0) = -inf and y * log(p) = 0 * -inf = NaN" in finding.message
    assert f"at tests/{here('# BUG 18: log')}" in finding.message
    assert "tf.nn.softmax_cross_entropy_with_logits(labels, logits)" in finding.message
    assert "CategoricalCrossentropy(from_logits=True)" in finding.message
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["log_of_probability"]


def test_a_hand_written_binary_cross_entropy_of_a_sigmoid_names_both_logs_lines():
    birth_rate, life = birth_life()
    x = tf.constant(((birth_rate - birth_rate.mean()) / birth_rate.std())[:, None])
    y = tf.constant((life > np.median(life))[:, None].astype(np.float32))
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                p = tf.sigmoid(tf.matmul(x, w) + b)
                loss = -tf.reduce_mean(y * tf.math.log(p)  # BUG 19: log(p)
                                       + (1 - y) * tf.math.log(1 - p))  # BUG 19: log(1 - p)
            for v, g in zip([w, b], tape.gradient(loss, [w, b])):
                v.assign_sub(0.5 * g)
    first, second = findings("log_of_probability", rec)
    assert f"at tests/{here('# BUG 19: log(p)')}" in first.message
    assert f"at tests/{here('# BUG 19: log(1 - p)')}" in second.message
    assert "tf.nn.sigmoid_cross_entropy_with_logits(labels, logits)" in first.message
    assert "BinaryCrossentropy(from_logits=True)" in second.message


# ---- new planted bugs of the guide's CNN and the regression ---------------------------------
def guide_steps(model, dataset, steps: int = 6, apply: bool = True, training: bool = True):
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for images, labels in dataset.batch(32).take(steps):
        with tf.GradientTape() as tape:
            loss = loss_object(labels, model(images, training=training))  # BUG 22/23
        grads = tape.gradient(loss, model.trainable_variables)
        if apply:
            optimizer.apply_gradients(zip(grads, model.trainable_variables))


def train_guide(model, dataset, steps: int = 6, apply: bool = True, training: bool = True):
    with Recorder() as rec:
        guide_steps(model, dataset, steps, apply, training)
    return rec


def test_images_divided_by_255_twice_are_named_at_the_first_layer():
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    scaled = tf.cast(images[:192, ..., tf.newaxis] / 255, tf.float32)
    twice = tf.data.Dataset.from_tensor_slices((scaled / 255, labels[:192]))  # BUG 20
    model = guide_cnn()
    rec = train_guide(model, twice)
    [finding] = findings("scaled_twice", rec)
    assert finding.message.startswith(f"conv2d in layer {model.name}/{model.layers[0].name}, "
                                      "the first layer, reads pixels 0 to 0.003922")
    assert "every value a whole number over 65025 = 255 * 255: the images were divided by " \
           "255 twice" in finding.message
    assert finding.message.endswith("fix: divide the pixels by 255 once, where the batch is "
                                    "made")
    # made before the recording (BUG 20): the loop's line only read it, and says no more
    assert "the batch was first read at tests/test_bugs_lectures.py:" in finding.message
    assert "entered" not in finding.message
    assert findings("scaled_twice", train_guide(guide_cnn(), digits())) == []


def test_labels_1_to_10_for_10_classes_are_refused_at_the_loss_saying_subtract_one():
    tf.random.set_seed(0)
    model = guide_cnn()
    images, labels = next(iter(digits().batch(32)))
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(tf.errors.InvalidArgumentError) as refused:
        loss_object(labels + 1, model(images))  # BUG 21: labels 1..10
    message = str(refused.value)
    assert message.startswith("sparse_categorical_crossentropy: y_true must hold integer class "
                              "indices in [0, 10) for y_pred's 10 classes; got values from 1 "
                              f"to {int(np.max(labels)) + 1}")
    assert message.splitlines()[1].strip().startswith(f"at tests/{here('# BUG 21')}")
    assert refused.value.hint.startswith("the labels look 1-based")


def test_gradients_computed_and_never_applied_are_said_with_the_fix():
    tf.random.set_seed(0)
    rec = train_guide(guide_cnn(), digits(), apply=False)   # BUG 22: no apply_gradients
    [finding] = findings("gradients_not_applied", rec)
    assert finding.message.startswith("the gradients are never applied: tape.gradient "
                                      "computed the gradients of 6 variables in each of the "
                                      "last 3 steps")
    assert "no update op ran, so the weights never change" in finding.message
    assert f"the loss is made at tests/{here('# BUG 22/23')}" in finding.message
    assert finding.message.endswith("fix: apply them after tape.gradient: "
                                    "optimizer.apply_gradients(zip(grads, "
                                    "model.trainable_variables)) (or w.assign_sub(lr * grad))")
    assert findings("gradients_not_applied", train_guide(guide_cnn(), digits())) == []


def test_gradients_accumulated_over_micro_batches_then_applied_are_not_said_unapplied():
    birth_rate, life = birth_life()
    x, y = tf.constant(birth_rate[:, None]), tf.constant(life[:, None])
    w = tf.Variable(tf.zeros([1, 1]))
    optimizer = tf.keras.optimizers.SGD(0.001)
    total = []
    with Recorder() as rec:
        for step in range(15):   # the last 3: micro-batches not applied yet
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - tf.matmul(x, w)))
            grads = tape.gradient(loss, [w])
            total = grads if step % 4 == 0 else [t + g for t, g in zip(total, grads)]
            if step % 4 == 3:   # one update every 4 micro-batches, on purpose
                optimizer.apply_gradients(zip(total, [w]))
    assert findings("gradients_not_applied", rec) == []


def test_a_dropout_model_trained_without_training_true_is_said_to_train_without_dropout():
    tf.random.set_seed(0)
    model = guide_cnn_with_dropout()
    rec = train_guide(model, digits(), training=False)   # BUG 23: model(x) in the step
    [finding] = findings("inference_mode_in_training", rec)
    assert finding.message.startswith(
        f"step 6 trained (it computed gradients), but its dropout in layer {model.name}/"
        f"{model.layers[3].name} ran in inference mode")
    assert f"at tests/{here('# BUG 22/23')}" in finding.message
    assert finding.message.endswith("fix: call the model with training=True in the training "
                                    "step: model(x, training=True) (model(x) runs Dropout in "
                                    "inference mode)")
    tf.random.set_seed(0)
    trained = train_guide(guide_cnn_with_dropout(), digits())
    assert findings("inference_mode_in_training", trained) == []


def test_a_learning_rate_schedule_that_jumps_is_named_in_the_divergence_it_causes():
    schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay(
        [5], [0.01, 1.0])  # BUG 24: meant 0.001 after step 5
    optimizer = tf.keras.optimizers.SGD(schedule)
    rec = vectorised_regression(axis=None, steps=12, optimizer=optimizer)
    [finding] = findings("divergence", rec)
    assert "the step size jumped x100 at step 7, from 0.01x the gradient to 1x: the learning " \
           "rate changed in the run" in finding.message
    assert rec.steps[5].loss < rec.steps[0].loss   # it trained well before the jump


def guide_loop(steps: int, apply: bool = True, training: bool = True):
    """The guide's loop with a Dropout, as a Runner's training function (BUG 22/23 above)."""
    tf.random.set_seed(0)
    guide_steps(guide_cnn_with_dropout(), digits().repeat(), steps, apply, training)


@pytest.mark.parametrize("training,kind", [(False, "inference_mode_in_training"),
                                           (True, None)], ids=["dropout-off", "correct"])
def test_the_dashboard_of_a_runner_alerts_a_dropout_left_off_and_nothing_for_the_correct_loop(
        training, kind):
    """The Dashboard diagnoses its first steps' Recorder, stopped at a gradient call: that
    step keeps the gradients and no op (was: taken for a step with no dropout). (A forgotten
    apply_gradients needs three trained steps whole: the opening keeps two.)"""
    from tapeviz.viz.dashboard import Dashboard
    dash = Dashboard(show_tape=False)
    try:
        runner = dash.train(guide_loop, 10, True, training)
        assert runner.join(60)
        dash._timer.join(60)
        assert [a["kind"] for a in dash.alerts] == ([kind] if kind else [])
    finally:
        dash.close()


def test_a_tape_opened_once_before_the_per_example_loop_is_told_to_open_inside_the_loop():
    """The lecture's Huber regression with its `with tf.GradientTape()` moved above the loop:
    the second example's gradient call fails at its line, and the hint says to open a tape
    each step (was: only 'use persistent=True', which would give the first step's stale
    gradients every step)."""
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.01)
    x, y = birth_life()
    with tf.GradientTape() as tape:  # BUG: one tape for every step
        t = y[0] - (x[0] * w + b)
        loss = t ** 2 if tf.abs(t) <= 1.0 else 2 * tf.abs(t) - 1.0
    with pytest.raises(tf.errors.MisuseError) as info:
        for _ in range(2):
            grads = tape.gradient(loss, [w, b])  # SECOND CALL
            optimizer.apply_gradients(zip(grads, [w, b]))
    error = info.value
    assert error.source.lineno == int(here("# SECOND CALL").split(":")[1])
    assert str(error).startswith("GradientTape.gradient: A non-persistent GradientTape can only "
                                 "be used to compute one set of gradients")
    assert error.hint.startswith("in a training loop, open a new `with tf.GradientTape() as "
                                 "tape:` inside the loop, around each step's forward pass")
    assert "GradientTape(persistent=True)" in error.hint   # the other use, still told
