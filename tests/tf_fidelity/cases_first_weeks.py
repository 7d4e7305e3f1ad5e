"""Cases from the programs a TF 2 user meets in their first weeks, as they write them: the
beginner quickstart (Sequential, compile, fit, evaluate, a softmax model around it), the
advanced quickstart (a subclassed Model, a tf.function train step, tf.keras.metrics), a custom
layer (build, add_weight, get_config, from_config), callbacks, save_weights/load_weights, the
order of fit's logs, the advanced autodiff guide's einsum of a batch jacobian, tf.einsum,
tf.math's confusion_matrix, in_top_k and zero_fraction, tf.data's counter,
choose_from_datasets and sample_from_datasets, learning-rate schedules (CosineDecayRestarts),
tf.function's input_signature, and the student errors among them. Registered into
`cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from .cases import add_case, f32, spread

X = spread((12, 3), seed=11)
LABELS = np.array([0, 1, 2, 1, 0, 2, 1, 0, 2, 2, 1, 0], np.int64)


def _fixed(tf, shape, seed):
    return tf.constant_initializer(spread(shape, seed=seed, low=-0.5, high=0.5))


def _beginner_quickstart(tf):
    model = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(3,)),
        tf.keras.layers.Dense(8, activation="relu", kernel_initializer=_fixed(tf, (3, 8), 1)),
        tf.keras.layers.Dense(3, kernel_initializer=_fixed(tf, (8, 3), 2))])
    predictions = model(X[:1]).numpy()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    first_loss = loss_fn(LABELS[:1], predictions).numpy()
    model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
    history = model.fit(X, LABELS, epochs=3, batch_size=4, shuffle=False, verbose=0)
    evaluated = model.evaluate(X, LABELS, verbose=0)
    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    return [tf.nn.softmax(predictions), first_loss,
            {key: tf.constant(values) for key, values in history.history.items()},
            tf.constant(evaluated), probability_model(X[:4])]


def _advanced_quickstart(tf):
    train_ds = tf.data.Dataset.from_tensor_slices((X, LABELS)).batch(4)

    class MyModel(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = tf.keras.layers.Dense(8, activation="relu",
                                            kernel_initializer=_fixed(tf, (3, 8), 3))
            self.d2 = tf.keras.layers.Dense(3, kernel_initializer=_fixed(tf, (8, 3), 4))

        def call(self, x):
            return self.d2(self.d1(x))

    model = MyModel()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()
    train_loss = tf.keras.metrics.Mean(name="train_loss")
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(labels, predictions)

    seen = []
    for _ in range(2):
        train_loss.reset_state()
        train_accuracy.reset_state()
        for images, labels in train_ds:
            train_step(images, labels)
        seen.append([train_loss.result(), train_accuracy.result()])
    return [seen, optimizer.iterations, model.d2.kernel]


class _Linear:
    """The custom-layers guide's Linear, made for a given `tf` (its base class is tf's)."""

    @staticmethod
    def make(tf):
        class Linear(tf.keras.layers.Layer):
            def __init__(self, units=4, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                         initializer=_fixed(tf, (3, self.units), 5),
                                         trainable=True, name="w")
                self.b = self.add_weight(shape=(self.units,), initializer="ones",
                                         trainable=True, name="b")
                self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                             name="calls")

            def call(self, inputs):
                self.calls.assign_add(1.0)
                return tf.matmul(inputs, self.w) + self.b

            def get_config(self):
                config = super().get_config()
                config.update({"units": self.units})
                return config

        return Linear


def _custom_layer(tf, x):
    linear = _Linear.make(tf)(2, name="linear")
    unbuilt = len(linear.weights)
    out = linear(x)
    linear(x)
    config = linear.get_config()
    again = type(linear).from_config(config)
    return [out, unbuilt, len(linear.weights), len(linear.trainable_weights),
            len(linear.non_trainable_weights), linear.calls, config["units"], config["name"],
            config["trainable"], again.units, again.name, again.built]


def _custom_layer_in_model(tf, x):
    model = tf.keras.Sequential([tf.keras.Input((3,)), _Linear.make(tf)(2),
                                 tf.keras.layers.Dense(1, kernel_initializer=_fixed(tf, (2, 1),
                                                                                    6))])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(X, spread((12, 1), seed=12), epochs=2, batch_size=6, shuffle=False,
                        verbose=0)
    return [tf.constant(history.history["loss"]), model.layers[0].calls, model(x)]


def _callbacks(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        1, kernel_initializer=_fixed(tf, (3, 1), 7))])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss="mse")
    seen = []
    logger = tf.keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append("begin"),
        on_epoch_end=lambda epoch, logs: seen.append([epoch, sorted(logs)]))
    stopper = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)
    history = tf.keras.callbacks.History()
    returned = model.fit(X, spread((12, 1), seed=13) * 3.0, epochs=20, batch_size=4,
                         validation_split=0.25, shuffle=False, verbose=0,
                         callbacks=[logger, stopper, history])
    return [seen, returned is history, model.history is returned, stopper.stopped_epoch,
            {key: tf.constant(values) for key, values in returned.history.items()}]


def _save_and_load_weights(tf, x):
    def build():
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
            2, activation="relu", kernel_initializer=_fixed(tf, (3, 2), 8)),
            tf.keras.layers.Dense(1, kernel_initializer=_fixed(tf, (2, 1), 9))])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
        return model

    trained = build()
    trained.fit(X, spread((12, 1), seed=14), epochs=2, verbose=0, shuffle=False)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.weights.h5")
        trained.save_weights(path)
        restored = build()
        restored.load_weights(path)
    return [restored(x), [w.shape for w in restored.get_weights()],
            [np.array_equal(a, b) for a, b in zip(trained.get_weights(),
                                                   restored.get_weights())]]


def _save_weights_checkpoint_name(tf, x):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    with tempfile.TemporaryDirectory() as folder:
        model.save_weights(os.path.join(folder, "ckpt"))   # TF 2.0-2.15's checkpoint name
        model.load_weights(os.path.join(folder, "ckpt"))
    return model(x)


def _add_weight_name_first(tf, x):
    class Scale(tf.keras.layers.Layer):
        def build(self, input_shape):   # Keras 2's signature: add_weight(name, shape, ...)
            self.scale = self.add_weight("scale", shape=(input_shape[-1],), initializer="ones")

        def call(self, inputs):
            return inputs * self.scale

    return Scale()(x)


def _batch_jacobian_einsum(tf, x):
    """The advanced autodiff guide: a batch jacobian from the full one, its diagonal blocks
    taken with einsum, equal to tape.batch_jacobian."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.nn.sigmoid(x * 2.0)
    jacobian = tape.jacobian(y, x)
    return [tf.einsum("bxby->bxy", jacobian), tape.batch_jacobian(y, x)]


