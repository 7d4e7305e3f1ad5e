"""Reductions over axes (int, list, negative) with keepdims: one `defop` row each.

The public functions take TensorFlow's signatures and normalize `axis`; the rows see
a tuple of non-negative axes (or None) so VJPs can re-expand gradients.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import arguments
from ..dispatch import name_scope
from ..errors import DTypeError, attr_words, kernel_words
from ..dispatch_inputs import float_constant
from ..string_values import math_refusal
from ..tensor import wrap
from .axes import normalize_axes
from .registry import defop
from . import assign as _assign, compare as _compare, join as _join, math as _m
from .unheard import unheard

REDUCE_SAMPLES = ((((2, 3),), {"axis": None, "keepdims": False}),
                  (((2, 3, 4),), {"axis": (0, 2), "keepdims": False}),
                  (((2, 3),), {"axis": (1,), "keepdims": True}))
BOOL_SAMPLES = (((np.array([[True, False, True], [False, False, True]]),),
                 {"axis": None, "keepdims": False}),
                ((np.array([[True, False], [True, True]]),), {"axis": (1,), "keepdims": True}))


def _numbers_only(name: str, forward):
    """`forward` refusing bools and strings, as TF's Sum, Mean, Prod, Max and Min kernels do
    (numpy's sum of bools is an or when kept bool, of bytes their join)."""
    def checked(x, *, axis, keepdims):
        kind = x.dtype.kind
        if kind == "b":
            raise DTypeError(name, f"expected a numeric tensor; got dtype bool{attr_words('bool')}",
                             hint="count the trues with tf.reduce_sum(tf.cast(x, tf.int32)), "
                                  "or use tf.reduce_any / tf.reduce_all")
        if kind == "O":
            raise math_refusal(name, (x,))
        return forward(x, axis=axis, keepdims=keepdims)
    return checked


def _floats_only(name: str, forward):
    """`forward` refusing ints and bools, as TF's reduce_logsumexp does (its Exp kernel takes
    floats only; numpy's, kept int, would truncate log(e + e**2 + e**3) to 3)."""
    def checked(x, *, axis, keepdims):
        if x.dtype.kind != "f":
            got = x.dtype.name
            raise DTypeError(name, f"expected a floating (float16/32/64) tensor; got dtype "
                                   f"{got}{attr_words(got)}",
                             hint="convert it first: tf.cast(x, tf.float32)")
        return forward(x, axis=axis, keepdims=keepdims)
    return checked


def _bools_only(name: str, forward):
    """`forward` refusing non-bools, as TF's Any and All kernels do."""
    def checked(x, *, axis, keepdims):
        if x.dtype.kind != "b":
            raise DTypeError(name, f"expected a bool tensor; got dtype {x.dtype.name}"
                                   f"{kernel_words(name, 0, 'bool', x.dtype.name)}",
                             hint="compare first, e.g. tf.reduce_any(x != 0)")
        return forward(x, axis=axis, keepdims=keepdims)
    return checked


def _reduced_shape(shape: tuple, axis, keepdims: bool) -> tuple:
    reduced = [axis is None or i in axis for i in range(len(shape))]
    return tuple(1 if gone else n for n, gone in zip(shape, reduced) if keepdims or not gone)


def _extreme_forward(reduce, identity):
    """np.max or np.min, giving TF's identity (-inf / +inf, an int's lowest / highest) over an
    empty axis, where numpy raises."""
    def forward(x, *, axis, keepdims):
        if x.size == 0:
            limits = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
            value = identity(x.dtype, limits)
            return np.full(_reduced_shape(x.shape, axis, keepdims), value, dtype=x.dtype)
        return reduce(x, axis=axis, keepdims=keepdims)
    return forward


def _lowest(dtype, limits):
    return -np.inf if dtype.kind == "f" else limits.min


def _highest(dtype, limits):
    return np.inf if dtype.kind == "f" else limits.max


def _expand(g, x, axis, keepdims):
    """The reduced gradient reshaped so it broadcasts against x."""
    if keepdims:
        return g
    # the row: a shape of ints, known good
    return _shape._reshape(g, shape=_expanded(np.shape(x._value), axis))


def _expanded(shape: tuple, axis) -> tuple:
    """`shape` with its reduced axes of length 1."""
    return tuple([1 if axis is None or i in axis else n for i, n in enumerate(shape)])


# the float dtypes np.mean sums in their own precision, and the counts below which each holds
# the count exactly: there, dividing by the Python int gives np.mean's bits (it divides by an
# intp in float64 and rounds back: double rounding of a quotient is exact from 53 bits to 24)
_EXACT_COUNTS = {np.dtype(np.float32): 1 << 24, np.dtype(np.float64): 1 << 53}


def _count(x, axis) -> int:
    """How many values of `x` each reduced value stands for (the axes are distinct)."""
    shape = np.shape(x._value)
    return math.prod(shape) if axis is None else math.prod([shape[i] for i in axis])


def _sum_by_matmul(x, axis, keepdims):
    """(sum, count reduced) of a C-contiguous float32/64 `x` over one run of consecutive
    axes followed by a short kept tail (a bias gradient, a global average pool), as a matmul
    with ones; numpy's own loop adds such rows 16 values at a time (0.38 ms against 0.02 ms
    on 32x24x24x16). None when that does not apply or the sum is not finite (numpy's sum
    then gives its exact value and its warning)."""
    if axis is None or not axis or x.dtype not in _MATMUL_FLOATS or not x.flags.c_contiguous:
        return None
    first, last = min(axis), max(axis)
    shape = x.shape
    reduced = math.prod(shape[first:last + 1])
    tail = math.prod(shape[last + 1:])
    if last - first + 1 != len(axis) or not 0 < tail < 128 or reduced < 64:
        return None  # a tail of 0 (an empty kept axis) cannot be reshaped to (-1, reduced, 0)
    with np.errstate(all="ignore"):
        total = np.matmul(_ones(reduced, x.dtype), x.reshape(-1, reduced, tail))
        if not math.isfinite(total.sum()):  # one NaN or Inf makes the sum so (or an overflow)
            return None
    kept = [1 if i in axis else n for i, n in enumerate(shape) if keepdims or i not in axis]
    return total.reshape(kept), reduced


_MATMUL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


_MOST_KEPT_ONES = 1 << 16  # a bias gradient's 32x26x26 rows; 16 kept vectors stay <= 8 MB


def _ones(count: int, dtype) -> np.ndarray:
    """A vector of `count` ones: kept from call to call up to _MOST_KEPT_ONES (np.ones costs
    ~3 us a call), made each time past it, so a large reduction's ones are not held."""
    return _kept_ones(count, dtype) if count <= _MOST_KEPT_ONES else np.ones(count, dtype)


@functools.lru_cache(maxsize=16)
def _kept_ones(count: int, dtype) -> np.ndarray:
    ones = np.ones(count, dtype)
    ones.flags.writeable = False  # shared by every call: nobody may change it
    return ones


def _sum_forward(x, *, axis, keepdims):
    summed = _sum_by_matmul(x, axis, keepdims)
    if summed is not None:
        return summed[0]
    # np.sum's loop, without its Python wrapper
    return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _mean_forward(x, *, axis, keepdims):
    summed = _sum_by_matmul(x, axis, keepdims)
    if summed is not None:
        return summed[0] / summed[1]
    if x.dtype in _EXACT_COUNTS and x.size:   # np.mean's own sum and division, without its
        #                                       Python (~10 us a call on a batch's losses)
        count = x.size if axis is None else math.prod(x.shape[i] for i in axis)
        if count < _EXACT_COUNTS[x.dtype]:
            return np.add.reduce(x, axis=axis, keepdims=keepdims) / count
    mean = np.mean(x, axis=axis, keepdims=keepdims)
    return mean if x.dtype.kind == "f" else np.trunc(mean).astype(x.dtype)


def _extreme_vjp(g, ans, x, *, axis, keepdims):
    # ties share the gradient equally, as TF does
    hits = _assign.cast(_compare.equal(x, _expand(ans, x, axis, keepdims)), x.dtype)
    return (_expand(g, x, axis, keepdims) * hits / _sum(hits, axis=axis, keepdims=True),)


def _prod_vjp(g, ans, x, *, axis, keepdims):
    return (_expand(g, x, axis, keepdims) * _product_of_others(x, axis),)


def _product_of_others(x, axis):
    """For each element, the product of the other elements it was reduced with.

    Exclusive prefix and suffix products, multiplied: exact with zeros (no division),
    and made of tapeviz ops, so an outer tape differentiates it again (reduce_prod's
    second derivative, the products of the other pairs, comes from there)."""
    shape = np.shape(x._value)
    reduced = list(range(len(shape))) if axis is None else list(axis)
    perm = reduced + [i for i in range(len(shape)) if i not in reduced]
    moved = x if perm == sorted(perm) else _shape._transpose(x, perm=tuple(perm))
    moved_shape = [shape[i] for i in perm]
    count = int(np.prod(moved_shape[:len(reduced)], dtype=np.int64))
    if count == 0:
        return x
    rows = _shape._reshape(moved, shape=(count, -1))  # one row per reduced element
    one = wrap(np.ones((1, np.shape(rows._value)[1]), dtype=x._value.dtype))
    before = _join._concat(one, _cumprod_rows(rows)[:-1], axis=0)
    after = _join._concat(_cumprod_rows(rows, reverse=True)[1:], one, axis=0)
    others = _shape._reshape(before * after, shape=tuple(moved_shape))
    return others if moved is x else _shape._transpose(others, perm=tuple(np.argsort(perm)))


def _cumprod_rows(rows, reverse=False):
    """Inclusive cumulative product down axis 0 (from the end when `reverse`), by doubling:
    log2(n) rounds of slices and multiplies (Hillis and Steele's scan)."""
    step, count = 1, np.shape(rows._value)[0]
    while step < count:
        if reverse:
            rows = _join._concat(rows[:-step] * rows[step:], rows[-step:], axis=0)
        else:
            rows = _join._concat(rows[:step], rows[step:] * rows[:-step], axis=0)
        step *= 2
    return rows


def _logsumexp_forward(x, *, axis, keepdims):
    if x.size == 0:  # log(0): TF's -inf over an empty axis
        return np.full(_reduced_shape(x.shape, axis, keepdims), -np.inf, dtype=x.dtype)
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return (out if keepdims else np.squeeze(out, axis=axis)).astype(x.dtype, copy=False)


def _logsumexp_vjp(g, ans, x, *, axis, keepdims):
    """TF's: the softmax of x over the axes, exp(x - max) / sum(exp(x - max)) (not exp(x -
    ans), whose float32 rounding of a large ans is off by 1e-5 of the gradient)."""
    peak = np.max(x._value, axis=axis, keepdims=True) if np.size(x._value) else 0
    shift = wrap(np.where(np.isfinite(peak), peak, 0).astype(x._value.dtype))
    e = _m.exp(x - shift)
    return (_expand(g, x, axis, keepdims) * e / _sum(e, axis=axis, keepdims=True),)


def _spread(g, x, axis, keepdims, count=None):
    """reduce_sum's VJP (reduce_mean's, divided by `count`): g laid back over the reduced
    axes of x. In numpy by the very rows' forwards while nobody can tell (unheard.py:
    no tape records the pass, no one hears reshape, truediv or broadcast_to), else by them."""
    upstream, shape = g._value, np.shape(x._value)
    if isinstance(upstream, _FLOAT_VALUES) and upstream.dtype.kind == "f" \
            and unheard(_shape._reshape, _m.divide, _shape._broadcast_to):
        if not keepdims:
            upstream = _shape._reshape.forward(upstream, shape=_expanded(shape, axis))
        if count is not None:
            upstream = _m.divide.forward(upstream, float_constant(count, upstream.dtype.type))
        return (wrap(_shape._broadcast_to.forward(upstream, shape=shape)),)
    spread = _expand(g, x, axis, keepdims)
    return (_shape._broadcast_to(spread if count is None else spread / count, shape=shape),)


_FLOAT_VALUES = (np.ndarray, np.floating)


_sum = defop("reduce_sum", _numbers_only("reduce_sum", _sum_forward), kind="reduce", label="Σ",
             samples=REDUCE_SAMPLES,
             vjp=lambda g, ans, x, *, axis, keepdims: _spread(g, x, axis, keepdims),
             doc="Sum over axes.")
_mean = defop("reduce_mean", _numbers_only("reduce_mean", _mean_forward), kind="reduce",
              label="mean", samples=REDUCE_SAMPLES,
              vjp=lambda g, ans, x, *, axis, keepdims:
              _spread(g, x, axis, keepdims, _count(x, axis)),
              doc="Mean over axes (integer inputs truncate, as in TF).")
_max = defop("reduce_max", _numbers_only("reduce_max", _extreme_forward(np.max, _lowest)),
             _extreme_vjp, kind="reduce", label="max", samples=REDUCE_SAMPLES,
             doc="Maximum over axes.")
_min = defop("reduce_min", _numbers_only("reduce_min", _extreme_forward(np.min, _highest)),
             _extreme_vjp, kind="reduce", label="min", samples=REDUCE_SAMPLES,
             doc="Minimum over axes.")
_prod = defop("reduce_prod", _numbers_only(
              "reduce_prod",
              lambda x, *, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)),
              _prod_vjp, kind="reduce", label="Π", samples=REDUCE_SAMPLES,
              doc="Product over axes.")
