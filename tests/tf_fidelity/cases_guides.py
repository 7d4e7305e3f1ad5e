"""Cases from TF's "Training loops from scratch", "Customizing what happens in fit()" and
"tf.data: build TensorFlow input pipelines" guides, as a student writes them: compile, fit
with validation_split or validation_data, evaluate, predict, EarlyStopping, History, a
callback's logs, a train_step and test_step of one's own, metrics reset between epochs,
model.summary(); tf.data's interleave, padded_batch, window, unbatch, reduce, enumerate,
as_numpy_iterator, element_spec, cardinality. Registered into `cases.CASES` (cases.py
imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, spread

X = spread((8, 3), seed=3)
Y = spread((8, 1), seed=4)
LABELS = np.array([0, 1, 2, 1, 0, 2, 1, 0], np.int32)


def _regressor(tf, model_class=None):
    """Dense(4, relu) -> Dense(1) with fixed weights: a Sequential, or `model_class`'s
    functional model of the same layers."""
    fixed = tf.constant_initializer
    layers = [tf.keras.layers.Dense(4, activation="relu", kernel_initializer=fixed(
        spread((3, 4), seed=5))), tf.keras.layers.Dense(1, kernel_initializer=fixed(
            spread((4, 1), seed=6)))]
    if model_class is None:
        model = tf.keras.Sequential([tf.keras.Input((3,))] + layers)
    else:
        inputs = tf.keras.Input((3,))
        model = model_class(inputs, layers[1](layers[0](inputs)))
    return model


def _history(tf, history) -> dict:
    return {key: tf.constant(values) for key, values in history.history.items()}


def _fit_validation_split(tf):
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=3, epochs=3, validation_split=0.25, shuffle=False,
                        verbose=0)
    return [_history(tf, history), history.epoch, history.params,
            model.predict(X[:2], verbose=0), model.predict(X, batch_size=5, verbose=0).dtype.name,
            tf.constant(model.evaluate(X, Y, verbose=0))]


def _fit_dataset_validation_data(tf):
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    train = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    valid = tf.data.Dataset.from_tensor_slices((X[:4], Y[:4])).batch(2)
    history = model.fit(train, epochs=2, validation_data=valid, verbose=0)
    return [_history(tf, history), history.params,
            {key: tf.constant(value) for key, value in model.evaluate(
                valid, verbose=0, return_dict=True).items()}]


def _early_stopping(tf):
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
    stopper = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0)
    history = model.fit(X, Y, batch_size=4, epochs=10, shuffle=False, verbose=0,
                        callbacks=[stopper])
    return [len(history.history["loss"]), stopper.stopped_epoch, model.stop_training,
            history.epoch]


def _early_stopping_restores_best(tf):
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(2.0), loss="mse")   # diverges
    stopper = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=2,
                                               restore_best_weights=True)
    history = model.fit(X, Y, batch_size=8, epochs=8, shuffle=False, verbose=0,
                        callbacks=[stopper])
    return [tf.constant(history.history["loss"]), stopper.stopped_epoch, stopper.best,
            model.layers[-1].kernel]


def _callback_logs(tf):
    seen = []

    class Logger(tf.keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(("train_begin", sorted(logs or {})))

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("epoch_begin", epoch, sorted(logs or {})))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("batch_end", batch, sorted(logs or {})))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch_end", epoch, sorted(logs or {})))

        def on_train_end(self, logs=None):
            seen.append(("train_end", sorted(logs or {})))

    model = _regressor(tf)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[Logger()],
              validation_data=(X[:2], Y[:2]))
    return [list(entry) for entry in seen]


def _custom_train_step(tf):
    class CustomModel(tf.keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = _regressor(tf, CustomModel)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    return [_history(tf, history), model.layers[-1].kernel]


def _custom_train_step_own_metrics(tf):
    loss_tracker = tf.keras.metrics.Mean(name="loss")
    mae_metric = tf.keras.metrics.MeanAbsoluteError(name="mae")

    class CustomModel(tf.keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = tf.reduce_mean(tf.keras.losses.MSE(y, y_pred))
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            loss_tracker.update_state(loss)
            mae_metric.update_state(y, y_pred)
            return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

        @property
        def metrics(self):
            return [loss_tracker, mae_metric]   # reset at each epoch's start by fit

    model = _regressor(tf, CustomModel)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05))
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    return [_history(tf, history), loss_tracker.count]


def _custom_train_step_sample_weight(tf):
    class CustomModel(tf.keras.Model):
        def train_step(self, data):
            x, y, sample_weight = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

    model = _regressor(tf, CustomModel)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    weights = np.linspace(0.25, 2.0, 8).astype(np.float32)
    history = model.fit(X, Y, sample_weight=weights, batch_size=4, epochs=2, shuffle=False,
                        verbose=0)
    return _history(tf, history)


def _keras2_train_step(tf):
    class CustomModel(tf.keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = _regressor(tf, CustomModel)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return _history(tf, history)


def _custom_test_step(tf):
    class CustomModel(tf.keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = _regressor(tf, CustomModel)
    model.compile(loss="mse", metrics=["mae"])
    return model.evaluate(X, Y, batch_size=3, verbose=0, return_dict=True)


def _training_loop_from_scratch(tf):
    model = _regressor(tf)
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.05)
    loss_fn = tf.keras.losses.MeanSquaredError()
    train_metric = tf.keras.metrics.MeanAbsoluteError()
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(3)
    per_epoch = []
    for _ in range(2):
        steps = 0
        for x_batch, y_batch in dataset:
            steps += 1
            with tf.GradientTape() as tape:
                logits = model(x_batch, training=True)
                loss_value = loss_fn(y_batch, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            train_metric.update_state(y_batch, logits)
        per_epoch.append([steps, train_metric.result(), loss_value])
        train_metric.reset_state()
    return [per_epoch, train_metric.result(), optimizer.iterations]


def _training_loop_with_add_loss(tf):
    """The from-scratch guide's loop over a model whose layer adds an activity loss, its
    accuracy metric reset each epoch, the step a tf.function."""
    class ActivityRegularizationLayer(tf.keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(1e-2 * tf.reduce_sum(inputs))
            return inputs

    fixed = tf.constant_initializer
    inputs = tf.keras.Input(shape=(3,))
    hidden = tf.keras.layers.Dense(4, activation="relu", kernel_initializer=fixed(
        spread((3, 4), seed=5)))(inputs)
    hidden = ActivityRegularizationLayer()(hidden)
    outputs = tf.keras.layers.Dense(3, kernel_initializer=fixed(spread((4, 3), seed=6)))(hidden)
    model = tf.keras.Model(inputs=inputs, outputs=outputs)
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
    dataset = tf.data.Dataset.from_tensor_slices((X, LABELS)).batch(4)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
            loss_value += sum(model.losses)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc_metric.update_state(y, logits)
        return loss_value

    accuracies, losses = [], []
    for _ in range(2):
        for x_batch, y_batch in dataset:
            losses.append(train_step(x_batch, y_batch))
        accuracies.append(train_acc_metric.result())
        train_acc_metric.reset_state()
    return [losses, accuracies, len(model.losses)]


def _summary_lines(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, name="hidden"),
                                 tf.keras.layers.Dense(1, name="out")], name="regressor")
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    text = "\n".join(lines)
    return [line.strip() for line in text.splitlines()
            if line.strip().startswith(("Total params", "Trainable params", "Non-trainable",
                                        'Model: "'))]


def _predict_on_batch_and_train_on_batch(tf):
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    first = model.train_on_batch(X[:4], Y[:4])
    second = model.train_on_batch(X[4:], Y[4:], return_dict=True)
    return [tf.constant(first), second, model.predict_on_batch(X[:2]),
            tf.constant(model.test_on_batch(X, Y))]


def _fit_verbose_lines(tf, verbose):
    """What fit prints, its times (which vary) written as T."""
    import contextlib
    import io
    import re
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=verbose)
    text = re.sub(r"\d+(ms|us|s)\b", "T", printed.getvalue())
    return [line.rstrip() for line in text.replace("\r", "\n").splitlines() if line.strip()]


def _model_checkpoint(tf, save_best_only):
    """ModelCheckpoint's files, what it prints, and the weights a fresh model loads back."""
    import contextlib
    import io
    import os
    import tempfile
    directory = tempfile.mkdtemp()
    name = "best.weights.h5" if save_best_only else "w.{epoch:02d}-{val_loss:.2f}.weights.h5"
    path = os.path.join(directory, name)
    model = _regressor(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.2), loss="mse")
    checkpoint = tf.keras.callbacks.ModelCheckpoint(path, monitor="val_loss", verbose=1,
                                                    save_best_only=save_best_only,
                                                    save_weights_only=True)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = model.fit(X, Y, batch_size=4, epochs=4, validation_data=(X[:4], Y[:4]),
                            shuffle=False, verbose=0, callbacks=[checkpoint])
    files = sorted(os.listdir(directory))
    fresh = _regressor(tf)
    fresh.load_weights(os.path.join(directory, files[-1]))
    lines = [line.replace(directory, "DIR") for line in printed.getvalue().splitlines() if line]
    return [tf.constant(history.history["val_loss"]), files, lines, fresh.layers[-1].kernel,
            float(checkpoint.best) if save_best_only else None]