def _shuffle_seed_order(tf):
    dataset = tf.data.Dataset.range(8).shuffle(8, seed=42)
    return [[int(v) for v in dataset], [int(v) for v in dataset]]


CASES = {
    "keras.Sequential/student_beginner_quickstart": (_beginner_quickstart, ()),
    "keras.Model/student_advanced_quickstart": (_advanced_quickstart, ()),
    "keras.layers.Layer/student_custom_layer_config": (_custom_layer, (f32(2, 3),)),
    "keras.layers.Layer/student_custom_layer_fit": (_custom_layer_in_model, (f32(2, 3),)),
    "keras.callbacks.LambdaCallback/student_with_early_stopping": (_callbacks, ()),
    "keras.Model/student_save_and_load_weights": (_save_and_load_weights, (f32(2, 3),)),
    "keras.Model/student_save_weights_checkpoint_name": (_save_weights_checkpoint_name,
                                                         (f32(2, 3),)),
    "keras.layers.Layer/student_add_weight_name_first": (_add_weight_name_first, (f32(2, 3),)),
    "einsum/student_batch_jacobian_diagonal": (_batch_jacobian_einsum, (f32(2, 3),)),
    "data.Dataset/student_shuffle_seed_order": (_shuffle_seed_order, ()),
}
for _name, (_fn, _inputs) in CASES.items():
    add_case(_name, _fn, *_inputs, grad=False)

