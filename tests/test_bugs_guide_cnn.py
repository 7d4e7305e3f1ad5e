"""A third round of student bugs, planted one at a time in the TF2 guide's MNIST CNN (its
custom training loop, on the bundled 8x8 digits: tapeviz.datasets, offline). Each is found
the way a user meets it: `diagnose(recorder)` (the widget's and the dashboard's alerts), or
the warning or the error the program raises, naming the op and this file's line of the
buggy statement (marked `# BUG G<n>`); the guide's program written correctly, with batch
norm too, gives no finding. bench/bench_diagnose.py keeps the round's table (`--found`).
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from tapeviz.viz.widget import TapeWidget
from programs import guide_cnn, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def digits(count: int = 192, scale: float = 255.0):
    """(images with their channel axis, divided by `scale`; int64 labels)."""
    (images, labels), _ = load_digits()
    return (images[:count, ..., None].astype(np.float32) / scale,
            labels[:count].astype(np.int64))


def batches(images, labels, steps: int = 6):
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    return dataset.batch(32).take(steps)


def guide_with_batch_norm():
    model = guide_cnn()
    return tf.keras.Sequential(model.layers[:2] + [tf.keras.layers.BatchNormalization()]
                               + model.layers[2:])


def guide_loop(model, images, labels, training: bool = True) -> Recorder:
    """The guide's train_step as written, over 6 batches of 32."""
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in batches(images, labels):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=training))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def kinds(rec) -> list:
    return [f.kind for f in diagnose(rec)]


@pytest.mark.parametrize("make", [guide_cnn, guide_with_batch_norm])
def test_the_guide_cnn_written_correctly_gives_no_finding(make):
    tf.random.set_seed(0)
    assert diagnose(guide_loop(make(), *digits())) == []


def test_g1_one_hot_labels_with_the_sparse_loss_are_refused_at_the_loss_line():
    tf.random.set_seed(0)
    images, labels = digits()
    model = guide_cnn()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(ValueError) as refused:
        for x, y in batches(images, tf.one_hot(labels, 10)):
            loss_object(y, model(x, training=True))  # BUG G1: one-hot labels, sparse loss
    message = str(refused.value)
    assert message.startswith("sparse_categorical_crossentropy: y_true must hold one class "
                              "index per example")
    assert f"at tests/{here('# BUG G1')}" in message.splitlines()[1]
    assert "y_true looks one-hot: use categorical_crossentropy" in refused.value.hint


def test_g2_pixels_left_0_to_255_are_named_at_the_first_layer():
    tf.random.set_seed(0)
    images, labels = digits(scale=1.0)  # BUG G2: not divided by 255
    [finding] = [f for f in diagnose(guide_loop(guide_cnn(), images, labels))
                 if f.kind == "unscaled_input"]
    assert finding.message.startswith("conv2d in layer ")
    assert "the first layer, reads pixels 0 to 255 (whole numbers)" in finding.message


def test_g3_logits_given_to_a_loss_made_with_from_logits_false_warn_at_the_loss_line():
    tf.random.set_seed(0)
    images, labels = digits()
    model = guide_cnn()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy()  # BUG G3: from_logits
    x, y = next(iter(batches(images, labels)))
    with pytest.warns(UserWarning, match="these are logits") as caught:
        loss_object(y, model(x, training=True))  # BUG G3: warned here
    warning = caught[0]
    assert f"{warning.filename}:{warning.lineno}".endswith(here("# BUG G3: warned"))
    assert "Pass from_logits=True" in str(warning.message)


def test_g3_in_the_training_loop_is_one_alert_naming_the_loss_and_the_layer_that_made_logits():
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy()  # BUG G3 again: from_logits
    with Recorder() as rec, pytest.warns(UserWarning, match="these are logits"):
        for x, y in batches(*digits()):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))  # BUG G3: in the loop
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    alerts = [a for a in TapeWidget(rec).alerts if a["kind"] == "logits_as_probabilities"]
    assert len(alerts) == 1   # once for the 6 steps (was: none, the warning alone)
    [finding] = [f for f in diagnose(rec) if f.kind == "logits_as_probabilities"]
    assert finding.message.startswith("sparse_categorical_crossentropy is given logits where "
                                      "it expects probabilities (from_logits=False, its "
                                      "default): y_pred holds values from -")
    dense = model.layers[-1].name
    assert "made by bias_add in layer sequential" in finding.message
    assert f"/{dense} at tests/{here('# BUG G3: in the loop')}" in finding.message
    assert finding.message.endswith("fix: SparseCategoricalCrossentropy(from_logits=True), or "
                                    "end the model with activation='softmax'")
    assert alerts[0]["location"] == f"tests/{here('# BUG G3: in the loop')}"


