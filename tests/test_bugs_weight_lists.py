"""The variable list a training step gives tape.gradient and apply_gradients, wrong three
ways, in the TF2 guide's MNIST CNN (its custom loop on the bundled 8x8 digits): a frozen
layer's `layer.weights` (only frozen weights trained), `model.weights` (a frozen layer's
weights trained too; a batch norm's moving statistics given, their gradients None), and
apply_gradients copied onto a second line (each update applied twice). Nothing fails;
`diagnose(recorder)` names each with the op and the line, and the same programs written
with `model.trainable_variables` and one apply_gradients say nothing.
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from programs import guide_cnn, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def digits():
    (images, labels), _ = load_digits()
    images = images[..., None].astype(np.float32) / 255
    return tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int64))).batch(32)


def built(model):
    model(np.zeros((1, 8, 8, 1), np.float32))
    return model


def guide_cnn_with_batch_norm():
    """The guide's CNN with a BatchNormalization after its first convolution."""
    layers = guide_cnn().layers
    return built(tf.keras.Sequential(layers[:1] + [tf.keras.layers.BatchNormalization()]
                                     + layers[1:]))


def findings(kind: str, rec) -> list:
    return [f for f in diagnose(rec) if f.kind == kind]


def test_only_a_frozen_layers_weights_trained_is_named_with_the_list_given():
    tf.random.set_seed(0)
    model = built(guide_cnn())
    model.layers[0].trainable = False  # FROZEN
    before = model.layers[0].kernel.numpy()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in digits().take(4):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            variables = model.layers[0].weights  # GIVEN: the frozen layer's
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))  # UPDATE
    assert not np.array_equal(before, model.layers[0].kernel.numpy())   # it trained
    [finding] = findings("frozen_layer_trained", rec)   # was: none (nothing else trained)
    layer = model.layers[0].name
    assert finding.message.startswith(
        f"layer {layer} is frozen ({layer}.trainable = False at tests/{here('# FROZEN')}")
    assert f"yet the kernel and bias of layer {layer} got gradients and were updated" \
        in finding.message
    assert f"adam_step at tests/{here('# UPDATE')}" in finding.message
    assert "no step of the recording trains any other weight: the model trains only what " \
           "was frozen" in finding.message
    assert (f"the variables given to tape.gradient and apply_gradients are "
            f"model.layers[0].weights (at tests/{here('# GIVEN')}: variables = "
            f"model.layers[0].weights" in finding.message)
    assert "), which holds every weight, a frozen layer's too" in finding.message
    assert "fix: give model.trainable_variables, read after freezing" in finding.message
    assert finding.source.lineno == int(here("# UPDATE").split(":")[1])
    assert finding.related.lineno == int(here("# FROZEN").split(":")[1])


def test_model_weights_given_with_a_frozen_layer_trains_it_and_says_model_weights():
    tf.random.set_seed(0)
    model = built(guide_cnn())
    model.layers[0].trainable = False
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in digits().take(3):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.weights)
            optimizer.apply_gradients(zip(grads, model.weights))  # ALL WEIGHTS
    [finding] = findings("frozen_layer_trained", rec)
    assert (f"the variables given to tape.gradient and apply_gradients are model.weights (at "
            f"tests/{here('# ALL WEIGHTS')}" in finding.message)
    assert "no step of the recording trains any other weight" not in finding.message


def test_model_weights_with_batch_norm_names_its_moving_statistics_and_the_line():
    tf.random.set_seed(0)
    model = guide_cnn_with_batch_norm()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec, pytest.warns(UserWarning, match="moving_mean' is None"):
        for x, y in digits().take(3):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            variables = model.weights  # BUG: every variable, trainable or not
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))  # APPLY
    [finding] = findings("non_trainable_given", rec)   # was: the warning alone
    norm = model.layers[1].name
    assert finding.message.startswith(
        f"the variables given to tape.gradient and apply_gradients, model.weights (at "
        f"tests/{here('# BUG: every')}: variables = model.weights")
    assert f"), hold the moving_mean and moving_variance of layer {norm}, made with " \
           f"trainable=False" in finding.message
    assert "so their gradients are None in every step (step 3; apply_gradients at " \
           f"tests/{here('# APPLY')}" in finding.message
    assert finding.message.endswith("fix: give tape.gradient and apply_gradients "
                                    "model.trainable_variables")
    assert finding.source.lineno == int(here("# APPLY").split(":")[1])
    assert sorted(finding.variables) == [f"{norm}/moving_mean:0", f"{norm}/moving_variance:0"]


def test_apply_gradients_copied_twice_names_both_lines_and_the_doubled_iterations():
    tf.random.set_seed(0)
    model = built(guide_cnn())
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in digits().take(3):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # FIRST
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # BUG: again
    assert int(optimizer.iterations) == 6
    [finding] = findings("applied_twice", rec)   # was: none
    assert finding.message.startswith("the gradients are applied twice in step 3: ")
    assert f"got 2 updates each from adam_step (optimizer.apply_gradients at tests/" \
           f"{here('# FIRST')}" in finding.message
    assert f"and again at tests/{here('# BUG: again')}" in finding.message
    assert "so each step moves the weights twice as far as it should and " \
           "optimizer.iterations advanced by as many" in finding.message
    assert finding.message.endswith(f"fix: delete the second optimizer.apply_gradients (at "
                                    f"tests/{here('# BUG: again')}: optimizer.apply_gradients"
                                    f"(zip(grads, model.trainable_variables))  # BUG: again)")
    assert finding.source.lineno == int(here("# BUG: again").split(":")[1])
    assert len(finding.variables) == len(model.trainable_variables)


@pytest.mark.parametrize("make", [lambda: built(guide_cnn()), guide_cnn_with_batch_norm],
                         ids=["guide_cnn", "with_batch_norm"])
def test_trainable_variables_applied_once_give_no_finding(make):
    tf.random.set_seed(0)
    model = make()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in digits().take(3):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert diagnose(rec) == []


class _Scaled(tf.keras.layers.Layer):
    """A layer that makes a weight its call never reads (`scale`), for a student to delete."""

    def __init__(self):
        super().__init__()
        self.w = tf.Variable(tf.random.normal([3, 1]))
        self.scale = tf.Variable(1.0)
        self.k = self.add_weight(name="k", shape=())

    def call(self, x):
        return x @ self.w * self.k


def test_a_deleted_weight_attribute_leaves_the_layers_variables_and_gives_no_finding():
    """Keras untracks a weight whose attribute is deleted (`del layer.scale`), one made by
    add_weight too (was: still in trainable_variables, so its gradient was None in every
    step: a none_gradient finding and apply_gradients' warning each step)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    layer = _Scaled()
    scale = layer.scale
    del layer.scale
    assert all(v is not scale for v in layer.weights)
    assert [v.name for v in layer.trainable_variables][-1] == f"{layer.name}/k:0"
    optimizer = tf.keras.optimizers.SGD(0.05)
    with Recorder() as rec:
        for _ in range(4):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(layer(x) - y))
            grads = tape.gradient(loss, layer.trainable_variables)
            optimizer.apply_gradients(zip(grads, layer.trainable_variables))
    assert diagnose(rec) == []
    del layer.k
    assert len(layer.trainable_variables) == 1


def test_a_deleted_attribute_whose_weight_another_attribute_holds_stays_tracked():
    layer = _Scaled()
    layer.kept = layer.scale
    del layer.scale
    assert any(v is layer.kept for v in layer.trainable_variables)
