"""A new user's mistakes made on purpose, as a notebook makes them: each error names the
call, what it expected, what came and the user's own line, and leaves the model, the
variables and the tape usable. Where tapeviz follows TensorFlow (whether it raises, and
what), each test's docstring says what TF 2.21 does with the same code."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import OpError


def raised(kind, run):
    """The error `run()` raises, and the line of `run`'s own code (the user's line)."""
    with pytest.raises(kind) as caught:
        run()
    return caught.value, run.__code__.co_firstlineno


def assert_at_line(err, line):
    assert isinstance(err, OpError), type(err)
    assert (err.source.filename, err.source.lineno) == (__file__, line), err.source


def compiled_model():
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    return model


@pytest.mark.parametrize("given", ["dataset", "generator"])
@pytest.mark.parametrize("call", ["train_on_batch", "test_on_batch"])
def test_one_batch_given_a_dataset_says_it_takes_one_batch(call, given):
    """numpy's 'setting an array element with a sequence' (a Dataset) or 'len() of unsized
    object' (a generator) came out of train_on_batch before. TF's train_on_batch refuses a
    Dataset too (ValueError: 'Only input tensors may be passed as positional arguments')."""
    model = compiled_model()
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(2) if given == "dataset" else \
        (batch for batch in [(x, y)])
    err, line = raised(ValueError, lambda: getattr(model, call)(data))
    assert str(err).startswith(f"{call}: x must be one batch: a numpy array, a tensor or a "
                               "list of them (one per input); got ")
    assert "(Dataset)" in str(err) if given == "dataset" else "(generator)" in str(err)
    assert "next(iter(data))" in err.hint
    assert_at_line(err, line)
    assert np.isfinite(getattr(model, call)(x, y))   # the model still takes a batch


ROWS = np.random.default_rng(0).normal(size=(32,)).astype(np.float32)       # labels (32,)
COLUMN = np.random.default_rng(1).normal(size=(32, 1)).astype(np.float32)   # outputs (32, 1)


@pytest.mark.parametrize("loss", ["mean_squared_error", "mean_absolute_error", "huber",
                                  "log_cosh", "cosine_similarity"])
@pytest.mark.parametrize("order", ["labels_first", "outputs_first"])
def test_a_loss_function_of_labels_n_against_outputs_n_1_compares_them_row_by_row(loss, order):
    """TF 2.21 (Keras 3) first matches the ranks of a (32,) and a (32, 1) in these five loss
    functions (`squeeze_or_expand_to_same_rank`): `tf.keras.losses.get('mse')(y, p)` is
    (32,) per-example errors, 0.2644 on TF's side in our comparison, not the (32, 32)
    outer difference's row means (0.3320) tapeviz computed, with a warning, before."""
    fn = tf.keras.losses.get(loss)
    pair = (ROWS, COLUMN) if order == "labels_first" else (COLUMN, ROWS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # nothing to warn of: no (32, 32) is made
        per_example = fn(*pair)
    assert per_example.shape == (32,)
    matched = (ROWS[:, None], COLUMN) if order == "labels_first" else (COLUMN, ROWS[:, None])
    np.testing.assert_allclose(per_example.numpy(), fn(*matched).numpy(), rtol=1e-6)


def test_binary_crossentropy_of_labels_n_against_outputs_n_1_is_refused_as_tf_refuses_it():
    """TF 2.21 raises ValueError 'Arguments `target` and `output` must have the same rank
    (ndim). Received: target.shape=(32,), output.shape=(32, 1)' from the function (its class
    squeezes the 1 first); tapeviz broadcast them to (32, 32) and returned a wrong loss."""
    labels = (ROWS > 0).astype(np.float32)
    err, line = raised(ValueError, lambda: tf.keras.losses.binary_crossentropy(labels, COLUMN))
    assert str(err).startswith("binary_crossentropy: y_true and y_pred must have the same "
                               "rank; got y_true (32,) and y_pred (32, 1)")
    assert "BinaryCrossentropy()" in err.hint
    assert_at_line(err, line)
    by_class = tf.keras.losses.BinaryCrossentropy(from_logits=True)(labels, COLUMN)
    expected = tf.reduce_mean(tf.keras.losses.binary_crossentropy(labels[:, None], COLUMN,
                                                                  from_logits=True))
    np.testing.assert_allclose(by_class.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make, weight", [
    (lambda: tf.keras.layers.Dense(3), "kernel"), (lambda: tf.keras.layers.Dense(3), "bias"),
    (lambda: tf.keras.layers.Conv2D(2, 3), "kernel"),
    (lambda: tf.keras.layers.Embedding(10, 3), "embeddings")], ids=["dense_kernel",
                                                                   "dense_bias", "conv_kernel",
                                                                   "embedding"])
