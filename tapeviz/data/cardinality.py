"""The cardinalities tf.data gives a dataset whose number of elements is not a count."""

INFINITE = -1  # cardinality of an endless dataset (tf.data.INFINITE_CARDINALITY)
UNKNOWN = -2   # cardinality when only iterating can tell (tf.data.UNKNOWN_CARDINALITY)
