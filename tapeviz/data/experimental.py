"""`tapeviz.data.experimental`: the constants and helpers TF kept under tf.data.experimental."""
from .dataset import AUTOTUNE, INFINITE as INFINITE_CARDINALITY, UNKNOWN as UNKNOWN_CARDINALITY

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality"]


def cardinality(dataset):
    """dataset.cardinality(): the element count, -1 if infinite, -2 if unknown.

    >>> import tapeviz as tf
    >>> int(tf.data.experimental.cardinality(tf.data.Dataset.range(4).repeat()))
    -1
    """
    return dataset.cardinality()