_logsumexp = defop("reduce_logsumexp", _floats_only("reduce_logsumexp", _logsumexp_forward),
                   kind="reduce", label="logΣexp",
                   samples=REDUCE_SAMPLES,
                   vjp=_logsumexp_vjp,
                   doc="log(sum(exp(x))) over axes, computed stably.")
_any = defop("reduce_any", _bools_only(
             "reduce_any", lambda x, *, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims)),
             kind="reduce", label="any", nondiff=True, samples=BOOL_SAMPLES,
             doc="Logical or over axes.")
_all = defop("reduce_all", _bools_only(
             "reduce_all", lambda x, *, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims)),
             kind="reduce", label="all", nondiff=True, samples=BOOL_SAMPLES,
             doc="Logical and over axes.")


def _reduction(row, op_name, doc):
    def reduce(input_tensor, axis=None, keepdims=False, name=None):
        rank = arguments.rank_of(op_name, "input_tensor", input_tensor)
        return row(input_tensor, axis=normalize_axes(op_name, axis, rank),
                   keepdims=arguments.flag(op_name, "keepdims", keepdims, default=False))
    reduce.__name__ = reduce.__qualname__ = op_name
    # so tracebacks and errors (which name the function the user called) say reduce_sum;
    # code objects have a co_qualname from Python 3.11 on
    code = reduce.__code__
    names = {"co_qualname": op_name} if hasattr(code, "co_qualname") else {}
    reduce.__code__ = code.replace(co_name=op_name, **names)
    reduce.__doc__ = doc
    return reduce


