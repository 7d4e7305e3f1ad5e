"""Cases of gradients where students meet TF's edges: kinks at 0 and at ties (abs, relu,
relu6, leaky_relu, elu, maximum/minimum against a Python 0), pow with a zero base, sqrt and
log at 0, norms at the origin, sort ties, clip_by_value at its bounds, tf.where whose
unselected branch is NaN or infinite (the classic NaN gradient), and saturated logistic
functions at +-100. Each compares the value and the gradient of sum(output * cotangent)
with TF's. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import a32, add_case

_ZEROS = a32([0.0, -0.0, 1.0, -1.0])
_NAN, _INF = np.nan, np.inf

KINKS = {
    "math.abs/edge_grad_at_zero": (lambda tf, x: tf.abs(x), (_ZEROS,)),
    "nn.relu/edge_grad_at_zero": (lambda tf, x: tf.nn.relu(x), (_ZEROS,)),
    "nn.relu/edge_nan": (lambda tf, x: tf.nn.relu(x), (a32([_NAN, -1.0, 2.0]),)),
    "nn.relu6/edge_grad_at_bounds": (lambda tf, x: tf.nn.relu6(x),
                                     (a32([0.0, 6.0, 3.0, 7.0, -1.0]),)),
    "nn.leaky_relu/edge_grad_at_zero": (lambda tf, x: tf.nn.leaky_relu(x, alpha=0.1), (_ZEROS,)),
    "nn.elu/edge_grad_at_zero": (lambda tf, x: tf.nn.elu(x), (_ZEROS,)),
    "nn.selu/edge_grad_at_zero": (lambda tf, x: tf.nn.selu(x), (_ZEROS,)),
    "keras.activations.relu/edge_threshold_ties": (
        lambda tf, x: tf.keras.activations.relu(x, threshold=1.0, max_value=2.0),
        (a32([1.0, 2.0, 1.5, 0.5, 3.0]),)),
    "keras.activations.relu/edge_threshold_slope_ties": (
        lambda tf, x: tf.keras.activations.relu(x, negative_slope=0.2, threshold=1.0),
        (a32([1.0, 2.0, 0.5, -1.0]),)),
    "keras.activations.relu/edge_max_value_six_ties": (
        lambda tf, x: [tf.keras.activations.relu(x, max_value=6.0),
                       tf.keras.activations.relu(x, max_value=3.0)],
        (a32([6.0, 3.0, 0.0, 7.0]),)),
    "keras.layers.ReLU/edge_threshold_ties": (
        lambda tf, x: tf.keras.layers.ReLU(threshold=0.5)(x), (a32([0.5, 1.0, 0.0]),)),
    "math.maximum/edge_python_zero_ties": (lambda tf, x: tf.maximum(x, 0.0), (_ZEROS,)),
    "math.minimum/edge_python_zero_ties": (lambda tf, x: tf.minimum(x, 0.0), (_ZEROS,)),
    "math.maximum/edge_same_tensor": (lambda tf, x: tf.maximum(x, x), (a32([1.0, -2.0]),)),
    "math.maximum/edge_broadcast_ties": (lambda tf, x, y: tf.maximum(x, y),
                                         (a32([[1.0, 2.0], [3.0, 1.0]]), a32([1.0, 2.0]))),
    "math.pow/edge_zero_base_grads": (lambda tf, x, y: tf.pow(x, y),
                                      (a32([0.0, 0.0, 0.0, 0.0, 2.0]),
                                       a32([0.0, 1.0, 2.0, -1.0, 0.0]))),
    "math.pow/edge_python_exponent_at_zero": (lambda tf, x: [x ** 2, x ** 0.5, x ** 1],
                                              (a32([0.0, 4.0]),)),
    "math.square/edge_at_zero": (lambda tf, x: tf.square(x), (a32([0.0, -0.0]),)),
    "math.sqrt/edge_grad_at_zero": (lambda tf, x: tf.sqrt(x), (a32([0.0, 1e-30, 4.0]),)),
    "math.rsqrt/edge_negative": (lambda tf, x: tf.math.rsqrt(x), (a32([-1.0, 0.0]),)),
    "math.log/edge_grad_at_zero": (lambda tf, x: tf.math.log(x), (a32([0.0, -0.0, 1e-30]),)),
    "math.log1p/edge_minus_one": (lambda tf, x: tf.math.log1p(x), (a32([-1.0, -2.0, 0.0]),)),
    "math.log_sigmoid/edge_large": (lambda tf, x: tf.math.log_sigmoid(x),
                                    (a32([-100.0, 100.0, -1000.0, 0.0]),)),
    "math.sigmoid/edge_f64_large": (lambda tf, x: tf.sigmoid(x), (np.array([-800.0, 800.0]),)),
    "math.softplus/edge_f64_large": (lambda tf, x: tf.math.softplus(x),
                                     (np.array([-100.0, 100.0, 800.0]),)),
    "math.tanh/edge_f64_large": (lambda tf, x: tf.tanh(x), (np.array([-400.0, 400.0]),)),
    "nn.sigmoid_cross_entropy_with_logits/edge_large_logits": (
        lambda tf, x: tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.constant([1.0, 0.0, 1.0, 0.0]), logits=x),
        (a32([-100.0, 100.0, 100.0, -100.0]),)),
    "nn.softmax/edge_minus_inf": (lambda tf, x: tf.nn.softmax(x), (a32([-_INF, 0.0, 1.0]),)),
    "nn.softmax/edge_large": (lambda tf, x: tf.nn.softmax(x), (a32([100.0, 0.0, -100.0]),)),
    "nn.log_softmax/edge_large": (lambda tf, x: tf.nn.log_softmax(x),
                                  (a32([1000.0, 0.0, -1000.0]),)),
    "norm/edge_at_zero": (lambda tf, x: tf.norm(x), (a32([0.0, 0.0]),)),
    "math.reduce_euclidean_norm/edge_at_zero": (
        lambda tf, x: tf.math.reduce_euclidean_norm(x, axis=1), (a32([[0.0, 0.0], [3.0, 4.0]]),)),
    "math.l2_normalize/edge_at_zero": (lambda tf, x: tf.math.l2_normalize(x),
                                       (a32([0.0, 0.0]),)),
    "math.reduce_std/edge_constant_grad": (lambda tf, x: tf.math.reduce_std(x),
                                           (a32([2.0, 2.0, 2.0]),)),
    "math.reduce_max/edge_ties_all_equal": (lambda tf, x: tf.reduce_max(x, axis=0,
                                                                          keepdims=True),
                                            (a32([[1.0, 2.0], [1.0, 2.0], [1.0, 0.0]]),)),
    "math.reduce_min/edge_ties_nan": (lambda tf, x: tf.reduce_min(x), (a32([1.0, _NAN, 1.0]),)),
    "math.reduce_max/edge_ties_inf": (lambda tf, x: tf.reduce_max(x), (a32([_INF, 1.0, _INF]),)),
    "math.reduce_prod/edge_one_zero": (lambda tf, x: tf.reduce_prod(x), (a32([0.0, 2.0, 3.0]),)),
    "sort/edge_ties_grad": (lambda tf, x: tf.sort(x), (a32([2.0, 1.0, 2.0, 1.0]),)),
    "sort/edge_ties_descending_grad": (lambda tf, x: tf.sort(x, direction="DESCENDING"),
                                       (a32([2.0, 1.0, 2.0, 1.0]),)),
    "math.top_k/edge_all_equal": (lambda tf, x: tf.math.top_k(x, k=2), (a32([1.0, 1.0, 1.0]),)),
    "clip_by_value/edge_at_python_bounds": (lambda tf, x: tf.clip_by_value(x, -1.0, 1.0),
                                            (a32([-1.0, 1.0, 0.0, 2.0, -2.0]),)),
    "clip_by_value/edge_nan": (lambda tf, x: tf.clip_by_value(x, -1.0, 1.0),
                               (a32([_NAN, 0.5]),)),
    "where/edge_nan_unselected_division": (lambda tf, x: tf.where(x > 0, 1.0 / x, 0.0),
                                           (a32([0.0, 2.0]),)),
    "where/edge_inf_unselected_exp": (lambda tf, x: tf.where(x < 50.0, tf.exp(x), 0.0),
                                      (a32([100.0, 1.0]),)),
    "where/edge_double_where": (lambda tf, x: tf.where(
        x > 0, tf.sqrt(tf.where(x > 0, x, 1.0)), 0.0), (a32([-1.0, 0.0, 4.0]),)),
    "where/edge_nan_both_branches": (lambda tf, x: tf.where(x > 0, tf.math.log(x),
                                                            tf.math.log(-x)),
                                     (a32([0.0, 2.0, -2.0]),)),
    "math.divide_no_nan/edge_zero": (lambda tf, x, y: tf.math.divide_no_nan(x, y),
                                     (a32([1.0, 0.0, 2.0]), a32([0.0, 0.0, 4.0]))),
    "math.truediv/edge_zero_by_zero_grad": (lambda tf, x, y: x / y,
                                            (a32([0.0, 1.0]), a32([0.0, 0.0]))),
    "math.acos/edge_at_one": (lambda tf, x: tf.math.acos(x), (a32([1.0, -1.0, 0.0]),)),
    "math.asin/edge_at_one": (lambda tf, x: tf.math.asin(x), (a32([1.0, -1.0, 0.0]),)),
    "math.sign/edge_grad": (lambda tf, x: tf.sign(x) * x, (_ZEROS,)),
    "math.floor/edge_grad_none": (lambda tf, x: [tf.floor(x), tf.math.ceil(x), tf.round(x)],
                                  (a32([0.5, -1.5]),)),
    "nn.relu/edge_f16_grad_at_zero": (lambda tf, x: tf.nn.relu(x),
                                      (np.array([0.0, -1.0, 2.0], np.float16),)),
}
for _name, (_fn, _inputs) in KINKS.items():
    add_case(_name, _fn, *_inputs)