def test_a_softmax_head_with_from_logits_false_is_no_logits_finding():
    tf.random.set_seed(0)
    model = guide_cnn()
    model.layers[-1].activation = tf.keras.activations.softmax   # probabilities, as expected
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy()
    with Recorder() as rec:
        for x, y in batches(*digits()):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert diagnose(rec) == []


def test_g4_a_softmax_head_with_from_logits_true_is_a_double_softmax():
    tf.random.set_seed(0)
    model = guide_cnn()
    model.layers[-1].activation = tf.keras.activations.softmax  # BUG G4: softmax head
    with pytest.warns(UserWarning, match="look like probabilities"):
        rec = guide_loop(model, *digits())
    [finding] = [f for f in diagnose(rec) if f.kind == "double_softmax"]
    assert finding.message.startswith("sparse_softmax_cross_entropy_with_logits is given "
                                      "probabilities: its logits were made by softmax")


def test_g5_softmax_applied_to_the_logits_before_the_loss_is_a_double_softmax():
    tf.random.set_seed(0)
    images, labels = digits()
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec, pytest.warns(UserWarning):
        for x, y in batches(images, labels):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(model(x, training=True))  # BUG G5: softmax, then
                loss = loss_object(y, probs)                    # a loss that applies it
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = [f for f in diagnose(rec) if f.kind == "double_softmax"]
    assert f"made by softmax at tests/{here('# BUG G5')}" in finding.message


def test_g6_a_per_example_loss_without_reduce_mean_names_the_loss_op_and_line():
    tf.random.set_seed(0)
    images, labels = digits()
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    with Recorder() as rec:
        for x, y in batches(images, labels):
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                loss = tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)  # BUG G6
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = [f for f in diagnose(rec) if f.kind == "non_scalar_loss"]
    assert "shape (32,), 32 values, made by sparse_softmax_cross_entropy_with_logits" \
        in finding.message
    assert f"at tests/{here('# BUG G6')}" in finding.message


def test_g7_a_batch_norm_model_trained_with_model_x_is_found_a_pretrained_one_is_not():
    tf.random.set_seed(0)
    model = guide_with_batch_norm()
    rec = guide_loop(model, *digits(), training=False)  # BUG G7: model(x) in the step
    [finding] = [f for f in diagnose(rec) if f.kind == "inference_mode_in_training"]  # was: none
    assert finding.message.startswith(f"step {rec.last_step.number} trained (it computed "
                                      "gradients), but batch_norm in layer ")
    assert "never moved from their start (mean 0, variance 1)" in finding.message
    assert "fix: call the model with training=True in the training step" in finding.message
    # fine-tuning on purpose: the batch norm's averages learnt first, then kept in inference
    guide_loop(model, *digits())
    assert "inference_mode_in_training" not in kinds(guide_loop(model, *digits(),
                                                                training=False))


def test_g8_an_optimizer_made_inside_the_loop_names_its_line():
    tf.random.set_seed(0)
    images, labels = digits()
    model = guide_cnn()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in batches(images, labels):
            optimizer = tf.keras.optimizers.Adam()  # BUG G8: a new optimizer each step
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = [f for f in diagnose(rec) if f.kind == "optimizer_in_loop"]   # was: none
    assert finding.message.startswith("the optimizer is made anew in each step")
    assert f"made at tests/{here('# BUG G8')}" in finding.message
    assert finding.message.endswith("fix: make the optimizer once, before the loop")


def test_g9_the_heads_gradients_zipped_with_the_models_variables_are_refused_at_the_line():
    tf.random.set_seed(0)
    images, labels = digits()
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x, y = next(iter(batches(images, labels)))
    with tf.GradientTape() as tape:
        loss = loss_object(y, model(x, training=True))
    grads = tape.gradient(loss, model.layers[-1].trainable_variables)  # BUG G9: the head's
    with pytest.raises(ValueError) as refused:
        optimizer.apply_gradients(zip(grads, model.trainable_variables))  # BUG G9: refused
    message = str(refused.value)
    assert message.startswith(f"Adam: the gradient for variable '{model.layers[0].name}/"
                              "kernel' must have its shape (3, 3, 1, 16); got (16, 10)")
    assert f"at tests/{here('# BUG G9: refused')}" in message


def test_g10_valid_convolutions_that_collapse_the_8x8_map_say_padding_same():
    tf.random.set_seed(0)
    images, _ = digits()
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, 3, activation="relu"),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Conv2D(16, 3, activation="relu"),   # 3x3 -> 1x1
        tf.keras.layers.Conv2D(16, 3, activation="relu"),   # BUG G10: nothing left
        tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(10)])
    with pytest.raises(ValueError) as refused:
        model(images[:32], training=True)  # BUG G10: called here
    message = str(refused.value)
    assert message.startswith("conv2d: the window (spatial size (3, 3) with dilation) is "
                              "larger than the padded input (1, 1)")
    assert f"at tests/{here('# BUG G10: called')}" in message
    assert refused.value.hint == "use padding='SAME' or a smaller kernel"
