"""Cases hunted in the TF2 eager guide's MNIST loop as the lecture runs it: its
`tf.debugging.assert_equal(logits.shape, (32, 10))` and the other debugging asserts a
student adds beside it (assert_rank, assert_shapes, assert_near, check_numerics,
assert_all_finite), and its CNN built with `input_shape=(None, None, 1)`: images of any
size, the summary's unknown dimensions. Registered into `cases.CASES` (cases.py imports
this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32

DEBUGGING = {
    "assert_equal/hunt_shape_and_tuple": lambda tf: tf.debugging.assert_equal(
        tf.zeros((32, 10)).shape, (32, 10)),
    "assert_equal/hunt_shape_differs": lambda tf: tf.debugging.assert_equal(
        tf.zeros((16, 10)).shape, (32, 10)),
    "assert_equal/hunt_broadcast_scalar": lambda tf: tf.debugging.assert_equal(
        tf.constant([2.0, 2.0]), 2.0),
    "assert_equal/hunt_values_differ_message": lambda tf: tf.debugging.assert_equal(
        tf.constant([1, 2]), tf.constant([1, 3]), message="labels changed"),
    "assert_equal/hunt_int_and_float": lambda tf: tf.debugging.assert_equal(
        tf.constant([1, 2]), tf.constant([1.0, 2.0])),
    "assert_equal/hunt_float_and_python_int": lambda tf: tf.debugging.assert_equal(
        tf.constant([1.0]), 1),
    "assert_equal/hunt_int64_and_int32": lambda tf: tf.debugging.assert_equal(
        tf.constant([1], tf.int64), tf.constant([1])),
    "assert_equal/hunt_shapes_do_not_broadcast": lambda tf: tf.debugging.assert_equal(
        tf.zeros((2, 3)), tf.zeros((3, 2))),
    "assert_rank/hunt_holds": lambda tf: tf.debugging.assert_rank(tf.zeros((2, 3)), 2),
    "assert_rank/hunt_fails": lambda tf: tf.debugging.assert_rank(tf.zeros((2, 3)), 3),
    "assert_shapes/hunt_holds": lambda tf: tf.debugging.assert_shapes(
        [(tf.zeros((4, 3)), ("N", 3)), (tf.zeros(4), ("N",))]),
    "assert_shapes/hunt_fails": lambda tf: tf.debugging.assert_shapes(
        [(tf.zeros((4, 3)), ("N", 3)), (tf.zeros(5), ("N",))]),
    "assert_near/hunt_within_default_tolerance": lambda tf: tf.debugging.assert_near(
        tf.constant([1.0, 2.0]), tf.constant([1.0000005, 2.000001])),
    "assert_near/hunt_outside_default_tolerance": lambda tf: tf.debugging.assert_near(
        tf.constant([1.0, 2.0]), tf.constant([1.0001, 2.0])),
    "assert_near/hunt_given_tolerance": lambda tf: tf.debugging.assert_near(
        tf.constant([1.0, 2.0]), tf.constant([1.01, 2.0]), rtol=0.02),
    "check_numerics/hunt_finite_passes_through": lambda tf: tf.debugging.check_numerics(
        tf.constant([1.0, -2.0]), "weights"),
    "check_numerics/hunt_nan": lambda tf: tf.debugging.check_numerics(
        tf.constant([1.0, np.nan]), "weights"),
    "check_numerics/hunt_int_refused": lambda tf: tf.debugging.check_numerics(
        tf.constant([1, 2]), "weights"),
    "assert_all_finite/hunt_inf": lambda tf: tf.debugging.assert_all_finite(
        tf.constant([1.0, np.inf]), "logits"),
}
for _name, _fn in DEBUGGING.items():
    add_case(f"debugging.{_name}", _fn, grad=False)


def _any_size_cnn(tf):
    """The guide's model: Conv2D given input_shape=(None, None, 1), any image size."""
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(2, [3, 3], activation="relu", input_shape=(None, None, 1),
                               kernel_initializer="ones"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(3, kernel_initializer="ones")])
    small = model(tf.constant(np.linspace(0, 1, 2 * 5 * 5, dtype=np.float32)
                              .reshape(2, 5, 5, 1)))
    large = model(tf.constant(np.linspace(0, 1, 7 * 9, dtype=np.float32).reshape(1, 7, 9, 1)))
    return [small, large, model.count_params(), len(model.layers)]


def _guide_input_pipeline(tf):
    """The guide's pipeline: numpy uint8 images / 255 (float64), cast, and int64 labels."""
    images = (np.arange(3 * 4 * 4) * 37 % 256).astype(np.uint8).reshape(3, 4, 4)
    labels = np.array([7, 2, 1], np.uint8)
    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.cast(images[..., tf.newaxis] / 255, tf.float32), tf.cast(labels, tf.int64)))
    batches = [(batch, images_, labels_) for batch, (images_, labels_)
               in enumerate(dataset.batch(2))]
    return [[b, x, y] for b, x, y in batches]


def _loss_mean_of_a_scalar(tf, logits):
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        tf.constant([1, 0], tf.int64), logits)
    mean = loss.numpy().mean()
    return [type(mean).__name__, float(mean)]


add_case("keras.Sequential/hunt_guide_any_size_cnn", _any_size_cnn, grad=False)
add_case("data.Dataset/hunt_guide_input_pipeline", _guide_input_pipeline, grad=False)
add_case("keras.losses.SparseCategoricalCrossentropy/hunt_numpy_mean", _loss_mean_of_a_scalar,
         f32(2, 3, seed=44), grad=False)
