"""`tapeviz.math`: the public `tf.math` namespace, TF's names for the registry rows.

The rows themselves (forward, VJP, display) are defined in `tapeviz/ops/math.py`,
`tapeviz/ops/compare.py`, `tapeviz/ops/assign.py`, `tapeviz/ops/accumulate.py` and
`tapeviz/ops/reduce.py`; this module only gathers them
under `tf.math`, as the same objects, so `tf.math.exp is tf.exp`; the few `tf.math` functions
that TF composes of other ops (count_nonzero, log_sigmoid, ...) are composed here the same way.
"""
from .coverage import missing as _missing
from . import arguments as _arguments
from . import dtypes as _dtypes
from .creation import zeros_like as _zeros_like
from .dispatch import name_scope as _name_scope
from .errors import DTypeError as _DTypeError, ShapeError as _ShapeError
from .counting import bincount, confusion_matrix, in_top_k, zero_fraction
from .nn import l2_normalize, log_softmax, softmax, softsign
from .ops.accumulate import add_n
from .ops.assign import cast as _cast
from .ops.math import (abs, acos, add, asin, atan, ceil, cos, cosh, divide, divide_no_nan, erf,
                       erfc, exp,
                       expm1, floor, floordiv, floormod, log, log1p, maximum, minimum, multiply,
                       negative, pow, reciprocal, round, rsqrt, sigmoid, sign, sin, sinh,
                       softplus, sqrt, square, squared_difference, subtract, tan, tanh, truediv)
from .ops.compare import (argmax, argmin, equal, greater, greater_equal, is_finite, is_inf,
                          is_nan, less, less_equal, logical_and, logical_not, logical_or,
                          logical_xor, not_equal)
from .ops.scan import cumsum
from .ops.sort import top_k
from .ops.segment import (segment_max, segment_mean, segment_min, segment_prod, segment_sum,
                          unsorted_segment_max, unsorted_segment_mean, unsorted_segment_min,
                          unsorted_segment_prod, unsorted_segment_sqrt_n, unsorted_segment_sum)
from .tensor import Tensor as _Tensor, wrap as _wrap
from .ops.reduce import (reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
                         reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance)



def count_nonzero(input, axis=None, keepdims=None, dtype=_dtypes.int64, name=None):
    """How many values of `input` are not zero (not False), over `axis` (all by default).

    >>> import tapeviz as tf
    >>> int(tf.math.count_nonzero([[0, 1], [2, 0]]))
    2
    """
    keep = _arguments.flag("count_nonzero", "keepdims", keepdims, default=False)
    with _name_scope("count_nonzero"):
        nonzero = _cast(not_equal(input, _zeros_like(input)), _dtypes.int64)
        return _cast(reduce_sum(nonzero, axis=axis, keepdims=keep), dtype)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)), computed as -softplus(-x) so it never takes log(0).

    >>> import tapeviz as tf
    >>> float(tf.math.log_sigmoid(-200.0))
    -200.0
    """
    with _name_scope("log_sigmoid"):
        return negative(softplus(negative(x)))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(input_tensor ** 2)) over `axis` (all by default); for integers, the root
    truncated, in their dtype, as TF's kernel gives it.

    >>> import tapeviz as tf
    >>> float(tf.math.reduce_euclidean_norm([3.0, 4.0]))
    5.0
    """
    with _name_scope("reduce_euclidean_norm"):
        squares = reduce_sum(square(input_tensor), axis=axis, keepdims=keepdims)
        if squares.dtype.is_integer:   # TF's integer kernel: the root truncated, same dtype
            return _cast(floor(sqrt(_cast(squares, _dtypes.float64))), squares.dtype)
        return sqrt(squares)


def scalar_mul(scalar, x, name=None):
    """scalar * x, where scalar must be one value (0-D).

    >>> import tapeviz as tf
    >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
    """
    x = _arguments.tensor_of("scalar_mul", "x", x)
    scalar = scalar if isinstance(scalar, _Tensor) else _wrap(_arguments.array_of(
        "scalar_mul", "scalar", scalar, x._value.dtype))
    if scalar._value.dtype != x._value.dtype:
        raise _DTypeError("scalar_mul", f"scalar and x must have the same dtype; got "
                                        f"{scalar.dtype.name} and {x.dtype.name}")
    if scalar._value.ndim != 0:
        raise _ShapeError("scalar_mul", f"the input scalar must be a 0-D value; got shape "
                                        f"{tuple(scalar.shape)}")
    return multiply(scalar, x)


mod = floormod   # TF's alias

# (pytest, given this file to doctest, rewrites it and adds @py_builtins: not a name of ours)
__all__ = [name for name in dir() if name.isidentifier() and not name.startswith("_")]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('math', __name__, name)


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
