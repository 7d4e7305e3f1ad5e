"""tapeviz.data.Dataset against tf.data's documented semantics, and tfe.Iterator."""
import collections

import numpy as np
import pytest

import tapeviz as tf
import tapeviz.contrib.eager as tfe
from tapeviz.data import Dataset


def values(ds):
    """The elements as plain Python values (nested lists/tuples/dicts)."""
    def plain(x):
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, tuple):
            return tuple(plain(v) for v in x)
        return x.tolist()
    return [plain(e) for e in ds.as_numpy_iterator()]


# ---- sources ------------------------------------------------------------------------------
def test_from_tensor_slices_yields_tapeviz_tensors_row_by_row():
    ds = Dataset.from_tensor_slices(np.arange(6.0).reshape(3, 2))
    rows = list(ds)
    assert all(type(r) is tf.Tensor for r in rows)
    assert [r.numpy().tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert rows[0].dtype == tf.float64  # numpy arrays keep their dtype, as in TF


def test_from_tensor_slices_python_lists_follow_tf_dtype_rules():
    ints, floats = Dataset.from_tensor_slices([1, 2]), Dataset.from_tensor_slices([1.0, 2.0])
    assert next(iter(ints)).dtype == tf.int32 and next(iter(floats)).dtype == tf.float32


def test_from_tensor_slices_tuple_dict_and_nested_structures():
    ds = Dataset.from_tensor_slices(({"a": [1, 2], "b": tf.constant([[1.0], [2.0]])}, [5, 6]))
    assert values(ds) == [({"a": 1, "b": [1.0]}, 5), ({"a": 2, "b": [2.0]}, 6)]
    first = next(iter(ds))
    assert isinstance(first, tuple) and isinstance(first[0], dict)


def test_from_tensor_slices_keeps_namedtuples():
    Point = collections.namedtuple("Point", "x y")
    element = next(iter(Dataset.from_tensor_slices(Point([1, 2], [3, 4]))))
    assert type(element) is Point and int(element.y) == 3


def test_from_tensor_slices_copies_its_input():
    array = np.arange(3)
    ds = Dataset.from_tensor_slices(array)
    array[0] = 99
    assert values(ds) == [0, 1, 2]


def test_from_tensor_slices_mismatched_lengths_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 2\)"):
        Dataset.from_tensor_slices(([1, 2, 3], [[1, 2], [3, 4]]))


def test_from_tensor_slices_rejects_scalars():
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(3)


def test_from_tensors_is_one_whole_element():
    ds = Dataset.from_tensors(([1, 2, 3], 7))
    assert values(ds) == [([1, 2, 3], 7)] and len(ds) == 1


def test_range_is_int64_like_python_range():
    assert values(Dataset.range(5)) == [0, 1, 2, 3, 4]
    assert values(Dataset.range(2, 5)) == [2, 3, 4]
    assert values(Dataset.range(10, 0, -3)) == [10, 7, 4, 1]
    assert next(iter(Dataset.range(3))).dtype == tf.int64
    assert len(Dataset.range(1, 10, 2)) == 5


def test_from_generator_calls_the_generator_each_iteration():
    ds = Dataset.from_generator(lambda: iter([(1, 2.0), (3, 4.0)]),
                                output_types=(tf.int64, tf.float32))
    assert values(ds) == values(ds) == [(1, 2.0), (3, 4.0)]
    assert next(iter(ds))[0].dtype == tf.int64
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY


# ---- map / filter -------------------------------------------------------------------------
def test_map_unpacks_tuple_elements_into_arguments():
    ds = Dataset.from_tensor_slices(([1, 2], [10, 20])).map(lambda x, y: (y, x * 2))
    assert values(ds) == [(10, 2), (20, 4)]


def test_map_passes_dicts_whole_and_turns_returned_lists_into_tuples():
    ds = Dataset.from_tensor_slices({"x": [1, 2]}).map(lambda d: [d["x"], d["x"] + 1])
    element = next(iter(ds))
    assert isinstance(element, tuple) and values(ds) == [(1, 2), (2, 3)]


def test_map_converts_numpy_and_python_results_to_tensors():
    ds = Dataset.range(2).map(lambda x: np.float32(1.5))
    assert all(type(e) is tf.Tensor and e.dtype == tf.float32 for e in ds)


