"""Frozen layers as TF users meet them: a layer frozen after the training step's variable
list was read (`variables = model.trainable_variables`, then `layer.trainable = False`: the
layer still trains), every layer frozen (nothing to train: the optimizer's error says which
layers and where), a Variable made with trainable=False given to tape.gradient (never
watched). Fine-tuning, a frozen pretrained base under a trained head, is no finding."""
import functools
import gc

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from programs import marked_line
from raising import raised

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)

_rng = np.random.default_rng(0)
X = _rng.normal(size=(64, 3)).astype(np.float32)
Y = X @ np.array([[1.0], [-2.0], [0.5]], np.float32)


def two_layers(name: str):
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, name=f"{name}_base"),
                                 tf.keras.layers.Dense(1, name=f"{name}_head")])
    model(X[:1])
    return model


def train(model, variables=None, steps: int = 4, optimizer=None) -> Recorder:
    optimizer = optimizer or tf.keras.optimizers.SGD(0.05)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(X) - Y))
            trained = model.trainable_variables if variables is None else variables
            grads = tape.gradient(loss, trained)
            optimizer.apply_gradients(zip(grads, trained))  # UPDATE
    return rec


def kinds(rec) -> list:
    return [f.kind for f in diagnose(rec)]


def test_a_layer_frozen_after_its_variables_were_read_still_trains_and_is_named():
    model = two_layers("captured")
    variables = model.trainable_variables
    model.layers[0].trainable = False  # FROZEN: after the list was read
    before = model.layers[0].kernel.numpy()
    rec = train(model, variables)
    assert not np.array_equal(before, model.layers[0].kernel.numpy())   # it did train
    [finding] = [f for f in diagnose(rec) if f.kind == "frozen_layer_trained"]   # was: none
    assert finding.message.startswith(
        f"layer captured_base is frozen (captured_base.trainable = False at "
        f"tests/{here('# FROZEN')}")
    assert "yet the kernel and bias of layer captured_base got gradients and were updated" \
        in finding.message
    assert f"at tests/{here('# UPDATE')}" in finding.message
    assert "fix: read model.trainable_variables in each step, after freezing" in finding.message
    assert finding.related.lineno == int(here("# FROZEN").split(":")[1])


def test_every_layer_frozen_says_which_layers_and_where_not_that_the_model_is_unbuilt():
    model = two_layers("all")
    for layer in model.layers:
        layer.trainable = False  # ALL FROZEN
    error, line = raised(tf.errors.InvalidArgumentError, lambda: train(model, steps=1))
    assert str(error).startswith("SGD.apply_gradients: expected (gradient, variable) pairs; "
                                 "got none (an empty list)")
    frozen_at = f"trainable = False at tests/{here('# ALL FROZEN')}"
    assert f"all_base ({frozen_at}" in error.hint and f"all_head ({frozen_at}" in error.hint
    assert "a model whose every layer is frozen has nothing to train" in error.hint
    assert "unfreeze what should train (layer.trainable = True)" in error.hint


def test_a_variable_made_with_trainable_false_and_given_to_the_tape_is_named_with_its_line():
    w = tf.Variable(tf.zeros([3, 1]), trainable=False)  # NOT WATCHED
    b = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.05)
    with Recorder() as rec, pytest.warns(UserWarning, match="trainable=False"):
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(X @ w + b - Y))
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    [finding] = [f for f in diagnose(rec) if f.kind == "none_gradient"]   # was: none
    assert finding.message.startswith("w: the gradient is None in all 3 steps, so it never "
                                      "trains: it was made with trainable=False at "
                                      f"tests/{here('# NOT WATCHED')}")
    assert "fix: drop trainable=False (or tape.watch(w) in the tape)" in finding.message


def test_fine_tuning_a_frozen_pretrained_base_under_a_head_is_no_finding():
    model = two_layers("tuned")
    train(model)                            # pretraining, recorded apart
    model.layers[0].trainable = False       # frozen on purpose: only the head trains
    base = model.layers[0].kernel.numpy()
    rec = train(model, optimizer=tf.keras.optimizers.Adam(0.01))
    assert np.array_equal(base, model.layers[0].kernel.numpy())
    assert diagnose(rec) == []


