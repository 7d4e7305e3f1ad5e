"""`tapeviz.math`: the public `tf.math` namespace, TF's names for the registry rows.

The rows themselves (forward, VJP, display) are defined in `tapeviz/ops/math.py`,
`tapeviz/ops/accumulate.py` and `tapeviz/ops/reduce.py`; this module only gathers them
under `tf.math`, as the same objects, so `tf.math.exp is tf.exp`.
"""
from .coverage import missing as _missing
from .ops.accumulate import add_n
from .ops.math import (abs, add, argmax, argmin, ceil, cos, divide, divide_no_nan, equal, exp,
                       floor, floordiv, floormod, greater, greater_equal, less, less_equal, log,
                       log1p, logical_and, logical_not, logical_or, logical_xor, maximum, minimum,
                       multiply, negative, not_equal, pow, reciprocal, round, rsqrt, sigmoid,
                       sign, sin, softplus, sqrt, square, squared_difference, subtract, tanh,
                       truediv)
from .ops.reduce import (reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
                         reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance)

__all__ = [name for name in dir() if not name.startswith("_")]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('math', __name__, name)
