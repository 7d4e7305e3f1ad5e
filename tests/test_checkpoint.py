"""tf.train.Checkpoint: what restore says when it cannot put values back, and its status."""
import os

import numpy as np
import pytest

import tapeviz as tf


def _model():
    return tf.keras.Sequential([tf.keras.layers.Dense(2), tf.keras.layers.Dense(1)])


def test_restoring_into_a_model_not_yet_built_says_to_build_it_first(tmp_path):
    built = _model()
    built.build((None, 3))
    path = tf.train.Checkpoint(model=built).save(str(tmp_path / "ckpt"))
    with pytest.raises(ValueError, match=r"Checkpoint.restore: the checkpoint holds \['model/0'"
                                         r".*\n.*\n.*\n  hint: build the model before restoring"):
        tf.train.Checkpoint(model=_model()).restore(path)


def test_the_status_says_what_was_left_unmatched(tmp_path):
    path = tf.train.Checkpoint(w=tf.Variable(1.0)).save(str(tmp_path / "ckpt"))
    other = tf.Variable([2.0, 3.0])
    status = tf.train.Checkpoint(w=tf.Variable(0.0), other=other).restore(path)
    with pytest.raises(AssertionError, match=r"left as they were \['other'\]"):
        status.assert_consumed()
    assert status.expect_partial() is status
    np.testing.assert_array_equal(other.numpy(), [2.0, 3.0])
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-1.npz"]


def test_a_checkpoint_refuses_what_holds_no_variables():
    with pytest.raises(ValueError, match="Checkpoint: data= must be a Variable, a model or "
                                         "layer, a tf.Module or an optimizer; got"):
        tf.train.Checkpoint(data=[1.0, 2.0])


def test_save_makes_the_prefix_directory_as_tf_does(tmp_path):
    path = tf.train.Checkpoint(w=tf.Variable(1.0)).save(str(tmp_path / "new" / "deeper" / "ckpt"))
    assert sorted(os.listdir(tmp_path / "new" / "deeper")) == ["checkpoint", "ckpt-1.npz"]
    assert tf.train.latest_checkpoint(str(tmp_path / "new" / "deeper")) == path


def test_a_mismatched_model_is_named_and_left_as_it_was(tmp_path):
    saved = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4),
                                 tf.keras.layers.Dense(2)])
    path = tf.train.Checkpoint(model=saved).save(str(tmp_path / "ckpt"))
    other = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4),
                                 tf.keras.layers.Dense(5)])
    before = [w.numpy().copy() for w in other.weights]
    with pytest.raises(ValueError, match=r"Checkpoint.restore: model/2: the checkpoint's value "
                                         r"has shape \(4, 2\), the variable .*kernel.* \(4, 5\)"
                                         r"; no variable was changed"):
        tf.train.Checkpoint(model=other).restore(path)
    for old, weight in zip(before, other.weights):
        np.testing.assert_array_equal(weight.numpy(), old)
