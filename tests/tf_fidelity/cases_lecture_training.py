"""Cases hunted in the lectures' training code: fit's history (validation data, split,
params), evaluate's and predict's results and metrics=['accuracy'] as Keras resolves it,
GradientTape's watching rules, and the TF2 eager guide's MNIST loop as the lecture runs it:
its `tf.debugging.assert_equal(logits.shape, (32, 10))` and the other debugging asserts a
student adds beside it (assert_rank, assert_shapes, assert_near, check_numerics,
assert_all_finite), its CNN built with `input_shape=(None, None, 1)` (images of any size)
and its uint8 pipeline. Registered into `cases.CASES` (cases.py imports
this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32
from .harness import spread

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


# ---- fit, evaluate, predict -------------------------------------------------------------------
def _small_classifier(tf, metrics=("accuracy",)):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        4, activation="relu", kernel_initializer="ones"), tf.keras.layers.Dense(
        3, kernel_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=list(metrics))
    return model


X = spread((10, 3), seed=30)
Y = (np.arange(10) % 3).astype(np.int32)


def _fit_validation(tf):
    model = _small_classifier(tf)
    history = model.fit(X, Y, epochs=2, batch_size=4, validation_data=(X[:4], Y[:4]),
                        shuffle=False, verbose=0)
    return [sorted(history.history), history.epoch, np.array(history.history["val_loss"],
                                                              np.float32)]


def _fit_validation_split(tf):
    model = _small_classifier(tf)
    history = model.fit(X, Y, epochs=1, batch_size=4, validation_split=0.3, shuffle=False,
                        verbose=0)
    return [sorted(history.history), np.array(history.history["loss"], np.float32),
            np.array(history.history["val_loss"], np.float32)]


def _fit_params(tf):
    history = _small_classifier(tf).fit(X, Y, epochs=2, batch_size=4, verbose=0)
    return {key: history.params[key] for key in ("epochs", "steps", "verbose")}


def _evaluate_forms(tf):
    model = _small_classifier(tf)
    plain = _small_classifier(tf, metrics=())
    result = model.evaluate(X, Y, verbose=0)
    return [type(result).__name__, np.array(result, np.float32),
            sorted(model.evaluate(X, Y, verbose=0, return_dict=True)),
            type(plain.evaluate(X, Y, verbose=0)).__name__]


def _predict_shapes(tf):
    model = _small_classifier(tf)
    dataset = tf.data.Dataset.from_tensor_slices(X).batch(3)
    return [model.predict(X, verbose=0).shape, model.predict(X[:1], verbose=0).shape,
            model.predict(dataset, verbose=0).shape, type(model.predict(X, verbose=0)).__name__,
            type(model(X[:2])).__name__.endswith("Tensor")]


def _fit_dataset_with_batch_size(tf):
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(5)
    history = _small_classifier(tf).fit(dataset, epochs=1, verbose=0)
    return [sorted(history.history), np.array(history.history["loss"], np.float32)]


def _fit_unbatched_dataset(tf):
    dataset = tf.data.Dataset.from_tensor_slices((X, Y))
    return _small_classifier(tf).fit(dataset, epochs=1, verbose=0).history["loss"]


FIT = {
    "fit/hunt_validation_data": _fit_validation,
    "fit/hunt_validation_split": _fit_validation_split,
    "fit/hunt_params": _fit_params,
    "evaluate/hunt_result_forms": _evaluate_forms,
    "predict/hunt_shapes": _predict_shapes,
    "fit/hunt_batched_dataset": _fit_dataset_with_batch_size,
    "fit/hunt_unbatched_dataset": _fit_unbatched_dataset,
}
for _name, _fn in FIT.items():   # (an unbatched dataset: TF's error names Sequential.call,
    add_case(f"keras.Model.{_name}", _fn, grad=False, rtol=1e-4, atol=1e-5,   # tapeviz's dense
             op="dense" if _name == "fit/hunt_unbatched_dataset" else None)


# ---- GradientTape's watching rules ------------------------------------------------------------
def _non_trainable_variable(tf):
    frozen = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = frozen * frozen
    return [tape.gradient(y, frozen), len(tape.watched_variables())]


def _watch_list_and_constant(tf):
    a, b = tf.constant(1.5), tf.constant(-2.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b * b
    return tape.gradient(y, {"a": a, "b": b})


def _watch_int(tf):
    x = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, x)


def _stop_recording(tf):
    w = tf.Variable(1.5)
    with tf.GradientTape() as tape:
        y = w * w
        with tape.stop_recording():
            z = w * 10.0
        total = y + z
    return tape.gradient(total, w)


def _reset(tf):
    w = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = w * w
        tape.reset()
        z = w * 2.0
    return tape.gradient(y + z, w)


def _unconnected_zero(tf):
    w, v = tf.Variable([1.0, 2.0]), tf.Variable(4.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * w)
    return tape.gradient(y, [w, v], unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _output_gradients(tf):
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = w * w
    return tape.gradient(y, w, output_gradients=tf.constant([3.0, -1.0]))


def _gradient_inside_block(tf):
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * w
        first = tape.gradient(y, w)
        z = y * first
    return [first, tape.gradient(z, w)]


def _second_derivative_on_one_tape(tf):
    """A persistent tape's gradient taken inside its block is recorded on it: differentiated
    again after the block, it gives the second derivative (and y's gradient is unchanged)."""
    w = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * w * w
        first = tape.gradient(y, w)
    return [first, tape.gradient(first, w), tape.gradient(y, w), len(tape.watched_variables())]


def _non_persistent_gradient_inside(tf):
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = w * w
        first = tape.gradient(y, w)
        z = first * 3.0
    return [first, z]


def _target_list(tf):
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        losses = [w * w, 3.0 * w]
    return tape.gradient(losses, w)


def _watched_order(tf):
    a, b = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b")
    with tf.GradientTape() as tape:
        b * a + b   # read b first
    return [v.numpy() for v in tape.watched_variables()]


def _not_watching_accessed_but_watched(tf):
    w, v = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = w * v
    return tape.gradient(y, [w, v])


TAPE = {
    "non_trainable_variable": _non_trainable_variable,
    "watch_list_gradient_dict": _watch_list_and_constant,
    "watch_int": _watch_int,
    "stop_recording": _stop_recording,
    "reset": _reset,
    "unconnected_zero": _unconnected_zero,
    "output_gradients": _output_gradients,
    "gradient_inside_block": _gradient_inside_block,
    "target_list": _target_list,
    "second_derivative_on_one_tape": _second_derivative_on_one_tape,
    "non_persistent_gradient_inside": _non_persistent_gradient_inside,
    "watched_order": _watched_order,
    "watch_accessed_off_one_watched": _not_watching_accessed_but_watched,
}
for _name, _fn in TAPE.items():
    add_case(f"GradientTape/hunt_{_name}", _fn, grad=False)


def _mnist_pipeline(tf):
    """uint8 images cast and scaled in a map, as the lecture's pipeline does."""
    images = (np.arange(2 * 4 * 4) % 256).astype(np.uint8).reshape(2, 4, 4)
    labels = np.array([3, 1], np.uint8)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).map(
        lambda x, y: (tf.cast(x, tf.float32) / 255.0, tf.cast(y, tf.int32))).batch(2)
    x, y = next(iter(dataset))
    return [x, y, [str(spec.dtype.name) for spec in dataset.element_spec]]