def test_a_weight_read_before_the_layer_is_built_says_to_call_or_build_it(make, weight):
    """TF 2.21: AttributeError 'You must build the layer before accessing `kernel`.' (Dense's
    bias, Python's plain one); tapeviz said only "'Dense' object has no attribute 'kernel'"."""
    layer = make()
    err, line = raised(AttributeError, lambda: getattr(layer, weight))
    cls = type(layer).__name__
    assert str(err).startswith(f"{cls}.{weight}: layer {layer.name!r} is not built yet: Keras "
                               "makes its weights when it is first called")
    assert "layer.build(" in err.hint
    assert_at_line(err, line)
    assert not hasattr(layer, weight) and layer.weights == []   # a probe: False, as before
    layer(np.zeros((1, 4, 4, 1) if cls == "Conv2D" else (1, 4), np.float32))
    assert any(made is getattr(layer, weight) for made in layer.weights)


def _model_of_dense(declared):
    dense = tf.keras.layers.Dense(2)
    if declared == "functional":
        inputs = tf.keras.Input((4,))
        return tf.keras.Model(inputs, dense(inputs))
    model = tf.keras.Sequential(([tf.keras.Input((4,))] if declared == "input" else []) + [dense])
    if declared == "first_call":
        model(np.ones((2, 4), np.float32))
    return model


@pytest.mark.parametrize("declared", ["input", "first_call", "functional"])
def test_a_model_called_with_an_input_of_another_rank_says_the_shape_it_was_built_for(declared):
    """TF 2.21 raises ValueError 'Invalid input shape for input ... Expected shape (None, 4),
    but input has incompatible shape (2, 1, 4)' (Keras 3's Functional `_adjust_input_rank`,
    which a built Sequential runs too); tapeviz ran Dense over the extra axis and returned
    (2, 1, 2), and `fit` on such data trained on an (8, 8, 2)-broadcast loss."""
    model = _model_of_dense(declared)
    err, line = raised(ValueError, lambda: model(np.ones((2, 1, 4), np.float32)))
    assert str(err).startswith(f'layer "{model.name}" ({type(model).__name__}): expected an '
                               "input of shape (None, 4); got shape (2, 1, 4)")
    assert "tf.reshape(x, (-1, 4))" in err.hint
    assert_at_line(err, line)
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"expected an input of shape \(None, 4\)"):
        model.fit(np.ones((8, 1, 4), np.float32), np.ones((8, 2), np.float32), verbose=0)
    assert model(np.ones((3, 4), np.float32)).shape == (3, 2)   # the model still works


def test_a_model_takes_an_extra_trailing_axis_of_one_as_tf_does():
    """TF 2.21 squeezes an input's extra trailing 1: (2, 4, 1) into an Input((4,)) (Keras 3's
    `_adjust_input_rank`); tapeviz's Dense refused it, built for 4 features and fed 1."""
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    columns = np.arange(8, dtype=np.float32).reshape(2, 4, 1)
    np.testing.assert_allclose(model(columns).numpy(), model(columns[..., 0]).numpy())
