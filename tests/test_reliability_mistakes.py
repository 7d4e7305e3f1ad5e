"""A new user's mistakes made on purpose, as a notebook makes them: each error names the
call, what it expected, what came and the user's own line, and leaves the model, the
variables and the tape usable. Where tapeviz follows TensorFlow (whether it raises, and
what), each test's docstring says what TF 2.21 does with the same code."""
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