def _fit_float64_dataset(tf):
    dataset = tf.data.Dataset.from_tensor_slices((X.astype(np.float64), Y)).batch(5)
    model = _small_classifier(tf)
    history = model.fit(dataset, epochs=1, verbose=0)
    return [model.weights[0].numpy().dtype.name, np.array(history.history["loss"], np.float32)]


def _accuracy_resolved(labels, loss, units, activation):
    """metrics=['accuracy'] resolved by the labels' and outputs' shapes, as Keras does."""
    def run(tf):
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
            units, activation=activation, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
        return model.evaluate(X[:6], labels, verbose=0, return_dict=True)
    return run


def _validation_dataset(tf):
    train = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    history = _small_classifier(tf).fit(train, validation_data=train.take(1), epochs=2,
                                        verbose=0)
    return [sorted(history.history), np.array(history.history["val_accuracy"], np.float32)]


def _predict_list_batch_size(tf):
    model = _small_classifier(tf)
    return [model.predict(X.tolist(), batch_size=3, verbose=0),
            model.evaluate(X, Y, batch_size=3, steps=2, verbose=0)]


def _tape_tuple_sources(tf):
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * b
    grads = tape.gradient(y, (a, b))
    return [type(grads).__name__, grads]


def _tape_through_predict(tf):
    model = _small_classifier(tf)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model.predict(X[:2], verbose=0))
    return tape.gradient(loss, model.trainable_variables)


def _integer_variable_gradient(tf):
    v = tf.Variable(3)
    with tf.GradientTape() as tape:
        y = v * v
    return [tape.gradient(y, v), len(tape.watched_variables())]


THIRD = {
    "data.Dataset/hunt_mnist_pipeline": _mnist_pipeline,
    "keras.Model.fit/hunt_float64_dataset": _fit_float64_dataset,
    "keras.Model.evaluate/hunt_accuracy_one_hot": _accuracy_resolved(
        np.eye(3, dtype=np.float32)[Y[:6]], "categorical_crossentropy", 3, "softmax"),
    "keras.Model.evaluate/hunt_accuracy_binary": _accuracy_resolved(
        (Y[:6] > 0).astype(np.float32), "binary_crossentropy", 1, "sigmoid"),
    "keras.Model.evaluate/hunt_accuracy_sparse_column": _accuracy_resolved(
        Y[:6, None], "sparse_categorical_crossentropy", 3, "softmax"),
    "keras.Model.fit/hunt_validation_dataset": _validation_dataset,
    "keras.Model.predict/hunt_list_and_batch_size": _predict_list_batch_size,
    "GradientTape/hunt_tuple_sources": _tape_tuple_sources,
    "GradientTape/hunt_through_predict": _tape_through_predict,
    "GradientTape/hunt_integer_variable": _integer_variable_gradient,
}
for _name, _fn in THIRD.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5)