def test_map_runs_lazily_and_again_on_each_iteration():
    calls = []
    ds = Dataset.range(3).map(lambda x: calls.append(int(x)) or x)
    assert calls == []
    list(ds)
    list(ds)
    assert calls == [0, 1, 2, 0, 1, 2]


def test_filter_keeps_elements_whose_predicate_is_true():
    ds = Dataset.from_tensor_slices(([1, 2, 3, 4], [0, 1, 0, 1])).filter(lambda x, y: y > 0)
    assert values(ds) == [(2, 1), (4, 1)]


def test_filter_predicate_must_return_a_bool_scalar():
    with pytest.raises(ValueError, match=r"Dataset.filter: predicate must return one bool \(a "
                                         r"tf.bool scalar\); got an int64 tensor of shape \(\)"
                                         r"\n  at .*test_dataset.py"):
        list(Dataset.range(3).filter(lambda x: x))


@pytest.mark.parametrize("predicate", [lambda x: x, lambda x: tf.stack([x < 2, x < 1])])
def test_take_while_refuses_a_predicate_that_is_not_one_bool(predicate):
    # an int predicate ended the dataset at its first 0 instead (TF 2.21 refuses both)
    with pytest.raises(ValueError, match=r"Dataset.take_while: predicate must return one bool"):
        list(Dataset.range(3).take_while(predicate))
    assert values(Dataset.range(3).take_while(lambda x: x < 2)) == [0, 1]


# ---- shuffle ------------------------------------------------------------------------------
def test_shuffle_with_buffer_of_one_keeps_the_order():
    assert values(Dataset.range(20).shuffle(1)) == list(range(20))


def test_shuffle_with_full_buffer_is_a_permutation_that_moves_elements():
    order = values(Dataset.range(100).shuffle(100, seed=3))
    assert sorted(order) == list(range(100)) and order != list(range(100))


def test_shuffle_small_buffer_only_moves_elements_a_bounded_distance_early():
    # with a buffer of k, element i cannot come out before position i - (k - 1)
    order = values(Dataset.range(200).shuffle(5, seed=0))
    assert sorted(order) == list(range(200))
    assert all(position >= value - 4 for position, value in enumerate(order))


def test_shuffle_buffer_matches_the_reference_algorithm():
    tf.random.set_seed(None)   # the default global seed, whatever an earlier test set
    ds = Dataset.range(10).shuffle(4, seed=7, reshuffle_each_iteration=False)
    seed_words = [87654321, 7, 0]  # TF's default global seed, the op seed, iteration 0
    rng, buffer, source, expected = np.random.default_rng(seed_words), [], iter(range(10)), []
    buffer = [next(source) for _ in range(4)]
    while buffer:
        slot = int(rng.integers(len(buffer)))
        expected.append(buffer[slot])
        refill = next(source, None)
        if refill is None:
            buffer[slot] = buffer[-1]
            buffer.pop()
        else:
            buffer[slot] = refill
    assert values(ds) == expected


def test_shuffle_same_seed_same_order_and_reshuffles_each_iteration():
    tf.random.set_seed(None)
    a, b = Dataset.range(50).shuffle(50, seed=11), Dataset.range(50).shuffle(50, seed=11)
    first_a, first_b = values(a), values(b)
    assert first_a == first_b
    second_a = values(a)
    assert second_a != first_a and sorted(second_a) == list(range(50))
    assert values(b) == second_a  # the sequence of orders repeats too