EINSUM = {   # equation: operand shapes (the advanced quickstarts' and autodiff guide's uses)
    "matmul": ("ij,jk->ik", (2, 3), (3, 4)),
    "implicit_output": ("ij,jk", (2, 3), (3, 4)),
    "batch_matmul": ("bij,bjk->bik", (2, 2, 3), (2, 3, 4)),
    "attention_scores": ("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4)),
    "transpose": ("ijk->kji", (2, 3, 4)),
    "diagonal": ("ii->i", (3, 3)),
    "trace": ("ii", (3, 3)),
    "sum_all": ("ij->", (2, 3)),
    "dot": ("i,i->", (3,), (3,)),
    "outer": ("i,j->ij", (3,), (2,)),
    "rowwise_dot": ("bi,bi->b", (3, 4), (3, 4)),
    "elementwise": ("ij,ij->ij", (2, 3), (2, 3)),
    "three_operands": ("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    "block_diagonal": ("bxby->bxy", (2, 3, 2, 4)),
    "ellipsis_batch": ("...ij,...jk->...ik", (2, 2, 3), (3, 4)),
    "ellipsis_broadcast": ("...j,...j->...", (1, 3), (2, 3)),
    "ellipsis_sum": ("...i->...", (2, 3, 4)),
    "tensor_times_matrix": ("abc,cd->abd", (2, 3, 4), (4, 5)),
    "size_mismatch": ("ij,jk->ik", (2, 3), (4, 4)),
    "named_label_does_not_broadcast": ("bij,bkj->bik", (1, 2, 3), (3, 4, 3)),
    "too_few_inputs": ("ij,jk->ik", (2, 3)),
    "output_label_not_in_inputs": ("ij->ik", (2, 3)),
    "output_label_twice": ("ij,jk->iik", (2, 3), (3, 4)),
    "ellipsis_dropped_from_output": ("...i,...i->i", (2, 3), (2, 3)),
}
for _index, (_label, (_equation, *_shapes)) in enumerate(EINSUM.items()):
    add_case(f"einsum/{_label}", lambda tf, *xs, _e=_equation: tf.einsum(_e, *xs),
             *[f32(*shape, seed=_index + i) for i, shape in enumerate(_shapes)])
add_case("linalg.einsum/matrix_vector", lambda tf, a, v: tf.linalg.einsum("ij,j->i", a, v),
         f32(2, 3), f32(3, seed=2))
add_case("einsum/float64", lambda tf, a, b: tf.einsum("ij,jk->ik", a, b),
         spread((2, 3), 3, dtype="float64"), spread((3, 2), 4, dtype="float64"))
add_case("einsum/int32", lambda tf: tf.einsum("ij,jk->ik", tf.ones((2, 2), tf.int32),
                                              tf.ones((2, 3), tf.int32)))
add_case("einsum/mixed_dtypes", lambda tf, a: tf.einsum("ij,jk->ik", a, tf.ones((3, 2),
                                                                              tf.float64)),
         f32(2, 3))

CONFUSION = {
    "counts": lambda tf: tf.math.confusion_matrix([0, 1, 2, 1, 2], [0, 2, 2, 1, 0]),
    "num_classes": lambda tf: tf.math.confusion_matrix([0, 1], [0, 1], num_classes=4),
    "float_dtype": lambda tf: tf.math.confusion_matrix([0, 1, 1], [1, 1, 0], dtype=tf.float32),
    "int_weights": lambda tf: tf.math.confusion_matrix([0, 1, 1], [0, 1, 1], weights=[1, 2, 3]),
    "from_argmax": lambda tf: tf.math.confusion_matrix(
        tf.constant(LABELS), tf.argmax(tf.constant(spread((12, 3), seed=9)), axis=1)),
    "column_labels": lambda tf: tf.math.confusion_matrix([[0], [1], [1]], [0, 1, 0]),
    "float_labels_truncated": lambda tf: tf.math.confusion_matrix([0.7, 1.9], [0, 1]),
    "negative_label": lambda tf: tf.math.confusion_matrix([0, -1], [0, 1]),
    "label_past_num_classes": lambda tf: tf.math.confusion_matrix([0, 3], [0, 1], num_classes=3),
    "lengths_differ": lambda tf: tf.math.confusion_matrix([0, 1, 2], [0, 1]),
}
for _name, _fn in CONFUSION.items():
    add_case(f"math.confusion_matrix/{_name}", _fn, grad=False)
add_case("math.confusion_matrix/float_weights",
         lambda tf, w: tf.math.confusion_matrix([0, 1, 1, 2], [0, 1, 0, 2], weights=w,
                                                dtype=tf.float32), f32(4, seed=5))


def _ids(dataset) -> list:
    return [int(v) for v in dataset]


DATA = {   # tf.data's counting and choosing sources (the tf.data guide's resampling section)
    "counter": lambda tf: [_ids(tf.data.Dataset.counter().take(3)),
                           _ids(tf.data.Dataset.counter(start=5, step=-2).take(3)),
                           [v.dtype.name for v in tf.data.Dataset.counter(dtype=tf.int32).take(1)],
                           tf.data.Dataset.counter().cardinality(),
                           repr(tf.data.Dataset.counter().element_spec)],
    "counter_zip_enumerates": lambda tf: [[int(i), int(v)] for i, v in tf.data.Dataset.zip(
        tf.data.Dataset.counter(), tf.data.Dataset.range(10, 13))],
    "choose_from_datasets": lambda tf: _ids(tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.range(2).repeat(3))),
    "choose_stops_on_empty": lambda tf: _ids(tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.from_tensor_slices(tf.constant([0, 0, 0, 1], tf.int64)))),
    "choose_passes_over_empty": lambda tf: _ids(tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.from_tensor_slices(tf.constant([0, 0, 0, 1], tf.int64)),
        stop_on_empty_dataset=False)),
    "choose_experimental_default": lambda tf: _ids(tf.data.experimental.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.from_tensor_slices(tf.constant([0, 0, 0, 1], tf.int64)))),
    "choose_pairs": lambda tf: [[int(a), int(b)] for a, b in tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.zip(tf.data.Dataset.range(2), tf.data.Dataset.range(2)),
         tf.data.Dataset.zip(tf.data.Dataset.range(10, 12), tf.data.Dataset.range(5, 7))],
        tf.data.Dataset.range(2))],
    "choose_spec_and_cardinality": lambda tf: (lambda d: [d.cardinality(), repr(d.element_spec)])(
        tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(2)], tf.data.Dataset.range(
            1))),
    "choose_index_out_of_range": lambda tf: _ids(tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.range(10, 13)],
        tf.data.Dataset.from_tensor_slices(tf.constant([0, 2], tf.int64)))),
    "choose_int32_choices": lambda tf: tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2)], tf.data.Dataset.from_tensor_slices([0, 0])),
    "choose_dtypes_differ": lambda tf: tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.from_tensor_slices([1, 2])],
        tf.data.Dataset.range(2)),
    "choose_no_datasets": lambda tf: tf.data.Dataset.choose_from_datasets(
        [], tf.data.Dataset.range(2)),
}
for _name, _fn in DATA.items():
    add_case(f"data.Dataset/{_name}", _fn, grad=False,
             op="counter" if _name.startswith("counter") else "choose_from_datasets")

