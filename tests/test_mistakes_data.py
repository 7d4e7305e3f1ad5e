"""A new user's mistakes with tf.data, each made on purpose: what the error says (the call, the
element, the user's line) and that the dataset and its iterators still work after it."""
import pytest

import tapeviz as tf


def fails_on_six(x):
    if int(x) == 6:
        raise ValueError("bad element")
    return x * 2


def test_a_map_function_raising_on_the_7th_element_is_noted_with_it_and_the_pass_ends_said():
    dataset = tf.data.Dataset.range(10).map(fails_on_six)
    iterator = iter(dataset)
    read = []
    with pytest.raises(ValueError, match="bad element") as raised:
        for x in iterator:
            read.append(int(x))
    assert read == [0, 2, 4, 6, 8, 10]
    notes = raised.value.__notes__
    assert notes[0] == ("raised by fails_on_six (test_mistakes_data.py:8), the function given "
                        "to the Dataset, called on the element 6 (int64)")
    assert notes[1] == "while making element 7 of the pass, which it ended (6 were read before it)"
    with pytest.raises(RuntimeError) as ended:      # not StopIteration: the data did not end
        next(iterator)
    said = str(ended.value)
    assert said.startswith("Iterator: this iterator's pass ended at its element 7, when making "
                           "it raised ValueError: bad element")
    assert "test_mistakes_data.py" in said and "hint: start a new pass, iter(dataset)" in said
    assert [int(x) for x in dataset.take(3)] == [0, 2, 4]


def test_an_error_in_the_users_loop_body_leaves_the_dataset_whole_for_the_next_loop():
    dataset = tf.data.Dataset.range(5).shuffle(5, seed=0).batch(2)
    with pytest.raises(KeyError):
        for _ in dataset:
            raise KeyError("student bug")
    assert sorted(int(x) for batch in dataset for x in batch) == [0, 1, 2, 3, 4]


def test_a_map_function_that_forgot_its_return_is_named_not_convert_to_tensor():
    def doubled(x):
        x * 2                                      # no return

    dataset = tf.data.Dataset.range(3)
    with pytest.raises(ValueError) as raised:
        list(dataset.map(doubled))
    said = str(raised.value)
    assert said.startswith("Dataset: the function doubled (test_mistakes_data.py:")
    assert "returned None for the element 0 (int64), which tf.data cannot use" in said
    assert "hint: did it forget its return?" in said
    assert [int(x) for x in dataset.map(lambda x: x * 2)] == [0, 2, 4]


def test_from_generator_given_a_generator_made_once_says_pass_the_function():
    def numbers():
        yield from range(3)

    with pytest.raises(ValueError) as raised:
        tf.data.Dataset.from_generator(numbers(), output_types=tf.int32)
    said = str(raised.value)
    assert said.startswith("from_generator: generator must be a callable that returns a "
                           "generator (each pass calls it afresh); got <generator object")
    assert "hint: pass the function itself: Dataset.from_generator(gen, ...), not gen()" in said
    assert "test_mistakes_data.py" in said
    dataset = tf.data.Dataset.from_generator(numbers, output_types=tf.int32)
    assert [int(x) for x in dataset] == [0, 1, 2] == [int(x) for x in dataset]
