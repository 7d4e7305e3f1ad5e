"""Dataset.map's element_spec as TF's trace decides it: sizes that depend on the input's
values (`tf.range(x)`, a slice by a computed length, `tf.fill`) or on sizes the input's spec
leaves unknown (a batch axis without drop_remainder, a generator's lengths) are None;
static ones stay. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case


def _rows(tf):
    return tf.data.Dataset.from_tensor_slices(np.arange(12, dtype=np.float32).reshape(4, 3))


def _lengths(tf):
    return tf.data.Dataset.from_generator(
        lambda: iter([np.arange(n, dtype=np.int32) for n in (2, 3, 1)]),
        output_signature=tf.TensorSpec([None], tf.int32))


def _listed(element):
    """An element's arrays as lists (a dict's by sorted key, a tuple's in order)."""
    if isinstance(element, dict):
        return [_listed(element[key]) for key in sorted(element)]
    if isinstance(element, tuple):
        return [_listed(part) for part in element]
    return np.asarray(element).tolist()


CASES = {
    "range_of_element": lambda tf: tf.data.Dataset.range(5).map(lambda x: tf.range(x)),
    "range_of_equal_elements": lambda tf: tf.data.Dataset.from_tensor_slices(
        np.array([3, 3, 3], np.int32)).map(lambda n: tf.range(n)),
    "fill_of_element": lambda tf: tf.data.Dataset.from_tensor_slices(
        np.array([2, 2], np.int32)).map(lambda n: tf.fill([n], 1.0)),
    "slice_by_value": lambda tf: _rows(tf).map(lambda r: r[:tf.cast(r[0], tf.int32) + 1]),
    "slice_static": lambda tf: _rows(tf).map(lambda r: r[:2]),
    "elementwise": lambda tf: _rows(tf).map(lambda r: r * 2.0),
    "pairs_static": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.ones((4, 3), np.float32), np.arange(4))).map(lambda x, y: (x / 2.0, y + 1)),
    "after_batch": lambda tf: _rows(tf).batch(3).map(lambda x: x / 255.0),
    "after_batch_drop_remainder": lambda tf: _rows(tf).batch(3, drop_remainder=True).map(
        lambda x: x / 255.0),
    "after_batch_pairs": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.ones((5, 2), np.float32), np.arange(5))).batch(2).map(
        lambda x, y: (tf.reduce_sum(x, axis=1), y)),
    "batch_reduced_away": lambda tf: _rows(tf).batch(3).map(lambda x: tf.reduce_sum(x, 0)),
    "generator_lengths": lambda tf: _lengths(tf).map(lambda v: v * 2),
    "generator_lengths_summed": lambda tf: _lengths(tf).map(tf.reduce_sum),
    "dict_static": lambda tf: tf.data.Dataset.from_tensor_slices(
        {"a": np.ones((4, 3), np.float32)}).map(lambda d: {"a": d["a"][:2], "n": tf.size(d["a"])}),
    "reshape_static": lambda tf: _rows(tf).map(lambda r: tf.reshape(r, [3, 1])),
}
for _label, _make in CASES.items():
    add_case(f"data.Dataset.map/spec_{_label}",
             lambda tf, make=_make: [repr(make(tf).element_spec),
                                     [_listed(e) for e in make(tf).as_numpy_iterator()]],
             grad=False, op="map")


def _positive_rows(tf):
    return tf.data.Dataset.from_tensor_slices(np.arange(1, 13, dtype=np.float32).reshape(4, 3))


# sizes that depend on the values where one probe (values plus one) keeps them: a mask that
# keeps every entry of positive rows, a row's distinct values, a threshold no row reaches
UNCHANGED_BY_PROBE = {
    "boolean_mask_all_kept": lambda tf: _positive_rows(tf).map(
        lambda r: tf.boolean_mask(r, r > 0)),
    "where_coordinates": lambda tf: _positive_rows(tf).map(lambda r: tf.where(r > 0)),
    "unique_values": lambda tf: tf.data.Dataset.from_tensor_slices(
        np.array([[1, 1, 2], [3, 4, 5]], np.int32)).map(lambda r: tf.unique(r).y),
    "boolean_mask_none_kept": lambda tf: _positive_rows(tf).map(
        lambda r: tf.boolean_mask(r, r > 100.0)),
    "gather_of_where": lambda tf: _positive_rows(tf).map(
        lambda r: tf.gather(r, tf.reshape(tf.where(r >= 1.0), [-1]))),
    "mask_then_sum": lambda tf: _positive_rows(tf).map(
        lambda r: tf.reduce_sum(tf.boolean_mask(r, r > 0))),
}
for _label, _make in UNCHANGED_BY_PROBE.items():
    add_case(f"data.Dataset.map/spec_{_label}",
             lambda tf, make=_make: [repr(make(tf).element_spec),
                                     [_listed(e) for e in make(tf).as_numpy_iterator()]],
             grad=False, op="map")