def test_a_pretrained_base_frozen_after_its_training_was_recorded_is_no_finding():
    model = two_layers("after")
    rec = train(model)
    model.layers[0].trainable = False   # after the recorded steps: they trained it rightly
    assert "frozen_layer_trained" not in kinds(rec)


def test_a_keras_model_with_a_frozen_base_fitted_gives_no_finding():
    base = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu")])
    base(X[:1])
    base.trainable = False
    model = tf.keras.Sequential([base, tf.keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with Recorder() as rec:
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    assert diagnose(rec) == []


def test_a_frozen_layer_trained_is_found_after_the_program_dropped_its_model():
    """The recording keeps the weights, not the layer: a training function that returns
    only its recording is judged the same (was: the layer collected, nothing said)."""
    def program():
        model = two_layers("dropped")
        variables = model.trainable_variables
        model.layers[0].trainable = False
        return train(model, variables)

    rec = program()
    gc.collect()
    [finding] = [f for f in diagnose(rec) if f.kind == "frozen_layer_trained"]
    assert finding.message.startswith("layer dropped_base is frozen")


def gan_loop(read_before_freezing: bool = False, steps: int = 6,
             weights_given: bool = False) -> Recorder:
    """A GAN on the digits, Keras's way: the discriminator frozen for the combined model,
    trained through its own variable list (read before the freeze) by its own optimizer;
    each iteration trains the generator, then the discriminator (the last step: the frozen
    one's). `read_before_freezing`: the combined model's list read before the freeze too;
    `weights_given`: the discriminator trained through `discriminator.weights` instead."""
    (images, _), _ = load_digits()
    real = images.reshape(-1, 64).astype(np.float32) / 8 - 1   # (pixels 0-16 to [-1, 1])
    tf.random.set_seed(0)
    generator = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu",
                                                           input_shape=(8,), name="g_hidden"),
                                     tf.keras.layers.Dense(64, activation="tanh",
                                                           name="g_out")])
    discriminator = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu",
                                                               input_shape=(64,), name="d_hidden"),
                                         tf.keras.layers.Dense(1, name="d_out")])
    gan = tf.keras.Sequential([generator, discriminator])
    d_variables = discriminator.trainable_variables
    g_variables = gan.trainable_variables if read_before_freezing else None
    discriminator.trainable = False  # FROZEN FOR THE COMBINED MODEL
    g_variables = g_variables or gan.trainable_variables   # the generator's alone
    d_variables = discriminator.weights if weights_given else d_variables
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    g_optimizer, d_optimizer = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.Adam(1e-3)
    with Recorder() as rec:
        for step in range(steps):
            with tf.GradientTape() as tape:
                g_loss = bce(tf.ones([32, 1]), gan(tf.random.normal([32, 8]), training=True))
            g_gradients = tape.gradient(g_loss, g_variables)
            g_optimizer.apply_gradients(zip(g_gradients, g_variables))  # GENERATOR UPDATE
            fake = generator(tf.random.normal([32, 8]))
            with tf.GradientTape() as tape:
                d_loss = (bce(tf.ones([32, 1]), discriminator(real[step * 32:][:32]))
                          + bce(tf.zeros([32, 1]), discriminator(fake)))
            d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_variables), d_variables))
    return rec


def test_a_gan_training_its_frozen_discriminator_with_its_own_optimizer_is_no_finding():
    rec = gan_loop()
    assert kinds(rec) == []   # was: two frozen_layer_trained, d_hidden's and d_out's; then
    # scaled_apart: the discriminator's data against the generator's noise, run alone


def test_a_gan_training_its_frozen_discriminator_through_its_weights_is_no_finding():
    rec = gan_loop(weights_given=True)
    assert kinds(rec) == []   # (was: scaled_apart, as above)


