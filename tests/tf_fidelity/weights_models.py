"""The models whose weights files tests/tf_fidelity/record_weights.py records under Keras 3
and tests/test_keras_weights_h5.py replays under tapeviz, written once for either `tf`
module, with their fixed weights and input. Only numpy is imported here.
"""
from __future__ import annotations

from .harness import spread


def guide_cnn(tf):
    """The TF 2 guide's MNIST CNN (tests/programs.py's), its input declared."""
    return tf.keras.Sequential([
        tf.keras.Input((None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10),
    ])


def small_dense(tf):
    """Two Dense layers about a BatchNormalization (its moving statistics: weights that are
    not trained, stored after the trained ones)."""
    return tf.keras.Sequential([
        tf.keras.Input((3,)),
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.BatchNormalization(),
        tf.keras.layers.Dense(1),
    ])


def functional(tf):
    """A functional Model: its InputLayer is a layer of the file too (with no variables)."""
    inputs = tf.keras.Input((3,))
    hidden = tf.keras.layers.Dense(4, activation="tanh")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(2)(hidden))


def subclassed(tf):
    """A Model subclass: Keras stores a layer by the attribute holding it ('hidden') where
    that attribute sorts before `layers`, else in the `layers` list ('layers/dense_1')."""
    class TwoLayers(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = tf.keras.layers.Dense(4, activation="tanh")
            self.out = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayers()
    model(spread((1, 3)))
    return model


MODELS = {"cnn": (guide_cnn, (2, 8, 8, 1)), "dense": (small_dense, (2, 3)),
          "functional": (functional, (2, 3)), "subclassed": (subclassed, (2, 3))}


def fixed_weights(model) -> list:
    """Values for `model.weights` in [-1, 1), a variance's in [0.25, 1.25)."""
    return [spread(tuple(w.shape), seed=i + 1, low=0.25 if "variance" in w.name else -1.0,
                   high=1.25 if "variance" in w.name else 1.0)
            for i, w in enumerate(model.weights)]


def example_input(shape):
    return spread(shape, seed=3, low=-1.0, high=1.0)