STEPS = (0, 1, 5, 10, 15, 29, 30, 50, 100, 150)


def _rates(schedule) -> list:
    return [schedule(step) for step in STEPS]


def _sgd_steps(tf, schedule, steps: int) -> list:
    """A variable after `steps` SGD steps of gradient 1 at the schedule's rates, and the rate
    the optimizer reads after them."""
    optimizer, variable = tf.keras.optimizers.SGD(schedule), tf.Variable(1.0)
    for _ in range(steps):
        optimizer.apply_gradients([(tf.constant(1.0), variable)])
    return [variable, optimizer.learning_rate]


SCHEDULES = {   # the overfit-and-underfit tutorial's schedules, SGDR, and what get_config says
    "CosineDecayRestarts/default": lambda tf: _rates(
        tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 10)),
    "CosineDecayRestarts/equal_periods": lambda tf: _rates(
        tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5,
                                                          alpha=0.1)),
    "CosineDecayRestarts/longer_periods": lambda tf: _rates(
        tf.keras.optimizers.schedules.CosineDecayRestarts(1.0, 4, t_mul=3.0, m_mul=0.8)),
    "CosineDecayRestarts/config_round_trip": lambda tf: (lambda s: [s.get_config(), _rates(
        type(s).from_config(s.get_config()))])(
        tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 10, m_mul=0.9)),
    "CosineDecayRestarts/in_sgd": lambda tf: _sgd_steps(
        tf, tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 5), 12),
    "LearningRateSchedule/default_names": lambda tf: [
        tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5).get_config(),
        tf.keras.optimizers.schedules.InverseTimeDecay(0.1, 10, 0.5).get_config(),
        tf.keras.optimizers.schedules.PiecewiseConstantDecay([5], [1.0, 0.5]).get_config(),
        tf.keras.optimizers.schedules.PolynomialDecay(0.1, 10).get_config(),
        tf.keras.optimizers.schedules.CosineDecay(0.1, 10).get_config()],
    "InverseTimeDecay/overfit_tutorial": lambda tf: _rates(
        tf.keras.optimizers.schedules.InverseTimeDecay(0.001, decay_steps=20, decay_rate=1,
                                                       staircase=False)),
}
for _name, _fn in SCHEDULES.items():
    add_case(f"keras.optimizers.schedules.{_name}", _fn, grad=False)