reduce_sum = _reduction(_sum, "reduce_sum", """Sum of elements over `axis` (all when None).

    >>> import tapeviz as tf
    >>> tf.reduce_sum([[1, 2], [3, 4]], axis=-1).numpy()
    array([3, 7], dtype=int32)
    """)
reduce_mean = _reduction(_mean, "reduce_mean", "Mean of elements over `axis` (all when None).")
reduce_max = _reduction(_max, "reduce_max", "Maximum over `axis` (all when None).")
reduce_min = _reduction(_min, "reduce_min", "Minimum over `axis` (all when None).")
reduce_prod = _reduction(_prod, "reduce_prod", "Product over `axis` (all when None).")
reduce_logsumexp = _reduction(_logsumexp, "reduce_logsumexp",
                              "log(sum(exp(x))) over `axis`, computed stably.")


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Mean of squared deviations from the mean over `axis` (all when None), as TF's:
    a composite of mean, subtract, square and mean under the scope "reduce_variance".

    >>> import tapeviz as tf
    >>> tf.math.reduce_variance([[1.0, 2.0], [3.0, 4.0]], axis=0).numpy()
    array([1., 1.], dtype=float32)
    """
    with name_scope(name or "reduce_variance"):
        means = reduce_mean(input_tensor, axis=axis, keepdims=True)
        if not means.dtype.is_floating:
            raise DTypeError("reduce_variance", f"input must be a floating tensor; got "
                                                f"{means.dtype.name}",
                             hint="convert it first: tf.cast(x, tf.float32)")
        return reduce_mean(_m.square(_m.subtract(input_tensor, means)), axis=axis,
                           keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(reduce_variance(...)), as TF's (zero for a constant slice, where its gradient
    is NaN in TF too).

    >>> import tapeviz as tf
    >>> tf.math.reduce_std([[1.0, 2.0], [3.0, 4.0]], axis=1).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    with name_scope(name or "reduce_std"):
        return _m.sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


reduce_any = _reduction(_any, "reduce_any", "Logical or over `axis` (all when None).")
reduce_all = _reduction(_all, "reduce_all", "Logical and over `axis` (all when None).")

from . import shape as _shape  # noqa: E402  (shape's VJPs use reductions too)