def test_a_gan_whose_generator_step_also_trains_the_frozen_discriminator_is_found():
    rec = gan_loop(read_before_freezing=True, steps=3)   # the last step: the discriminator's
    [finding] = [f for f in diagnose(rec) if f.kind == "frozen_layer_trained"]   # was: two,
    assert finding.message.startswith("layers d_hidden and d_out are frozen (trainable = "
                                      "False at tests/")   # one a layer the line froze
    assert f"trainable = False at tests/{here('# FROZEN FOR THE COMBINED')}" in finding.message
    assert f"at tests/{here('# GENERATOR UPDATE')}" in finding.message
    assert len(finding.variables) == 4   # both layers' kernels and biases


def gan_with_the_discriminators_step_recorded(fakes_recorded: bool, given: str,
                                              steps: int = 6) -> Recorder:
    """gan_loop's GAN with only the discriminator's step recorded (`with rec:` around it):
    the recording trains the frozen discriminator alone, the generator trains outside it.
    `fakes_recorded`: the fakes are made in the recorded step (it reads the generator);
    `given`: what the discriminator's update is given, 'list' (d_variables, read before the
    freeze) or 'weights' (discriminator.weights)."""
    (images, _), _ = load_digits()
    real = images.reshape(-1, 64).astype(np.float32) / 8 - 1
    tf.random.set_seed(0)
    generator = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu",
                                                           input_shape=(8,)),
                                     tf.keras.layers.Dense(64, activation="tanh")])
    discriminator = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu",
                                                               input_shape=(64,)),
                                         tf.keras.layers.Dense(1)])
    gan = tf.keras.Sequential([generator, discriminator])
    d_variables = discriminator.trainable_variables
    discriminator.trainable = False
    g_variables = gan.trainable_variables
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    g_optimizer, d_optimizer = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.Adam(1e-3)
    rec = Recorder()
    for step in range(steps):
        with tf.GradientTape() as tape:
            g_loss = bce(tf.ones([32, 1]), gan(tf.random.normal([32, 8]), training=True))
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_variables), g_variables))
        fake = None if fakes_recorded else generator(tf.random.normal([32, 8]))
        with rec:
            fake = generator(tf.random.normal([32, 8])) if fake is None else fake
            with tf.GradientTape() as tape:
                d_loss = (bce(tf.ones([32, 1]), discriminator(real[step * 32:][:32]))
                          + bce(tf.zeros([32, 1]), discriminator(fake)))
            if given == "list":
                gradients = tape.gradient(d_loss, d_variables)
                d_optimizer.apply_gradients(zip(gradients, d_variables))
            else:
                gradients = tape.gradient(d_loss, discriminator.weights)
                d_optimizer.apply_gradients(zip(gradients, discriminator.weights))
    assert len(rec.steps) == steps
    return rec


@pytest.mark.parametrize("fakes_recorded", [True, False], ids=["fakes-in", "fakes-before"])
def test_a_gans_discriminator_step_recorded_alone_is_no_finding(fakes_recorded):
    """Trained through its list read before the freeze, in steps of its own: on purpose."""
    rec = gan_with_the_discriminators_step_recorded(fakes_recorded, "list")
    assert "frozen_layer_trained" not in kinds(rec)   # was: two, 'trains only what was frozen'


def test_a_discriminator_step_given_its_weights_alone_in_the_recording_is_no_finding():
    """The fakes made before the recorded step: it reads the discriminator alone, frozen as a
    whole for the combined model and trained through `discriminator.weights` on purpose."""
    rec = gan_with_the_discriminators_step_recorded(False, "weights")
    assert "frozen_layer_trained" not in kinds(rec)   # was: two, 'trains only what was frozen'


def test_a_discriminator_step_given_its_weights_and_reading_the_trained_generator_is_none():
    """The generator's weights the recorded step reads moved between its steps: trained
    outside the recording, so the recording is not all the program trains."""
    rec = gan_with_the_discriminators_step_recorded(True, "weights")
    assert "frozen_layer_trained" not in kinds(rec)   # was: two
