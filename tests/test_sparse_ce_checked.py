"""SparseCategoricalCrossentropy(from_logits=True) checks shapes and dtypes once per kind of
call (keras/sparse_ce_checked.py): later calls of that kind skip them, check the values
alone, and run the same ops with the same bits where a tape or a listener sees them."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import arguments
from tapeviz.errors import InvalidArgumentError


def _batch(seed=0, rows=8, classes=5):
    rng = np.random.default_rng(seed)
    return (tf.constant(rng.integers(0, classes, rows)),
            tf.constant(rng.standard_normal((rows, classes), dtype=np.float32)))


def _flags_counted(monkeypatch) -> list:
    """Who called arguments.flag (the loss function's first check, reduce_mean's keepdims)
    from now on."""
    calls = []
    flag = arguments.flag
    def counted(owner, *args, **kwargs):
        calls.append(owner)
        return flag(owner, *args, **kwargs)
    monkeypatch.setattr(arguments, "flag", counted)
    return calls


def _taped(loss_object, labels, logits):
    """The loss, its gradient and the ops a tape recorded (name, scope, input shapes)."""
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = loss_object(labels, logits)
        ops = [(node.op.name, node.scope, tuple(tuple(t.shape) for t in node.inputs))
               for node in tape.nodes]
    return loss, tape.gradient(loss, logits), ops


def test_a_kind_checked_once_is_not_checked_again(monkeypatch):
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    flags = _flags_counted(monkeypatch)
    loss(*_batch(0))
    assert flags == ["sparse_categorical_crossentropy", "reduce_mean"]
    loss(*_batch(1))
    loss(*_batch(2))
    assert len(flags) == 2   # (before: two a call)
    loss(*_batch(3, rows=4))   # another batch size: checked once more
    assert len(flags) == 4


def test_the_checked_path_records_the_same_ops_values_and_gradients():
    labels, logits = _batch(5)
    first = _taped(tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), labels,
                   logits)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss_object(*_batch(6))   # its kind checked: the next call takes the checked path
    again = _taped(loss_object, labels, logits)
    assert again[2] == first[2] and len(first[2]) == 2   # the row and the mean, same scope
    assert again[0].numpy().tobytes() == first[0].numpy().tobytes()
    assert again[1].numpy().tobytes() == first[1].numpy().tobytes()


def test_a_listener_hears_the_same_ops_on_the_checked_path():
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    heard = []
    subscription = tf.subscribe(lambda event: heard.append(event.node.op.name))
    try:
        loss_object(*_batch(7))
        first, heard[:] = list(heard), []
        loss_object(*_batch(8))
    finally:
        tf.unsubscribe(subscription)
    assert heard == first and "reduce_mean" in first


def test_labels_out_of_range_are_refused_on_the_checked_path_from_the_user_s_line():
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    labels, logits = _batch(9)
    loss_object(labels, logits)
    with pytest.raises(InvalidArgumentError) as caught:
        loss_object(tf.constant(labels.numpy() + 1), logits)   # 1-based labels, 5 classes
    message = str(caught.value)
    assert "integer class indices in [0, 5)" in message and "got values from" in message
    assert "1-based" in message and "test_sparse_ce_checked.py" in message


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8", "uint8", "float32"])
@pytest.mark.parametrize("wrong", [-1, 5, -128])
def test_each_label_dtype_refuses_an_index_out_of_range(dtype, wrong):
    rng = np.random.default_rng(12)
    labels = rng.integers(0, 5, 8)
    labels[3] = wrong
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    logits = tf.constant(rng.standard_normal((8, 5), dtype=np.float32))
    loss_object(tf.constant(rng.integers(0, 5, 8).astype(dtype)), logits)   # a kind checked
    if dtype == "uint8" and wrong < 0:
        return   # (no negative uint8)
    with pytest.raises(InvalidArgumentError, match=rf"got values from {min(wrong, 0)}(\.0)? "
                                                   rf"to {max(wrong, 4)}(\.0)?\n"):
        loss_object(tf.constant(labels.astype(dtype)), logits)


def test_probabilities_as_logits_still_warn_on_the_checked_path():
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    labels, logits = _batch(10)
    loss_object(labels, logits)
    with pytest.warns(UserWarning, match="look like probabilities"):
        loss_object(labels, tf.nn.softmax(logits))


@pytest.mark.parametrize("case", ["labels (N, 1)", "float labels", "sample weights",
                                  "float64 logits", "a Variable"])
def test_other_kinds_take_the_full_path_with_its_values(case):
    labels, logits = _batch(11)
    weights = None
    if case == "labels (N, 1)":
        labels = tf.reshape(labels, [-1, 1])
    elif case == "float labels":
        labels = tf.cast(labels, "float32")
    elif case == "sample weights":
        weights = tf.constant(np.linspace(0.5, 1.5, 8, dtype=np.float32))
    elif case == "float64 logits":
        logits = tf.cast(logits, "float64")
    else:
        logits = tf.Variable(logits)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    values = [loss_object(labels, logits, weights).numpy() for _ in range(3)]
    assert not loss_object._checked_kinds
    expected = tf.keras.losses.sparse_categorical_crossentropy(
        tf.reshape(tf.cast(labels, "int64"), [-1]), tf.cast(logits, "float32"), from_logits=True)
    if weights is not None:
        expected = expected * weights
    assert values[0] == values[2]
    np.testing.assert_allclose(values[0], np.mean(expected.numpy()), rtol=1e-6)
