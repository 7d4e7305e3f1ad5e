"""Whole-model `.keras` files: `model.save` after `fit`, `tf.keras.models.load_model`, the
same predictions bit for bit and training carried on with the optimizer's state, for a
Sequential and a functional model; files Keras 3 wrote (tests/tf_fidelity/data, recorded
by record_saving.py) load with Keras's predictions and continue as Keras continued them;
Keras loaded tapeviz's files and predicted the same. Bad names and models are refused
naming the call, what was expected, what came and the test's line."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised
from tf_fidelity.saving_models import MODELS, X, trained

DATA = pathlib.Path(__file__).resolve().parent / "tf_fidelity" / "data"
RECORDED = json.loads((DATA / "saving.json").read_text())


def _continued(model, y):
    model.fit(X, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("name", MODELS)
def test_a_saved_model_loads_predicting_and_training_on_as_the_original(name, tmp_path):
    tf.keras.backend.clear_session()
    build, y = MODELS[name]
    model = trained(tf, build, y)
    model.save(tmp_path / "model.keras")
    loaded = tf.keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert np.array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    assert type(loaded.optimizer) is type(model.optimizer)
    for ours, theirs in zip(_continued(loaded, y), _continued(model, y)):
        assert np.array_equal(ours, theirs)   # the optimizer's slots carried: bit for bit


@pytest.mark.parametrize("name", MODELS)
def test_a_file_keras_wrote_loads_with_its_predictions_and_optimizer_state(name):
    tf.keras.backend.clear_session()
    keras = RECORDED["models"][name]["keras"]
    loaded = tf.keras.models.load_model(DATA / f"keras_{name}.keras")
    for ours, theirs in zip(loaded.get_weights(), keras["weights"], strict=True):
        np.testing.assert_array_equal(ours, np.array(theirs, np.float32))
    np.testing.assert_allclose(loaded.predict(X, verbose=0),   # tanh's last bit: libm's
                               np.array(keras["predicted"], np.float32), rtol=1e-6, atol=1e-7)
    continued = _continued(loaded, MODELS[name][1])
    assert int(loaded.optimizer.iterations.numpy()) == keras["iterations"]
    for ours, theirs in zip(continued, keras["continued"]):
        np.testing.assert_allclose(ours, np.array(theirs, np.float32), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_keras_loaded_the_file_tapeviz_wrote_and_predicted_as_tapeviz(name):
    tf.keras.backend.clear_session()
    ours = tf.keras.models.load_model(DATA / f"tapeviz_{name}.keras")
    keras = RECORDED["models"][name]["tapeviz"]
    for mine, theirs in zip(ours.get_weights(), keras["weights"], strict=True):
        np.testing.assert_array_equal(mine, np.array(theirs, np.float32))
    np.testing.assert_allclose(ours.predict(X, verbose=0),
                               np.array(keras["predicted"], np.float32), rtol=1e-6, atol=1e-7)
    assert int(ours.optimizer.iterations.numpy()) == keras["iterations"] - 2


def test_a_name_without_keras_suffix_is_refused_and_nothing_is_written(tmp_path):
    tf.keras.backend.clear_session()
    model = trained(tf, *MODELS["sequential"])
    err, line = raised(ValueError, lambda: model.save(tmp_path / "model.h5"))
    assert "save" in str(err) and "`.keras`" in str(err) and "model.h5" in str(err)
    assert_names_this_line(err, line)
    assert list(tmp_path.iterdir()) == []
    model.save(tmp_path / "model.keras")   # the model is unharmed
    assert tf.keras.models.load_model(tmp_path / "model.keras").count_params() == \
        model.count_params()


def test_load_model_of_a_weights_file_is_refused_saying_what_reads_it():
    err, line = raised(ValueError, lambda: tf.keras.models.load_model(
        DATA / "keras_dense.weights.h5"))
    assert "load_model" in str(err) and "keras_dense.weights.h5" in str(err)
    assert "load_weights" in str(err)
    assert_names_this_line(err, line)


def test_a_subclassed_model_is_refused_pointing_to_save_weights(tmp_path):
    class Tiny(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(X)
    err, line = raised(ValueError, lambda: model.save(tmp_path / "tiny.keras"))
    assert "Tiny" in str(err) and "save_weights" in str(err)
    assert_names_this_line(err, line)
    assert list(tmp_path.iterdir()) == []


def test_metric_objects_compiled_are_saved_and_come_back(tmp_path):
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="hits"), "accuracy"])
    model.fit(X, MODELS["sequential"][1], verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = tf.keras.models.load_model(tmp_path / "model.keras")
    logs = loaded.fit(X, MODELS["sequential"][1], verbose=0).history
    assert sorted(logs) == ["accuracy", "hits", "loss"]


def test_an_optimizer_under_a_schedule_is_saved_with_it_and_goes_on_where_it_was(tmp_path):
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    schedule = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
    model.compile(tf.keras.optimizers.SGD(schedule), "mse")
    model.fit(X, MODELS["functional"][1], batch_size=4, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = tf.keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded.optimizer._learning_rate) is type(schedule)
    assert float(loaded.optimizer.learning_rate) == float(model.optimizer.learning_rate)
    for ours, theirs in zip(_continued(loaded, MODELS["functional"][1]),
                            _continued(model, MODELS["functional"][1])):
        assert np.array_equal(ours, theirs)


def test_the_guides_cnn_built_from_input_shape_round_trips(tmp_path):
    tf.keras.backend.clear_session()
    images = np.linspace(0, 1, 8 * 8 * 8, dtype=np.float32).reshape(8, 8, 8, 1)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
        tf.keras.layers.MaxPooling2D(), tf.keras.layers.Flatten(),
        tf.keras.layers.BatchNormalization(), tf.keras.layers.Dense(3)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(images, np.arange(8) % 3, batch_size=4, shuffle=False, verbose=0)
    model.save(tmp_path / "cnn.keras")
    loaded = tf.keras.models.load_model(tmp_path / "cnn.keras")
    assert np.array_equal(loaded.predict(images, verbose=0), model.predict(images, verbose=0))
    for ours, theirs in zip(loaded.get_weights(), model.get_weights(), strict=True):
        assert np.array_equal(ours, theirs)   # the batch norm's moving statistics too


def test_model_checkpoint_saves_the_best_whole_model_which_load_model_reads(tmp_path):
    """Before: ModelCheckpoint("best.keras") (save_weights_only=False, Keras's default) was
    refused when made, since tapeviz wrote no whole model."""
    tf.keras.backend.clear_session()
    build, y = MODELS["sequential"]
    model = trained(tf, build, y)
    best = tf.keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="loss",
                                              save_best_only=True)
    history = model.fit(X, y, epochs=3, batch_size=4, verbose=0, callbacks=[best])
    assert list(tmp_path.iterdir()) == [tmp_path / "best.keras"]
    loaded = tf.keras.models.load_model(tmp_path / "best.keras")
    losses = history.history["loss"]
    assert losses == sorted(losses, reverse=True)   # each epoch improved: the last is saved
    assert np.array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    err, line = raised(ValueError, lambda: tf.keras.callbacks.ModelCheckpoint("best.h5"))
    assert "ModelCheckpoint" in str(err) and "best.h5" in str(err)
    assert "'best.keras'" in str(err) and ".weights.h5" in str(err)
    assert_names_this_line(err, line)
