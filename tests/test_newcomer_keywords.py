"""A Keras training call given a misspelt keyword: Keras 3's compile, fit and predict take no
keyword they do not name (TF 2.21 raises TypeError), and tapeviz's took any into **kwargs,
so `fit(x, y, epoch=5)` trained one epoch and said nothing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import InvalidArgumentTypeError

X = np.ones((4, 2), np.float32)


@pytest.fixture
def model():
    built = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    built.build((None, 2))
    return built


@pytest.mark.parametrize("call, given, meant", [
    (lambda m: m.compile(optimiser="adam", loss="mse"), "optimiser='adam'", "optimizer='adam'"),
    (lambda m: m.compile(optimizer="adam", loss="mse", metric=["mae"]), "metric=['mae']",
     "metrics=['mae']"),
    (lambda m: m.fit(X, X, epoch=3, verbose=0), "epoch=3", "epochs=3"),
    (lambda m: m.evaluate(X, X, batchsize=2, verbose=0), "batchsize=2", "batch_size=2"),
    (lambda m: m.predict(X, verbos=0), "verbos=0", "verbose=0"),
], ids=["compile-optimiser", "compile-metric", "fit-epoch", "evaluate-batchsize",
        "predict-verbos"])
def test_a_misspelt_keyword_names_the_call_the_word_and_the_one_meant(model, call, given,
                                                                      meant):
    model.compile(optimizer="sgd", loss="mse")   # compile's cases: refused on a compiled one
    kernel = model.layers[0].kernel.numpy().copy()
    with pytest.raises(InvalidArgumentTypeError) as info:
        call(model)
    message = str(info.value)
    assert f"keyword argument not understood: {given}" in message
    assert f"did you mean {meant}?" in message
    assert "test_newcomer_keywords.py" in message   # the user's line
    assert isinstance(info.value, TypeError)   # as TF's binding raises it
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), kernel)   # nothing trained


def test_a_misspelt_compile_keyword_leaves_the_model_as_it_was(model):
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(InvalidArgumentTypeError):
        model.compile(optimiser="adam", loss="mae")
    assert type(model.optimizer).__name__ == "SGD" and model.loss == "mse"


def test_keywords_close_to_none_still_pass_as_before(model):
    """Keras 2's fit took workers= and use_multiprocessing=; Keras 3's compile jit_compile=:
    programs written for them still run."""
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    history = model.fit(X, X, epochs=2, verbose=0, workers=2, use_multiprocessing=True)
    assert len(history.history["loss"]) == 2
    assert model.predict(X, verbose=0, max_queue_size=4).shape == (4, 2)


@pytest.mark.parametrize("call, given, meant", [
    (lambda x: tf.nn.relu(x, nmae="r"), "nmae='r'", "did you mean name='r'?"),
    (lambda x: tf.clip_by_value(x, clip_min=0.0, clip_max=1.0), "clip_min=0.0",
     "did you mean clip_value_min=0.0?"),
    (lambda x: tf.square(x, nmae="s"), "nmae='s'", "did you mean name='s'?"),
    (lambda x: tf.nn.relu(x, alpha=0.2), "alpha=0.2", "relu's keyword arguments: name"),
], ids=["relu-nmae", "clip-clip_min", "square-nmae", "relu-alpha"])
def test_an_op_given_a_keyword_it_lacks_names_it_and_the_one_meant_not_a_dtype_error(call,
                                                                                    given,
                                                                                    meant):
    """tf.nn.relu(x, nmae='r') raised DTypeError 'relu: _kinds_only.<locals>.checked() got
    an unexpected keyword argument 'nmae'; got float32[2]': a dtype error, in the words of
    tapeviz's internal function."""
    with pytest.raises(InvalidArgumentTypeError) as info:
        call(tf.constant([1.0, -2.0]))
    message = str(info.value)
    assert f"keyword argument not understood: {given}" in message and meant in message
    assert "<locals>" not in message and "dtype" not in message
    assert "test_newcomer_keywords.py" in message


def test_a_model_called_with_a_misspelt_training_keyword_says_training_was_meant():
    """model(x, trainng=True) was Python's 'Sequential.call() got an unexpected keyword
    argument 'trainng'', no layer name, no line, no word meant."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(2), tf.keras.layers.Dropout(0.5)])
    with pytest.raises(InvalidArgumentTypeError) as info:
        model(X, trainng=True)
    message = str(info.value)
    assert "(Sequential): keyword argument not understood: trainng=True" in message
    assert "did you mean training=True?" in message
    assert "test_newcomer_keywords.py" in message
    assert model(X, training=True).shape == (4, 2)   # the right word still works


def test_a_type_error_inside_a_layers_own_call_is_not_taken_for_a_misspelt_keyword():
    class Typed(tf.keras.layers.Layer):
        def call(self, inputs, scale=0.5):
            return len(scale)   # TypeError raised inside call, not by its binding

    with pytest.raises(TypeError, match="has no len"):
        Typed()(X, scale=2.0)
