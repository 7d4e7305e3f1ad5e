"""from_generator given output_types without output_shapes: TF knows no shape of what the
generator yields (`TensorShape(None)`, unknown rank), so the element_spec says so, `batch`
stacks equal sizes and refuses varying ones as it reaches them, and `padded_batch` wants
padded_shapes. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case


def _lengths(*sizes):
    """A generator function of int32 sequences 1, 2, ... of the given lengths."""
    def gen():
        for size in sizes:
            yield np.arange(1, size + 1, dtype=np.int32)
    return gen


def _series():
    """The tf.data guide's gen_series (an id and a sequence of varying length), shortened."""
    def gen():
        for i in range(5):
            yield i, np.linspace(0.0, 1.0, 1 + (i * 5) % 7, dtype=np.float32)
    return gen


def _varying(tf):
    return tf.data.Dataset.from_generator(_lengths(1, 3, 2), output_types=tf.int32)


def _pairs(tf):
    return tf.data.Dataset.from_generator(_series(), output_types=(tf.int32, tf.float32))


def _squares(tf):
    return tf.data.Dataset.from_generator(lambda: iter([np.eye(2, dtype=np.int32)] * 2),
                                          output_types=tf.int32)


CASES = {
    "element_spec": lambda tf: repr(_varying(tf).element_spec),
    "element_spec_pairs": lambda tf: repr(_pairs(tf).element_spec),
    "element_spec_rank": lambda tf: [_varying(tf).element_spec.shape.rank,
                                     str(_varying(tf).element_spec.shape)],
    "batch_equal_sizes": lambda tf: [repr(tf.data.Dataset.from_generator(
        _lengths(2, 2, 2), output_types=tf.int32).batch(2).element_spec), list(
        tf.data.Dataset.from_generator(_lengths(2, 2, 2), output_types=tf.int32).batch(2))],
    "batch_varying_sizes": lambda tf: list(_varying(tf).batch(2)),
    "batch_varying_spec": lambda tf: repr(_varying(tf).batch(2).element_spec),
    "padded_batch_without_shapes": lambda tf: repr(_varying(tf).padded_batch(2)),
    "padded_batch_pairs_without_shapes": lambda tf: repr(_pairs(tf).padded_batch(2)),
    "padded_batch_with_shapes": lambda tf: [list(_varying(tf).padded_batch(
        2, padded_shapes=[None])), repr(_varying(tf).padded_batch(
            2, padded_shapes=[None]).element_spec)],
    "padded_batch_pairs_with_shapes": lambda tf: list(_pairs(tf).padded_batch(
        2, padded_shapes=([], [None]))),
    "padded_batch_to_a_length": lambda tf: [list(_varying(tf).padded_batch(
        3, padded_shapes=[4])), repr(_varying(tf).padded_batch(
            3, padded_shapes=[4]).element_spec)],
    "unbatch_and_rebatch": lambda tf: [repr(_squares(tf).unbatch().element_spec), list(
        _squares(tf).unbatch()), repr(_squares(tf).rebatch(1).element_spec), list(
        _squares(tf).rebatch(1))],
    "sample_from_datasets_spec": lambda tf: repr(tf.data.Dataset.sample_from_datasets(
        [_varying(tf), _varying(tf)], seed=1).element_spec),
}
for _label, _make in CASES.items():
    add_case(f"data.Dataset.from_generator/unknown_shape_{_label}", _make, grad=False,
             op="batch" if _label.startswith("batch") else
             "padded_batch" if _label.startswith("padded") else "from_generator")