def _signed_method(tf, argument):
    class Scaler(tf.Module):
        def __init__(self):
            super().__init__()
            self.scale = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return x * self.scale

    return Scaler()(argument)


def _signed_pair(tf, pair):
    signed = tf.function(lambda p: p[0] * tf.cast(p[1], tf.float32), input_signature=[
        (tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32))])
    return signed(pair)


INT_VECTOR = [["TensorSpec", [None], "int32"]]
SIGNATURES = {   # tf.function(input_signature=...): what fits, what is converted, what is refused
    "tensor": (INT_VECTOR, lambda tf: [tf.constant([1, 2])]),
    "python_list_converted": (INT_VECTOR, lambda tf: [[1, 2]]),
    "numpy_int64_converted": (INT_VECTOR, lambda tf: [np.array([1, 2])]),
    "numpy_float64_converted": ([["TensorSpec", [2, 2], "float32"]],
                                lambda tf: [np.ones((2, 2))]),
    "variable": ([["TensorSpec", [], "float32"]], lambda tf: [tf.Variable(3.0)]),
    "python_scalar_for_vector": (INT_VECTOR, lambda tf: [1]),
    "float_tensor_for_int": (INT_VECTOR, lambda tf: [tf.constant([1.0])]),
    "float_list_for_int": (INT_VECTOR, lambda tf: [[1.5]]),
    "rank_differs": (INT_VECTOR, lambda tf: [tf.constant([[1]])]),
    "size_differs": ([["TensorSpec", [2, 2], "float32"]], lambda tf: [tf.ones((3, 2))]),
    "two_specs": ([["TensorSpec", [2], "float32"], ["TensorSpec", [], "int32"]],
                  lambda tf: [tf.ones((2,)), 3]),
}