KERAS = {
    "model_checkpoint_best": lambda tf: _model_checkpoint(tf, True),
    "model_checkpoint_every_epoch": lambda tf: _model_checkpoint(tf, False),
    "fit_verbose_2": lambda tf: _fit_verbose_lines(tf, 2),
    "fit_validation_split": _fit_validation_split,
    "fit_dataset_validation_data": _fit_dataset_validation_data,
    "early_stopping": _early_stopping,
    "early_stopping_restores_best": _early_stopping_restores_best,
    "callback_logs": _callback_logs,
    "custom_train_step": _custom_train_step,
    "custom_train_step_own_metrics": _custom_train_step_own_metrics,
    "custom_test_step": _custom_test_step,
    "custom_train_step_sample_weight": _custom_train_step_sample_weight,
    "keras2_train_step": _keras2_train_step,
    "training_loop_from_scratch": _training_loop_from_scratch,
    "training_loop_with_add_loss": _training_loop_with_add_loss,
    "summary": _summary_lines,
    "train_on_batch": _predict_on_batch_and_train_on_batch,
}
for _name, _fn in KERAS.items():
    add_case(f"keras.Model/guide_{_name}", _fn, grad=False, op="fit", rtol=1e-4, atol=1e-5)
def _whole_model_checkpoint(tf):
    import os
    import tempfile
    directory = tempfile.mkdtemp()
    model = _regressor(tf)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[tf.keras.callbacks.ModelCheckpoint(
        os.path.join(directory, "model.keras"))])
    return sorted(os.listdir(directory))


