"""`tapeviz.data.experimental`: the constants and helpers TF kept under tf.data.experimental."""
from ..errors import InvalidArgumentError
from ..namespace_dir import listing as _listing
from .cardinality import int64_count
from .csv import CsvDataset
from .dataset import AUTOTUNE, INFINITE as INFINITE_CARDINALITY, UNKNOWN as UNKNOWN_CARDINALITY

__all__ = ["AUTOTUNE", "CsvDataset", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY",
           "assert_cardinality", "cardinality", "choose_from_datasets", "group_by_window",
           "sample_from_datasets"]
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports


def cardinality(dataset):
    """dataset.cardinality(): the element count, -1 if infinite, -2 if unknown.

    >>> import tapeviz as tf
    >>> int(tf.data.experimental.cardinality(tf.data.Dataset.range(4).repeat()))
    -1
    """
    return dataset.cardinality()


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=False):
    """Dataset.choose_from_datasets, with the experimental name's default: an exhausted
    dataset is passed over, not the end."""
    from .selected import choose_from_datasets as choose
    return choose(datasets, choice_dataset, stop_on_empty_dataset)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    """Dataset.sample_from_datasets under its experimental name."""
    from .selected import sample_from_datasets as sample
    return sample(datasets, weights, seed, stop_on_empty_dataset)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    """Dataset.group_by_window as a transformation for `dataset.apply(...)`.

    >>> import tapeviz as tf
    >>> ds = tf.data.Dataset.range(4).apply(tf.data.experimental.group_by_window(
    ...     lambda x: x % 2, lambda key, window: window.batch(2), 2))
    >>> [b.numpy().tolist() for b in ds]
    [[0, 2], [1, 3]]
    """
    return lambda dataset: dataset.group_by_window(key_func, reduce_func, window_size,
                                                   window_size_func)


def assert_cardinality(expected_cardinality):
    """A transformation for `dataset.apply(...)`: the dataset with `expected_cardinality` as
    its cardinality (a filter's, unknown otherwise, made known), checked as it is iterated.

    >>> import tapeviz as tf
    >>> ds = tf.data.Dataset.range(4).filter(lambda x: x >= 0)
    >>> int(ds.apply(tf.data.experimental.assert_cardinality(4)).cardinality())
    4
    """
    expected = int64_count("assert_cardinality", "expected_cardinality", expected_cardinality,
                           minimum=None)
    wanted = "an infinite number of" if expected == INFINITE_CARDINALITY else expected

    def checked(dataset):
        def start():
            count = 0
            for element in dataset._start():
                count += 1
                if count > expected >= 0 or expected < INFINITE_CARDINALITY:
                    raise _mismatch(f"contained at least {count} element{'s' * (count > 1)}")
                yield element
            if count != expected:
                raise _mismatch(f"contained only {count} elements")

        def _mismatch(found):
            return InvalidArgumentError("assert_cardinality", f"Input dataset was expected to "
                                                              f"contain {wanted} elements but "
                                                              f"{found}.")
        return dataset._then(start, expected, kind="AssertCardinality")
    return checked

