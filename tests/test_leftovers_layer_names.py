"""Dead-ReLU and saturated findings name the layer as the code and the other findings do: a
Keras layer by its name ('dense', as 'the kernel and bias of layer dense' and the gradient
norms say it), not by its scope ('sequential/dense', said before)."""
import numpy as np

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose


def test_a_dead_relu_layer_is_named_as_its_variables_name_it():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="relu",
                              bias_initializer=tf.keras.initializers.Constant(-50.0)),
        tf.keras.layers.Dense(1)])
    x = np.random.default_rng(0).random((16, 3)).astype("float32")
    y = x.sum(1, keepdims=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    first, head = model.layers
    assert finding.message.startswith(f"dead ReLU: relu in layer {first.name} outputs only "
                                      f"zeros")
    assert f"the kernel and bias of layer {first.name} and the kernel of layer {head.name} " \
           f"never train" in finding.message


def test_a_saturated_layer_is_named_as_its_variables_name_it():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="sigmoid",
                              bias_initializer=tf.keras.initializers.Constant(100.0)),
        tf.keras.layers.Dense(1)])
    x = np.random.default_rng(0).random((16, 3)).astype("float32")
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - x.sum(1, keepdims=True)))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = [f for f in diagnose(rec) if f.kind == "saturated"]
    assert finding.message.startswith(f"saturated sigmoid: sigmoid in layer "
                                      f"{model.layers[0].name} outputs only 0 and 1")
