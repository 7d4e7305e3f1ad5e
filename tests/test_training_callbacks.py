"""EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN and LambdaCallback
steer fit as Keras 3's do (their rules read from keras/src/callbacks)."""
import numpy as np
import pytest

import tapeviz as tf


def _model(learning_rate=0.1, metrics=()):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate), loss="mse",
                  metrics=list(metrics))
    return model


X, Y = np.ones((8, 2), np.float32), np.full(8, 3.0, np.float32)


def test_early_stopping_waits_patience_epochs_then_restores_the_best_weights():
    model = _model(learning_rate=0.5)   # diverges: the loss grows from the first epoch
    stop = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=2,
                                            restore_best_weights=True)
    history = model.fit(X, Y, epochs=20, callbacks=[stop], verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 3 and stop.stopped_epoch == 2 and model.stop_training
    assert stop.best == min(losses) and stop.best_epoch == int(np.argmin(losses))
    best = model.evaluate(X, Y, verbose=0)
    assert np.isclose(best, min(losses), rtol=1e-3) or best < losses[-1]


def test_early_stopping_mode_auto_maximises_accuracy_and_refuses_an_unknown_metric():
    model = _model(metrics=["mae"])
    stop = tf.keras.callbacks.EarlyStopping(monitor="val_mae")
    model.fit(X, Y, epochs=1, validation_data=(X, Y), callbacks=[stop], verbose=0)
    assert stop.monitor_op(1.0, 2.0)   # mae: lower is better
    classifier = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(2)])
    classifier.compile(optimizer="sgd", metrics=["accuracy"],
                       loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    up = tf.keras.callbacks.EarlyStopping(monitor="accuracy")
    classifier.fit(X, np.zeros(8, np.int32), epochs=1, callbacks=[up], verbose=0)
    assert up.monitor_op(2.0, 1.0)
    unknown = tf.keras.callbacks.EarlyStopping(monitor="val_score")
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        model.fit(X, Y, epochs=1, callbacks=[unknown], verbose=0)


def test_a_missing_monitor_warns_with_the_logs_it_has():
    stop = tf.keras.callbacks.EarlyStopping(monitor="val_loss", mode="min")
    with pytest.warns(UserWarning, match="`val_loss` which is not available. Available "
                                         "metrics are: loss") as caught:
        _model().fit(X, Y, epochs=1, callbacks=[stop], verbose=0)
    assert [w.filename for w in caught] == [__file__]   # the user's fit line, not tapeviz's


def test_learning_rate_scheduler_sets_the_rate_and_logs_it():
    model = _model(learning_rate=0.1)
    halve = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)
    history = model.fit(X, Y, epochs=3, callbacks=[halve], verbose=0)
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025, 0.0125],
                               rtol=1e-6)
    by_epoch = tf.keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    model.fit(X, Y, epochs=2, callbacks=[by_epoch], verbose=0)   # Keras's old one-argument form
    assert np.isclose(float(model.optimizer.learning_rate.numpy()), 0.02)
    as_tensor = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: tf.constant(0.1))
    with pytest.raises(ValueError, match="output of the `schedule` function should be a float"):
        model.fit(X, Y, epochs=1, callbacks=[as_tensor], verbose=0)


def test_reduce_lr_on_plateau_multiplies_the_rate_once_patience_runs_out():
    model = _model(learning_rate=0.5)   # the loss only grows
    reduce = tf.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    history = model.fit(X, Y, epochs=3, callbacks=[reduce], verbose=0)
    assert history.history["learning_rate"][0] == pytest.approx(0.5)
    assert float(model.optimizer.learning_rate.numpy()) < 0.5
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        tf.keras.callbacks.ReduceLROnPlateau(factor=2.0)


def test_terminate_on_nan_stops_at_the_first_nan_batch_and_lambda_callbacks_run(capsys):
    model = _model()
    ends = []
    watch = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(epoch))
    bad = np.array(X)
    bad[0, 0] = np.nan
    model.fit(bad, Y, epochs=3, batch_size=4, verbose=0, shuffle=False,
              callbacks=[tf.keras.callbacks.TerminateOnNaN(), watch])
    assert model.stop_training and ends == [0]
    assert capsys.readouterr().out == "Batch 0: Invalid loss, terminating training\n"


def test_a_callback_subclass_gets_keras_hooks_batch_aliases_and_params():
    class Seen(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches, self.params_seen = [], None

        def on_batch_end(self, batch, logs=None):   # the older name: fit calls it, as Keras does
            self.batches.append((batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            self.params_seen = dict(self.params)

    seen = Seen()
    _model().fit(X, Y, batch_size=4, epochs=2, callbacks=[seen], verbose=0)
    assert seen.batches == [(0, ["loss"]), (1, ["loss"])] * 2
    assert seen.params_seen == {"verbose": 0, "epochs": 2, "steps": 2}


def test_lambda_callback_takes_the_older_batch_hook_names():
    ends = []
    hooks = tf.keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: ends.append(batch))
    _model().fit(X, Y, batch_size=4, epochs=1, callbacks=[hooks], verbose=0)
    assert ends == [0, 1]


def test_learning_rate_scheduler_keeps_a_type_error_from_inside_the_schedule():
    def schedule(epoch, lr):
        return lr * [0.5]   # the user's own bug: Keras retries schedule(epoch) and hides it

    with pytest.raises(TypeError, match="can't multiply sequence"):
        _model().fit(X, Y, epochs=1, verbose=0,
                     callbacks=[tf.keras.callbacks.LearningRateScheduler(schedule)])


def test_learning_rate_scheduler_returning_a_tensor_names_the_schedule_line():
    schedule = lambda epoch, lr: lr * tf.math.exp(-0.1)   # noqa: E731 (TF's docs' example)
    line = schedule.__code__.co_firstlineno
    with pytest.raises(ValueError, match="should be a float. Got: a float32 tensor of shape") \
            as error:
        _model().fit(X, Y, epochs=1, verbose=0,
                     callbacks=[tf.keras.callbacks.LearningRateScheduler(schedule)])
    assert f"test_training_callbacks.py:{line}" in str(error.value)
    assert "float(...)" in str(error.value)


def test_fit_leaves_its_history_on_the_model_as_keras_does():
    model = _model()
    history = model.fit(X, Y, epochs=2, verbose=0)
    assert model.history is history and history.epoch == [0, 1]
    assert len(model.history.history["loss"]) == 2


def test_a_history_given_is_the_one_fit_fills_and_returns():
    model, history = _model(), tf.keras.callbacks.History()
    assert model.fit(X, Y, epochs=2, callbacks=[history], verbose=0) is history
    assert model.fit(X, Y, epochs=1, callbacks=[history], verbose=0) is history
    assert history.epoch == [0] and len(history.history["loss"]) == 3   # Keras: logs add up
    assert history.params == {"verbose": 0, "epochs": 1, "steps": 1}


def test_terminate_on_nan_with_raise_error_raises_at_the_batch():
    bad = np.array(X)
    bad[4, 0] = np.nan
    ends = []
    watch = tf.keras.callbacks.LambdaCallback(on_train_end=lambda logs: ends.append(logs))
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        _model().fit(bad, Y, epochs=2, batch_size=4, verbose=0, shuffle=False,
                     callbacks=[tf.keras.callbacks.TerminateOnNaN(raise_error=True), watch])
    assert ends == []   # Keras: raise_error bypasses the other callbacks' on_train_end
