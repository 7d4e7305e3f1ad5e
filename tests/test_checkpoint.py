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


def _trained(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4),
                                 tf.keras.layers.Dense(2)])
    optimizer = tf.keras.optimizers.Adam(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(np.ones((1, 3), np.float32)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
    return model, tf.train.Checkpoint(model=model, optimizer=optimizer).save(
        str(tmp_path / "ckpt"))


def test_a_model_restored_without_its_optimizer_leaves_the_optimizer_values_unused(tmp_path):
    model, path = _trained(tmp_path)
    fresh = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4),
                                 tf.keras.layers.Dense(2)])
    status = tf.train.Checkpoint(model=fresh).restore(path)   # TF 2.21 restores it too
    for saved, restored in zip(model.weights, fresh.weights):
        np.testing.assert_array_equal(restored.numpy(), saved.numpy())
    with pytest.raises(AssertionError, match=r"saved but not restored \['optimizer/iterations'"):
        status.assert_consumed()


def test_a_built_model_smaller_than_the_saved_one_is_said_to_differ(tmp_path):
    _, path = _trained(tmp_path)
    small = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4)])
    before = [w.numpy().copy() for w in small.weights]
    with pytest.raises(ValueError, match=r"Checkpoint.restore: model= has 2 variable\(s\), but "
                                         r"the checkpoint holds values for more: \['model/2', "
                                         r"'model/3'\] have no variable; no variable was changed"
                                         r"(.|\n)*hint: restore into a model built as the saved"):
        tf.train.Checkpoint(model=small).restore(path)
    for old, weight in zip(before, small.weights):
        np.testing.assert_array_equal(weight.numpy(), old)


def test_a_manager_made_again_keeps_managing_the_checkpoints_kept_before(tmp_path):
    def manager():
        return tf.train.CheckpointManager(tf.train.Checkpoint(w=tf.Variable(1.0)), str(tmp_path),
                                          max_to_keep=2)
    first = manager()
    saved = [first.save() for _ in range(2)]
    again = manager()   # a notebook restarted: TF's manager reads every kept path back
    assert again.checkpoints == saved and again.latest_checkpoint == saved[-1]
    again.save(checkpoint_number=3)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-2.npz", "ckpt-3.npz"]
