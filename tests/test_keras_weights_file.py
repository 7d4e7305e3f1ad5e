"""save_weights' and load_weights' file names as Keras 3 takes them (weights_file.py): a name
Keras 3 refuses is refused with its words, at the user's line, before any file is written.
The HDF5 format itself: test_keras_weights_h5.py."""
import os

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


def _model():
    return tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])


@pytest.mark.parametrize("name", ["w.h5", "w.keras", "w.npz", "w.hdf5"])
def test_a_name_keras_3_refuses_is_refused_with_its_words_and_nothing_is_written(tmp_path, name):
    model = _model()
    err, line = raised(ValueError, lambda: model.save_weights(tmp_path / name))
    assert str(err).startswith(f"save_weights: The filename must end in `.weights.h5`. "
                               f"Received: filepath={tmp_path / name}")
    assert err.hint == f"name it {tmp_path / 'w'}.weights.h5"
    assert_names_this_line(err, line)
    assert os.listdir(tmp_path) == []


def test_weights_h5_and_a_checkpoint_prefix_round_trip(tmp_path):
    model, other = _model(), _model()
    for name, written in (("w.weights.h5", "w.weights.h5"), ("ckpt", "ckpt.npz")):
        model.save_weights(tmp_path / name)
        assert (tmp_path / written).exists()
        other.load_weights(tmp_path / name)
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(),
                                                        other.get_weights()))

