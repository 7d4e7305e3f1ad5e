"""Elementwise math: arithmetic, unary functions, their fused gradients, where and clip.

One `defop` row each. Comparisons, logic and argmax are in ops/compare.py; casts,
identity and variable updates in ops/assign.py; the dtype kinds each kernel accepts in
ops/kinds.py.

Forwards use Python's operators where they exist: on numpy scalars (what 0-d values
are) `a * b` costs ~0.04 us and `np.multiply(a, b)` ~0.6 us.

VJPs are written with tapeviz ops (operators included), so an outer tape records them.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from ..convert import converted_alone
from ..errors import InvalidArgumentError, refusal_class
from ..tensor import Tensor
from .compare import logical_and
from .kinds import _floats_only, _numbers_only, _signed_only, refused_bools
from .registry import defop

POSITIVE = (0.5, 2.0)
_BOOL = np.dtype(np.bool_)
_NDARRAY, _BOOL_SCALAR = np.ndarray, np.bool_


def _zeros(x):
    return x * 0


def _add_forward(x, y):
    """x + y, refusing bools as TF's AddV2 does (numpy adds bools as or). A scalar result's
    type tells, without reading its `.dtype` (which costs more than the addition); two string
    scalars (0-d object arrays) add to Python bytes, made a 0-d string array again."""
    out = x + y
    if type(out) is _NDARRAY:
        if out.dtype is _BOOL:
            raise refused_bools("add")
    elif type(out) is _BOOL_SCALAR:
        raise refused_bools("add")
    elif type(out) is bytes:
        return np.array(out, dtype=object)
    return out


def _multiply(x, y):
    """x * y, refusing bools as TF's Mul does (numpy multiplies bools as and)."""
    out = x * y
    if type(out) is _BOOL_SCALAR or type(out) is _NDARRAY and out.dtype is _BOOL:
        raise refused_bools("multiply")
    return out


def _subtract_explain(x, y):
    """numpy's refusal of bools said as TF's Sub kernel refuses them (add and multiply check
    in their forwards: numpy computes those; subtract's stays operator.sub, a C call)."""
    if np.result_type(x, y) != _BOOL:
        return None
    refused = refused_bools("subtract")
    return refusal_class("subtract"), refused.detail, refused.hint


def _no_integer_zero_divisor(name: str, forward):
    """`forward` refusing an integer divisor of 0, as TF does (numpy gives 0 and a warning)."""
    def checked(x, y):
        if y.dtype.kind in "iu" and np.any(y == 0):
            zeros = np.size(y) - np.count_nonzero(y)
            raise InvalidArgumentError(name, f"integer division by zero: {zeros} of "
                                             f"{np.size(y)} divisors are 0")
        return forward(x, y)
    return checked


# ---- binary arithmetic -------------------------------------------------------------------
# the op of `+` (TF's AddV2, which its operators call); tf.add is the function below
add_v2 = defop("add", _add_forward, label="+", broadcasting=True,
               vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
               doc="x + y elementwise; broadcasts like numpy.")
subtract = defop("subtract", operator.sub, label="−", broadcasting=True,
                 explain=_subtract_explain,
                 vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
                 doc="x - y elementwise; broadcasts like numpy.")
# x * x (one tensor used twice) sends its whole gradient, 2 g x, through the first input
multiply = defop("multiply", _multiply, label="×", broadcasting=True,
                 vjp=(lambda g, ans, x, y: square_grad(x, g) if x is y else g * y,
                      lambda g, ans, x, y: None if x is y else g * x),
                 doc="x * y elementwise; broadcasts like numpy.")
def _integer_quotient_dtype(dtype):
    """The float integers divide in, as TF's truediv casts them: float32 up to 16 bits."""
    return np.float32 if dtype.itemsize <= 2 else np.float64


_FLOAT_SCALARS = frozenset((np.float16, np.float32, np.float64))