def _signature_case(spec_rows, arguments):
    def run(tf):
        specs = [tf.TensorSpec(shape, getattr(tf, dtype)) for _, shape, dtype in spec_rows]
        signed = tf.function(lambda *parts: [part + part for part in parts],
                             input_signature=specs)
        return signed(*arguments(tf))
    return run


for _name, (_rows, _arguments) in SIGNATURES.items():
    add_case(f"function/input_signature_{_name}", _signature_case(_rows, _arguments),
             grad=False)
add_case("function/input_signature_too_many_arguments", lambda tf: tf.function(
    lambda x: x, input_signature=[tf.TensorSpec([None], tf.int32)])(tf.constant([1]),
                                                                      tf.constant([2])),
    grad=False)
add_case("function/input_signature_missing_argument", lambda tf: tf.function(
    lambda x: x, input_signature=[tf.TensorSpec([None], tf.int32)])(), grad=False)
add_case("function/input_signature_keyword", lambda tf: tf.function(
    lambda x: x * 2, input_signature=[tf.TensorSpec([None], tf.int32)])(x=tf.constant([3])),
    grad=False)
add_case("function/input_signature_method", _signed_method, f32(3))
add_case("function/input_signature_method_rank_differs", _signed_method, f32(1, 1),
         grad=False)
add_case("function/input_signature_nested", lambda tf, x: _signed_pair(tf, (x, tf.constant(2))),
         f32(3))
add_case("function/input_signature_nested_dtype_differs",
         lambda tf, x: _signed_pair(tf, (x, tf.constant(2.0))), f32(3), grad=False)


def _compiled_regressor(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        1, kernel_initializer=_fixed(tf, (3, 1), 10))])
    model.compile(optimizer="sgd", loss="mse")
    return model


add_case("keras.Sequential/student_input_with_extra_axis_of_one", lambda tf: (lambda model: [
    model.fit(spread((8, 3, 1), seed=2), spread((8, 1), seed=3), verbose=0, epochs=1) and None,
    model.predict(spread((2, 3, 1), seed=2), verbose=0).shape])(_compiled_regressor(tf)),
    grad=False, op="dense")


def _log_order(tf):
    """The order of fit's logs, as a classification tutorial prints history.history.keys(),
    a callback sees them and verbose=2 prints them (times written as T)."""
    import contextlib
    import io
    import re
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        3, kernel_initializer=_fixed(tf, (3, 3), 11))])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    seen = []
    keys = tf.keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(list(logs)),
        on_epoch_end=lambda epoch, logs: seen.append(list(logs)))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = model.fit(X, LABELS, batch_size=6, epochs=2, shuffle=False, verbose=2,
                            validation_data=(X[:6], LABELS[:6]), callbacks=[keys])
        evaluated = model.evaluate(X, LABELS, verbose=2, return_dict=True)
    text = re.sub(r"\d+(ms|us|s)\b", "T", printed.getvalue())
    return [list(history.history), seen, list(evaluated),
            [line.rstrip() for line in text.splitlines() if line.strip()]]


add_case("keras.Model.fit/student_log_order", _log_order, grad=False, op="fit")


def _tf_variable_in_build(tf, x):
    """The modules guide's FlexibleDenseLayer: tf.Variables made in build, trained by fit."""
    class FlexibleDenseLayer(tf.keras.layers.Layer):
        def __init__(self, out_features, **kwargs):
            super().__init__(**kwargs)
            self.out_features = out_features

        def build(self, input_shape):
            self.w = tf.Variable(tf.ones([input_shape[-1], self.out_features]), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")

        def call(self, inputs):
            return tf.matmul(inputs, self.w) + self.b

    layer = FlexibleDenseLayer(out_features=1)
    model = tf.keras.Sequential([tf.keras.Input((3,)), layer])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X, spread((12, 1), seed=15), epochs=2, batch_size=6, shuffle=False, verbose=0)
    return [len(layer.variables), len(layer.trainable_weights), layer.w, model(x)]


