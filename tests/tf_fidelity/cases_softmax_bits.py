"""Softmax, log_softmax and the softmax cross-entropies over the shapes where TF's float32
kernels' own arithmetic shows (oneDNN's AVX-512 Softmax, Eigen's LogSoftmax and
cross-entropies: rows shorter than a vector, rows with a partial last vector, rows of four
accumulators' worth, other axes and ranks, logits spread widely enough that some exps are
tiny), compared by the usual float32 tolerance: tapeviz's numpy formulas differ from TF's
polynomial exp in the last digit (README's "Differences from TensorFlow"; matching its bits
cost 5x a softmax and held only on TF's AVX-512 build). Registered into `cases.CASES`
(cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32

_SHAPES = {"row_of_3": (5, 3), "rows_of_10": (9, 10), "rows_of_37": (4, 37),
           "rows_of_100": (3, 100), "one_row_of_300": (1, 300), "vector": (13,),
           "rank3": (2, 3, 17)}
_WIDE = dict(low=-30.0, high=30.0)

for _name, _shape in _SHAPES.items():
    add_case(f"nn.softmax/bits_{_name}", lambda tf, x: tf.nn.softmax(x), f32(*_shape, **_WIDE))
    add_case(f"nn.log_softmax/bits_{_name}", lambda tf, x: tf.nn.log_softmax(x),
             f32(*_shape, **_WIDE))
add_case("nn.softmax/bits_axis0", lambda tf, x: tf.nn.softmax(x, axis=0), f32(11, 4, **_WIDE))
add_case("nn.log_softmax/bits_axis1_of_3", lambda tf, x: tf.nn.log_softmax(x, axis=1),
         f32(2, 12, 3, seed=3, **_WIDE))
add_case("nn.softmax/bits_narrow_logits", lambda tf, x: tf.nn.softmax(x), f32(6, 10, seed=4))
add_case("keras.activations.softmax/bits", lambda tf, x: tf.keras.activations.softmax(x),
         f32(7, 10, seed=5, **_WIDE))
add_case("keras.layers.Softmax/bits", lambda tf, x: tf.keras.layers.Softmax()(x),
         f32(3, 19, seed=6, **_WIDE))


def _distributions(rows, classes, seed):
    weights = f32(rows, classes, seed=seed, low=0.0, high=1.0) + np.float32(0.01)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def _ids(rows, classes, seed):
    return (np.arange(rows, dtype=np.int32) * 7 + seed) % classes


for _rows, _classes in ((4, 10), (9, 3), (3, 41), (12, 100)):
    add_case(f"nn.softmax_cross_entropy_with_logits/bits_{_rows}x{_classes}",
             lambda tf, labels, logits: tf.nn.softmax_cross_entropy_with_logits(labels, logits),
             _distributions(_rows, _classes, 2), f32(_rows, _classes, **_WIDE))
    add_case(f"nn.sparse_softmax_cross_entropy_with_logits/bits_{_rows}x{_classes}",
             lambda tf, labels, logits: tf.nn.sparse_softmax_cross_entropy_with_logits(
                 labels, logits), _ids(_rows, _classes, 3), f32(_rows, _classes, **_WIDE))
add_case("nn.softmax_cross_entropy_with_logits/bits_axis0",
         lambda tf, labels, logits: tf.nn.softmax_cross_entropy_with_logits(labels, logits,
                                                                            axis=0),
         _distributions(6, 5, 4).T.copy(), f32(5, 6, seed=8, **_WIDE))
add_case("keras.losses.SparseCategoricalCrossentropy/bits_from_logits",
         lambda tf, labels, logits: tf.keras.losses.SparseCategoricalCrossentropy(
             from_logits=True, reduction=None)(labels, logits),
         _ids(6, 10, 1), f32(6, 10, seed=9, **_WIDE))
add_case("keras.losses.CategoricalCrossentropy/bits_from_logits",
         lambda tf, labels, logits: tf.keras.losses.CategoricalCrossentropy(
             from_logits=True, reduction=None)(labels, logits),
         _distributions(6, 10, 5), f32(6, 10, seed=10, **_WIDE))
add_case("keras.losses.SparseCategoricalCrossentropy/bits_from_logits_mean",
         lambda tf, labels, logits: tf.keras.losses.SparseCategoricalCrossentropy(
             from_logits=True)(labels, logits),
         _ids(4, 10, 2), f32(4, 10, seed=11, **_WIDE))