def _true_divide(x, y):
    if type(x) not in _FLOAT_SCALARS and x.dtype.kind in "iu":   # no dtype read for `y / 2.0`
        return np.true_divide(x, y, dtype=_integer_quotient_dtype(x.dtype))
    return x / y


# the op of `/` and tf.divide (which convert a non-tensor x to y's dtype, as TF's do);
# tf.math.truediv is the function below
divide = defop("truediv", _true_divide, label="÷", broadcasting=True, domain=POSITIVE,
               vjp=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
               doc="x / y elementwise (integers divide to float32 up to 16 bits, else float64, "
                   "as in TF).")


def add(x, y, name=None):
    """x + y elementwise, as tf.add: x is converted on its own, as TF converts it, so a numpy
    float64 x next to a float32 y is refused where `x + y` converts x to y's dtype.

    >>> import tapeviz as tf
    >>> tf.add(tf.constant([1.0, 2.0]), 1.0).numpy()
    array([2., 3.], dtype=float32)
    """
    if not isinstance(x, Tensor):
        x = converted_alone("add", x, y, "+")
    return add_v2(x, y)


def truediv(x, y, name=None):
    """x / y elementwise, as tf.math.truediv: x is converted on its own, as TF converts it
    (tf.divide and `/` convert a non-tensor x to y's dtype).

    >>> import tapeviz as tf
    >>> tf.math.truediv(tf.constant([1.0, 3.0]), 2.0).numpy()
    array([0.5, 1.5], dtype=float32)
    """
    if not isinstance(x, Tensor):
        x = converted_alone("truediv", x, y, "/")
    return divide(x, y)


def _divide_no_nan_forward(x, y):
    """x / y, and 0 wherever y is 0 (even where x is NaN or inf), as TF's DivNoNan; integers
    divide in float32 up to 16 bits, else float64, as tf.math.divide_no_nan casts them."""
    kind = x.dtype.kind
    if kind == "b":
        raise refused_bools("divide_no_nan")
    if kind in "iu":
        wide = _integer_quotient_dtype(x.dtype)
        x, y = np.asarray(x, wide), np.asarray(y, wide)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.true_divide(x, y)
    return np.where(y == 0, 0, quotient).astype(quotient.dtype, copy=False)


# TF's gradient: both rules divide with no NaN too, so a y of 0 gets gradient 0 in x and y
divide_no_nan = defop("divide_no_nan", _divide_no_nan_forward, label="÷₀", broadcasting=True,
                      vjp=(lambda g, ans, x, y: divide_no_nan(g, y),
                           lambda g, ans, x, y: g * divide_no_nan(divide_no_nan(-x, y), y)),
                      domain=POSITIVE,
                      doc="x / y elementwise, 0 where y is 0 (tf.math.divide_no_nan).")
floordiv = defop("floordiv", _no_integer_zero_divisor("floordiv", operator.floordiv),
                 label="//", broadcasting=True, nondiff=True,
                 domain=POSITIVE, doc="Floor of x / y elementwise.")
floormod = defop("floormod", _no_integer_zero_divisor("floormod", np.mod), label="mod",
                 broadcasting=True, domain=(0.6, 1.9),
                 vjp=lambda g, ans, x, y: (g, -g * floor(x / y)),
                 doc="x - floor(x / y) * y elementwise (Python's %).")


def _log_of_positive(x):
    """log(x), taken as 0 where x <= 0 as TF's Pow gradient takes it, so a NaN power
    (x < 0, y not whole) stays NaN in the exponent's gradient."""
    positive = x > 0
    return where(positive, log(where(positive, x, 1)), 0)


pow = defop("pow", _numbers_only("pow", np.power, 2),
            (lambda g, ans, x, y: pow_grad(x, y, g),
             lambda g, ans, x, y: g * ans * _log_of_positive(x)),
            label="**", broadcasting=True, domain=POSITIVE, doc="x ** y elementwise.")