add_case("keras.callbacks.ModelCheckpoint/guide_whole_model", _whole_model_checkpoint,
         grad=False)
add_case("keras.callbacks.ModelCheckpoint/guide_not_a_weights_name",
         lambda tf: tf.keras.callbacks.ModelCheckpoint("weights.h5", save_weights_only=True),
         grad=False)


def _elements(dataset) -> list:
    return [element for element in dataset]


def _spec(spec) -> list:
    return [repr(spec.dtype), spec.shape.as_list() if spec.shape.rank is not None else None]


DATA = {
    "interleave": lambda tf: _elements(tf.data.Dataset.range(1, 4).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2)),
    "interleave_default_block": lambda tf: _elements(tf.data.Dataset.range(3).interleave(
        lambda x: tf.data.Dataset.range(x * 10, x * 10 + 2), cycle_length=3)),
    "padded_batch_padding_values": lambda tf: _elements(tf.data.Dataset.range(1, 5).map(
        lambda x: tf.fill([x], x)).padded_batch(2, padding_values=tf.constant(-1, tf.int64))),
    "padded_batch_shapes": lambda tf: _elements(tf.data.Dataset.range(1, 4).map(
        lambda x: tf.fill([x], x)).padded_batch(2, padded_shapes=[4])),
    "window_flat_map": lambda tf: _elements(tf.data.Dataset.range(6).window(
        3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))),
    "window_stride": lambda tf: _elements(tf.data.Dataset.range(8).window(
        2, shift=3, stride=2).flat_map(lambda w: w.batch(2))),
    "unbatch": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        ([[1, 2], [3, 4]], [[0.5, 1.5], [2.5, 3.5]])).unbatch()),
    "reduce_tuple": lambda tf: tf.data.Dataset.range(5).reduce(
        (np.int64(0), np.int64(1)), lambda state, x: (state[0] + x, state[1] * (x + 1))),
    "enumerate": lambda tf: _elements(tf.data.Dataset.from_tensor_slices([7, 8, 9]).enumerate(
        start=5)),
    "as_numpy_iterator": lambda tf: list(tf.data.Dataset.from_tensor_slices(
        ([1, 2], [[0.5, 1.0], [1.5, 2.0]])).as_numpy_iterator()),
    "as_numpy_iterator_types": lambda tf: [type(e).__name__ for e in tf.data.Dataset.range(
        2).as_numpy_iterator()] + [type(e).__name__ for e in tf.data.Dataset.from_tensor_slices(
            [[1.0, 2.0]]).as_numpy_iterator()],
    "element_spec": lambda tf: [
        _spec(tf.data.Dataset.range(3).element_spec),
        _spec(tf.data.Dataset.range(5).batch(2).element_spec),
        _spec(tf.data.Dataset.range(5).batch(2, drop_remainder=True).element_spec),
        [_spec(s) for s in tf.data.Dataset.from_tensor_slices(
            (np.ones((4, 3), np.float32), np.arange(4))).element_spec],
        _spec(tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32) * 2.0).element_spec),
        _spec(tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32)).batch(
            2).element_spec)],
    "element_spec_of_map_by_value": lambda tf: [
        _spec(tf.data.Dataset.range(4).map(lambda x: tf.fill([x], x)).element_spec),
        _spec(tf.data.Dataset.range(4).map(lambda x: tf.fill([x], x)).padded_batch(
            2).element_spec)],
    "cardinality": lambda tf: [
        tf.data.Dataset.range(10).cardinality(), tf.data.Dataset.range(10).batch(3).cardinality(),
        tf.data.Dataset.range(10).batch(3, drop_remainder=True).cardinality(),
        tf.data.Dataset.range(10).repeat().cardinality(),
        tf.data.Dataset.range(10).filter(lambda x: x > 3).cardinality(),
        tf.data.Dataset.range(10).take(4).skip(1).cardinality(),
        tf.data.experimental.cardinality(tf.data.Dataset.range(6).shuffle(6)),
        tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY,
        tf.data.experimental.INFINITE_CARDINALITY, len(tf.data.Dataset.range(7).batch(2))],
    "len_of_infinite": lambda tf: len(tf.data.Dataset.range(3).repeat()),
    "len_of_unknown": lambda tf: len(tf.data.Dataset.range(3).filter(lambda x: x > 0)),
    "scan": lambda tf: _elements(tf.data.Dataset.range(5).scan(
        np.int64(0), lambda state, x: (state + x, state * 10))),
    "concatenate_skip_take": lambda tf: _elements(tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.range(10, 12)).skip(1).take(3)),
    "get_single_element": lambda tf: tf.data.Dataset.range(4).batch(4).get_single_element(),
    "unique": lambda tf: _elements(tf.data.Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique()),
    "map_prefetch_cache": lambda tf: _elements(tf.data.Dataset.range(4).map(
        lambda x: x * x, num_parallel_calls=tf.data.AUTOTUNE).cache().prefetch(
        tf.data.AUTOTUNE)),
    "repr": lambda tf: [repr(tf.data.Dataset.range(3).element_spec),
                        repr(tf.TensorSpec([None, 2], tf.float32)),
                        repr(tf.data.Dataset.range(3)),
                        str(tf.data.Dataset.from_tensor_slices(([1, 2], [0.5, 1.0])).batch(2)),
                        repr(tf.data.Dataset.range(3).map(lambda x: {"a": x})),
                        repr(tf.data.Dataset.range(4).filter(lambda x: x > 1).take(1))],
}
for _name, _fn in DATA.items():
    add_case(f"data.Dataset/guide_{_name}", _fn, grad=False, op=_name.split("_")[0])
