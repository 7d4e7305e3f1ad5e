"""Weights files Keras 3 and tapeviz both read (weights_h5.py): a `.weights.h5` file Keras
3 wrote (tests/tf_fidelity/data, recorded by tests/tf_fidelity/record_weights.py under TF
2.21) loads into tapeviz's model and gives Keras's logits; the file tapeviz writes is the
one Keras loaded there (same groups, names and values) and gave tapeviz's logits. A
numpy archive that tapeviz once wrote under the name still loads; a file that does not
fit the model is refused, naming what differs, before any weight changes."""
from __future__ import annotations

import json
import pathlib

import h5py
import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised
from tf_fidelity.weights_models import MODELS, example_input, fixed_weights

DATA = pathlib.Path(__file__).resolve().parent / "tf_fidelity" / "data"
RECORDED = json.loads((DATA / "weights_files.json").read_text())


def _model(name):
    build, _ = MODELS[name]
    tf.keras.backend.clear_session()
    return build(tf)


def _logits(model, name):
    return model(example_input(MODELS[name][1]), training=False).numpy()


@pytest.mark.parametrize("name", MODELS)
def test_a_file_keras_wrote_gives_keras_logits(name):
    model = _model(name)
    model.load_weights(DATA / f"keras_{name}.weights.h5")
    expected = np.array(RECORDED["models"][name]["logits_of_keras_file"], np.float32)
    np.testing.assert_allclose(_logits(model, name), expected, rtol=1e-5, atol=1e-5)


def _contents(path) -> dict:
    """Every group's and dataset's path in the file, with its attributes and values."""
    found = {}
    with h5py.File(path, "r") as file:
        file.visititems(lambda key, item: found.__setitem__(
            key, (dict(item.attrs), np.asarray(item).tolist()
                  if isinstance(item, h5py.Dataset) else None)))
    return found


@pytest.mark.parametrize("name", MODELS)
def test_the_file_tapeviz_writes_is_the_one_keras_loaded(name, tmp_path):
    model = _model(name)
    model.set_weights(fixed_weights(model))
    model.save_weights(tmp_path / "m.weights.h5")
    assert (tmp_path / "m.weights.h5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert _contents(tmp_path / "m.weights.h5") == _contents(DATA / f"tapeviz_{name}.weights.h5")
    expected = np.array(RECORDED["models"][name]["keras_logits_of_tapeviz_file"], np.float32)
    np.testing.assert_allclose(_logits(model, name), expected, rtol=1e-5, atol=1e-5)


def test_a_numpy_archive_tapeviz_once_wrote_as_weights_h5_still_loads(tmp_path):
    model, other = _model("dense"), _model("dense")
    model.set_weights(fixed_weights(model))
    with open(tmp_path / "old.weights.h5", "wb") as file:   # what save_weights wrote before
        np.savez(file, *model.get_weights())
    other.load_weights(tmp_path / "old.weights.h5")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), other.get_weights()))


def test_a_file_of_another_model_is_refused_naming_the_layer_and_nothing_changes():
    model = _model("cnn")
    before = model.get_weights()
    err, line = raised(ValueError, lambda: model.load_weights(DATA / "keras_dense.weights.h5"))
    assert "holds 0 variables for 'conv2d' at 'layers/conv2d/vars'; the model's 'conv2d' " \
           "has 2" in str(err)
    assert_names_this_line(err, line)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_an_unbuilt_model_is_told_to_build_first():
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.layers.Dense(4), tf.keras.layers.Dense(1)])
    err, _ = raised(ValueError, lambda: model.load_weights(DATA / "keras_dense.weights.h5"))
    assert "the model's 'dense' has 0" in str(err)
    assert err.hint == "build the model first: model.build(input_shape), or call it on a batch"


def test_a_cut_short_hdf5_file_is_refused_saying_so_and_nothing_changes(tmp_path):
    path = tmp_path / "cut.weights.h5"
    path.write_bytes((DATA / "keras_dense.weights.h5").read_bytes()[:200])
    model = _model("dense")
    before = model.get_weights()
    err, line = raised(ValueError, lambda: model.load_weights(path))
    assert str(err).startswith(f"load_weights: {path} starts as an HDF5 file but h5py cannot "
                               f"read it: ")
    assert_names_this_line(err, line)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