maximum = defop("maximum", _numbers_only("maximum", np.maximum, 2), label="max",
                broadcasting=True,
                vjp=lambda g, ans, x, y: (where(x >= y, g, 0), where(x >= y, 0, g)),
                doc="Elementwise max of x and y (ties send the gradient to x, as in TF).")
minimum = defop("minimum", _numbers_only("minimum", np.minimum, 2), label="min",
                broadcasting=True,
                vjp=lambda g, ans, x, y: (where(x <= y, g, 0), where(x <= y, 0, g)),
                doc="Elementwise min of x and y (ties send the gradient to x, as in TF).")
squared_difference = defop("squared_difference", lambda x, y: np.square(x - y), label="(x−y)²",
                           broadcasting=True,
                           vjp=lambda g, ans, x, y: (2 * g * (x - y), -2 * g * (x - y)),
                           doc="(x - y) ** 2 elementwise.")

# ---- unary math --------------------------------------------------------------------------
negative = defop("negative", _signed_only("negative", operator.neg), label="−x",
                 vjp=lambda g, ans, x: (-g,), doc="-x elementwise.")
abs = defop("abs", _signed_only("abs", np.abs), label="|x|",
            vjp=lambda g, ans, x: (g * sign(x),), doc="Absolute value elementwise.")
sign = defop("sign", _signed_only("sign", np.sign), vjp=lambda g, ans, x: (_zeros(g),),
             doc="-1, 0 or 1 by the sign of x; its gradient is zero, as in TF.")
exp = defop("exp", _floats_only("exp", np.exp),
            vjp=lambda g, ans, x: (g * ans,), domain=(-3.0, 3.0),
            doc="Elementwise e**x.")
_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)


def _by_python(function):
    """`function` of Python's math (numpy has no erf), value by value: ~0.2 us a value, the
    float64 result rounded to x's dtype."""
    each = np.frompyfunc(function, 1, 1)
    return lambda x: np.asarray(each(x), np.float64).astype(x.dtype, copy=False)[()]


erf = defop("erf", _floats_only("erf", _by_python(math.erf)),
            vjp=lambda g, ans, x: (g * (_TWO_OVER_ROOT_PI * exp(-square(x))),),
            doc="The error function, 2 / sqrt(pi) * integral of exp(-t**2) from 0 to x.")
erfc = defop("erfc", _floats_only("erfc", _by_python(math.erfc)),
             vjp=lambda g, ans, x: (g * (-_TWO_OVER_ROOT_PI * exp(-square(x))),),
             doc="1 - erf(x), exact where erf(x) is near 1 (gelu's negative side).")
log = defop("log", _floats_only("log", np.log), vjp=lambda g, ans, x: (g / x,), domain=POSITIVE,
            doc="Natural logarithm elementwise.")
log1p = defop("log1p", _floats_only("log1p", np.log1p),
              vjp=lambda g, ans, x: (g / (1 + x),), domain=(-0.5, 2.0),
              doc="log(1 + x) elementwise, accurate near 0.")
sqrt = defop("sqrt", _floats_only("sqrt", np.sqrt),
             vjp=lambda g, ans, x: (sqrt_grad(ans, g),), domain=POSITIVE,
             label="√", doc="Square root elementwise.")
rsqrt = defop("rsqrt", _floats_only("rsqrt", lambda x: 1 / np.sqrt(x)),
              label="1/√", domain=POSITIVE,
              vjp=lambda g, ans, x: (rsqrt_grad(ans, g),),
              doc="1 / sqrt(x) elementwise.")
square = defop("square", _numbers_only("square", np.square), label="x²",
               vjp=lambda g, ans, x: (square_grad(x, g),), doc="x * x elementwise.")
reciprocal = defop("reciprocal", _floats_only("reciprocal", np.reciprocal), label="1/x",
                   domain=POSITIVE,
                   vjp=lambda g, ans, x: (reciprocal_grad(ans, g),), doc="1 / x elementwise.")
