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
