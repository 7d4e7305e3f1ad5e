"""The functional API's errors: what a layer refuses when called on KerasTensors is said with
the shapes the user's code gave (the layer saw examples of batch 1)."""
import pytest

import tapeviz as tf


def test_a_layer_refusing_keras_tensors_names_their_shapes_with_the_batch_axis_none():
    features = tf.keras.Input(shape=(3,))
    counts = tf.keras.Input(shape=(4,))
    with pytest.raises(tf.ShapeError) as caught:
        tf.keras.layers.Concatenate(axis=0)([features, counts])
    message = str(caught.value)
    assert 'layer "concatenate' in message and "(None, 3), (None, 4)" in message
    assert "test_keras_functional.py" in message   # the user's line


def test_a_layer_never_called_on_an_input_has_no_output_and_says_why():
    layer = tf.keras.layers.Dense(2)
    layer(tf.ones([1, 3]))
    assert not hasattr(layer, "output")
    with pytest.raises(AttributeError, match="never called on a tf.keras.Input"):
        print(layer.output)