def test_shuffle_without_reshuffle_repeats_its_order():
    ds = Dataset.range(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    assert values(ds) == values(ds)


def test_shuffle_is_reproducible_under_the_global_seed():
    tf.random.set_seed(5)
    first = [values(Dataset.range(40).shuffle(40)) for _ in range(2)]
    tf.random.set_seed(5)
    again = [values(Dataset.range(40).shuffle(40)) for _ in range(2)]
    assert first == again and first[0] != first[1]
    tf.random.set_seed(None)


def test_shuffle_inside_repeat_gives_each_epoch_a_new_order():
    epochs = values(Dataset.range(20).shuffle(20, seed=2).repeat(2).batch(20))
    assert epochs[0] != epochs[1] and sorted(epochs[0]) == sorted(epochs[1])


def test_shuffle_rejects_a_nonpositive_buffer():
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.range(3).shuffle(0)


# ---- batch / unbatch ----------------------------------------------------------------------
def test_batch_stacks_elements_and_keeps_the_remainder():
    ds = Dataset.range(7).batch(3)
    assert values(ds) == [[0, 1, 2], [3, 4, 5], [6]] and len(ds) == 3
    assert all(type(b) is tf.Tensor and b.dtype == tf.int64 for b in ds)


def test_batch_drop_remainder():
    ds = Dataset.range(7).batch(3, drop_remainder=True)
    assert values(ds) == [[0, 1, 2], [3, 4, 5]] and len(ds) == 2


def test_batch_nested_structures_batch_per_component():
    ds = Dataset.from_tensor_slices(({"img": np.zeros((5, 2, 2))}, np.arange(5))).batch(2)
    features, labels = next(iter(ds))
    assert features["img"].shape == (2, 2, 2) and labels.numpy().tolist() == [0, 1]


def test_batch_of_different_shapes_names_the_component():
    ds = Dataset.from_generator(lambda: iter([[1, 2], [1, 2, 3]])).batch(2)
    with pytest.raises(ValueError, match=r"component 0.*\(2,\).*\(3,\)"):
        list(ds)


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.range(3).batch(0)


def test_unbatch_inverts_batch():
    assert values(Dataset.range(5).batch(2).unbatch()) == [0, 1, 2, 3, 4]


# ---- take / skip / repeat / len / cardinality ---------------------------------------------
def test_take_skip_and_repeat():
    ds = Dataset.range(5)
    assert values(ds.take(2)) == [0, 1] and values(ds.skip(3)) == [3, 4]
    assert values(ds.take(-1)) == values(ds) and values(ds.skip(-1)) == []
    assert values(ds.take(2).repeat(3)) == [0, 1] * 3
    assert values(ds.repeat().take(7)) == [0, 1, 2, 3, 4, 0, 1]
    assert values(ds.repeat(0)) == []


def test_len_and_cardinality_follow_tf():
    ds = Dataset.range(10)
    assert len(ds) == 10 and int(ds.cardinality()) == 10
    assert ds.cardinality().dtype == tf.int64
    assert len(ds.skip(3)) == 7 and len(ds.take(20)) == 10 and len(ds.repeat(3)) == 30
    assert len(ds.batch(4)) == 3 and len(ds.shard(3, 1)) == 3
    infinite = ds.repeat()
    assert int(infinite.cardinality()) == tf.data.INFINITE_CARDINALITY == -1
    assert len(infinite.take(4)) == 4
    unknown = ds.filter(lambda x: x > 3)
    assert int(unknown.cardinality()) == tf.data.UNKNOWN_CARDINALITY == -2
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(infinite)
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(unknown)
    assert bool(infinite)  # truthiness must not call len
    assert int(tf.data.experimental.cardinality(ds.map(lambda x: x))) == 10


# ---- enumerate / zip / concatenate / cache / reduce / prefetch -----------------------------
def test_enumerate_pairs_an_int64_index_with_each_element():
    pairs = list(Dataset.from_tensor_slices([7, 8]).enumerate(start=5))
    assert [(int(i), int(x)) for i, x in pairs] == [(5, 7), (6, 8)]
    assert pairs[0][0].dtype == tf.int64


def test_zip_tuples_dicts_varargs_and_shortest_length():
    a, b = Dataset.range(3), Dataset.range(10, 20)
    assert values(Dataset.zip((a, b))) == [(0, 10), (1, 11), (2, 12)]
    assert values(Dataset.zip(a, b)) == values(Dataset.zip((a, b)))
    assert values(Dataset.zip({"a": a, "b": b}).take(1)) == [{"a": 0, "b": 10}]
    assert len(Dataset.zip((a, b))) == 3 and len(Dataset.zip((a, b.repeat()))) == 3
    with pytest.raises(TypeError, match="Datasets"):
        Dataset.zip((a, [1, 2]))


def test_concatenate_cache_reduce_prefetch_shard_apply():
    ds = Dataset.range(3)
    assert values(ds.concatenate(Dataset.range(5, 7))) == [0, 1, 2, 5, 6]
    assert len(ds.concatenate(ds)) == 6
    assert values(ds.prefetch(tf.data.AUTOTUNE)) == [0, 1, 2]
    assert values(Dataset.range(7).shard(3, 1)) == [1, 4]
    assert int(ds.reduce(np.int64(0), lambda total, x: total + x)) == 3
    assert values(ds.apply(lambda d: d.map(lambda x: -x))) == [0, -1, -2]
    cached = Dataset.range(20).shuffle(20, seed=4).cache()
    assert values(cached) == values(cached)


def test_as_numpy_iterator_keeps_structure_and_gives_numpy():
    element = next(Dataset.from_tensor_slices(({"a": [1.0]}, [2])).as_numpy_iterator())
    assert isinstance(element[0]["a"], np.float32) and isinstance(element[1], np.int32)


def test_each_iteration_starts_over():
    ds = Dataset.range(3).map(lambda x: x + 1)
    it = iter(ds)
    assert int(next(it)) == 1
    assert values(ds) == [1, 2, 3] and int(next(it)) == 2


def test_element_spec():
    ds = Dataset.from_tensor_slices((np.zeros((4, 3), np.float32), [1, 2, 3, 4]))
    spec = ds.element_spec
    assert spec == (tf.data.TensorSpec((3,), tf.float32), tf.data.TensorSpec((), tf.int32))
    assert ds.batch(2).element_spec[0].shape == (None, 3)
    assert ds.batch(2, drop_remainder=True).element_spec[0].shape == (2, 3)
    assert ds.map(lambda x, y: x * 2).element_spec == tf.data.TensorSpec((3,), tf.float32)
    assert Dataset.range(2).element_spec.dtype == tf.int64


def test_autotune_constants():
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1


def test_training_loop_over_a_dataset_records_gradients():
    x = np.linspace(0, 1, 8, dtype=np.float32)
    ds = Dataset.from_tensor_slices((x, 3 * x)).batch(4)
    w = tf.Variable(0.0)
    for xb, yb in ds:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(yb - w * xb))
        w.assign_sub(0.5 * tape.gradient(loss, w))
    assert float(w) > 0