add_case("keras.layers.Layer/student_tf_variable_in_build", _tf_variable_in_build, f32(2, 3),
         grad=False)
add_case("keras.metrics.SparseCategoricalAccuracy/student_batches_differ", lambda tf: (
    lambda metric: [metric.update_state([0, 1], [[0.1, 0.9, 0.0]]), metric.result()])(
        tf.keras.metrics.SparseCategoricalAccuracy()), grad=False,
    op="sparse_categorical_accuracy")
add_case("keras.Model.fit/student_before_compile", lambda tf: tf.keras.Sequential(
    [tf.keras.Input((3,)), tf.keras.layers.Dense(1)]).fit(X, X[:, :1], verbose=0), grad=False)

SAMPLED = {   # random draws: compared by what must hold of them (every element once, weights)
    "sample_every_element_once": lambda tf: sorted(_ids(tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], seed=1))),
    "sample_weight_one_and_zero": lambda tf: [_ids(tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], weights=[1.0, 0.0], seed=1)),
        _ids(tf.data.experimental.sample_from_datasets(
            [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], weights=[0.0, 1.0]))],
    "sample_stop_on_empty": lambda tf: (lambda ids: [  # each source's ids in order, no more
        [i for i in ids if i < 3] == list(range(3))[:len([i for i in ids if i < 3])],
        [i for i in ids if i >= 10] == list(range(10, 20))[:len([i for i in ids if i >= 10])],
        len(ids) <= 13])(_ids(tf.data.Dataset.sample_from_datasets(
            [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 20)], seed=1,
            stop_on_empty_dataset=True))),
    "sample_one_dataset": lambda tf: _ids(tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(3)], seed=1)),
    "sample_spec_and_cardinality": lambda tf: [
        tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3),
                                              tf.data.Dataset.range(2)]).cardinality(),
        tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3).repeat(),
                                              tf.data.Dataset.range(2).repeat()]).cardinality(),
        repr(tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3)]).element_spec)],
    "sample_weights_length": lambda tf: tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(3)], weights=[1.0]),
    "sample_dtypes_differ": lambda tf: tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.from_tensor_slices([1.0])]),
    "sample_no_datasets": lambda tf: tf.data.Dataset.sample_from_datasets([]),
}
for _name, _fn in SAMPLED.items():
    add_case(f"data.Dataset/{_name}", _fn, grad=False, op="sample_from_datasets")
add_case("data.Dataset/sample_negative_weight", lambda tf: _ids(
    tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3), tf.data.Dataset.range(3)],
                                         weights=[-1.0, 1.0])), grad=False,
         op="sample_from_datasets")

ROWS = [[0.1, 0.5, 0.5], [0.3, 0.2, 0.9], [0.5, 0.5, 0.1]]
MATH = {   # tf.math functions a classifier's evaluation uses
    "in_top_k/top_1": lambda tf: tf.math.in_top_k(targets=[0, 2, 1], predictions=ROWS, k=1),
    "in_top_k/ties_count_as_in": lambda tf: tf.math.in_top_k([1, 0, 0], ROWS, 2),
    "in_top_k/int64_targets": lambda tf: tf.math.in_top_k(
        tf.constant([2, 2, 2], tf.int64), tf.constant(ROWS), 3),
    "in_top_k/target_out_of_range": lambda tf: tf.math.in_top_k([0, 3, -1], ROWS, 2),
    "in_top_k/nan_in_row": lambda tf: tf.math.in_top_k(
        [0, 1], [[0.1, float("nan"), 0.5], [0.3, 0.2, 0.9]], 2),
    "in_top_k/from_logits": lambda tf: tf.math.in_top_k(
        tf.constant(LABELS), tf.constant(spread((12, 3), seed=9)), 2),
    "in_top_k/float_targets": lambda tf: tf.math.in_top_k([0.0, 1.0, 2.0], ROWS, 2),
    "zero_fraction/floats": lambda tf: tf.math.zero_fraction([0.0, 1.0, 0.0, 3.0]),
    "zero_fraction/ints": lambda tf: tf.math.zero_fraction([[0, 1], [2, 0], [0, 0]]),
    "zero_fraction/relu_activations": lambda tf: tf.math.zero_fraction(
        tf.nn.relu(tf.constant(spread((4, 5), seed=8)))),
}
for _name, _fn in MATH.items():
    add_case(f"math.{_name}", _fn, grad=False)