sin = defop("sin", _floats_only("sin", np.sin),
            vjp=lambda g, ans, x: (sin_grad(x, g),), domain=(-3.0, 3.0),
            doc="Sine elementwise.")
cos = defop("cos", _floats_only("cos", np.cos),
            vjp=lambda g, ans, x: (cos_grad(x, g),), domain=(-3.0, 3.0),
            doc="Cosine elementwise.")
tanh = defop("tanh", _floats_only("tanh", np.tanh),
             vjp=lambda g, ans, x: (tanh_grad(ans, g),), kind="activation",
             domain=(-3.0, 3.0), doc="Hyperbolic tangent elementwise.")
tan = defop("tan", _floats_only("tan", np.tan), vjp=lambda g, ans, x: (g * (1.0 + ans * ans),),
            domain=(-1.2, 1.2), doc="Tangent elementwise.")
atan = defop("atan", _floats_only("atan", np.arctan),
             vjp=lambda g, ans, x: (g / (1.0 + x * x),), doc="Arctangent elementwise.")
asin = defop("asin", _floats_only("asin", np.arcsin),
             vjp=lambda g, ans, x: (g * rsqrt(1.0 - x * x),), domain=(-0.9, 0.9),
             doc="Arcsine elementwise (NaN outside [-1, 1]).")
acos = defop("acos", _floats_only("acos", np.arccos),
             vjp=lambda g, ans, x: (-g * rsqrt(1.0 - x * x),), domain=(-0.9, 0.9),
             doc="Arccosine elementwise (NaN outside [-1, 1]).")
sinh = defop("sinh", _floats_only("sinh", np.sinh), vjp=lambda g, ans, x: (g * cosh(x),),
             doc="Hyperbolic sine elementwise.")
cosh = defop("cosh", _floats_only("cosh", np.cosh), vjp=lambda g, ans, x: (g * sinh(x),),
             doc="Hyperbolic cosine elementwise.")
expm1 = defop("expm1", _floats_only("expm1", np.expm1), vjp=lambda g, ans, x: (g * (ans + 1.0),),
              domain=(-3.0, 3.0), doc="exp(x) - 1 elementwise, exact near 0.")


def _sigmoid(x):
    # split by sign so exp never overflows
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


sigmoid = defop("sigmoid", _floats_only("sigmoid", _sigmoid),
                vjp=lambda g, ans, x: (sigmoid_grad(ans, g),),
                kind="activation", domain=(-4.0, 4.0), label="σ", doc="1 / (1 + exp(-x)).")


def _softplus(x):
    return (np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)).astype(x.dtype, copy=False)


softplus = defop("softplus", _floats_only("softplus", _softplus),
                 vjp=lambda g, ans, x: (softplus_grad(g, x),),
                 kind="activation", domain=(-4.0, 4.0), inputs=("features",),
                 doc="log(1 + exp(x)), overflow-safe.")
round = defop("round", _numbers_only("round", np.round), nondiff=True, inputs=("x",),
              doc="Round half to even, as TF does.")
floor = defop("floor", _floats_only("floor", np.floor),
              nondiff=True, doc="Largest integer <= x, elementwise.")
ceil = defop("ceil", _floats_only("ceil", np.ceil),
             nondiff=True, doc="Smallest integer >= x, elementwise.")

# ---- gradient ops: unary VJPs as one op each, like TF's raw_ops TanhGrad, SigmoidGrad, ...
# `g * (1 - ans * ans)` is three dispatches and `tanh_grad(ans, g)` one (a dispatch costs
# ~1 us of Python). Their own VJPs are written with tapeviz ops, so nested tapes still give
# higher derivatives. Arguments follow TF: the op's output y (or its input x, where TF has
# no fused op) and the upstream gradient dy. Not exported: they appear in backward passes.
PAIR_SAMPLES = ((((3,), (3,)), {}), (((2, 3), (2, 3)), {}))