# ---- tfe.Iterator -------------------------------------------------------------------------
def test_tfe_iterator_runs_one_epoch_like_the_cs20_loop():
    ds = Dataset.from_tensor_slices(([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]))
    seen = [(float(x), float(y)) for x, y in tfe.Iterator(ds)]
    assert seen == [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]


def test_tfe_iterator_next_and_stop_iteration():
    it = tfe.Iterator(Dataset.range(2))
    assert int(next(it)) == 0 and int(it.next()) == 1
    with pytest.raises(StopIteration):
        next(it)
    assert iter(it) is it and isinstance(iter(Dataset.range(1)), tf.data.Iterator)


def test_tfe_iterator_rejects_non_datasets():
    with pytest.raises(TypeError, match="Dataset"):
        tfe.Iterator([1, 2])


def test_flat_map_says_its_function_must_return_a_dataset():
    with pytest.raises(TypeError, match=r"Dataset.flat_map: map_func must return a Dataset; got"
                                        r".*\n(.*\n)*  hint: to make one element several"):
        list(tf.data.Dataset.range(2).flat_map(lambda x: x))


def test_features_and_labels_come_as_fresh_row_tensors_each_pass():
    """from_tensor_slices((features, labels)): each element the rows of both arrays as
    tensors (views of them, their dtypes), made anew on every pass."""
    features = np.arange(6, dtype=np.float32).reshape(3, 2)
    labels = np.array([7, 8, 9], dtype=np.int32)
    ds = tf.data.Dataset.from_tensor_slices((features, labels))
    first, second = list(ds), list(ds)
    assert [type(x) for pair in first for x in pair] == [tf.Tensor] * 6
    assert [(x.numpy().tolist(), int(y)) for x, y in first] == \
        [([0.0, 1.0], 7), ([2.0, 3.0], 8), ([4.0, 5.0], 9)]
    assert {(x.dtype, y.dtype) for x, y in first} == {(tf.float32, tf.int32)}
    assert all(a is not b for pa, pb in zip(first, second) for a, b in zip(pa, pb))
    assert ds.element_spec == (tf.TensorSpec((2,), tf.float32), tf.TensorSpec((), tf.int32))
