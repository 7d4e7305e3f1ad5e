"""tf.data's count arguments as TF's int64 kernels take them (data/cardinality.py), and
`tf.data.experimental.assert_cardinality` checked as the dataset is iterated."""
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


def test_an_int32_tensor_count_is_refused_naming_the_argument_its_dtype_and_the_fix():
    rows = tf.shape(tf.ones([3, 2]))[0]   # an int32 tensor, as TF gives it
    err, line = raised(ValueError, lambda: tf.data.Dataset.range(rows))
    assert str(err).startswith("range: stop must be an int or an int64 tensor (TF's dataset "
                               "kernels take int64); got a")
    assert "int32 tensor" in str(err)
    assert err.hint == "tf.cast(stop, tf.int64), or int(stop) for a Python int"
    assert_names_this_line(err, line)
    assert [int(v) for v in tf.data.Dataset.range(tf.cast(rows, tf.int64))] == [0, 1, 2]
    assert [int(v) for v in tf.data.Dataset.range(6).take(int(rows))] == [0, 1, 2]


@pytest.mark.parametrize("elements, said", [
    (3, "expected to contain 5 elements but contained only 3 elements."),
    (7, "expected to contain 5 elements but contained at least 6 elements.")])
def test_assert_cardinality_says_what_the_dataset_held(elements, said):
    dataset = tf.data.Dataset.range(elements).apply(tf.data.experimental.assert_cardinality(5))
    assert int(dataset.cardinality()) == 5
    with pytest.raises(ValueError) as refused:
        list(dataset)
    assert str(refused.value).startswith(f"assert_cardinality: Input dataset was {said}")


@pytest.mark.parametrize("make, said", [
    (lambda: tf.data.Dataset.range(6).prefetch(-5),
     "prefetch: buffer_size must be >= 0 or set buffer_size to be -1 for auto-tuning"),
    (lambda: tf.data.Dataset.range(6).shard(2, 3),
     "shard: Index must be between 0 and 1 (currently index = 3)."),
    (lambda: tf.data.Dataset.range(6).unbatch(),
     "unbatch: Cannot unbatch an input with scalar components.")])
def test_values_tfs_kernels_refuse_are_refused_when_the_dataset_is_made(make, said):
    with pytest.raises(ValueError) as refused:
        make()
    assert str(refused.value).startswith(said)
    assert_names_this_line(refused.value, make.__code__.co_firstlineno)
