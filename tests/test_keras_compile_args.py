"""compile and fit arguments a student types from the lectures (class_weight,
weighted_metrics, loss_weights), beyond what tests/tf_fidelity compares with TF: the
refusals name the argument, what to do and the user's line."""
import numpy as np
import pytest

import tapeviz as tf

X = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
Y = np.array([0, 1, 2, 1, 0, 2, 2, 1], np.int64)


def _classifier(**compile_args):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        3, activation="softmax", kernel_initializer="ones")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy", **compile_args)
    return model


def test_class_weight_with_a_dataset_is_refused_saying_how_to_weigh_the_elements():
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    with pytest.raises(ValueError) as raised:
        _classifier().fit(dataset, class_weight={0: 2.0}, verbose=0)   # this line
    message = str(raised.value)
    assert "class_weight with a Dataset is not covered" in message
    assert "tf.gather(weights, y)" in message and "test_keras_compile_args.py" in message


def test_class_weight_weighs_the_loss_not_the_compiled_metrics():
    weighted = _classifier(metrics=["accuracy"])
    plain = _classifier(metrics=["accuracy"])
    zero_for_class_1 = {0: 1.0, 1: 0.0, 2: 1.0}
    logs = weighted.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0,
                        class_weight=zero_for_class_1).history
    logs_plain = plain.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    assert logs["accuracy"] == logs_plain["accuracy"]   # the same predictions, unweighted
    assert logs["loss"] != logs_plain["loss"]


def test_an_integer_loss_weight_is_refused_as_keras_3_refuses_it():
    with pytest.raises(ValueError, match="compile: .*loss_weights.*a float"):
        _classifier(loss_weights=2)


def test_a_recurrent_layers_cell_holds_its_weights():
    layer = tf.keras.layers.SimpleRNN(4)
    layer(tf.zeros((1, 2, 3)))
    assert layer.cell.recurrent_kernel is layer.recurrent_kernel
    assert layer.cell.units == 4