def _zero_where_no_gradient(dy, gradient):
    """`gradient()` where dy != 0, else 0, as TF's SqrtGrad, RsqrtGrad and ReciprocalGrad
    kernels: `tf.where(x > 0, tf.sqrt(x), 0.)` then has a finite gradient at x = 0."""
    # a numpy scalar's comparison is a bool already: its .all() is a reduce, ~10k instructions
    if (dy != 0 if type(dy) is not _NDARRAY else (dy != 0).all()):
        return gradient()
    with np.errstate(all="ignore"):
        value = gradient()
        return np.where(dy == 0, 0, value).astype(np.result_type(value), copy=False)


sqrt_grad = defop("sqrt_grad", lambda y, dy: _zero_where_no_gradient(dy, lambda: dy * 0.5 / y),
                  label="√′", domain=POSITIVE,
                  vjp=(lambda g, ans, y, dy: -g * ans / y, lambda g, ans, y, dy: sqrt_grad(y, g)),
                  samples=PAIR_SAMPLES, doc="dy * 0.5 / y, y = sqrt(x): the VJP of sqrt.")
rsqrt_grad = defop("rsqrt_grad", lambda y, dy: _zero_where_no_gradient(
                       dy, lambda: -0.5 * dy * y * y * y), label="(1/√)′",
                   vjp=(lambda g, ans, y, dy: -1.5 * g * dy * y * y,
                        lambda g, ans, y, dy: rsqrt_grad(y, g)),
                   domain=POSITIVE, samples=PAIR_SAMPLES,
                   doc="-0.5 * dy * y ** 3, y = rsqrt(x): the VJP of rsqrt.")
square_grad = defop("square_grad", lambda x, dy: 2 * dy * x, label="(x²)′",
                    vjp=(lambda g, ans, x, dy: 2 * g * dy, lambda g, ans, x, dy: square_grad(x, g)),
                    samples=PAIR_SAMPLES, doc="2 * dy * x: the VJP of square.")
# TF's `grad * y * pow(x, y - 1)` as one op (four dispatches before: ~15k instructions a
# `** 2` of the lecture's regression); its VJP is pow_grad again and pow's, so nested
# tapes still differentiate it
pow_grad = defop("pow_grad", lambda x, y, dy: dy * y * np.power(x, y - 1), label="(xʸ)′",
                 broadcasting=True, domain=POSITIVE,
                 vjp=(lambda g, ans, x, y, dy: pow_grad(x, y - 1, g * dy * y),
                      lambda g, ans, x, y, dy:
                      g * dy * pow(x, y - 1) * (1 + y * _log_of_positive(x)),
                      lambda g, ans, x, y, dy: pow_grad(x, y, g)),
                 samples=((((2, 3), (2, 3), (2, 3)), {}), (((3,), (), (2, 3)), {})),
                 doc="dy * y * x ** (y - 1): the VJP of pow in x.")
reciprocal_grad = defop("reciprocal_grad", lambda y, dy: _zero_where_no_gradient(
                            dy, lambda: -dy * y * y), label="(1/x)′",
                        vjp=(lambda g, ans, y, dy: -2 * g * dy * y,
                             lambda g, ans, y, dy: reciprocal_grad(y, g)),
                        domain=POSITIVE, samples=PAIR_SAMPLES,
                        doc="-dy * y ** 2, y = 1 / x: the VJP of reciprocal.")
sin_grad = defop("sin_grad", lambda x, dy: dy * np.cos(x), label="sin′", domain=(-3.0, 3.0),
                 vjp=(lambda g, ans, x, dy: cos_grad(x, g * dy),
                      lambda g, ans, x, dy: sin_grad(x, g)),
                 samples=PAIR_SAMPLES, doc="dy * cos(x): the VJP of sin.")
