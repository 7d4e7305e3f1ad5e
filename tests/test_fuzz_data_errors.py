"""tf.data mistakes, swept as test_fuzz_keras_errors sweeps Keras's: a map function that
returns nothing or one dtype or another, a batch of ragged elements, from_tensor_slices of
unequal lengths, concatenate and zip of what does not fit, reduce and scan given a function
of one argument. Each raises an error that names the Dataset method, what it expected and
what came, at the user's line (the case's own line here); after it the dataset gives the
same elements as before, an open GradientTape still gives the gradient of what it recorded,
and a Recorder started before still records.
"""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.data import Dataset, TensorSpec
from tapeviz.debugger import Recorder
from raising import assert_said_at_its_line

NUMBERS = Dataset.range(6)
VECTORS = Dataset.from_tensor_slices(np.arange(6, dtype=np.float64).reshape(3, 2))


def _of_one_dtype_or_another(x):
    return tf.cast(x, tf.float32) if int(x) % 2 else x


def _of_growing_length(x):
    return tf.ones([int(x) + 1])


# name -> (the mistake, one line; the class raised; words the message must hold: who, what
# was expected, what came)
CASES = {
    "concatenate of int64 numbers and float64 numbers": (
        lambda: NUMBERS.concatenate(Dataset.from_tensor_slices(np.ones(3))),
        TypeError, ["concatenate", "int64", "float64", "Incompatible dataset elements"]),
    "concatenate of numbers and pairs": (
        lambda: NUMBERS.concatenate(Dataset.from_tensor_slices(([1, 2], [3, 4]))),
        TypeError, ["concatenate", "one structure", "(TensorSpec("]),
    "concatenate of a list": (
        lambda: NUMBERS.concatenate([6, 7]),
        TypeError, ["concatenate", "a Dataset", "[6, 7] (list)", "from_tensor_slices"]),
    "batch of a map that returns int64 or float32": (
        lambda: list(NUMBERS.map(_of_one_dtype_or_another).batch(2)),
        TypeError, ["batch", "different dtypes", "int64", "float32", "tf.cast"]),
    "batch of ragged elements": (
        lambda: list(NUMBERS.map(_of_growing_length).batch(2)),
        ValueError, ["batch", "different shapes", "(1,)", "(2,)", "padded_batch"]),
    "reduce given a function of the element alone": (
        lambda: NUMBERS.reduce(np.int64(0), lambda x: x),
        ValueError, ["Dataset.reduce", "two arguments, the state and an element",
                     "an int64 tensor of shape ()"]),
    "scan given a function of the element alone": (
        lambda: list(NUMBERS.scan(np.int64(0), lambda x: (x, x))),
        ValueError, ["Dataset.scan", "two arguments"]),
    "reduce given no function": (
        lambda: NUMBERS.reduce(np.int64(0), "sum"),
        ValueError, ["Dataset.reduce", "reduce_func must be a callable", "'sum'"]),
    "map with a function that returns nothing": (
        lambda: list(NUMBERS.map(lambda x: None)),
        ValueError, ["returned None", "the element 0 (int64)", "return"]),
    "map of pairs with a function of one argument": (
        lambda: list(Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda x: x)),
        ValueError, ["2 component(s)", "lambda x, y"]),
    "from_tensor_slices of 3 inputs and 4 labels": (
        lambda: Dataset.from_tensor_slices((np.ones(3), np.ones(4))),
        ValueError, ["from_tensor_slices", "same size along axis 0", "(3,)", "(4,)"]),
    "zip of a dataset and a list": (
        lambda: Dataset.zip((NUMBERS, [1, 2])),
        TypeError, ["zip", "Datasets", "[1, 2] (list)"]),
    "from_generator yielding text where floats were declared": (
        lambda: list(Dataset.from_generator(lambda: iter([1.0, "a"]),
                                            output_signature=TensorSpec((), tf.float32))),
        TypeError, ["from_generator", "yielded 'a' (str)", "tf.float32", "output_signature"]),
    "from_generator yielding a number where pairs were declared": (
        lambda: list(Dataset.from_generator(lambda: iter([(1.0, 2.0), 3.0]),
                                            output_types=(tf.float32, tf.float32))),
        ValueError, ["from_generator", "yielded 3.0 (float)", "structure",
                     "(tf.float32, tf.float32)"]),
    "filter with a predicate that returns a number": (
        lambda: list(NUMBERS.filter(lambda x: x)),
        ValueError, ["Dataset.filter", "one bool", "int64"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_dataset_mistake_is_said_at_its_line_and_leaves_everything_working(name):
    mistake, kind, words = CASES[name]
    before = [x.numpy().tolist() for x in NUMBERS]
    w = tf.Variable([1.0, 2.0])
    recorder = Recorder().start()
    try:
        with tf.GradientTape() as tape:
            recorded = tf.reduce_sum(w * w)
            with pytest.raises(kind) as refused:
                mistake()
        assert_said_at_its_line(refused.value, mistake, words)
        # nothing left broken: the dataset, the tape, the Recorder
        assert [x.numpy().tolist() for x in NUMBERS] == before
        assert int(NUMBERS.reduce(np.int64(0), lambda total, x: total + x)) == 15
        assert tape.gradient(recorded, w).numpy().tolist() == [2.0, 4.0]
        assert recorder.recording and recorder.last_step is not None
    finally:
        recorder.stop()


def test_a_concatenation_of_other_sizes_has_none_there_in_its_spec_as_tf():
    """Its spec was the first dataset's, (2,), for elements of sizes 2 and 3."""
    longer = Dataset.from_tensor_slices(np.ones((2, 3)))
    joined = VECTORS.concatenate(longer)
    assert joined.element_spec == TensorSpec((None,), tf.float64)
    assert [x.shape for x in joined] == [(2,)] * 3 + [(3,)] * 2
    assert VECTORS.concatenate(Dataset.from_tensor_slices(np.ones((2, 2, 2)))).element_spec \
        == TensorSpec(None, tf.float64)
    assert VECTORS.concatenate(VECTORS).element_spec == TensorSpec((2,), tf.float64)


def test_a_concatenation_with_an_empty_dataset_takes_the_other_spec():
    empty = VECTORS.take(0)
    assert empty.concatenate(VECTORS).element_spec == TensorSpec((2,), tf.float64)
    assert len(list(empty.concatenate(VECTORS))) == 3


def test_an_epoch_that_raised_mid_way_leaves_the_dataset_whole_for_the_next():
    """A map that raises at its third element: the pass says so where it stopped; the next
    pass makes every element again, the one that raised too."""
    calls = []

    def flaky(x):
        calls.append(int(x))
        if len(calls) == 3:
            raise ValueError("a file that could not be read")
        return x * 2

    doubled = NUMBERS.map(flaky)
    iterator = iter(doubled)
    seen = []
    with pytest.raises(ValueError, match="could not be read"):
        for x in iterator:
            seen.append(int(x))
    assert seen == [0, 2]
    with pytest.raises(RuntimeError, match="ended at its element"):
        next(iterator)
    assert [int(x) for x in doubled] == [0, 2, 4, 6, 8, 10]
