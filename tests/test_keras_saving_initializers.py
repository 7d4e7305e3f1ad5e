"""Every initializer through a `.keras` file, against Keras 3 (tests/tf_fidelity/data,
recorded by tf_fidelity/record_initializers.py): tapeviz writes each layer's initializer as
Keras wrote it (tf.constant_initializer as TF's own class, by the module and name Keras
loads it by), Keras loaded tapeviz's file, and tapeviz loads Keras's file with each class
and config. Keras 3 loads TF's constant_initializer as its broadcasting Constant, so it
cannot load its own file for values that fill a kernel of more than one row: tapeviz reads
it as the class that wrote it."""
from __future__ import annotations

import json
import pathlib
import zipfile

import numpy as np
import pytest

import tapeviz as tf
from tf_fidelity.saving_initializers import DETERMINISTIC, INITIALIZERS, initialized

DATA = pathlib.Path(__file__).resolve().parent / "tf_fidelity" / "data"
RECORDED = json.loads((DATA / "initializers.json").read_text())
TF_CLASS = "tensorflow.python.ops.init_ops_v2"   # TF 2's own initializers' module


def _given(config: dict) -> dict:
    """A config without the None-valued keys Keras 3 writes and tapeviz's classes lack."""
    return {key: value for key, value in config.items() if value is not None or key == "seed"}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    tf.keras.backend.clear_session()
    path = tmp_path_factory.mktemp("initializers") / "model.keras"
    initialized(tf).save(path)
    layers = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]
    return {layer["config"]["name"]: layer["config"]["kernel_initializer"]
            for layer in layers if layer["class_name"] == "Dense"}


@pytest.mark.parametrize("name", INITIALIZERS)
def test_each_initializer_is_written_as_keras_wrote_it(name, written):
    ours, keras = written[name], RECORDED["keras_wrote"][name]
    assert (ours["class_name"], _given(ours["config"])) == \
        (keras["class_name"], _given(keras["config"]))
    if keras["module"] == TF_CLASS and keras["class_name"] == "Constant":
        assert ours == keras   # the module and registered name Keras 3 loads it by
    else:
        assert ours["module"] in ("keras.initializers", keras["module"])


@pytest.mark.parametrize("name", INITIALIZERS)
def test_keras_loaded_the_file_tapeviz_wrote(name):
    tf.keras.backend.clear_session()
    ours = tf.keras.models.load_model(DATA / "tapeviz_initializers.keras").get_layer(name)
    keras = RECORDED["keras_loaded_tapeviz"][name]
    np.testing.assert_array_equal(ours.kernel.numpy(), np.array(keras["kernel"], np.float32))
    assert _given(keras["initializer"]["config"]) == _given(ours.kernel_initializer.get_config())


@pytest.mark.parametrize("name", INITIALIZERS)
def test_a_file_keras_wrote_loads_with_each_initializer_as_it_was(name):
    tf.keras.backend.clear_session()
    layer = tf.keras.models.load_model(DATA / "keras_initializers.keras").get_layer(name)
    keras = RECORDED["keras_wrote"][name]
    expected = "ConstantInitializer" if (keras["module"], keras["class_name"]) == \
        (TF_CLASS, "Constant") else keras["class_name"]
    assert type(layer.kernel_initializer).__name__ == expected
    assert layer.kernel_initializer.get_config() == _given(keras["config"])
    np.testing.assert_array_equal(layer.kernel.numpy(),
                                  np.array(RECORDED["keras_first_kernels"][name], np.float32))


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_an_initializer_drawing_nothing_gives_keras_first_values(name):
    tf.keras.backend.clear_session()
    layer = initialized(tf).get_layer(name)
    np.testing.assert_array_equal(layer.kernel.numpy(),
                                  np.array(RECORDED["keras_first_kernels"][name], np.float32))


def test_a_constant_initializer_filling_rows_loads_as_it_was_written(tmp_path):
    """Keras 3 refuses its own such file (Constant broadcasts [4] to (2, 2)); tapeviz lays
    the values in order again, as tf.constant_initializer did."""
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(
        2, kernel_initializer=tf.constant_initializer([1.0, 2.0, 3.0, 4.0]))])
    model.save(tmp_path / "model.keras")
    loaded = tf.keras.models.load_model(tmp_path / "model.keras").layers[0]
    assert loaded.kernel_initializer((2, 2)).numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