BINCOUNT = {   # counting class ids (a label histogram), tf.math.bincount
    "counts": lambda tf: tf.math.bincount([1, 1, 3, 0]),
    "minlength": lambda tf: tf.math.bincount([1, 1, 3], minlength=6),
    "maxlength": lambda tf: tf.math.bincount([1, 1, 3], maxlength=2),
    "maxlength_zero": lambda tf: tf.math.bincount([1, 1, 3], maxlength=0),
    "float_weights": lambda tf: tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0]),
    "int_weights": lambda tf: tf.math.bincount([1, 1, 3], weights=[1, 2, 3]),
    "float64_weights_dtype_ignored": lambda tf: tf.math.bincount(
        [1, 1, 3], weights=tf.constant([0.5, 1.0, 2.0], tf.float64), dtype=tf.int32),
    "float_dtype": lambda tf: tf.math.bincount([1, 2], dtype=tf.float32),
    "binary_output": lambda tf: tf.math.bincount([1, 1, 3], binary_output=True),
    "matrix_all": lambda tf: tf.math.bincount([[1, 2], [2, 0]]),
    "matrix_per_row": lambda tf: tf.math.bincount([[1, 2], [2, 0]], axis=-1),
    "int64_values": lambda tf: tf.math.bincount(tf.constant([1, 2], tf.int64)),
    "float_values_truncated": lambda tf: tf.math.bincount([1.0, 2.0]),
    "empty": lambda tf: tf.math.bincount(tf.constant([], tf.int32)),
    "labels_histogram": lambda tf: tf.math.bincount(tf.constant(LABELS), minlength=4),
    "negative_value": lambda tf: tf.math.bincount([1, -1]),
    "weights_shape_differs": lambda tf: tf.math.bincount([1, 2], weights=[1.0]),
}
for _name, _fn in BINCOUNT.items():
    add_case(f"math.bincount/{_name}", _fn, grad=False)
add_case("math.bincount/weights_gradient", lambda tf, w: tf.math.bincount(
    [0, 2, 2, 1], weights=w), f32(4, seed=6))
add_case("constant/student_empty_with_dtype", lambda tf: [
    tf.constant([], tf.int32), tf.constant([[]], tf.int64), tf.constant([], dtype=tf.bool),
    tf.convert_to_tensor([], tf.int32), tf.Variable([], dtype=tf.int32)], grad=False)


def _functional_counter(tf, x):
    """A layer whose call counts its calls, in a functional model: building the model (a
    call on KerasTensors) counts nothing, as in Keras."""
    class Counted(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                         name="calls")

        def call(self, inputs):
            self.calls.assign_add(1.0)
            return inputs * 2.0

    inputs = tf.keras.Input((3,))
    counted = Counted()
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(
        1, kernel_initializer=_fixed(tf, (3, 1), 12))(counted(inputs)))
    built = tf.identity(counted.calls)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X, spread((12, 1), seed=16), epochs=2, batch_size=6, shuffle=False, verbose=0)
    return [built, counted.calls, model(x)]


add_case("keras.Model/student_functional_counting_layer", _functional_counter, f32(2, 3),
         grad=False)
