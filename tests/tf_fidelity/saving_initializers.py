"""The `.keras` round trip of every initializer (record_initializers.py,
tests/test_keras_saving_initializers.py), written once for any `tf` module: a Sequential
of one Dense(2) layer for each initializer, Keras 3's classes by object and by name and
TF 2's own (`tf.constant_initializer`, `tf.random_normal_initializer`, ...)."""
from __future__ import annotations

INITIALIZERS = {   # a layer's name: its kernel_initializer
    # first: its kernel is (1, 2), the only shape its two values fill that Keras 3 loads
    # (TF's class lays values in order, Keras's Constant it loads as broadcasts them)
    "constant_initializer": lambda tf: tf.constant_initializer([1.0, 2.0]),
    "zeros": lambda tf: "zeros",
    "ones": lambda tf: tf.keras.initializers.Ones(),
    "constant": lambda tf: tf.keras.initializers.Constant(0.5),
    "constant_initializer_scalar": lambda tf: tf.constant_initializer(3.0),
    "random_normal": lambda tf: tf.keras.initializers.RandomNormal(0.1, 0.2, seed=3),
    "random_uniform": lambda tf: tf.keras.initializers.RandomUniform(-1.0, 1.0, seed=3),
    "truncated_normal": lambda tf: tf.keras.initializers.TruncatedNormal(0.0, 0.3, seed=3),
    "variance_scaling": lambda tf: tf.keras.initializers.VarianceScaling(
        2.0, "fan_out", "uniform", seed=3),
    "glorot_uniform": lambda tf: tf.keras.initializers.GlorotUniform(seed=1),
    "glorot_normal": lambda tf: "glorot_normal",
    "he_normal": lambda tf: "he_normal",
    "he_uniform": lambda tf: tf.keras.initializers.HeUniform(seed=2),
    "lecun_normal": lambda tf: "lecun_normal",
    "lecun_uniform": lambda tf: "lecun_uniform",
    "orthogonal": lambda tf: tf.keras.initializers.Orthogonal(gain=2.0, seed=4),
    "tf_zeros_initializer": lambda tf: tf.zeros_initializer(),
    "tf_ones_initializer": lambda tf: tf.ones_initializer(),
    "tf_random_normal_initializer": lambda tf: tf.random_normal_initializer(0.0, 0.5, seed=2),
    "tf_random_uniform_initializer": lambda tf: tf.random_uniform_initializer(-0.5, 0.5,
                                                                             seed=2),
}
# their first values are no draw: Keras's and tapeviz's must be the same
DETERMINISTIC = ("zeros", "ones", "constant", "constant_initializer",
                 "constant_initializer_scalar", "tf_zeros_initializer", "tf_ones_initializer")


def initialized(tf):
    """The model: Input((1,)), then each initializer's Dense(2), named as INITIALIZERS."""
    return tf.keras.Sequential([tf.keras.Input((1,))] + [
        tf.keras.layers.Dense(2, kernel_initializer=make(tf), name=name)
        for name, make in INITIALIZERS.items()])