cos_grad = defop("cos_grad", lambda x, dy: -dy * np.sin(x), label="cos′", domain=(-3.0, 3.0),
                 vjp=(lambda g, ans, x, dy: -sin_grad(x, g * dy),
                      lambda g, ans, x, dy: cos_grad(x, g)),
                 samples=PAIR_SAMPLES, doc="-dy * sin(x): the VJP of cos.")
tanh_grad = defop("tanh_grad", lambda y, dy: dy * (1 - y * y), label="tanh′", domain=(-3.0, 3.0),
                  vjp=(lambda g, ans, y, dy: -2 * g * dy * y,
                       lambda g, ans, y, dy: tanh_grad(y, g)),
                  samples=PAIR_SAMPLES, doc="dy * (1 - y ** 2), y = tanh(x): the VJP of tanh.")
sigmoid_grad = defop("sigmoid_grad", lambda y, dy: dy * y * (1 - y), label="σ′",
                     vjp=(lambda g, ans, y, dy: g * dy * (1 - 2 * y),
                          lambda g, ans, y, dy: sigmoid_grad(y, g)),
                     samples=PAIR_SAMPLES,
                     doc="dy * y * (1 - y), y = sigmoid(x): the VJP of sigmoid.")
softplus_grad = defop("softplus_grad", lambda gradients, features: gradients * _sigmoid(features),
                      label="softplus′", domain=(-4.0, 4.0),
                      vjp=(lambda g, ans, gradients, features: softplus_grad(g, features),
                           lambda g, ans, gradients, features:
                           sigmoid_grad(sigmoid(features), g * gradients)),
                      samples=PAIR_SAMPLES,
                      doc="gradients * sigmoid(features): the VJP of softplus.")

# ---- selection and clipping ----------------------------------------------------------------


def _where_forward(condition, x=None, y=None):
    if x is None and y is None:  # TF's one-argument form: the int64 coordinates of the trues
        if np.ndim(condition) == 0:
            raise InvalidArgumentError("where", "the condition alone must have rank >= 1 (its "
                                                "true values' coordinates are returned); got "
                                                "a scalar")
        return np.argwhere(condition).astype(np.int64)
    if x is None or y is None:
        raise InvalidArgumentError("where", "x and y must both be given, or neither (then "
                                            "where returns the coordinates of the true values)")
    return np.where(condition, x, y)


def _where_vjp(g, ans, condition, x=None, y=None):
    if x is None:
        return (None,)
    return None, where(condition, g, 0), where(condition, 0, g)


where = defop("where", _where_forward, _where_vjp, broadcasting=True, dtype_args=(1, 2),
              samples=(((np.array([True, False, True]), (3,), (3,)), {}),
                       ((np.array([[True], [False]]), (2, 3), (3,)), {})),
              inputs=("condition", "x", "y"),
              doc="Elementwise x where condition is true, else y; broadcasts. With the "
                  "condition alone: the coordinates of its true (nonzero) values, int64 "
                  "(N, rank).")


def _clip_forward(t, clip_value_min, clip_value_max):
    # TF's order: the max bound first, so where min > max the result is min, as in TF
    return np.maximum(np.minimum(t, clip_value_max), clip_value_min)


def _clip_vjp(g, ans, t, low, high):
    """TF's gradient of maximum(minimum(t, high), low): ties go to t."""
    capped = minimum(t, high)
    passes = capped >= low
    return (where(logical_and(t <= high, passes), g, 0), where(capped < low, g, 0),
            where(logical_and(t > high, passes), g, 0))


clip_by_value = defop("clip_by_value", _clip_forward, _clip_vjp, broadcasting=True, label="clip",
                      inputs=("t", "clip_value_min", "clip_value_max"),
                      samples=((((2, 3), (), ()), {}),), domain=(-2.0, 2.0),
                      doc="t clipped to [clip_value_min, clip_value_max] elementwise.")
