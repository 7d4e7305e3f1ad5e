"""The differential cases: each a small function of a `tf` module, run unchanged under
TensorFlow (record.py) and tapeviz (tests/test_tf_fidelity.py). Never imports tensorflow.

`case(name, *inputs)` registers one; numpy inputs become constants (float ones watched
for gradients), other inputs pass as they are. `op=` names the op an error must name
(default: the last dotted part before the "/": "exp" for "math.exp/int32"). A case
whose result differs from TensorFlow is listed, with its reason, in differences.py:
DELIBERATE (also a row of README's "Differences from TensorFlow") or TO_FIX. Neither is
skipped: the replay asserts they still differ, so a fix shows. Random ops are compared by
what must hold of a draw. A `fresh` case is replayed in a new interpreter: its result
depends on what the process made before it (other tests' live variables hold their names,
the global step counts on).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .harness import cotangent, spread


@dataclass
class Case:
    name: str
    fn: Callable
    inputs: tuple
    grad: bool = True
    op: str | None = None
    rtol: float | None = None
    atol: float | None = None
    fresh: bool = False   # its result depends on process state (names, the global step)

    @property
    def op_name(self) -> str:
        return self.op or self.name.split("/")[0].split(".")[-1]


CASES: dict[str, Case] = {}


def case(name, *inputs, grad=True, op=None, rtol=None, atol=None, fresh=False):
    def register(fn):
        if name in CASES:
            raise ValueError(f"case {name!r} is defined twice")
        CASES[name] = Case(name, fn, tuple(inputs), grad, op, rtol, atol, fresh)
        return fn
    return register


def add_case(name, fn, *inputs, **options):
    case(name, *inputs, **options)(fn)


def f32(*shape, seed=1, low=-2.0, high=2.0):
    return spread(shape, seed, low, high, "float32")


def f64(*shape, seed=1, low=-2.0, high=2.0):
    return spread(shape, seed, low, high, "float64")


def i32(*shape, seed=1, low=-5, high=5):
    return np.floor(spread(shape, seed, low, high, "float64")).astype(np.int32)


def a32(values):
    return np.array(values, dtype=np.float32)


def lookup(tf, path: str):
    """`tf.math.exp` for 'math.exp': a dotted name under the module."""
    value = tf
    for part in path.split("."):
        value = getattr(value, part)
    return value


# ---- elementwise unary ops --------------------------------------------------------------------
UNARY = {  # path: (domain low, high)
    "math.abs": (-2, 2), "math.negative": (-2, 2), "math.sign": (-2, 2), "math.exp": (-3, 3),
    "math.log": (0.2, 3), "math.log1p": (-0.5, 2), "math.sqrt": (0.2, 3),
    "math.rsqrt": (0.2, 3), "math.square": (-2, 2), "math.reciprocal": (0.3, 3),
    "math.sin": (-3, 3), "math.cos": (-3, 3), "math.tanh": (-3, 3), "math.sigmoid": (-4, 4),
    "math.softplus": (-4, 4), "math.round": (-3, 3), "math.floor": (-3, 3),
    "math.ceil": (-3, 3), "nn.relu": (-2, 2), "nn.relu6": (-2, 8), "nn.elu": (-2, 2),
    "nn.leaky_relu": (-2, 2), "nn.softmax": (-2, 2), "nn.log_softmax": (-2, 2),
    "identity": (-2, 2), "stop_gradient": (-2, 2),
}
UNARY_SHAPES = {"r0": (), "r1": (5,), "r2": (2, 3), "r4": (2, 1, 2, 3), "empty": (0, 3)}


def _unary(path):
    return lambda tf, x: lookup(tf, path)(x)


for _path, (_low, _high) in UNARY.items():
    for _label, _shape in UNARY_SHAPES.items():
        if _path.startswith("nn.") and "softmax" in _path and _shape == ():
            continue
        add_case(f"{_path}/{_label}", _unary(_path), f32(*_shape, low=_low, high=_high))
    add_case(f"{_path}/f64", _unary(_path), f64(3, 2, low=_low, high=_high))

# edge values: zeros, negatives into log/sqrt, large values, NaN
add_case("math.log/zero_negative_nan", _unary("math.log"), a32([0.0, -1.0, np.nan, 1.0]))
add_case("math.sqrt/zero_negative", _unary("math.sqrt"), a32([0.0, -4.0, 4.0]))
add_case("math.rsqrt/zero", _unary("math.rsqrt"), a32([0.0, 4.0]))
add_case("math.reciprocal/zero", _unary("math.reciprocal"), a32([0.0, -2.0]))
add_case("math.exp/large", _unary("math.exp"), a32([88.0, 89.0, -104.0, 0.0]))
add_case("math.softplus/large", _unary("math.softplus"), a32([-100.0, 30.0, 100.0, 1e4]))
add_case("math.sigmoid/large", _unary("math.sigmoid"), a32([-100.0, -20.0, 20.0, 100.0]))
add_case("math.tanh/large", _unary("math.tanh"), a32([-50.0, 50.0]))
add_case("math.round/halves", _unary("math.round"), a32([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]))
add_case("math.sign/zero_nan", _unary("math.sign"), a32([0.0, -0.0, np.nan, -3.0]), grad=False)
add_case("math.abs/int32", _unary("math.abs"), np.array([-3, 0, 4], np.int32))
add_case("math.square/int32", _unary("math.square"), np.array([-3, 0, 4], np.int32))
add_case("math.negative/int32", _unary("math.negative"), np.array([-3, 0, 4], np.int32))
add_case("math.sign/int32", _unary("math.sign"), np.array([-3, 0, 4], np.int32))
add_case("nn.relu/int32", _unary("nn.relu"), np.array([-3, 0, 4], np.int32))
add_case("nn.relu/zero", _unary("nn.relu"), a32([0.0, -1.0, 1.0]))
add_case("nn.softmax/large", _unary("nn.softmax"), a32([[1000.0, 0.0], [-1000.0, -1000.0]]))
add_case("nn.log_softmax/large", _unary("nn.log_softmax"), a32([[1000.0, 0.0, -5.0]]))
add_case("math.abs/zero", _unary("math.abs"), a32([0.0, -1.0]))
add_case("math.exp/int32", _unary("math.exp"), np.array([1, 2], np.int32), op="exp")
add_case("math.log/int32", _unary("math.log"), np.array([1, 2], np.int32), op="log")
add_case("math.sqrt/int32", _unary("math.sqrt"), np.array([1, 4], np.int32), op="sqrt")
add_case("math.sigmoid/int32", _unary("math.sigmoid"), np.array([1, 4], np.int32),
         op="sigmoid")
add_case("math.exp/python_list", lambda tf: tf.exp([0.0, 1.0]))
add_case("nn.softmax/axis0", lambda tf, x: tf.nn.softmax(x, axis=0), f32(3, 2))
add_case("nn.log_softmax/axis_neg2", lambda tf, x: tf.nn.log_softmax(x, axis=-2), f32(2, 3, 2))
add_case("nn.leaky_relu/alpha", lambda tf, x: tf.nn.leaky_relu(x, alpha=0.1), f32(6))


# ---- elementwise binary ops -------------------------------------------------------------------
BINARY = {  # path: (x domain, y domain)
    "math.add": ((-2, 2), (-2, 2)), "math.subtract": ((-2, 2), (-2, 2)),
    "math.multiply": ((-2, 2), (-2, 2)), "math.truediv": ((-2, 2), (0.5, 2)),
    "math.divide": ((-2, 2), (0.5, 2)), "math.floordiv": ((-3, 3), (0.5, 2)),
    "math.floormod": ((-3, 3), (0.6, 1.9)), "math.pow": ((0.5, 2), (-2, 2)),
    "math.maximum": ((-2, 2), (-2, 2)), "math.minimum": ((-2, 2), (-2, 2)),
    "math.squared_difference": ((-2, 2), (-2, 2)), "math.equal": ((-2, 2), (-2, 2)),
    "math.not_equal": ((-2, 2), (-2, 2)), "math.less": ((-2, 2), (-2, 2)),
    "math.less_equal": ((-2, 2), (-2, 2)), "math.greater": ((-2, 2), (-2, 2)),
    "math.greater_equal": ((-2, 2), (-2, 2)),
}
BROADCAST_PAIRS = {"same": ((2, 3), (2, 3)), "row": ((2, 3), (3,)), "scalar": ((), (2, 1)),
                   "outer": ((3, 1), (1, 4)), "r4": ((2, 1, 2, 3), (2, 1)),
                   "empty": ((0, 3), (3,))}


def _binary(path):
    return lambda tf, x, y: lookup(tf, path)(x, y)


for _path, ((_xl, _xh), (_yl, _yh)) in BINARY.items():
    for _label, (_xs, _ys) in BROADCAST_PAIRS.items():
        add_case(f"{_path}/{_label}", _binary(_path), f32(*_xs, low=_xl, high=_xh),
                 f32(*_ys, seed=2, low=_yl, high=_yh))
    add_case(f"{_path}/f64", _binary(_path), f64(2, 2, low=_xl, high=_xh),
             f64(2, 2, seed=2, low=_yl, high=_yh))
    if _path not in ("math.pow", "math.truediv", "math.divide"):
        add_case(f"{_path}/int32", _binary(_path), i32(2, 3, low=-5, high=5),
                 i32(3, seed=3, low=1, high=4))

for _name in ("logical_and", "logical_or", "logical_xor"):
    add_case(f"math.{_name}/bool", _binary(f"math.{_name}"),
             np.array([[True, False], [True, True]]), np.array([True, False]))
    add_case(f"math.{_name}/int32", _binary(f"math.{_name}"), np.array([1, 0], np.int32),
             np.array([1, 1], np.int32), op=_name)
add_case("math.logical_not/bool", lambda tf, x: tf.math.logical_not(x), np.array([True, False]))
add_case("math.logical_not/int32", lambda tf, x: tf.math.logical_not(x),
         np.array([1, 0], np.int32), op="logical_not")

add_case("math.multiply/bool", _binary("math.multiply"), np.array([True, False]),
         np.array([True, True]), op="multiply")
add_case("math.add/bool", _binary("math.add"), np.array([True]), np.array([True]), op="add")
for _name in ("abs", "square", "maximum", "minimum", "pow"):
    _bools = (np.array([True, False]),) * (2 if _name in ("maximum", "minimum", "pow") else 1)
    add_case(f"math.{_name}/bool", lambda tf, *xs, _name=_name: getattr(tf.math, _name)(*xs),
             *_bools, op=_name)
add_case("nn.relu/bool", lambda tf, x: tf.nn.relu(x), np.array([True, False]), op="relu")
add_case("nn.l2_loss/int32", lambda tf, x: tf.nn.l2_loss(x), np.array([1, 2], np.int32),
         op="l2_loss")
add_case("math.add/list_to_other_dtype", lambda tf: tf.add([1.0, 2.0], tf.constant([1, 2])),
         op="add")
add_case("math.add/float_list_int_list", lambda tf: tf.add([1.0, 2.0], [1, 2]), op="add")
add_case("math.add/mismatch", _binary("math.add"), a32([1.0]), np.array([1], np.int32))
add_case("math.add/f32_f64", _binary("math.add"), a32([1.0]), np.array([1.0]))
add_case("math.add/shapes", _binary("math.add"), f32(2, 3), f32(2, 4), op="add")
add_case("math.add/python_scalar", lambda tf, x: tf.add(x, 2), f32(3))
add_case("math.multiply/python_float_int", lambda tf, x: x * 2.5, i32(3), op="multiply")
add_case("math.floordiv/int_zero", _binary("math.floordiv"), np.array([3, -3], np.int32),
         np.array([0, 2], np.int32), op="floordiv")
add_case("math.floormod/int_zero", _binary("math.floormod"), np.array([3, -3], np.int32),
         np.array([0, 2], np.int32), op="floormod")
add_case("math.floordiv/negative", _binary("math.floordiv"), a32([-7.0, 7.0, -7.5]),
         a32([2.0, -2.0, 2.0]))
add_case("math.floormod/negative", _binary("math.floormod"), a32([-7.0, 7.0, -7.5]),
         a32([2.0, -2.0, 2.0]))
add_case("math.floormod/int_negative", _binary("math.floormod"), np.array([-7, 7], np.int32),
         np.array([2, -2], np.int32))
add_case("math.truediv/int32", _binary("math.truediv"), np.array([3, -3], np.int32),
         np.array([2, 2], np.int32))
add_case("math.truediv/zero", _binary("math.truediv"), a32([1.0, -1.0, 0.0]),
         a32([0.0, 0.0, 0.0]))
add_case("math.pow/negative_base", _binary("math.pow"), a32([-2.0, -0.5, 2.0]),
         a32([2.0, 3.0, 0.5]))
add_case("math.pow/zero_base", _binary("math.pow"), a32([0.0, 0.0]), a32([2.0, 0.5]))
add_case("math.pow/int32", _binary("math.pow"), np.array([2, 3], np.int32),
         np.array([3, 2], np.int32))
add_case("math.maximum/ties", _binary("math.maximum"), a32([1.0, 2.0, 3.0]),
         a32([1.0, 5.0, 3.0]))
add_case("math.minimum/ties", _binary("math.minimum"), a32([1.0, 2.0, 3.0]),
         a32([1.0, 5.0, 3.0]))
add_case("math.maximum/nan", _binary("math.maximum"), a32([np.nan, 1.0]), a32([0.0, np.nan]),
         grad=False)
add_case("math.equal/nan", _binary("math.equal"), a32([np.nan, 1.0]), a32([np.nan, 1.0]))
add_case("operators/mixed", lambda tf, x, y: (x + y) * (x - y) / (y * y + 1.0) - x ** 2,
         f32(2, 3), f32(3, seed=4))
add_case("operators/rpow_rsub_rdiv", lambda tf, x: [2.0 ** x, 1.0 - x, 1.0 / (x + 3.0)], f32(4))
add_case("operators/neg_abs", lambda tf, x: [-x, abs(x)], f32(4))
add_case("operators/compare", lambda tf, x, y: [x < y, x <= y, x > y, x >= y],
         f32(4), f32(4, seed=5))
add_case("operators/mod_floordiv", lambda tf, x: [x % 1.5, x // 1.5], f32(5, low=-4, high=4))
add_case("operators/bool_ops", lambda tf, x, y: [x & y, x | y, x ^ y, ~x],
         np.array([True, False, True]), np.array([True, True, False]))
add_case("operators/matmul", lambda tf, x, y: x @ y, f32(2, 3), f32(3, 2, seed=3))
add_case("operators/eq_shapes_that_do_not_broadcast", lambda tf, x, y: [x == y, x != y],
         f32(2), f32(3, seed=2))


# ---- clip, where, cast ------------------------------------------------------------------------
add_case("clip_by_value/scalars", lambda tf, x: tf.clip_by_value(x, -0.5, 1.0), f32(2, 3))
add_case("clip_by_value/tensors", lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi), f32(2, 3),
         a32([-1.0, -0.5, 0.0]), a32([0.5, 1.0, 1.5]))
add_case("clip_by_value/int32", lambda tf, x: tf.clip_by_value(x, -2, 2), i32(6))
add_case("clip_by_value/min_above_max", lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
         a32([0.0, 3.0, 10.0, 1.0, 5.0]), a32([5.0, 1.0, 1.0, 5.0, 5.0]),
         a32([1.0, 5.0, 5.0, 1.0, 1.0]))
add_case("clip_by_value/ties", lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
         a32([-1.0, 0.5, 1.0, 2.0]), a32([-1.0, -1.0, -1.0, -1.0]), a32([1.0, 1.0, 1.0, 1.0]))
add_case("where/three_args", lambda tf, c, x, y: tf.where(c, x, y), np.array([True, False, True]),
         f32(3), f32(3, seed=2))
add_case("where/broadcast", lambda tf, c, x, y: tf.where(c, x, y),
         np.array([[True], [False]]), f32(2, 3), f32(3, seed=2))
add_case("where/scalar_branch", lambda tf, x: tf.where(x > 0, x, 0.0), f32(5))
add_case("where/one_arg", lambda tf, c: tf.where(c), np.array([[True, False], [False, True]]))
add_case("where/one_arg_1d", lambda tf, c: tf.where(c), np.array([False, True, True]))
add_case("where/one_arg_numbers", lambda tf, x: tf.where(x), a32([0.0, 2.0, -1.0]), grad=False)
add_case("where/one_arg_empty", lambda tf, c: tf.where(c), np.array([False, False]))
add_case("where/guarded_sqrt", lambda tf, x: tf.where(x > 0, tf.sqrt(x), 0.0),
         a32([-1.0, 0.0, 4.0]))
add_case("where/guarded_log", lambda tf, x: tf.where(x > 0, tf.math.log(x), 0.0),
         a32([-1.0, 0.0, 4.0]))
add_case("where/guarded_rsqrt", lambda tf, x: tf.where(x > 0, tf.math.rsqrt(x), 0.0),
         a32([0.0, 4.0]))
add_case("where/guarded_reciprocal", lambda tf, x: tf.where(x != 0, tf.math.reciprocal(x), 0.0),
         a32([0.0, 4.0]))
add_case("where/safe_norm", lambda tf, x: tf.where(
    tf.reduce_sum(x * x, axis=1) > 0, tf.sqrt(tf.reduce_sum(x * x, axis=1)), 0.0),
    a32([[0.0, 0.0], [3.0, 4.0]]))
add_case("where/mismatched", lambda tf, c, x, y: tf.where(c, x, y), np.array([True]),
         a32([1.0]), np.array([1], np.int32), op="where")
for _to in ("int32", "float64", "bool", "float32", "int64"):
    add_case(f"cast/f32_to_{_to}", lambda tf, x, _to=_to: tf.cast(x, lookup(tf, _to)),
             a32([-1.7, -0.5, 0.0, 0.5, 2.9]))
add_case("cast/int_to_f32", lambda tf, x: tf.cast(x, tf.float32), i32(4))
add_case("cast/bool_to_f32", lambda tf, x: tf.cast(x, tf.float32), np.array([True, False]))
add_case("cast/f64_grad", lambda tf, x: tf.cast(x, tf.float32) * 2.0, f64(3))


# ---- reductions -------------------------------------------------------------------------------
REDUCE = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
          "reduce_logsumexp", "reduce_std", "reduce_variance"]
REDUCE_VARIANTS = {"all": ((2, 3, 4), dict()), "axis0": ((2, 3, 4), dict(axis=0)),
                   "axis_neg1": ((2, 3, 4), dict(axis=-1)),
                   "axes_0_2": ((2, 3, 4), dict(axis=[0, 2])),
                   "keepdims": ((2, 3), dict(axis=1, keepdims=True)),
                   "keepdims_all": ((2, 3), dict(keepdims=True)),
                   "r0": ((), dict()), "r1": ((5,), dict(axis=0))}


def _reduce(name, options):
    return lambda tf, x: lookup(tf, f"math.{name}")(x, **options)


for _name in REDUCE:
    for _label, (_shape, _options) in REDUCE_VARIANTS.items():
        add_case(f"math.{_name}/{_label}", _reduce(_name, _options),
                 f32(*_shape, low=0.5, high=2) if _name == "reduce_prod" else f32(*_shape))
    add_case(f"math.{_name}/f64", _reduce(_name, dict(axis=1)), f64(2, 3))
    add_case(f"math.{_name}/empty_axis", _reduce(_name, dict(axis=0)), f32(0, 3))
    add_case(f"math.{_name}/empty_other", _reduce(_name, dict(axis=1)), f32(0, 3))
for _name in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod"):
    add_case(f"math.{_name}/int32", _reduce(_name, dict(axis=1)), i32(2, 3))
for _name in ("reduce_max", "reduce_min"):
    add_case(f"math.{_name}/ties", _reduce(_name, dict(axis=1)),
             a32([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]))
    add_case(f"math.{_name}/nan", _reduce(_name, dict(axis=0)), a32([1.0, np.nan, 3.0]),
             grad=False)
add_case("math.reduce_logsumexp/large", _reduce("reduce_logsumexp", dict(axis=1)),
         a32([[1000.0, 1000.0], [-1000.0, 0.0]]))
add_case("math.reduce_logsumexp/neg_inf", _reduce("reduce_logsumexp", dict(axis=0)),
         a32([-np.inf, -np.inf]), grad=False)
add_case("math.reduce_prod/zeros", _reduce("reduce_prod", dict(axis=1)),
         a32([[0.0, 2.0, 3.0], [0.0, 0.0, 2.0]]))
add_case("math.reduce_std/constant", _reduce("reduce_std", dict(axis=1)), a32([[1.0, 1.0]]),
         grad=False)
add_case("math.reduce_variance/int32", _reduce("reduce_variance", dict(axis=1)), i32(2, 3),
         op="reduce_variance")
for _name in ("reduce_any", "reduce_all"):
    for _label, _options in (("all", {}), ("axis0", dict(axis=0)),
                             ("keepdims", dict(axis=-1, keepdims=True))):
        add_case(f"math.{_name}/{_label}", _reduce(_name, _options),
                 np.array([[True, False], [False, False], [True, True]]))
    add_case(f"math.{_name}/int32", _reduce(_name, {}), np.array([1, 0], np.int32), op=_name)
    add_case(f"math.{_name}/empty", _reduce(_name, dict(axis=0)), np.zeros((0, 2), bool))
add_case("math.reduce_sum/bool", _reduce("reduce_sum", {}), np.array([True, True, False]),
         op="reduce_sum")
add_case("math.reduce_sum/axis_out_of_range", _reduce("reduce_sum", dict(axis=2)), f32(2, 3),
         op="reduce_sum")
add_case("math.reduce_mean/int_truncates", _reduce("reduce_mean", {}),
         np.array([1, 2, 2], np.int32))
add_case("math.reduce_sum/python_list", lambda tf: tf.reduce_sum([[1, 2], [3, 4]], axis=-1))

for _name in ("argmax", "argmin"):
    add_case(f"math.{_name}/axis0", lambda tf, x, _n=_name: lookup(tf, f"math.{_n}")(x), f32(3, 4))
    add_case(f"math.{_name}/axis_neg1", lambda tf, x, _n=_name: lookup(tf, f"math.{_n}")(
        x, axis=-1), f32(3, 4))
    add_case(f"math.{_name}/ties", lambda tf, x, _n=_name: lookup(tf, f"math.{_n}")(x),
             a32([3.0, 1.0, 3.0, 1.0]))
    add_case(f"math.{_name}/nan", lambda tf, x, _n=_name: lookup(tf, f"math.{_n}")(x),
             a32([1.0, np.nan, 3.0, 0.0]))
    add_case(f"math.{_name}/int32_out", lambda tf, x, _n=_name: lookup(tf, f"math.{_n}")(
        x, axis=1, output_type=tf.int32), i32(2, 5))
    add_case(f"math.{_name}/r4", lambda tf, x, _n=_name: lookup(tf, f"math.{_n}")(x, axis=2),
             f32(2, 2, 3, 2))


# ---- shape ops --------------------------------------------------------------------------------
add_case("reshape/flat", lambda tf, x: tf.reshape(x, [-1]), f32(2, 3, 2))
add_case("reshape/infer", lambda tf, x: tf.reshape(x, [3, -1]), f32(2, 3, 2))
add_case("reshape/to_scalar", lambda tf, x: tf.reshape(x, []), f32(1, 1))
add_case("reshape/empty", lambda tf, x: tf.reshape(x, [3, 0]), f32(0, 3))
add_case("reshape/bad", lambda tf, x: tf.reshape(x, [4, -1]), f32(2, 3), op="reshape")
add_case("reshape/int32", lambda tf, x: tf.reshape(x, [2, 2]), i32(4))
add_case("transpose/default", lambda tf, x: tf.transpose(x), f32(2, 3, 4))
add_case("transpose/perm", lambda tf, x: tf.transpose(x, [1, 0, 2]), f32(2, 3, 4))
add_case("transpose/neg_perm", lambda tf, x: tf.transpose(x, [-1, 0, 1]), f32(2, 3, 4),
         grad=False)
add_case("transpose/bad_perm", lambda tf, x: tf.transpose(x, [0, 0]), f32(2, 3), op="transpose")
add_case("expand_dims/0", lambda tf, x: tf.expand_dims(x, 0), f32(2, 3))
add_case("expand_dims/neg1", lambda tf, x: tf.expand_dims(x, -1), f32(2, 3))
add_case("expand_dims/scalar", lambda tf, x: tf.expand_dims(x, 0), f32())
add_case("squeeze/all", lambda tf, x: tf.squeeze(x), f32(1, 3, 1))
add_case("squeeze/axis", lambda tf, x: tf.squeeze(x, axis=-1), f32(1, 3, 1))
add_case("squeeze/bad", lambda tf, x: tf.squeeze(x, axis=1), f32(1, 3, 1), op="squeeze")
add_case("concat/axis0", lambda tf, x, y: tf.concat([x, y], 0), f32(1, 3), f32(2, 3, seed=2))
add_case("concat/neg_axis", lambda tf, x, y: tf.concat([x, y], -1), f32(2, 1), f32(2, 2, seed=2))
add_case("concat/int32", lambda tf, x, y: tf.concat([x, y], 0), i32(2), i32(3))
add_case("concat/empty", lambda tf, x, y: tf.concat([x, y], 0), f32(0, 3), f32(2, 3, seed=2))
add_case("concat/mismatch", lambda tf, x, y: tf.concat([x, y], 0), f32(1, 3), f32(1, 2),
         op="concat")
add_case("stack/axis0", lambda tf, x, y: tf.stack([x, y]), f32(2, 3), f32(2, 3, seed=2))
add_case("stack/axis_neg1", lambda tf, x, y: tf.stack([x, y], axis=-1), f32(2, 3),
         f32(2, 3, seed=2))
add_case("stack/scalars", lambda tf, x, y: tf.stack([x, y]), f32(), f32(seed=2))
add_case("stack/mismatch", lambda tf, x, y: tf.stack([x, y]), f32(2), f32(3), op="stack")
add_case("unstack/axis0", lambda tf, x: tf.unstack(x), f32(3, 2))
add_case("unstack/axis1", lambda tf, x: tf.unstack(x, axis=1), f32(3, 2))
add_case("split/count", lambda tf, x: tf.split(x, 2, axis=1), f32(2, 4))
add_case("split/sizes", lambda tf, x: tf.split(x, [1, -1]), f32(4, 2))
add_case("split/uneven", lambda tf, x: tf.split(x, 3), f32(4), op="split")
add_case("tile/2d", lambda tf, x: tf.tile(x, [2, 3]), f32(2, 2))
add_case("tile/int32", lambda tf, x: tf.tile(x, [3]), i32(2))
add_case("pad/constant", lambda tf, x: tf.pad(x, [[1, 0], [2, 1]]), f32(2, 3))
add_case("pad/constant_value", lambda tf, x: tf.pad(x, [[1, 1]], constant_values=-1.0), f32(3))
add_case("pad/reflect", lambda tf, x: tf.pad(x, [[1, 1], [2, 2]], mode="REFLECT"), f32(3, 3))
add_case("pad/symmetric", lambda tf, x: tf.pad(x, [[2, 1]], mode="SYMMETRIC"), f32(4))
add_case("broadcast_to/row", lambda tf, x: tf.broadcast_to(x, [2, 3]), f32(3))
add_case("broadcast_to/col", lambda tf, x: tf.broadcast_to(x, [2, 2, 4]), f32(2, 1))
add_case("broadcast_to/bad", lambda tf, x: tf.broadcast_to(x, [2, 4]), f32(3),
         op="broadcast_to")
add_case("shape/of", lambda tf, x: [tf.shape(x), tf.size(x), tf.rank(x)], f32(2, 3, 1))
add_case("shape/properties", lambda tf, x: [x.shape.as_list(), x.dtype.name, len(x.shape)],
         f32(2, 3))
add_case("getitem/slices", lambda tf, x: x[1:, ::2], f32(3, 4))
add_case("getitem/int_and_ellipsis", lambda tf, x: x[..., 0], f32(2, 3, 2))
add_case("getitem/newaxis", lambda tf, x: x[tf.newaxis, :, -1], f32(2, 3))
add_case("getitem/negative_step", lambda tf, x: x[::-1], f32(4))
add_case("getitem/out_of_range", lambda tf, x: x[5], f32(3), op="getitem")
add_case("strided_slice/masks", lambda tf, x: tf.strided_slice(
    x, [0, 1], [2, 3], [1, 1], begin_mask=1, shrink_axis_mask=0), f32(3, 4))
add_case("strided_slice/shrink", lambda tf, x: tf.strided_slice(
    x, [1, 0], [2, 4], [1, 2], shrink_axis_mask=1), f32(3, 4))
add_case("gather/axis0", lambda tf, p, i: tf.gather(p, i), f32(4, 3),
         np.array([[0, 3], [1, 1]], np.int32))
add_case("gather/axis1", lambda tf, p, i: tf.gather(p, i, axis=1), f32(2, 4, 3),
         np.array([2, 0, 2], np.int32))
add_case("gather/axis_neg1", lambda tf, p, i: tf.gather(p, i, axis=-1), f32(2, 4),
         np.array([3, 0], np.int32))
add_case("gather/scalar_index", lambda tf, p: tf.gather(p, 2), f32(5))
add_case("gather/batch_dims1", lambda tf, p, i: tf.gather(p, i, batch_dims=1), f32(2, 4),
         np.array([[0, 3], [1, 1]], np.int32))
add_case("gather/batch_dims1_axis2", lambda tf, p, i: tf.gather(p, i, axis=2, batch_dims=1),
         f32(2, 3, 4), np.array([[0, 3], [1, 1]], np.int32))
add_case("gather/batch_dims_neg1", lambda tf, p, i: tf.gather(p, i, batch_dims=-1), f32(2, 4),
         np.array([[0, 3], [1, 1]], np.int32))
add_case("gather/out_of_range", lambda tf, p: tf.gather(p, [4]), f32(4), op="gather")
add_case("gather/float_indices", lambda tf, p: tf.gather(p, tf.constant([1.0])), f32(4),
         op="gather")
add_case("boolean_mask/1d", lambda tf, x, m: tf.boolean_mask(x, m), f32(3, 2),
         np.array([True, False, True]))
add_case("boolean_mask/2d", lambda tf, x, m: tf.boolean_mask(x, m), f32(2, 2),
         np.array([[True, False], [False, True]]))
add_case("boolean_mask/axis1", lambda tf, x, m: tf.boolean_mask(x, m, axis=1), f32(2, 3),
         np.array([False, True, True]))
add_case("one_hot/default", lambda tf, i: tf.one_hot(i, 3), np.array([0, 2, -1, 3], np.int32))
add_case("one_hot/values_axis0", lambda tf, i: tf.one_hot(i, 3, on_value=5.0, off_value=-1.0,
                                                          axis=0), np.array([0, 2], np.int32))
add_case("one_hot/int_dtype", lambda tf, i: tf.one_hot(i, 4, dtype=tf.int32),
         np.array([[1], [3]], np.int32))
add_case("matmul/2d", lambda tf, a, b: tf.matmul(a, b), f32(2, 3), f32(3, 4, seed=2))
add_case("matmul/transposes", lambda tf, a, b: tf.matmul(a, b, transpose_a=True,
                                                         transpose_b=True),
         f32(3, 2), f32(4, 3, seed=2))
add_case("matmul/batched", lambda tf, a, b: tf.matmul(a, b), f32(2, 2, 3), f32(2, 3, 2, seed=2))
add_case("matmul/batch_broadcast", lambda tf, a, b: tf.matmul(a, b), f32(2, 2, 3),
         f32(3, 2, seed=2))
add_case("matmul/int32", lambda tf, a, b: tf.matmul(a, b), i32(2, 2), i32(2, 2, seed=3))
add_case("matmul/f64", lambda tf, a, b: tf.matmul(a, b), f64(2, 3), f64(3, 1, seed=2))
add_case("matmul/mismatch", lambda tf, a, b: tf.matmul(a, b), f32(2, 3), f32(2, 3),
         op="matmul")
add_case("matmul/vector", lambda tf, a, b: tf.matmul(a, b), f32(3), f32(3, 2), op="matmul")
add_case("tensordot/int_axes", lambda tf, a, b: tf.tensordot(a, b, 1), f32(2, 3),
         f32(3, 4, seed=2))
add_case("tensordot/list_axes", lambda tf, a, b: tf.tensordot(a, b, [[0, 2], [1, 0]]),
         f32(2, 3, 4), f32(4, 2, 5, seed=2))
add_case("tensordot/outer", lambda tf, a, b: tf.tensordot(a, b, 0), f32(2), f32(3, seed=2))


# ---- creation and conversion ------------------------------------------------------------------
add_case("constant/dtypes", lambda tf: [tf.constant(1), tf.constant(1.5), tf.constant(True),
                                        tf.constant([1, 2]), tf.constant([1.0, 2]),
                                        tf.constant(np.float64(2.0)), tf.constant(2 ** 40)])
add_case("constant/shape", lambda tf: [tf.constant(3.0, shape=[2, 2]),
                                       tf.constant([1, 2, 3, 4], shape=[2, 2])])
add_case("constant/dtype_arg", lambda tf: [tf.constant([1, 2], dtype=tf.float32),
                                           tf.constant(1, dtype=tf.int64)])
add_case("constant/lossy", lambda tf: tf.constant([1.5], dtype=tf.int32), op="constant")
add_case("constant/overflow", lambda tf: tf.constant(2 ** 64), op="constant")
add_case("constant/int64_overflow", lambda tf: tf.constant(2 ** 63), op="constant")
add_case("constant/string", lambda tf: tf.constant(object()), op="constant")
add_case("convert_to_tensor/hint", lambda tf: [tf.convert_to_tensor([1, 2]),
                                               tf.convert_to_tensor(1, dtype_hint=tf.float32),
                                               tf.convert_to_tensor(np.array([1, 2]))])
add_case("creation/zeros_ones_fill", lambda tf: [tf.zeros([2, 3]), tf.ones([2], tf.int32),
                                                 tf.fill([2, 2], 7), tf.fill([1], 2.5),
                                                 tf.zeros([0, 2])])
add_case("creation/like", lambda tf, x: [tf.zeros_like(x), tf.ones_like(x)], f32(2, 2))
add_case("creation/like_int", lambda tf, x: [tf.zeros_like(x), tf.ones_like(x, dtype=tf.float32)],
         i32(3))
add_case("creation/range", lambda tf: [tf.range(5), tf.range(1, 4), tf.range(0.0, 1.0, 0.25),
                                       tf.range(5, 0, -2), tf.range(3, dtype=tf.float32)])
add_case("creation/eye", lambda tf: [tf.eye(2), tf.eye(2, 3), tf.eye(2, batch_shape=[2])])


# ---- nn ---------------------------------------------------------------------------------------
add_case("nn.softmax_cross_entropy_with_logits/onehot",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
         a32([[0, 1, 0], [1, 0, 0]]), f32(2, 3))
add_case("nn.softmax_cross_entropy_with_logits/soft",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
         a32([[0.2, 0.5, 0.3]]), f32(1, 3))
add_case("nn.softmax_cross_entropy_with_logits/unnormalized",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
         a32([[0.5, 1.0, 0.0], [0.1, 0.1, 0.1]]), f32(2, 3))
add_case("nn.softmax_cross_entropy_with_logits/axis0",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x, axis=0),
         a32([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]), f32(3, 2))
add_case("nn.softmax_cross_entropy_with_logits/large",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
         a32([[0.0, 1.0]]), a32([[1000.0, -1000.0]]))
add_case("nn.sparse_softmax_cross_entropy_with_logits/1d",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         np.array([0, 2], np.int32), f32(2, 3))
add_case("nn.sparse_softmax_cross_entropy_with_logits/2d",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         np.array([[1, 0], [3, 3]], np.int64), f32(2, 2, 4))
add_case("nn.sparse_softmax_cross_entropy_with_logits/large",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         np.array([1], np.int32), a32([[1000.0, -1000.0]]))
add_case("nn.sparse_softmax_cross_entropy_with_logits/out_of_range",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         np.array([3], np.int32), f32(1, 3), op="sparse_softmax_cross_entropy_with_logits")
add_case("nn.sigmoid_cross_entropy_with_logits/basic",
         lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
         a32([[0.0, 1.0, 0.5]]), f32(1, 3))
add_case("nn.sigmoid_cross_entropy_with_logits/large",
         lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
         a32([0.0, 1.0, 1.0]), a32([1000.0, -1000.0, 1000.0]))
add_case("nn.sigmoid_cross_entropy_with_logits/shapes",
         lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
         a32([0.0, 1.0]), f32(2, 1), op="sigmoid_cross_entropy_with_logits")
add_case("nn.bias_add/2d", lambda tf, x, b: tf.nn.bias_add(x, b), f32(2, 3), f32(3, seed=2))
add_case("nn.bias_add/4d", lambda tf, x, b: tf.nn.bias_add(x, b), f32(2, 2, 2, 3), f32(3, seed=2))
add_case("nn.bias_add/nchw", lambda tf, x, b: tf.nn.bias_add(x, b, data_format="NCHW"),
         f32(2, 3, 2, 2), f32(3, seed=2))
add_case("nn.bias_add/bad", lambda tf, x, b: tf.nn.bias_add(x, b), f32(2, 3), f32(2),
         op="bias_add")
add_case("nn.l2_loss/2d", lambda tf, x: tf.nn.l2_loss(x), f32(2, 3))
add_case("nn.l2_loss/f64", lambda tf, x: tf.nn.l2_loss(x), f64(4))
add_case("nn.moments/axis0", lambda tf, x: tf.nn.moments(x, axes=[0]), f32(4, 3))
add_case("nn.moments/keepdims", lambda tf, x: tf.nn.moments(x, axes=[0, 1, 2], keepdims=True),
         f32(2, 3, 3, 2))
add_case("nn.dropout/rate0", lambda tf, x: tf.nn.dropout(x, rate=0.0), f32(2, 3))
add_case("nn.dropout/bad_rate", lambda tf, x: tf.nn.dropout(x, rate=1.5), f32(2, 3),
         op="dropout")
for _pad in ("VALID", "SAME"):
    for _stride in (1, 2):
        add_case(f"nn.conv2d/{_pad}_s{_stride}",
                 lambda tf, x, k, _p=_pad, _s=_stride: tf.nn.conv2d(x, k, _s, _p),
                 f32(2, 5, 5, 2), f32(3, 3, 2, 3, seed=2, low=-0.5, high=0.5))
    add_case(f"nn.max_pool2d/{_pad}",
             lambda tf, x, _p=_pad: tf.nn.max_pool2d(x, 2, 2, _p), f32(1, 5, 5, 2))
    add_case(f"nn.avg_pool2d/{_pad}",
             lambda tf, x, _p=_pad: tf.nn.avg_pool2d(x, 3, 2, _p), f32(1, 5, 5, 2))
add_case("nn.conv2d/dilated", lambda tf, x, k: tf.nn.conv2d(x, k, 1, "SAME", dilations=2),
         f32(1, 6, 6, 1), f32(2, 2, 1, 2, seed=3))
add_case("nn.conv2d/strides4", lambda tf, x, k: tf.nn.conv2d(x, k, [1, 2, 2, 1], "VALID"),
         f32(1, 6, 6, 2), f32(2, 2, 2, 1, seed=3))
add_case("nn.conv2d/channel_stride", lambda tf, x, k: tf.nn.conv2d(x, k, [1, 1, 2, 2], "VALID"),
         f32(1, 6, 6, 2), f32(2, 2, 2, 1, seed=3), op="conv2d")
add_case("nn.conv2d/kernel_larger_than_input",
         lambda tf, x, k: tf.nn.conv2d(x, k, 1, "VALID"), f32(1, 2, 2, 1), f32(3, 3, 1, 1),
         grad=False)
add_case("nn.conv2d/channels", lambda tf, x, k: tf.nn.conv2d(x, k, 1, "VALID"),
         f32(1, 4, 4, 2), f32(3, 3, 3, 1), op="conv2d")
add_case("nn.max_pool/ties", lambda tf, x: tf.nn.max_pool(x, 2, 2, "VALID"),
         np.ones((1, 2, 2, 1), np.float32))
add_case("nn.max_pool2d/f64", lambda tf, x: tf.nn.max_pool2d(x, [2, 2], [1, 1], "VALID"),
         f64(1, 3, 3, 1))
add_case("nn.avg_pool/nchw_as_nhwc", lambda tf, x: tf.nn.avg_pool(x, 2, 1, "VALID"),
         f32(1, 3, 3, 2))
add_case("nn.sigmoid/alias", lambda tf, x: [tf.nn.sigmoid(x), tf.nn.tanh(x), tf.nn.softplus(x)],
         f32(3))


# ---- tape semantics ---------------------------------------------------------------------------
def _tape_persistent(tf, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    return [tape.gradient(y, x), tape.gradient(z, x), tape.gradient(z, y)]


def _tape_nested(tf, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.sin(x) * x * x
        dy = inner.gradient(y, x)
    return [dy, outer.gradient(dy, x)]


def _tape_third_order(tf, x):
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.exp(x) * x ** 3
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    return [d1, d2, t3.gradient(d2, x)]


def _tape_jacobian(tf, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.nn.softmax(x)
        s = tf.reduce_sum(x * x)
    return [tape.jacobian(y, x), tape.jacobian(s, x)]


def _tape_batch_jacobian(tf, x, w):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tanh(tf.matmul(x, w))
    return tape.batch_jacobian(y, x)


def _tape_unconnected(tf, x, y):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.watch(y)
        z = x * 2.0
    return [tape.gradient(z, [x, y]),
            tape.gradient(z, [x, y], unconnected_gradients=tf.UnconnectedGradients.ZERO),
            tape.gradient(z, [x, y], unconnected_gradients="zero")]


def _tape_integer_source(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    return tape.gradient(y, x)


def _tape_variables(tf, x):
    w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
    b = tf.Variable([0.1, -0.1])
    frozen = tf.Variable([1.0, 1.0], trainable=False)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w) + b) * frozen)
    return tape.gradient(y, [w, b, frozen])


def _tape_not_watching(tf, x):
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = tf.reduce_sum(w * x)
    return tape.gradient(y, [w, x])


def _tape_output_gradients(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, x, output_gradients=tf.constant([1.0, 0.5, -1.0]))


def _tape_list_target(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = tf.sin(x), tf.cos(x)
    return tape.gradient([a, b], x)


def _tape_dict_sources(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x ** 3)
    return tape.gradient(y, {"x": x, "again": x})


def _tape_stop_gradient(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x) + tf.stop_gradient(x * 3.0)
    return tape.gradient(y, x)


def _tape_stop_recording(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * 10.0
        w = y + z
    return tape.gradient(w, x)


def _tape_variable_assign(tf, x):
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * x
        v.assign(5.0)
        z = v * x
    return [tape.gradient(y + z, v), v]


def _tape_reused(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    return tape.gradient(y, x)


def _tape_watched_tensors(tf, x, y):
    with tf.GradientTape() as tape:
        tape.watch(y)
        tape.watch(x)
    return len(tape.watched_variables())


def _tape_float64(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.exp(x) * tf.cast(tf.range(3), tf.float64))
    return tape.gradient(y, x)


def _tape_python_source(tf):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def _tape_relu_at_zero(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.relu(x) + tf.abs(x) + tf.maximum(x, 0.0)
    return tape.gradient(y, x)


def _tape_max_ties(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x)
    return tape.gradient(y, x)


def _tape_gradient_of_source(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
    return tape.gradient(x, x)


def _tape_pow_exponent(tf, x, y):
    with tf.GradientTape() as tape:
        tape.watch(y)
        z = tf.pow(x, y)
    return tape.gradient(z, y)


for _name, _fn, _inputs in (
        ("persistent", _tape_persistent, (a32([1.0, -2.0]),)),
        ("nested_second_order", _tape_nested, (a32([0.5, 2.0]),)),
        ("third_order", _tape_third_order, (a32([0.3, -1.0]),)),
        ("jacobian", _tape_jacobian, (a32([0.5, -1.0, 2.0]),)),
        ("batch_jacobian", _tape_batch_jacobian, (f32(2, 3), f32(3, 2, seed=2))),
        ("unconnected", _tape_unconnected, (a32([1.0]), a32([2.0]))),
        ("integer_source", _tape_integer_source, (np.array([1, 2], np.int32),)),
        ("variables", _tape_variables, (a32([[1.0, 2.0]]),)),
        ("watch_accessed_variables_false", _tape_not_watching, (a32([3.0, 4.0]),)),
        ("output_gradients", _tape_output_gradients, (a32([1.0, 2.0, 3.0]),)),
        ("list_target", _tape_list_target, (a32([0.5, 1.0]),)),
        ("dict_sources", _tape_dict_sources, (a32([1.0, 2.0]),)),
        ("stop_gradient", _tape_stop_gradient, (a32([1.0, 2.0]),)),
        ("stop_recording", _tape_stop_recording, (a32([1.0, 2.0]),)),
        ("variable_assign_inside", _tape_variable_assign, (a32(1.5),)),
        ("nonpersistent_reused", _tape_reused, (a32([1.0]),)),
        ("float64", _tape_float64, (f64(3),)),
        ("variable_scalar", _tape_python_source, ()),
        ("kinks_at_zero", _tape_relu_at_zero, (a32([0.0, -1.0, 1.0]),)),
        ("reduce_max_ties", _tape_max_ties, (a32([2.0, 2.0, 1.0]),)),
        ("gradient_of_source", _tape_gradient_of_source, (a32([1.0, 2.0]),)),
        ("pow_exponent_negative_base", _tape_pow_exponent, (a32([-2.0, 0.0, 2.0]),
                                                            a32([2.0, 2.0, 2.0]))),
):
    add_case(f"GradientTape/{_name}", _fn, *_inputs, grad=False, op="gradient")


# ---- variables and printing -------------------------------------------------------------------
def _variable_names(tf):
    names = []
    for _ in range(2):
        names.append(tf.Variable(0.0, name="w").name)
    names.append(tf.Variable(0.0).name)
    names.append(tf.Variable(1, name="n").name)
    return names


def _variable_updates(tf):
    v = tf.Variable([1.0, 2.0])
    v.assign_add([1.0, 1.0])
    a = v.numpy()
    v.assign_sub([0.5, 0.5])
    b = v.read_value()
    v.assign([7.0, 8.0])
    return [a, b, v.value(), v, v.dtype.name, v.shape.as_list(), v.trainable]


def _variable_bad_assign(tf):
    v = tf.Variable([1.0, 2.0])
    v.assign([1.0, 2.0, 3.0])
    return v


def _normalized(text: str) -> str:
    """Printed text with the module's own prefix removed: 'tf.Tensor(' and 'tapeviz.Tensor('
    read alike (the one deliberate difference in printing)."""
    for prefix in ("tf.", "tapeviz."):
        text = text.replace(prefix + "Tensor", "Tensor").replace(prefix + "Variable", "Variable")
    return text


add_case("Variable/names_kept", _variable_names, grad=False, fresh=True)
add_case("Variable/names_of_live_variables",
         lambda tf: [v.name for v in (tf.Variable(0.0, name="w"), tf.Variable(1.0, name="w"))],
         grad=False, fresh=True)
add_case("Variable/updates", _variable_updates, grad=False)
add_case("Variable/dtype_int", lambda tf: [tf.Variable([1, 2]), tf.Variable(2.5, dtype=tf.float64)],
         grad=False)
add_case("Variable/bad_assign", _variable_bad_assign, grad=False, op="assign")
add_case("Variable/arithmetic", lambda tf, x: tf.Variable([1.0, 2.0]) * x + 1.0, a32([3.0, 4.0]))
add_case("print/str_2d", lambda tf: _normalized(str(tf.constant([[1, 2], [3, 4]]))), grad=False)
add_case("print/str_scalar", lambda tf: _normalized(str(tf.constant(2.5))), grad=False)
add_case("print/repr_vector", lambda tf: _normalized(repr(tf.constant([1.0, 2.5]))), grad=False)
add_case("print/repr_scalar", lambda tf: _normalized(repr(tf.constant(3))), grad=False)
add_case("print/repr_bool", lambda tf: _normalized(repr(tf.constant([True, False]))), grad=False)
add_case("print/repr_variable",
         lambda tf: _normalized(repr(tf.Variable([1.0, 2.0], name="printed"))), grad=False)
add_case("print/shape", lambda tf: [str(tf.zeros([2, 3]).shape), repr(tf.zeros([2, 3]).shape)],
         grad=False)
add_case("print/dtype", lambda tf: [repr(tf.float32), str(tf.int32.name), tf.float64.is_floating,
                                    tf.int32.is_integer, tf.bool.name], grad=False)
add_case("print/format", lambda tf: [f"{tf.constant(2.5)}", f"{tf.constant(2.5):.2f}"],
         grad=False)
add_case("linspace/ints", lambda tf: tf.linspace(-2, 2, 201), grad=False)
add_case("linspace/floats", lambda tf, a, b: tf.linspace(a, b, 5), a32(-10.0), a32(10.0))
add_case("linspace/vectors", lambda tf, a, b: tf.linspace(a, b, 4), a32([0.0, 1.0]),
         a32([1.0, 3.0]))
add_case("linspace/broadcast_axis_last", lambda tf, a, b: tf.linspace(a, b, 3, axis=-1),
         f32(2, 1), f32(3, seed=2))
add_case("linspace/one", lambda tf, a, b: tf.linspace(a, b, 1), a32(2.0), a32(5.0))
add_case("linspace/none", lambda tf, a, b: tf.linspace(a, b, 0), a32(2.0), a32(5.0))
add_case("linspace/float64", lambda tf, a, b: tf.linspace(a, b, 7), f64(), f64(seed=3))


def _module_variables(tf):
    class Inner(tf.Module):
        def __init__(self):
            super().__init__()
            self.k = tf.Variable([1.0, 2.0])

    class Outer(tf.Module):
        def __init__(self):
            super().__init__(name="outer")
            self.w = tf.Variable(5.0)
            self.frozen = tf.Variable(1.0, trainable=False)
            self.inner = Inner()
            self.layers = [tf.Variable(3.0), {"b": tf.Variable(4.0), "a": tf.Variable(2.0)}]

    model = Outer()
    return [[v.numpy() for v in model.variables],
            [v.numpy() for v in model.trainable_variables],
            [m.name for m in model.submodules], model.name, Inner().name]


add_case("Module/variables", _module_variables, grad=False)
add_case("print/format_float32_scalar",
         lambda tf: [f"{tf.constant(1.1545949)}", "{}".format(tf.constant(3)),
                     "{}".format(tf.constant(True))], grad=False)


def _model_variable_attribute(tf):
    class Line(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(5.0)

        def call(self, x):
            return self.w * x

    model = Line()
    return [len(model.trainable_variables), len(model.variables)]


add_case("keras.Model/tf_variable_attribute", _model_variable_attribute, grad=False)
add_case("python/conversions", lambda tf: [float(tf.constant(2.5)), int(tf.constant(3)),
                                           bool(tf.constant(True)), len(tf.zeros([4, 2])),
                                           tf.constant([1, 2]).numpy().tolist()], grad=False)


# ---- Keras layers, with fixed weights ---------------------------------------------------------
def _fixed(layer, tf, x, **call):
    """Build `layer` on x, set its weights to fixed values, run it, and return its output
    and the gradients of sum(output * cotangent) w.r.t. its trainable weights."""
    from .harness import cotangent
    layer(x, **call)
    layer.set_weights([spread(w.shape, seed=11 + i, low=-0.8, high=0.8, dtype=w.dtype.name)
                       if "variance" not in getattr(v, "name", "")
                       else spread(w.shape, seed=11 + i, low=0.5, high=1.5, dtype=w.dtype.name)
                       for i, (w, v) in enumerate(zip(layer.get_weights(), layer.weights))])
    with tf.GradientTape() as tape:
        y = layer(x, **call)
        loss = tf.reduce_sum(y * cotangent(tuple(y.shape), y.dtype.name))
    return [y, tape.gradient(loss, layer.trainable_weights)]


def _layer_case(name, make, x, **call):
    add_case(f"keras.layers.{name}", lambda tf, x: _fixed(make(tf), tf, x, **call), x)


_layer_case("Dense/relu", lambda tf: tf.keras.layers.Dense(3, activation="relu"), f32(4, 5))
_layer_case("Dense/no_bias", lambda tf: tf.keras.layers.Dense(2, use_bias=False), f32(3, 4))
_layer_case("Dense/rank3", lambda tf: tf.keras.layers.Dense(2, activation="tanh"), f32(2, 3, 4))
_layer_case("Dense/sigmoid", lambda tf: tf.keras.layers.Dense(1, activation="sigmoid"), f32(3, 2))
_layer_case("Conv2D/valid", lambda tf: tf.keras.layers.Conv2D(2, 3), f32(2, 5, 5, 2))
_layer_case("Conv2D/same_strides", lambda tf: tf.keras.layers.Conv2D(
    3, (2, 2), strides=2, padding="same", activation="relu"), f32(1, 5, 5, 1))
_layer_case("Conv2D/dilation", lambda tf: tf.keras.layers.Conv2D(
    1, 2, dilation_rate=2, use_bias=False), f32(1, 5, 5, 2))
_layer_case("MaxPooling2D/default", lambda tf: tf.keras.layers.MaxPooling2D(2), f32(1, 4, 5, 2))
_layer_case("MaxPooling2D/same", lambda tf: tf.keras.layers.MaxPooling2D(
    3, strides=2, padding="same"), f32(1, 5, 5, 1))
_layer_case("AveragePooling2D/default", lambda tf: tf.keras.layers.AveragePooling2D(2),
            f32(1, 4, 4, 2))
_layer_case("AveragePooling2D/same", lambda tf: tf.keras.layers.AveragePooling2D(
    3, strides=2, padding="same"), f32(1, 5, 5, 1))
_layer_case("GlobalAveragePooling2D/default", lambda tf: tf.keras.layers.GlobalAveragePooling2D(),
            f32(2, 3, 3, 2))
_layer_case("GlobalAveragePooling2D/keepdims", lambda tf: tf.keras.layers.GlobalAveragePooling2D(
    keepdims=True), f32(2, 3, 3, 2))
_layer_case("GlobalMaxPooling2D/default", lambda tf: tf.keras.layers.GlobalMaxPooling2D(),
            f32(2, 3, 3, 2))
_layer_case("Flatten/default", lambda tf: tf.keras.layers.Flatten(), f32(2, 3, 2))
_layer_case("Reshape/default", lambda tf: tf.keras.layers.Reshape((3, 2)), f32(2, 6))
_layer_case("Reshape/infer", lambda tf: tf.keras.layers.Reshape((-1, 2)), f32(2, 6))
_layer_case("Activation/softmax", lambda tf: tf.keras.layers.Activation("softmax"), f32(2, 3))
_layer_case("ReLU/default", lambda tf: tf.keras.layers.ReLU(), f32(2, 3))
_layer_case("ReLU/options", lambda tf: tf.keras.layers.ReLU(max_value=1.0, negative_slope=0.1),
            f32(2, 3))
_layer_case("ReLU/threshold", lambda tf: tf.keras.layers.ReLU(threshold=0.5), f32(2, 3))
_layer_case("Dropout/inference", lambda tf: tf.keras.layers.Dropout(0.5), f32(2, 3))
_layer_case("Dropout/rate0_training", lambda tf: tf.keras.layers.Dropout(0.0), f32(2, 3),
            training=True)
_layer_case("Lambda/square", lambda tf: tf.keras.layers.Lambda(lambda t: t * t), f32(2, 3))
_layer_case("BatchNormalization/inference", lambda tf: tf.keras.layers.BatchNormalization(),
            f32(4, 3))
_layer_case("BatchNormalization/training", lambda tf: tf.keras.layers.BatchNormalization(),
            f32(4, 3), training=True)
_layer_case("BatchNormalization/training_4d", lambda tf: tf.keras.layers.BatchNormalization(),
            f32(2, 3, 3, 2), training=True)
_layer_case("BatchNormalization/axis1", lambda tf: tf.keras.layers.BatchNormalization(
    axis=1, momentum=0.5, epsilon=0.01), f32(3, 2, 2, 2), training=True)
_layer_case("BatchNormalization/no_scale_center", lambda tf: tf.keras.layers.BatchNormalization(
    center=False, scale=False), f32(5, 2), training=True)


def _batchnorm_moving(tf, x):
    layer = tf.keras.layers.BatchNormalization(momentum=0.9)
    for _ in range(3):
        layer(x, training=True)
    return [layer.moving_mean, layer.moving_variance, layer(x, training=False)]


def _batchnorm_moving_4d(tf, x):
    layer = tf.keras.layers.BatchNormalization(momentum=0.8)
    for _ in range(2):
        layer(x, training=True)
    return [layer.moving_mean, layer.moving_variance]


add_case("keras.layers.BatchNormalization/moving_statistics", _batchnorm_moving, f32(6, 3))
add_case("keras.layers.BatchNormalization/moving_statistics_4d", _batchnorm_moving_4d,
         f32(2, 3, 3, 2))


def _normalization(tf, x, data, **options):
    layer = tf.keras.layers.Normalization(**options)
    layer.adapt(data)
    return [layer(x), layer.mean, layer.variance]


add_case("keras.layers.Normalization/adapt",
         lambda tf, x, d: _normalization(tf, x, d), f32(3, 4), f32(10, 4, seed=5))
add_case("keras.layers.Normalization/adapt_axis_none",
         lambda tf, x, d: _normalization(tf, x, d, axis=None), f32(3, 4), f32(10, 4, seed=5))
add_case("keras.layers.Normalization/adapt_axis0",
         lambda tf, x, d: _normalization(tf, x, d, axis=(1, 2)), f32(2, 2, 3),
         f32(5, 2, 3, seed=5))
add_case("keras.layers.Normalization/given",
         lambda tf, x: tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25])(x),
         f32(3, 2))
add_case("keras.layers.Normalization/invert",
         lambda tf, x: tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25],
                                                      invert=True)(x), f32(3, 2))
add_case("keras.layers.Normalization/numpy_adapt",
         lambda tf, x: _normalization(tf, x, np.arange(12, dtype=np.float32).reshape(6, 2)),
         f32(2, 2))


def _sequential(tf, x):
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    return _fixed(model, tf, x)


add_case("keras.Sequential/two_dense", _sequential, f32(3, 5))


# ---- Keras activations by name ----------------------------------------------------------------
for _name in ("relu", "sigmoid", "tanh", "softmax", "linear", "softplus", "softsign", "elu",
              "selu", "swish", "silu", "exponential", "leaky_relu"):
    add_case(f"keras.activations/{_name}",
             lambda tf, x, _n=_name: tf.keras.activations.get(_n)(x), f32(2, 4, low=-3, high=3))
add_case("keras.activations/relu_options", lambda tf, x: tf.keras.activations.relu(
    x, max_value=1.0, threshold=0.5), f32(2, 4))


# ---- Keras losses -----------------------------------------------------------------------------
LOSS_DATA = {
    "mse": (f32(3, 2), f32(3, 2, seed=3)),
    "binary": (a32([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]), f32(3, 2, low=0.05, high=0.95)),
    "categorical": (a32([[0, 1, 0], [1, 0, 0]]), f32(2, 3, low=0.05, high=0.9)),
    "sparse": (np.array([1, 0], np.int32), f32(2, 3, low=0.05, high=0.9)),
}
LOSSES = {  # class name: (function name, data, options)
    "MeanSquaredError": ("mse", "mse", {}),
    "MeanAbsoluteError": ("mae", "mse", {}),
    "Huber": ("huber", "mse", {}),
    "BinaryCrossentropy": ("binary_crossentropy", "binary", {}),
    "CategoricalCrossentropy": ("categorical_crossentropy", "categorical", {}),
    "SparseCategoricalCrossentropy": ("sparse_categorical_crossentropy", "sparse", {}),
}
for _cls, (_fn, _data, _options) in LOSSES.items():
    _y, _p = LOSS_DATA[_data]
    for _reduction in ("sum_over_batch_size", "sum", "none"):
        add_case(f"keras.losses.{_cls}/{_reduction}",
                 lambda tf, y, p, _c=_cls, _r=_reduction: lookup(tf, f"keras.losses.{_c}")(
                     reduction=_r)(y, p), _y, _p)
    add_case(f"keras.losses.{_cls}/sample_weight",
             lambda tf, y, p, _c=_cls: lookup(tf, f"keras.losses.{_c}")()(
                 y, p, sample_weight=tf.constant([0.5, 2.0] + [1.0] * (len(p) - 2))), _y, _p)
    add_case(f"keras.losses.{_fn}/function",
             lambda tf, y, p, _f=_fn: lookup(tf, f"keras.losses.{_f}")(y, p), _y, _p)
for _cls, _data in (("BinaryCrossentropy", "binary"), ("CategoricalCrossentropy", "categorical"),
                    ("SparseCategoricalCrossentropy", "sparse")):
    _y, _p = LOSS_DATA[_data]
    add_case(f"keras.losses.{_cls}/from_logits",
             lambda tf, y, p, _c=_cls: lookup(tf, f"keras.losses.{_c}")(from_logits=True)(
                 y, p * 4.0 - 2.0), _y, _p)
for _fn in ("mse", "mae"):   # int errors: a float32 mean, not a truncated int one
    add_case(f"keras.losses.{_fn}/int32", lambda tf, y, p, _f=_fn: lookup(
        tf, f"keras.losses.{_f}")(y, p), np.array([[1, 2], [3, 6]], np.int32),
        np.array([[0, 0], [1, 1]], np.int32))
add_case("keras.losses.BinaryCrossentropy/exact_0_1",
         lambda tf, y, p: tf.keras.losses.BinaryCrossentropy()(y, p),
         a32([[0.0, 1.0, 1.0, 0.0]]), a32([[0.0, 1.0, 0.0, 1.0]]))
add_case("keras.losses.BinaryCrossentropy/label_smoothing",
         lambda tf, y, p: tf.keras.losses.BinaryCrossentropy(label_smoothing=0.2)(y, p),
         *LOSS_DATA["binary"])
add_case("keras.losses.CategoricalCrossentropy/label_smoothing",
         lambda tf, y, p: tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(y, p),
         *LOSS_DATA["categorical"])
add_case("keras.losses.CategoricalCrossentropy/exact_zero",
         lambda tf, y, p: tf.keras.losses.CategoricalCrossentropy()(y, p),
         a32([[0, 1, 0]]), a32([[0.5, 0.0, 0.5]]))
add_case("keras.losses.CategoricalCrossentropy/unnormalized",
         lambda tf, y, p: tf.keras.losses.CategoricalCrossentropy()(y, p),
         a32([[0, 1, 0]]), a32([[1.0, 2.0, 1.0]]))
add_case("keras.losses.SparseCategoricalCrossentropy/column_labels",
         lambda tf, y, p: tf.keras.losses.SparseCategoricalCrossentropy()(y, p),
         np.array([[1], [0]], np.int32), f32(2, 3, low=0.05, high=0.9))
add_case("keras.losses.SparseCategoricalCrossentropy/float_labels",
         lambda tf, y, p: tf.keras.losses.SparseCategoricalCrossentropy()(y, p),
         a32([1.0, 2.0]), f32(2, 3, low=0.05, high=0.9))
add_case("keras.losses.MeanSquaredError/column_vs_flat",
         lambda tf, y, p: tf.keras.losses.MeanSquaredError()(y, p), f32(3), f32(3, 1, seed=3))
add_case("keras.losses.Huber/delta",
         lambda tf, y, p: tf.keras.losses.Huber(delta=0.5)(y, p), *LOSS_DATA["mse"])
add_case("keras.losses.get/by_name", lambda tf, y, p: [tf.keras.losses.get("mse")(y, p),
                                                       tf.keras.losses.get("mae")(y, p)],
         *LOSS_DATA["mse"])
add_case("keras.losses.MeanSquaredError/sample_weight_2d",
         lambda tf, y, p: tf.keras.losses.MeanSquaredError()(
             y, p, sample_weight=tf.constant([[1.0], [0.0], [2.0]])), *LOSS_DATA["mse"])


# ---- Keras optimizers: several steps on fixed gradients ---------------------------------------
GRADIENT_SCALES = {"unit": 1.0, "tiny": 1e-10, "large": 1e4}


def _optimize(tf, make, scale, steps=3):
    v = tf.Variable([1.0, -2.0, 0.5])
    w = tf.Variable([[0.3], [-0.7]])
    optimizer = make(tf)
    history = []
    for step in range(steps):
        grads = [tf.constant(spread((3,), seed=20 + step) * scale),
                 tf.constant(spread((2, 1), seed=30 + step) * scale)]
        optimizer.apply_gradients(zip(grads, [v, w]))
        history += [v.numpy(), w.numpy()]
    return history + [int(optimizer.iterations.numpy())]


OPTIMIZERS = {
    "SGD/plain": lambda tf: tf.keras.optimizers.SGD(0.1),
    "SGD/momentum": lambda tf: tf.keras.optimizers.SGD(0.1, momentum=0.9),
    "SGD/nesterov": lambda tf: tf.keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "Adam/default": lambda tf: tf.keras.optimizers.Adam(0.01),
    "Adam/amsgrad": lambda tf: tf.keras.optimizers.Adam(0.01, amsgrad=True),
    "Adam/betas": lambda tf: tf.keras.optimizers.Adam(0.05, beta_1=0.5, beta_2=0.9,
                                                      epsilon=1e-3),
    "RMSprop/default": lambda tf: tf.keras.optimizers.RMSprop(0.01),
    "RMSprop/momentum": lambda tf: tf.keras.optimizers.RMSprop(0.01, momentum=0.5),
    "RMSprop/centered": lambda tf: tf.keras.optimizers.RMSprop(0.01, centered=True),
    "Adagrad/default": lambda tf: tf.keras.optimizers.Adagrad(0.1),
    "SGD/schedule": lambda tf: tf.keras.optimizers.SGD(
        tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)),
    "SGD/clipnorm": lambda tf: tf.keras.optimizers.SGD(0.1, clipnorm=0.5),
    "SGD/clipvalue": lambda tf: tf.keras.optimizers.SGD(0.1, clipvalue=0.3),
}
for _name, _make in OPTIMIZERS.items():
    for _scale_name, _scale in GRADIENT_SCALES.items():
        if _scale_name != "unit" and ("schedule" in _name or "clip" in _name):
            continue
        add_case(f"keras.optimizers.{_name}/{_scale_name}",
                 lambda tf, _m=_make, _s=_scale: _optimize(tf, _m, _s), grad=False)


def _minimize(tf):
    v = tf.Variable([1.0, -2.0])
    optimizer = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v * v)
    optimizer.apply_gradients(zip(tape.gradient(loss, [v]), [v]))
    return v


add_case("keras.optimizers.SGD/tape_step", _minimize, grad=False)


# ---- learning-rate schedules ------------------------------------------------------------------
SCHEDULES = {
    "ExponentialDecay/smooth": lambda tf: tf.keras.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10, decay_rate=0.5),
    "ExponentialDecay/staircase": lambda tf: tf.keras.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10, decay_rate=0.5, staircase=True),
    "InverseTimeDecay/smooth": lambda tf: tf.keras.optimizers.schedules.InverseTimeDecay(
        0.1, decay_steps=5, decay_rate=0.5),
    "InverseTimeDecay/staircase": lambda tf: tf.keras.optimizers.schedules.InverseTimeDecay(
        0.1, decay_steps=5, decay_rate=0.5, staircase=True),
    "PiecewiseConstantDecay/default": lambda tf:
        tf.keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    "CosineDecay/default": lambda tf: tf.keras.optimizers.schedules.CosineDecay(0.1, 20),
    "CosineDecay/alpha": lambda tf: tf.keras.optimizers.schedules.CosineDecay(0.1, 20,
                                                                               alpha=0.1),
    "CosineDecay/warmup": lambda tf: tf.keras.optimizers.schedules.CosineDecay(
        0.0, 15, warmup_target=0.1, warmup_steps=10),
    "PolynomialDecay/linear": lambda tf: tf.keras.optimizers.schedules.PolynomialDecay(
        0.1, 20, end_learning_rate=0.01),
    "PolynomialDecay/power_cycle": lambda tf: tf.keras.optimizers.schedules.PolynomialDecay(
        0.1, 8, end_learning_rate=0.0, power=2.0, cycle=True),
}
for _name, _make in SCHEDULES.items():
    add_case(f"keras.optimizers.schedules.{_name}",
             lambda tf, _m=_make: [tf.cast(_m(tf)(step), tf.float32)
                                   for step in (0, 1, 9, 10, 11, 20, 25)], grad=False)


# ---- Keras metrics ----------------------------------------------------------------------------
def _metric(tf, make, *batches):
    metric = make(tf)
    results = []
    for batch in batches:
        metric.update_state(*[tf.constant(part) for part in batch])
        results.append(metric.result())
    metric.reset_state()
    return results + [metric.result()]


METRICS = {
    "Mean/weighted": (lambda tf: tf.keras.metrics.Mean(),
                      [([1.0, 2.0, 3.0],), ([4.0, 5.0], [0.5, 2.0])]),
    "Sum/default": (lambda tf: tf.keras.metrics.Sum(), [([1.0, 2.0],), ([3.0],)]),
    "Accuracy/default": (lambda tf: tf.keras.metrics.Accuracy(),
                         [([1, 2, 3], [1, 2, 0]), ([0, 1], [0, 0])]),
    "BinaryAccuracy/default": (lambda tf: tf.keras.metrics.BinaryAccuracy(),
                               [([[1.0], [0.0]], [[0.7], [0.6]]), ([[1.0]], [[0.5]])]),
    "BinaryAccuracy/threshold": (lambda tf: tf.keras.metrics.BinaryAccuracy(threshold=0.65),
                                 [([[1.0], [0.0]], [[0.7], [0.6]])]),
    "CategoricalAccuracy/default": (lambda tf: tf.keras.metrics.CategoricalAccuracy(),
                                    [([[0, 1, 0], [1, 0, 0]], [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])]),
    "SparseCategoricalAccuracy/default": (
        lambda tf: tf.keras.metrics.SparseCategoricalAccuracy(),
        [([1, 0], [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]]), ([[2]], [[0.1, 0.2, 0.7]])]),
    "SparseCategoricalAccuracy/weighted": (
        lambda tf: tf.keras.metrics.SparseCategoricalAccuracy(),
        [([1, 0], [[0.1, 0.8, 0.1], [0.9, 0.05, 0.05]], [1.0, 3.0])]),
    "MeanSquaredError/default": (lambda tf: tf.keras.metrics.MeanSquaredError(),
                                 [([[0.0, 1.0]], [[1.0, 1.0]]), ([[2.0, 2.0]], [[0.0, 0.0]])]),
    "MeanAbsoluteError/default": (lambda tf: tf.keras.metrics.MeanAbsoluteError(),
                                  [([[0.0, 1.0]], [[1.0, 3.0]])]),
    "BinaryCrossentropy/default": (lambda tf: tf.keras.metrics.BinaryCrossentropy(),
                                   [([[1.0], [0.0]], [[0.8], [0.3]])]),
    "CategoricalCrossentropy/default": (lambda tf: tf.keras.metrics.CategoricalCrossentropy(),
                                        [([[0, 1, 0]], [[0.1, 0.8, 0.1]])]),
    "SparseCategoricalCrossentropy/logits": (
        lambda tf: tf.keras.metrics.SparseCategoricalCrossentropy(from_logits=True),
        [([1, 2], [[0.1, 0.8, 0.1], [1.0, -1.0, 2.0]])]),
}
for _name, (_make, _batches) in METRICS.items():
    add_case(f"keras.metrics.{_name}", lambda tf, _m=_make, _b=_batches: _metric(tf, _m, *_b),
             grad=False)
for _name, _args in (("binary_accuracy", ([[1.0], [0.0]], [[0.7], [0.6]])),
                     ("categorical_accuracy", ([[0, 1]], [[0.3, 0.7]])),
                     ("sparse_categorical_accuracy", ([1, 0], [[0.3, 0.7], [0.4, 0.6]]))):
    add_case(f"keras.metrics.{_name}/function",
             lambda tf, _n=_name, _a=_args: lookup(tf, f"keras.metrics.{_n}")(*_a), grad=False)


# ---- tf.data pipelines ------------------------------------------------------------------------
def _elements(dataset) -> list:
    return [element for element in dataset]


DATA = {
    "from_tensor_slices/pairs": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        ([1.0, 2.0, 3.0], [0, 1, 0]))),
    "from_tensor_slices/dict": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        {"a": [1, 2], "b": [[1.0, 2.0], [3.0, 4.0]]})),
    "from_tensors": lambda tf: _elements(tf.data.Dataset.from_tensors([1, 2, 3])),
    "range/map_batch": lambda tf: _elements(tf.data.Dataset.range(7).map(
        lambda x: x * 2).batch(3)),
    "range/batch_drop_remainder": lambda tf: _elements(tf.data.Dataset.range(7).batch(
        3, drop_remainder=True)),
    "range/filter": lambda tf: _elements(tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)),
    "range/repeat_take": lambda tf: _elements(tf.data.Dataset.range(3).repeat(2).take(5)),
    "range/skip": lambda tf: _elements(tf.data.Dataset.range(5).skip(2)),
    "range/start_stop_step": lambda tf: _elements(tf.data.Dataset.range(2, 10, 3)),
    "range/enumerate": lambda tf: _elements(tf.data.Dataset.range(3).enumerate(start=5)),
    "zip": lambda tf: _elements(tf.data.Dataset.zip((tf.data.Dataset.range(3),
                                                     tf.data.Dataset.range(10, 13)))),
    "concatenate": lambda tf: _elements(tf.data.Dataset.range(2).concatenate(
        tf.data.Dataset.range(5, 7))),
    "unbatch": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        [[1, 2], [3, 4]]).unbatch()),
    "reduce": lambda tf: tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x),
    "cardinality": lambda tf: [tf.data.Dataset.range(10).batch(3).cardinality(),
                               tf.data.Dataset.range(10).batch(3, drop_remainder=True)
                               .cardinality(),
                               tf.data.Dataset.range(3).repeat().cardinality(),
                               tf.data.Dataset.range(10).filter(lambda x: x > 2).cardinality()],
    "as_numpy_iterator": lambda tf: list(tf.data.Dataset.from_tensor_slices(
        [[1.0, 2.0], [3.0, 4.0]]).as_numpy_iterator()),
    "map_tuple": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        ([1.0, 2.0], [3.0, 4.0])).map(lambda x, y: x * y)),
    "shuffle_full_is_permutation": lambda tf: sorted(
        int(x) for x in tf.data.Dataset.range(6).shuffle(6, seed=1)),
    "prefetch_cache": lambda tf: _elements(tf.data.Dataset.range(3).cache().prefetch(
        tf.data.AUTOTUNE)),
    "shard": lambda tf: _elements(tf.data.Dataset.range(7).shard(3, 1)),
    "batch_pairs": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        (np.arange(6, dtype=np.float32).reshape(3, 2), np.array([0, 1, 1], np.int32))).batch(2)),
    "element_spec": lambda tf: [repr(s.dtype) for s in tf.data.Dataset.from_tensor_slices(
        ([1.0], [1])).element_spec],
    "from_generator": lambda tf: _elements(tf.data.Dataset.from_generator(
        lambda: iter([[1, 2], [3, 4]]), output_types=tf.int32)),
}
for _name, _fn in DATA.items():
    add_case(f"data.Dataset/{_name}", _fn, grad=False)


# ---- TF1 names: tf.compat.v1.train (TF) and tf.train (tapeviz); contrib.eager -----------------
def v1_train(tf):
    """TF1's optimizers: `tf.compat.v1.train` in TF 2, `tf.train` in tapeviz."""
    compat = getattr(tf, "compat", None)
    return compat.v1.train if compat is not None else tf.train


def tfe(tf):
    """`tf.contrib.eager` as TF 1.x shipped it: tapeviz has it; under TF 2 (which dropped
    contrib) the same functions, written with GradientTape as TF 1's were."""
    contrib = getattr(tf, "contrib", None)
    return contrib.eager if contrib is not None else _TF2Eager(tf)


class _TF2Eager:
    """TF 1's `tfe.gradients_function` family over TF 2's GradientTape (the reference)."""

    def __init__(self, tf):
        self.tf = tf

    def value_and_gradients_function(self, f):
        def decorated(*args):
            args = [self.tf.convert_to_tensor(a) for a in args]
            with self.tf.GradientTape() as tape:
                for a in args:
                    tape.watch(a)
                value = f(*args)
            return value, tape.gradient(value, args)
        return decorated

    def gradients_function(self, f):
        return lambda *args: self.value_and_gradients_function(f)(*args)[1]

    def implicit_value_and_gradients(self, f):
        def decorated(*args):
            with self.tf.GradientTape() as tape:
                value = f(*args)
            variables = tape.watched_variables()
            return value, list(zip(tape.gradient(value, variables), variables))
        return decorated

    def implicit_gradients(self, f):
        return lambda *args: self.implicit_value_and_gradients(f)(*args)[1]

    def Variable(self, *args, **kwargs):  # noqa: N802 (TF 1's name)
        return self.tf.Variable(*args, **kwargs)


def _tfe_implicit(tf):
    w = tfe(tf).Variable([2.0, -1.0])
    pairs = tfe(tf).implicit_gradients(lambda x: tf.reduce_sum(w * w * x))(tf.constant(3.0))
    return [g for g, _ in pairs]


def _tfe_implicit_value(tf):
    w = tfe(tf).Variable(2.0)
    value, pairs = tfe(tf).implicit_value_and_gradients(lambda x: w * x * x)(3.0)
    return [value, pairs[0][0]]


def _v1_optimizer(tf, name, *args, steps=3, **kwargs):
    v = tf.Variable([1.0, -2.0, 0.5])
    optimizer = getattr(v1_train(tf), name)(*args, **kwargs)
    history = []
    for step in range(steps):
        optimizer.apply_gradients([(tf.constant(spread((3,), seed=40 + step)), v)])
        history.append(v.numpy())
    return history


add_case("contrib.eager/gradients_function",
         lambda tf: tfe(tf).gradients_function(lambda x, y: x * x * y)(3.0, 2.0), grad=False)
add_case("contrib.eager/value_and_gradients_function",
         lambda tf: tfe(tf).value_and_gradients_function(lambda x: tf.exp(x) * 2.0)(1.0),
         grad=False)
add_case("contrib.eager/implicit_gradients", _tfe_implicit, grad=False)
add_case("contrib.eager/implicit_value_and_gradients", _tfe_implicit_value, grad=False)
for _name, _args, _kwargs in (("GradientDescentOptimizer", (0.1,), {}),
                              ("MomentumOptimizer", (0.1, 0.9), {}),
                              ("MomentumOptimizer", (0.1, 0.9), {"use_nesterov": True}),
                              ("AdamOptimizer", (0.01,), {}),
                              ("AdagradOptimizer", (0.1,), {}),
                              ("RMSPropOptimizer", (0.01,), {}),
                              ("RMSPropOptimizer", (0.01,), {"momentum": 0.5})):
    _label = "_".join([_name] + sorted(_kwargs)) + f"_{len(_args)}"
    add_case(f"train.{_label}",
             lambda tf, _n=_name, _a=_args, _k=_kwargs: _v1_optimizer(tf, _n, *_a, **_k),
             grad=False)


# ---- names not reached above: aliases, subclassing, round trips ---------------------------
class _Eager(_TF2Eager):
    """The rest of TF 1's `tfe` names, for the reference."""

    def enable_eager_execution(self):
        return None

    def executing_eagerly(self):
        return self.tf.executing_eagerly()

    def Iterator(self, dataset):  # noqa: N802 (TF 1's name)
        return iter(dataset)


def _tfe_rest(tf):
    eager = tf.contrib.eager if getattr(tf, "contrib", None) is not None else _Eager(tf)
    eager.enable_eager_execution()
    return [eager.executing_eagerly(),
            [x for x in eager.Iterator(tf.data.Dataset.from_tensor_slices([1.0, 2.0]))]]


def _custom_loss(tf, y, p):
    class Absolute(tf.keras.losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)
    return [Absolute()(y, p), Absolute(reduction="sum")(y, p)]


def _custom_metric(tf):
    class Total(tf.keras.metrics.Metric):
        def __init__(self, name="total", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", shape=(), initializer="zeros")

        def update_state(self, values):
            self.total.assign_add(tf.reduce_sum(values))

        def result(self):
            return tf.identity(self.total)

    metric = Total()
    metric.update_state(tf.constant([1.0, 2.0]))
    metric.update_state(tf.constant([3.5]))
    return metric.result()


def _wrapped_metric(tf):
    metric = tf.keras.metrics.MeanMetricWrapper(fn=lambda y, p: tf.abs(y - p), name="abs")
    metric.update_state(tf.constant([[1.0, 2.0]]), tf.constant([[0.0, 4.0]]))
    return metric.result()


def _custom_schedule(tf):
    class Halving(tf.keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1 * 0.5 ** tf.cast(step, tf.float32)

        def get_config(self):
            return {}

    v = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.SGD(Halving())
    for _ in range(3):
        optimizer.apply_gradients([(tf.constant([1.0, -1.0]), v)])
    return v


def _optimizer_round_trip(tf):
    v = tf.Variable([1.0, 2.0])
    config = tf.keras.optimizers.serialize(tf.keras.optimizers.SGD(0.25, momentum=0.5))
    optimizer = tf.keras.optimizers.deserialize(config)
    for _ in range(2):
        optimizer.apply_gradients([(tf.constant([1.0, -1.0]), v)])
    return v


def _global_step(tf):
    step = v1_train(tf).get_or_create_global_step()
    step.assign_add(3)
    again = v1_train(tf).get_global_step()
    return [step.dtype.name, int(again.numpy()), step.shape.as_list()]


def _max_pool_second_order(strides, padding, power, of_norm):
    """max_pool2d's gradient and the gradient of that (of its squared norm, `of_norm`)."""
    def run(tf, x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.nn.max_pool2d(x, 2, strides, padding) ** power)
            g = inner.gradient(y, x)
            z = tf.reduce_sum(g * g) if of_norm else g
        return [g, outer.gradient(z, x)]
    return run


add_case("executing_eagerly/true", lambda tf: tf.executing_eagerly(), grad=False)
add_case("contrib.eager/enable_iterator", _tfe_rest, grad=False)
for _alias, _options in (("AvgPool2D", (2,)), ("MaxPool2D", (2,)), ("GlobalAvgPool2D", ()),
                         ("GlobalMaxPool2D", ())):
    _layer_case(f"{_alias}/alias", lambda tf, _a=_alias, _o=_options:
                lookup(tf, f"keras.layers.{_a}")(*_o), f32(1, 4, 4, 2))
add_case("keras.losses.Loss/subclass", _custom_loss, *LOSS_DATA["mse"])
add_case("keras.losses.MSE_MAE/aliases", lambda tf, y, p: [tf.keras.losses.MSE(y, p),
                                                          tf.keras.losses.MAE(y, p)],
         *LOSS_DATA["mse"])
add_case("keras.losses.Reduction/names", lambda tf: [tf.keras.losses.Reduction.SUM,
                                                    tf.keras.losses.Reduction.NONE],
         grad=False)
add_case("keras.losses.serialize/round_trip", lambda tf, y, p: tf.keras.losses.deserialize(
    tf.keras.losses.serialize(tf.keras.losses.Huber(delta=0.5)))(y, p), *LOSS_DATA["mse"])
add_case("keras.metrics.Metric/subclass", _custom_metric, grad=False)
add_case("keras.metrics.MeanMetricWrapper/fn", _wrapped_metric, grad=False)
add_case("keras.optimizers.schedules.LearningRateSchedule/subclass", _custom_schedule,
         grad=False)
add_case("keras.optimizers.serialize/round_trip", _optimizer_round_trip, grad=False)
add_case("train.get_or_create_global_step/get_global_step", _global_step, grad=False,
         fresh=True)
add_case("GradientTape/max_pool_second_order", _max_pool_second_order(1, "VALID", 2, True),
         f32(1, 3, 3, 1),
         grad=False)
add_case("math.argmax/nan_first", lambda tf, x: [tf.math.argmax(x), tf.math.argmin(x)],
         a32([np.nan, 1.0, 3.0]))
add_case("math.argmax/all_nan", lambda tf, x: [tf.math.argmax(x), tf.math.argmin(x)],
         a32([np.nan, np.nan]))
add_case("where/one_arg_scalar", lambda tf: tf.where(tf.constant(True)), grad=False)
add_case("where/one_arg_3d", lambda tf, c: tf.where(c), np.arange(8).reshape(2, 2, 2) % 3 == 0)


# ---- random ops: their values are TF's own, so the cases compare what must hold ------------
def _random_facts(tf, make, low=None, high=None):
    """dtype, shape and bounds of a draw (values cannot match another generator's)."""
    t = make(tf)
    facts = [t.dtype.name, t.shape.as_list()]
    if low is not None:
        facts.append(bool(tf.reduce_all(t >= low)))
    if high is not None:
        facts.append(bool(tf.reduce_all(t < high)))
    return facts


RANDOM = {
    "random.normal/default": (lambda tf: tf.random.normal([3, 4], seed=1), None, None),
    "random.normal/f64_scaled": (lambda tf: tf.random.normal([5], 2.0, 0.5, tf.float64, seed=1),
                                 None, None),
    "random.truncated_normal/bounds": (lambda tf: tf.random.truncated_normal([200], seed=1),
                                       -2.0, 2.0001),
    "random.truncated_normal/scaled": (lambda tf: tf.random.truncated_normal(
        [50], mean=1.0, stddev=0.5, seed=1), 0.0, 2.0001),
    "random.uniform/default": (lambda tf: tf.random.uniform([2, 3], seed=1), 0.0, 1.0),
    "random.uniform/range": (lambda tf: tf.random.uniform([100], -3.0, -1.0, seed=1),
                             -3.0, -1.0),
    "random.uniform/int32": (lambda tf: tf.random.uniform([100], 0, 5, dtype=tf.int32, seed=1),
                             0, 5),
    "random.uniform/int64": (lambda tf: tf.random.uniform([20], -4, 4, dtype=tf.int64, seed=1),
                             -4, 4),
}
for _name, (_make, _low, _high) in RANDOM.items():
    add_case(_name, lambda tf, _m=_make, _l=_low, _h=_high: _random_facts(tf, _m, _l, _h),
             grad=False)
add_case("random.shuffle/permutation", lambda tf: tf.sort(tf.random.shuffle(tf.range(6)))
         if hasattr(tf, "sort") else tf.constant(sorted(tf.random.shuffle(tf.range(6)).numpy())),
         grad=False)
add_case("random.shuffle/rows", lambda tf, x: tf.reduce_sum(tf.random.shuffle(x), axis=0),
         f32(4, 2))
def _seeded_twice(tf):
    tf.random.set_seed(3)
    first = tf.random.uniform([3], seed=1)
    tf.random.set_seed(3)
    return bool(tf.reduce_all(first == tf.random.uniform([3], seed=1)))


def _dropped_or_scaled(tf, y, x, rate):
    """Each value of a dropout output is 0 or its input / (1 - rate)."""
    return tf.reduce_all((y == 0.0) | (tf.abs(y - x / (1.0 - rate)) < 1e-5))


def _dropout_noise_shape(tf, x):
    y = tf.nn.dropout(x, rate=0.5, noise_shape=[3, 1], seed=1)
    return [_dropped_or_scaled(tf, y, x, 0.5), tf.reduce_all(tf.equal(y[:, 0] == 0.0,
                                                                      y[:, 1] == 0.0))]


add_case("random.uniform/seeded_twice", _seeded_twice, grad=False)
add_case("nn.dropout/kept_scaled", lambda tf, x: _dropped_or_scaled(
    tf, tf.nn.dropout(x, rate=0.5, seed=1), x, 0.5), f32(20, low=0.5, high=2))
add_case("nn.dropout/shape_dtype", lambda tf, x: [tf.nn.dropout(x, rate=0.3).shape.as_list(),
                                                  tf.nn.dropout(x, rate=0.3).dtype.name],
         f64(2, 3))
add_case("nn.dropout/noise_shape", _dropout_noise_shape, f32(3, 2, low=0.5, high=2))
add_case("keras.layers.Dropout/training_facts", lambda tf, x: _dropped_or_scaled(
    tf, tf.keras.layers.Dropout(0.25)(x, training=True), x, 0.25), f32(30, low=0.5, high=2))


# ---- more of the ops the cases above reach least ----------------------------------------
add_case("nn.l2_loss/scalar", lambda tf, x: tf.nn.l2_loss(x), f32())
add_case("nn.l2_loss/r4", lambda tf, x: tf.nn.l2_loss(x), f32(2, 1, 2, 3))
add_case("math.logical_xor/broadcast", _binary("math.logical_xor"),
         np.array([[True], [False]]), np.array([True, False, True]))
add_case("math.logical_xor/operator", lambda tf, x, y: x ^ y, np.array([True, False]),
         np.array([True, True]))
add_case("tile/r3_ones", lambda tf, x: tf.tile(x, [1, 2, 1]), f32(2, 1, 3))
add_case("tile/zero", lambda tf, x: tf.tile(x, [0, 2]), f32(2, 2))
add_case("tile/bool", lambda tf, x: tf.tile(x, [2]), np.array([True, False]))
add_case("one_hot/axis_neg2", lambda tf, i: tf.one_hot(i, 2, axis=-2),
         np.array([[0, 1, 1]], np.int32))
add_case("one_hot/float64_values", lambda tf, i: tf.one_hot(i, 3, on_value=np.float64(2.0),
                                                           off_value=np.float64(0.5)),
         np.array([2, 0], np.int32))
add_case("nn.sigmoid_cross_entropy_with_logits/f64",
         lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
         np.array([0.0, 1.0, 0.3]), f64(3))
add_case("nn.sigmoid_cross_entropy_with_logits/r3",
         lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
         f32(2, 2, 2, low=0, high=1), f32(2, 2, 2, seed=3))


add_case("GradientTape/max_pool_same_second_order", _max_pool_second_order(2, "SAME", 3, False),
         f32(1, 3, 3, 2),
         grad=False)


# ---- Keras's input declarations and the Conv2D alias -------------------------------------
add_case("keras.Input/sequential", lambda tf, x: _fixed(tf.keras.Sequential(
    [tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(2, activation="tanh")]), tf, x), f32(4, 3))
add_case("keras.layers.InputLayer/shape", lambda tf, x: _fixed(tf.keras.Sequential(
    [tf.keras.layers.InputLayer(shape=(3,)), tf.keras.layers.Dense(2)]), tf, x), f32(4, 3))
_layer_case("Convolution2D/alias", lambda tf: tf.keras.layers.Convolution2D(2, 2, strides=2),
            f32(1, 4, 4, 1))


# ---- tf.add and tf.math.truediv convert x on its own; the operators convert it to y's dtype ---
_FIRST_OPERANDS = {   # x's forms: a numpy float64 array, scalar and 0-d array, a Python float
    "numpy_float64": lambda: np.array([1.0, 2.0]), "numpy_float64_scalar": lambda: np.float64(1.5),
    "numpy_float64_0d": lambda: np.array(1.5), "python_float": lambda: 1.5,
    "python_int": lambda: 1, "int_list": lambda: [1, 2], "numpy_int64": lambda: np.array([1, 2]),
}
for _form, _make_x in _FIRST_OPERANDS.items():
    add_case(f"add/x_{_form}", lambda tf, y, _x=_make_x: tf.add(_x(), y), f32(2))
    add_case(f"math.add/x_{_form}", lambda tf, y, _x=_make_x: tf.math.add(_x(), y), f32(2),
             op="add")
    add_case(f"math.truediv/x_{_form}", lambda tf, y, _x=_make_x: tf.math.truediv(_x(), y),
             f32(2, low=0.5, high=2), op="truediv")
    add_case(f"divide/x_{_form}", lambda tf, y, _x=_make_x: tf.divide(_x(), y),
             f32(2, low=0.5, high=2))
    add_case(f"operators/add_left_{_form}", lambda tf, y, _x=_make_x: _x() + y, f32(2), op="add")
    add_case(f"operators/truediv_left_{_form}", lambda tf, y, _x=_make_x: _x() / y,
             f32(2, low=0.5, high=2), op="truediv")
add_case("add/y_numpy_float64", lambda tf, x: tf.add(x, np.array([1.0, 2.0])), f32(2))
add_case("add/x_float32_array_y_float64", lambda tf, y: tf.add(np.ones(2, np.float32), y), f64(2))
add_case("math.truediv/y_numpy_float64", lambda tf, x: tf.math.truediv(x, np.array([1.0, 2.0])),
         f32(2))
add_case("matmul/a_int_list", lambda tf, w: tf.matmul([[1, 2]], w), f32(2, 2))
add_case("operators/matmul_left_numpy_float64", lambda tf, w: np.ones((1, 2)) @ w, f32(2, 2),
         op="matmul")


# ---- Keras 3: gradients cast to the variable's dtype; an optimizer keeps its first variables --
def _step_with_gradient_of(dtype, make):
    def run(tf):
        v = tf.Variable([1.0, -2.0])
        optimizer = make(tf)
        for _ in range(2):
            optimizer.apply_gradients([(tf.constant(np.array([1, 2]).astype(dtype)), v)])
        return [v, int(optimizer.iterations.numpy())]
    return run


for _opt_name, _make_opt in (("SGD", lambda tf: tf.keras.optimizers.SGD(0.1, momentum=0.5)),
                             ("Adam", lambda tf: tf.keras.optimizers.Adam(0.1))):
    for _dtype in ("float64", "float16", "int32"):
        add_case(f"keras.optimizers.{_opt_name}/{_dtype}_gradient",
                 _step_with_gradient_of(_dtype, _make_opt), grad=False)


def _optimizer_on_new_variables(tf, later):
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    optimizer = tf.keras.optimizers.Adam(0.1)
    optimizer.apply_gradients([(tf.constant([1.0]), a), (None, b)] if later == "none_first"
                              else [(tf.constant([1.0]), a)])
    pairs = {"new": [(tf.constant([1.0]), b)], "both": [(tf.constant([1.0]), a),
                                                         (tf.constant([1.0]), b)],
             "none_first": [(tf.constant([1.0]), b)], "same": [(tf.constant([1.0]), a)]}[later]
    optimizer.apply_gradients(pairs)
    return [a, b, int(optimizer.iterations.numpy())]


for _later in ("new", "both", "none_first", "same"):
    add_case(f"keras.optimizers.Adam/apply_after_first_{_later}",
             lambda tf, _l=_later: _optimizer_on_new_variables(tf, _l), grad=False,
             op="apply_gradients")


def _adam_on_embedding(tf, ids):
    """Two Adam steps on an Embedding table read at `ids` (TF gives the table's gradient as
    IndexedSlices, one slice per lookup, which Keras 3's Adam squares one by one)."""
    table = tf.keras.layers.Embedding(4, 2, embeddings_initializer=tf.constant_initializer(
        spread((4, 2), seed=51)))
    optimizer = tf.keras.optimizers.Adam(0.1)
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(table(tf.constant(ids)) * cotangent((*np.shape(ids), 2),
                                                                     "float32"))
        optimizer.apply_gradients(zip(tape.gradient(loss, table.trainable_weights),
                                      table.trainable_weights))
    return table.embeddings


add_case("keras.optimizers.Adam/embedding_repeated_ids",
         lambda tf: _adam_on_embedding(tf, [[0, 2, 0], [2, 2, 1]]), grad=False)
add_case("keras.optimizers.Adam/embedding_unique_ids",
         lambda tf: _adam_on_embedding(tf, [[0, 2], [3, 1]]), grad=False)


# ---- Keras 3 layers take tensors and arrays, not Python numbers ---------------------------------
for _input_name, _input in (("list_of_lists", [[1.0, 2.0], [3.0, 4.0]]), ("int_lists", [[1, 2]]),
                            ("python_float", 1.0), ("bool", True)):
    add_case(f"keras.layers.Dense/input_{_input_name}",
             lambda tf, _i=_input: tf.keras.layers.Dense(2)(_i), grad=False, op="dense")
add_case("keras.layers.Dense/input_numpy_float64",
         lambda tf: tf.keras.layers.Dense(2)(np.ones((1, 2))).dtype.name, grad=False)
add_case("keras.Sequential/input_list_of_lists", lambda tf: tf.keras.Sequential(
    [tf.keras.Input((2,)), tf.keras.layers.Dense(2)])([[1.0, 2.0]]), grad=False, op="sequential")


# ---- a Variable's slice assigned (TF's strided-slice assign) ----------------------------------
def _slice_assigned(assign, returned: bool):
    def run(tf):
        v = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))
        out = assign(tf, v)
        return [v, out] if returned else v
    return run


for _slice_name, _assign in {
    "row": lambda tf, v: v[0].assign([9.0, 8.0, 7.0, 6.0]),
    "element": lambda tf, v: v[1, 2].assign(-1.0),
    "range": lambda tf, v: v[1:3].assign(np.ones((2, 4), np.float32)),
    "step": lambda tf, v: v[:, ::2].assign([[0.5, 0.5]] * 3),
    "column_scalar": lambda tf, v: v[:, 1].assign(5),
    "ellipsis": lambda tf, v: v[..., -1].assign([1.0, 2.0, 3.0]),
    "newaxis": lambda tf, v: v[None, 2].assign([[4.0, 4.0, 4.0, 4.0]]),
    "tensor_index": lambda tf, v: v[tf.constant(2)].assign(np.float64(0.25)),
    "returns_variable": lambda tf, v: v[0, 0].assign(3.0),
    "twice": lambda tf, v: (v[0].assign(v[0] * 2.0), v[0, 1].assign(-2.0)),
    "bad_shape": lambda tf, v: v[1].assign([1.0, 2.0]),
    "float64_tensor": lambda tf, v: v[1].assign(tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)),
}.items():
    add_case(f"Variable/slice_assign_{_slice_name}",
             _slice_assigned(_assign, _slice_name == "returns_variable"), grad=False,
             op="strided_slice_assign")
add_case("Variable/slice_assign_add", lambda tf: tf.Variable([1.0, 2.0])[0:1].assign_add([1.0]),
         grad=False, op="assign_add")
add_case("Variable/slice_of_constant_assign", lambda tf: tf.constant([1.0, 2.0])[0].assign(1.0),
         grad=False, op="assign")


def _slice_assign_gradients(tf):
    """A slice assigned mid-tape: reads after it see the new value, and no gradient flows
    through the assignment (into what was assigned)."""
    x, s = tf.Variable([1.0, 2.0, 3.0]), tf.Variable(5.0)
    with tf.GradientTape(persistent=True) as tape:
        before = tf.reduce_sum(x * 2.0)
        x[0].assign(s * 2.0)
        after = tf.reduce_sum(x * x)
    return [tape.gradient(before, x), tape.gradient(after, x), tape.gradient(after, s), x]


add_case("Variable/slice_assign_gradients", _slice_assign_gradients, grad=False)


# ---- newcomer mistakes, round two: what TF does with each ------------------------------------
add_case("reduce_mean/int_truncates", lambda tf, x: tf.reduce_mean(x, axis=1),
         np.array([[1, 2], [4, 4], [-1, -2]], np.int32))
add_case("cast/nan_and_inf_to_int32", lambda tf, x: tf.cast(x, tf.int32),
         np.array([np.nan, np.inf, -np.inf, 1.5, -2.5], np.float32), grad=False)
add_case("cast/dtype_name_float", lambda tf, x: tf.cast(x, "float"), i32(3))
add_case("cast/dtype_name_double", lambda tf, x: tf.cast(x, "double"), i32(3))
add_case("cast/dtype_name_int", lambda tf, x: tf.cast(x, "int"), f32(3))
add_case("range/float_arguments", lambda tf: tf.range(0.0, 1.0, 0.25))
add_case("range/int_start_float_limit", lambda tf: tf.range(0, 1.0, 0.5))
add_case("range/start_above_limit", lambda tf: tf.range(5, 0))
add_case("range/counting_the_wrong_way", lambda tf: tf.range(0, 5, -1))
add_case("range/counting_down", lambda tf: tf.range(5, 0, -2))
add_case("one_hot/float_indices", lambda tf, i: tf.one_hot(i, 3), f32(2, low=0, high=2))
add_case("one_hot/float_depth", lambda tf: tf.one_hot([0, 1], 3.0))
add_case("concat/one_tensor_list", lambda tf, x: tf.concat([x], axis=0), f32(2, 3))
add_case("stack/mismatched_shapes", lambda tf, x, y: tf.stack([x, y]), f32(2), f32(3))
add_case("stack/empty_list", lambda tf: tf.stack([]))
add_case("concat/empty_list", lambda tf: tf.concat([], axis=0))
add_case("reshape/two_unknown", lambda tf, x: tf.reshape(x, [-1, -1]), f32(2, 3))
add_case("gather/index_out_of_range", lambda tf, x: tf.gather(x, [0, 2]), f32(2))
add_case("keras.layers.Dense/activation_capitalized",
         lambda tf: tf.keras.layers.Dense(2, activation="Relu"), grad=False, op="Relu")
add_case("Variable/mixed_ints_and_floats", lambda tf: tf.Variable([1, 2.5, 3]))
add_case("data.Dataset.batch/zero", lambda tf: tf.data.Dataset.range(4).batch(0), grad=False,
         op="batch")
add_case("GradientTape/none_among_sources", lambda tf, x: _none_source(tf, x), f32(2))
add_case("GradientTape/not_watching_accessed_variables", lambda tf: _unwatched_variable(tf))


def _none_source(tf, x):
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * x)
    return tape.gradient(y, [w, None])


def _unwatched_variable(tf):
    w, v = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = w * v
    return tape.gradient(y, [w, v])


def _model_on(tf, call):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    return {"fit_python_list": lambda: model.fit([[1.0, 2.0], [3.0, 4.0]], np.ones(2), verbose=0),
            "predict_python_list": lambda: model.predict([[1.0, 2.0]], verbose=0),
            "predict_listed_array": lambda: model.predict([np.ones((1, 2), np.float32)],
                                                          verbose=0).shape}[call]()


for _call in ("fit_python_list", "predict_python_list", "predict_listed_array"):
    add_case(f"keras.Model/{_call}", lambda tf, _c=_call: _model_on(tf, _c),
             grad=False, op=_call.split("_")[0])
add_case("boolean_mask/int_mask", lambda tf, x: tf.boolean_mask(x, [2, 0, 1]), f32(3, 2))
add_case("boolean_mask/float_mask", lambda tf, x: tf.boolean_mask(x, np.array([0.5, 0.0, 0.0])),
         f32(3))


def _optimizer_built_first(tf):
    a, b, c = tf.Variable([1.0]), tf.Variable([2.0]), tf.Variable([3.0])
    optimizer = tf.keras.optimizers.Adam(0.1)
    optimizer.build([a, b])
    optimizer.build([c])   # built already: nothing changes
    optimizer.apply_gradients([(tf.constant([1.0]), a)])
    optimizer.apply_gradients([(tf.constant([1.0]), b)])
    optimizer.apply_gradients([(tf.constant([1.0]), c)])
    return [a, b]


add_case("keras.optimizers.Adam/build_then_apply", _optimizer_built_first, grad=False,
         op="apply_gradients")


def _optimizer_built_then_stepped(tf):
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    optimizer = tf.keras.optimizers.Adam(0.1)
    optimizer.build([a, b])
    for var in (a, b, a):
        optimizer.apply_gradients([(tf.constant([1.0]), var)])
    return [a, b, int(optimizer.iterations.numpy())]


add_case("keras.optimizers.Adam/build_then_step_each", _optimizer_built_then_stepped, grad=False)


# ---- add_n, divide_no_nan, random shapes, unsigned and bool dtypes in unary ops -------------
add_case("add_n/three", lambda tf, x, y, z: tf.add_n([x, y, z]), f32(2, 3), f32(2, 3, seed=2),
         f32(2, 3, seed=3))
add_case("add_n/one", lambda tf, x: tf.add_n([x]), f32(3))
add_case("add_n/same_tensor_twice", lambda tf, x: tf.add_n([x, x]), f32(3))
add_case("add_n/python_values", lambda tf, x: tf.add_n([x, [1.0, 2.0, 3.0], 0.5 * x]), f32(3))
add_case("math.add_n/tensor_rows", lambda tf, x: tf.math.add_n(x), f32(3, 2))
add_case("add_n/ints", lambda tf: tf.add_n([[1, 2], [3, 4]]))
add_case("add_n/empty", lambda tf: tf.add_n([]))
add_case("add_n/shapes_differ", lambda tf, x, y: tf.add_n([x, y]), f32(2), f32(3))
add_case("add_n/no_broadcast", lambda tf, x, y: tf.add_n([x, y]), f32(2), f32())
add_case("add_n/dtypes_differ", lambda tf, x, y: tf.add_n([x, y]), f32(2), i32(2))
add_case("add_n/numpy_float64_beside_float32", lambda tf, x: tf.add_n([x, np.ones(2)]), f32(2))
add_case("add_n/bool", lambda tf, x: tf.add_n([x, x]), np.array([True, False]))
add_case("add_n/scalar_tensor", lambda tf, x: tf.add_n(x), f32())
add_case("math.divide_no_nan/zeros", lambda tf, x, y: tf.math.divide_no_nan(x, y),
         a32([1.0, 0.0, -1.0, 2.0]), a32([0.0, 0.0, 2.0, 4.0]))
add_case("math.divide_no_nan/broadcast", lambda tf, x, y: tf.math.divide_no_nan(x, y),
         f32(3, 1), a32([0.0, 2.0, -0.5]))
add_case("math.divide_no_nan/nan_and_inf_over_zero", lambda tf, x, y: tf.math.divide_no_nan(x, y),
         a32([np.nan, np.inf, np.nan]), a32([0.0, 0.0, 1.0]), grad=False)
add_case("math.divide_no_nan/f64", lambda tf, x, y: tf.math.divide_no_nan(x, y), f64(2, 2),
         np.array([[0.0, 1.5], [-2.0, 0.0]]))
add_case("math.divide_no_nan/int32", lambda tf, x, y: tf.math.divide_no_nan(x, y),
         np.array([3, 0, -4], np.int32), np.array([0, 2, 8], np.int32))
add_case("math.divide_no_nan/int8", lambda tf, x, y: tf.math.divide_no_nan(x, y),
         np.array([3, 1], np.int8), np.array([0, 4], np.int8))
add_case("math.divide_no_nan/python_x", lambda tf, y: tf.math.divide_no_nan(1.0, y),
         a32([0.0, 4.0]))
add_case("math.divide_no_nan/numpy_float64_x", lambda tf, y: tf.math.divide_no_nan(
    np.array([1.0, 2.0]), y), a32([0.0, 4.0]))
add_case("math.divide_no_nan/dtypes_differ", lambda tf, x, y: tf.math.divide_no_nan(x, y),
         f32(2), f64(2))
add_case("math.divide_no_nan/bool", lambda tf, x: tf.math.divide_no_nan(x, x),
         np.array([True, False]))
for _draw in ("normal", "uniform", "truncated_normal"):
    add_case(f"random.{_draw}/scalar_shape", lambda tf, _d=_draw: getattr(tf.random, _d)(3),
             op=_draw)
    add_case(f"random.{_draw}/scalar_tensor_shape", lambda tf, _d=_draw: getattr(tf.random, _d)(
        tf.constant(3)), op=_draw)
    add_case(f"random.{_draw}/empty_shape_is_a_scalar", lambda tf, _d=_draw: _random_facts(
        tf, lambda tf: getattr(tf.random, _d)([])), grad=False)
    add_case(f"random.{_draw}/vector_tensor_shape", lambda tf, _d=_draw: _random_facts(
        tf, lambda tf: getattr(tf.random, _d)(tf.constant([2, 3]))), grad=False)
add_case("random.uniform/int_scalar_shape", lambda tf: tf.random.uniform(
    4, maxval=5, dtype=tf.int32), op="uniform")
add_case("random.shuffle/scalar", lambda tf: tf.random.shuffle(3))
_SMALL_INTS = {"uint8": np.array([0, 1, 200], np.uint8), "int8": np.array([-3, 0, 4], np.int8),
               "int16": np.array([-3, 0, 4], np.int16), "int64": np.array([-3, 0, 4], np.int64)}
for _path in ("math.abs", "math.negative", "math.sign", "math.square", "math.reciprocal",
              "math.round", "math.exp", "nn.relu", "nn.relu6", "nn.elu", "nn.leaky_relu"):
    for _dtype, _values in _SMALL_INTS.items():
        add_case(f"{_path}/{_dtype}", _unary(_path), _values)
for _path in ("math.negative", "math.sign", "math.reciprocal", "math.round", "nn.relu6",
              "nn.elu", "nn.leaky_relu"):
    add_case(f"{_path}/bool", _unary(_path), np.array([True, False]))
for _path in ("math.reciprocal", "nn.elu", "nn.relu6", "nn.leaky_relu"):
    add_case(f"{_path}/int32", _unary(_path), np.array([-3, 0, 4], np.int32))


# ---- lecture programs: tf.function, clipping by norm, norms, Keras's steering callbacks -----
add_case("function/decorated", lambda tf, x: tf.function(lambda v: v * 2.0 + 1.0)(x), f32(3))
add_case("function/with_options", lambda tf, x: tf.function(jit_compile=False)(
    lambda v: tf.reduce_sum(v * v))(x), f32(2, 2))
add_case("clip_by_global_norm/clipped", lambda tf, x, y: tf.clip_by_global_norm([x, y], 1.0),
         f32(2, 3), f32(3, seed=2))
add_case("clip_by_global_norm/not_clipped", lambda tf, x, y: tf.clip_by_global_norm([x, y], 50.0),
         f32(2, 3), f32(3, seed=2))
add_case("clip_by_global_norm/none_entries", lambda tf, x, y: tf.clip_by_global_norm(
    [x, None, y], 0.5), f32(4), f32(2, 2, seed=2))
add_case("clip_by_global_norm/tensor_clip_norm", lambda tf, x: tf.clip_by_global_norm(
    [x], tf.constant(0.5)), f32(3))
add_case("clip_by_global_norm/use_norm", lambda tf, x: tf.clip_by_global_norm(
    [x], 1.0, use_norm=tf.constant(4.0)), f32(3))
add_case("clip_by_global_norm/zeros", lambda tf, x: tf.clip_by_global_norm([x * 0.0], 1.0),
         f32(3), grad=False)
add_case("clip_by_global_norm/inf", lambda tf, x: tf.clip_by_global_norm([x], 1.0),
         a32([np.inf, 1.0]), grad=False)
add_case("clip_by_global_norm/f64", lambda tf, x: tf.clip_by_global_norm([x], 0.1), f64(3))
add_case("clip_by_global_norm/a_tensor", lambda tf, x: tf.clip_by_global_norm(x, 1.0), f32(3))
add_case("clip_by_global_norm/python_lists", lambda tf: tf.clip_by_global_norm(
    [[3.0, 4.0], [[0.0]]], 1.0))
add_case("clip_by_norm/all", lambda tf, x: tf.clip_by_norm(x, 1.0), f32(2, 3))
add_case("clip_by_norm/axes", lambda tf, x: tf.clip_by_norm(x, 1.0, axes=[1]), f32(3, 2))
add_case("clip_by_norm/zero_row", lambda tf, x: tf.clip_by_norm(x, 1.0, axes=[1]),
         a32([[3.0, 4.0], [0.0, 0.0]]))
add_case("clip_by_norm/below", lambda tf, x: tf.clip_by_norm(x, 100.0), f32(4))
add_case("clip_by_norm/int32", lambda tf, x: tf.clip_by_norm(x, 1.0), i32(3))
add_case("clip_by_norm/negative_clip_norm", lambda tf, x: tf.clip_by_norm(x, -1.0), f32(3))
add_case("clip_by_norm/negative_tensor_clip_norm", lambda tf, x: tf.clip_by_norm(
    x, tf.constant(-0.5)), f32(3))
add_case("clip_by_global_norm/negative_clip_norm", lambda tf, x, y: tf.clip_by_global_norm(
    [x, y], -1.0), f32(3), f32(2))
add_case("clip_by_global_norm/negative_tensor_clip_norm", lambda tf, x: tf.clip_by_global_norm(
    [x], tf.constant(-2.0)), f32(3))
add_case("linalg.global_norm/two", lambda tf, x, y: tf.linalg.global_norm([x, y]), f32(2, 3),
         f32(3, seed=2))
add_case("linalg.global_norm/with_none", lambda tf, x: tf.linalg.global_norm([None, x]), f32(3))
add_case("linalg.matmul/alias", lambda tf, x, y: tf.linalg.matmul(x, y, transpose_b=True),
         f32(2, 3), f32(2, 3, seed=2))
add_case("linalg.tensordot/alias", lambda tf, x, y: tf.linalg.tensordot(x, y, 1), f32(2, 3),
         f32(3, seed=2))
_NORMS = {"default": {}, "axis1": dict(axis=1), "axis_neg1_keepdims": dict(axis=-1, keepdims=True),
          "ord1": dict(ord=1), "ord_inf_axis0": dict(ord=np.inf, axis=0), "ord3": dict(ord=3),
          "ord_half_axis1": dict(ord=0.5, axis=1), "fro_pair": dict(ord="fro", axis=[0, 1]),
          "euclidean_pair_keepdims": dict(axis=(-2, -1), keepdims=True),
          "matrix_ord1": dict(ord=1, axis=[0, 1]), "matrix_ord_inf": dict(ord=np.inf, axis=[0, 1]),
          "ord2_axis1": dict(ord=2, axis=1), "bad_ord": dict(ord=-1),
          "three_axes": dict(axis=[0, 1, 2])}
for _label, _options in _NORMS.items():
    add_case(f"norm/{_label}", lambda tf, x, _o=_options: tf.norm(x, **_o),
             f32(2, 3, 2) if _label == "three_axes" else f32(2, 3, low=0.25, high=2))
add_case("linalg.norm/alias", lambda tf, x: tf.linalg.norm(x, axis=0), f32(2, 3))
add_case("norm/zero_vector_gradient", lambda tf, x: tf.norm(x * 0.0), f32(3))
add_case("norm/int32", lambda tf, x: tf.norm(x), i32(3))


def _fit_with(tf, make_callback, learning_rate, epochs=20, metrics=(), monitor_data=False):
    """A deterministic fit (fixed weights, one batch) under one callback: its history, the
    callback's counters and the weights fit leaves."""
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(
        1, kernel_initializer="ones", bias_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate), loss="mse",
                  metrics=list(metrics))
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.0]], np.float32)
    y = np.array([3.0, 0.5, 2.0, 1.0], np.float32)
    callback = make_callback(tf)
    history = model.fit(x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[callback], validation_data=(x, y) if monitor_data else None)
    counters = {name: getattr(callback, name) for name in ("stopped_epoch", "best_epoch", "wait")
                if hasattr(callback, name)}
    return [isinstance(history, tf.keras.callbacks.History),
            {k: [float(v) for v in values] for k, values in history.history.items()},
            counters, model.get_weights()]


_STEERING = {
    "EarlyStopping/diverging_restores_best": (lambda tf: tf.keras.callbacks.EarlyStopping(
        monitor="loss", patience=2, restore_best_weights=True), 0.6, {}),
    "EarlyStopping/min_delta": (lambda tf: tf.keras.callbacks.EarlyStopping(
        monitor="loss", min_delta=0.05), 0.05, {}),
    "EarlyStopping/val_mae_auto_mode": (lambda tf: tf.keras.callbacks.EarlyStopping(
        monitor="val_mae", patience=1), 0.6, dict(metrics=["mae"], monitor_data=True)),
    "EarlyStopping/baseline": (lambda tf: tf.keras.callbacks.EarlyStopping(
        monitor="loss", patience=3, baseline=0.01), 0.05, {}),
    "EarlyStopping/start_from_epoch": (lambda tf: tf.keras.callbacks.EarlyStopping(
        monitor="loss", patience=1, start_from_epoch=4), 0.6, {}),
    "EarlyStopping/max_mode": (lambda tf: tf.keras.callbacks.EarlyStopping(
        monitor="loss", mode="max", patience=1), 0.05, {}),
    "ReduceLROnPlateau/diverging": (lambda tf: tf.keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=1, min_lr=0.1), 0.6, dict(epochs=6)),
    "ReduceLROnPlateau/cooldown": (lambda tf: tf.keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.2, patience=0, cooldown=2, min_delta=10.0), 0.05,
        dict(epochs=6)),
    "LearningRateScheduler/halving": (lambda tf: tf.keras.callbacks.LearningRateScheduler(
        lambda epoch, lr: lr * 0.5), 0.1, dict(epochs=4)),
    "LearningRateScheduler/by_epoch": (lambda tf: tf.keras.callbacks.LearningRateScheduler(
        lambda epoch: 0.01 if epoch < 2 else 0.001), 0.1, dict(epochs=4)),
}
for _name, (_make, _rate, _options) in _STEERING.items():
    add_case(f"keras.callbacks.{_name}", lambda tf, _m=_make, _r=_rate, _o=_options: _fit_with(
        tf, _m, _r, **_o), grad=False, rtol=1e-4, atol=1e-5)


def _lambda_callback(tf):
    seen = []
    callback = tf.keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))),
        on_train_end=lambda logs: seen.append("end"))
    _fit_with(tf, lambda tf: callback, 0.05, epochs=2)
    return seen


add_case("keras.callbacks.LambdaCallback/hooks", _lambda_callback, grad=False)


def _terminated(tf):
    """How many epochs a diverging fit runs under TerminateOnNaN, and its last two losses'
    kinds (the losses before overflow compound float32 rounding, epoch after epoch)."""
    losses = _fit_with(tf, lambda tf: tf.keras.callbacks.TerminateOnNaN(), 2.0,
                       epochs=200)[1]["loss"]
    return [len(losses), [bool(np.isfinite(v)) for v in losses[-2:]]]


add_case("keras.callbacks.TerminateOnNaN/diverging", _terminated, grad=False)
add_case("keras.callbacks.EarlyStopping/unknown_metric_auto_mode", lambda tf: _fit_with(
    tf, lambda tf: tf.keras.callbacks.EarlyStopping(monitor="score"), 0.05), grad=False,
    op="EarlyStopping")
add_case("keras.callbacks.ReduceLROnPlateau/factor_above_one",
         lambda tf: tf.keras.callbacks.ReduceLROnPlateau(factor=1.5), grad=False,
         op="ReduceLROnPlateau")
add_case("keras.callbacks.LearningRateScheduler/tensor_rate", lambda tf: _fit_with(
    tf, lambda tf: tf.keras.callbacks.LearningRateScheduler(lambda e, lr: tf.constant(0.1)),
    0.05), grad=False, op="schedule")
add_case("keras.callbacks.Callback/subclass", lambda tf: _fit_with(
    tf, lambda tf: type("Counter", (tf.keras.callbacks.Callback,), {})(), 0.05, epochs=2),
    grad=False)


# ---- lecture programs, round two: tf.math / tf.nn names they call --------------------------
_CUMSUM = {"axis0": {}, "axis1": dict(axis=1), "exclusive": dict(axis=1, exclusive=True),
           "reverse": dict(axis=-1, reverse=True),
           "exclusive_reverse": dict(axis=0, exclusive=True, reverse=True)}
for _label, _options in _CUMSUM.items():
    add_case(f"math.cumsum/{_label}", lambda tf, x, _o=_options: tf.math.cumsum(x, **_o),
             f32(3, 4))
add_case("cumsum/int32", lambda tf, x: tf.cumsum(x), i32(5))
add_case("cumsum/f64", lambda tf, x: tf.cumsum(x, axis=1), f64(2, 3))
add_case("cumsum/bool", lambda tf, x: tf.cumsum(x), np.array([True, False]))
add_case("cumsum/scalar", lambda tf, x: tf.cumsum(x), f32())
add_case("cumsum/axis_out_of_range", lambda tf, x: tf.cumsum(x, axis=2), f32(2, 3))
add_case("cumsum/empty", lambda tf, x: tf.cumsum(x, axis=0), f32(0, 3))
for _name in ("is_nan", "is_inf", "is_finite"):
    add_case(f"math.{_name}/values", lambda tf, x, _n=_name: getattr(tf.math, _n)(x),
             a32([0.0, np.nan, np.inf, -np.inf, -2.5]))
    add_case(f"math.{_name}/int32", lambda tf, x, _n=_name: getattr(tf.math, _n)(x), i32(3),
             op=_name)
add_case("math.l2_normalize/all", lambda tf, x: tf.math.l2_normalize(x), f32(2, 3))
add_case("nn.l2_normalize/axis1", lambda tf, x: tf.nn.l2_normalize(x, axis=1), f32(3, 2))
add_case("nn.l2_normalize/zero_row", lambda tf, x: tf.nn.l2_normalize(x, axis=-1),
         a32([[0.0, 0.0], [3.0, 4.0]]))
add_case("nn.l2_normalize/epsilon", lambda tf, x: tf.nn.l2_normalize(x, epsilon=10.0), f32(3))
add_case("math.count_nonzero/all", lambda tf, x: tf.math.count_nonzero(x),
         a32([[0.0, 1.5], [-2.0, 0.0]]))
add_case("math.count_nonzero/axis_keepdims", lambda tf, x: tf.math.count_nonzero(
    x, axis=1, keepdims=True), i32(3, 4))
add_case("math.count_nonzero/bool", lambda tf, x: tf.math.count_nonzero(x, axis=0),
         np.array([[True, False], [True, True]]))
add_case("math.count_nonzero/dtype", lambda tf, x: tf.math.count_nonzero(x, dtype=tf.int32),
         i32(6))
add_case("math.log_sigmoid/values", lambda tf, x: tf.math.log_sigmoid(x),
         a32([-200.0, -3.0, 0.0, 2.0, 50.0]))
add_case("math.log_sigmoid/r2", lambda tf, x: tf.math.log_sigmoid(x), f32(2, 3))
add_case("math.reduce_euclidean_norm/all", lambda tf, x: tf.math.reduce_euclidean_norm(x),
         f32(2, 3))
add_case("math.reduce_euclidean_norm/axis", lambda tf, x: tf.math.reduce_euclidean_norm(
    x, axis=0, keepdims=True), f32(2, 3))
add_case("math.reduce_euclidean_norm/int32_truncated", lambda tf, x:
         tf.math.reduce_euclidean_norm(x, axis=1), i32(3, 4))
add_case("math.reduce_euclidean_norm/int64", lambda tf: tf.math.reduce_euclidean_norm(
    tf.constant([[3, 4], [1, 1]], tf.int64), axis=-1, keepdims=True))
add_case("math.reduce_euclidean_norm/bool", lambda tf: tf.math.reduce_euclidean_norm([True]),
         op="reduce_euclidean_norm")
add_case("math.scalar_mul/float", lambda tf, x: tf.math.scalar_mul(2.5, x), f32(3))
add_case("math.scalar_mul/tensor_scalar", lambda tf, s, x: tf.math.scalar_mul(s, x), f32(),
         f32(2, 2, seed=2))
add_case("math.scalar_mul/not_a_scalar", lambda tf, s, x: tf.math.scalar_mul(s, x), f32(2),
         f32(2, seed=2), op="scalar_mul")
add_case("nn.silu/values", lambda tf, x: tf.nn.silu(x), f32(2, 3))
add_case("nn.silu/beta", lambda tf, x: tf.nn.silu(x, beta=0.5), f32(4))
add_case("nn.swish/alias", lambda tf, x: tf.nn.swish(x), f32(4))
add_case("nn.embedding_lookup/ids", lambda tf, p: tf.nn.embedding_lookup(p, [[0, 2], [1, 1]]),
         f32(3, 2))
add_case("nn.embedding_lookup/one_shard", lambda tf, p: tf.nn.embedding_lookup([p], [2, 0]),
         f32(3, 2))
add_case("reverse/axis1", lambda tf, x: tf.reverse(x, [1]), f32(2, 3))
add_case("reverse/two_axes", lambda tf, x: tf.reverse(x, [0, -1]), f32(2, 3, 2))
add_case("reverse/int32", lambda tf, x: tf.reverse(x, [0]), i32(4))
add_case("reverse/scalar_axis", lambda tf, x: tf.reverse(x, 0), f32(3), op="reverse")
add_case("is_tensor/kinds", lambda tf, x: [tf.is_tensor(x), tf.is_tensor(tf.Variable(1.0)),
                                           tf.is_tensor(np.ones(2)), tf.is_tensor(1.0)],
         f32(2), grad=False)
add_case("config.list_physical_devices/gpu", lambda tf: [
    tf.config.list_physical_devices("GPU"),
    [d.device_type for d in tf.config.list_physical_devices("CPU")],
    [d.name for d in tf.config.list_logical_devices()]], grad=False)
add_case("config.experimental.list_physical_devices/gpu_and_cpu", lambda tf: [
    tf.config.experimental.list_physical_devices("GPU"),
    [d.name for d in tf.config.experimental.list_physical_devices("CPU")],
    [d.device_type for d in tf.config.experimental.list_logical_devices()]], grad=False)
add_case("config.experimental.set_memory_growth/cpu", lambda tf:
         tf.config.experimental.set_memory_growth(tf.config.list_physical_devices("CPU")[0],
                                                  True), grad=False)


def _printed(tf, *values, **options):
    """What tf.print writes to sys.stdout for `values`, read back from the process's standard
    output (TF's kernel writes there from C++, past any Python-level redirection)."""
    import os
    import sys
    import tempfile
    with tempfile.TemporaryFile(mode="w+") as file:
        saved_fd, saved_stdout = os.dup(1), sys.stdout
        sys.stdout.flush()
        os.dup2(file.fileno(), 1)
        sys.stdout = open(1, "w", closefd=False)
        try:
            tf.print(*values, output_stream=sys.stdout, **options)
            sys.stdout.flush()
        finally:
            sys.stdout.close()
            sys.stdout = saved_stdout
            os.dup2(saved_fd, 1)
            os.close(saved_fd)
        file.seek(0)
        return file.read()


add_case("print/scalars_and_strings", lambda tf, x: _printed(tf, "x:", x, 5, 2.5, [1, 2]),
         f32(), grad=False)
add_case("print/float_digits", lambda tf: _printed(
    tf, tf.constant([0.1, 1 / 3, 2.0, 1e-8, 123456789.0])), grad=False)
add_case("print/float64_digits", lambda tf: _printed(
    tf, tf.constant([0.1, 1 / 3], tf.float64)), grad=False)
add_case("print/summarized", lambda tf: _printed(tf, tf.range(10), tf.reshape(tf.range(40),
                                                                                [8, 5])),
         grad=False)
add_case("print/summarize_all", lambda tf: _printed(tf, tf.range(10), summarize=-1), grad=False)
add_case("print/bools_nan_inf", lambda tf: _printed(
    tf, tf.constant([True, False]), tf.constant([np.nan, np.inf, -np.inf])), grad=False)
add_case("print/sep_end", lambda tf: _printed(tf, "a", "b", sep="-", end="!\n"), grad=False)
add_case("print/variable_and_dict", lambda tf: _printed(
    tf, tf.Variable([1.5, 2.0]), {"a": tf.constant(1)}), grad=False)
add_case("print/summarize_none", lambda tf: _printed(
    tf, tf.reshape(tf.range(64), [8, 8]), summarize=None), grad=False)
add_case("print/rank3_blocks", lambda tf: _printed(
    tf, tf.reshape(tf.range(27), [3, 3, 3]), tf.reshape(tf.range(16), [2, 2, 2, 2]),
    summarize=1), grad=False)
add_case("print/structures", lambda tf: _printed(
    tf, [tf.constant(1), 2, "s"], (tf.constant(1.0),), {"b": 1, "a": tf.constant([True])},
    np.array([1.5, 2.0]), np.float32(0.1)), grad=False)


# ---- Keras metrics lecture programs compile with: Precision, Recall, RootMeanSquaredError --
_BINARY_BATCHES = [([1.0, 0.0, 1.0, 1.0], [0.9, 0.6, 0.2, 0.5]), ([0.0, 1.0], [0.1, 0.8])]
CONFUSION_METRICS = {
    "Precision/default": (lambda tf: tf.keras.metrics.Precision(), _BINARY_BATCHES),
    "Recall/default": (lambda tf: tf.keras.metrics.Recall(), _BINARY_BATCHES),
    "Precision/thresholds": (lambda tf: tf.keras.metrics.Precision(thresholds=[0.3, 0.7]),
                             _BINARY_BATCHES),
    "Recall/threshold": (lambda tf: tf.keras.metrics.Recall(thresholds=0.85), _BINARY_BATCHES),
    "Precision/weighted": (lambda tf: tf.keras.metrics.Precision(),
                           [([1.0, 0.0, 1.0], [0.9, 0.6, 0.7], [2.0, 1.0, 0.0])]),
    "Recall/class_id": (lambda tf: tf.keras.metrics.Recall(class_id=1),
                        [([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], [[0.2, 0.8], [0.4, 0.6],
                                                                 [0.7, 0.3]])]),
    "Precision/nothing_predicted": (lambda tf: tf.keras.metrics.Precision(),
                                    [([1.0, 0.0], [0.1, 0.2])]),
    "Recall/int_labels": (lambda tf: tf.keras.metrics.Recall(), [([1, 0, 1], [0.9, 0.6, 0.2])]),
    "RootMeanSquaredError/default": (lambda tf: tf.keras.metrics.RootMeanSquaredError(),
                                     [([1.0, 2.0], [1.5, 4.0]), ([[0.0], [1.0]], [[1.0], [1.0]])]),
    "RootMeanSquaredError/weighted": (lambda tf: tf.keras.metrics.RootMeanSquaredError(),
                                      [([1.0, 2.0, 3.0], [2.0, 2.0, 5.0], [1.0, 0.0, 0.5])]),
}
for _name, (_make, _batches) in CONFUSION_METRICS.items():
    add_case(f"keras.metrics.{_name}", lambda tf, _m=_make, _b=_batches: _metric(tf, _m, *_b),
             grad=False)


def _compiled_with_metrics(tf):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(
        1, activation="sigmoid", kernel_initializer="ones", bias_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=[tf.keras.metrics.Precision(), tf.keras.metrics.Recall(),
                           tf.keras.metrics.RootMeanSquaredError()])
    x = np.array([[1.0, -2.0], [0.5, 0.5], [-1.0, -1.0], [2.0, 0.0]], np.float32)
    y = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    return {k: [float(v) for v in values] for k, values in history.history.items()}


add_case("keras.metrics.Precision/compiled", _compiled_with_metrics, grad=False, rtol=1e-5)
add_case("keras.metrics.Recall/threshold_above_one", lambda tf: tf.keras.metrics.Recall(
    thresholds=1.5), grad=False, op="Recall")


# ---- tf.data: padded batches of sequences of different lengths ----------------------------
def _ragged(tf):
    return tf.data.Dataset.from_generator(
        lambda: iter([([1], 1.0), ([2, 3], 2.0), ([4, 5, 6], 3.0)]),
        output_signature=(tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.float32)))


PADDED = {
    "scalars": lambda tf: tf.data.Dataset.from_tensor_slices([1, 2, 3]).padded_batch(2),
    "largest_in_batch": lambda tf: _ragged(tf).padded_batch(2),
    "shapes_and_values": lambda tf: _ragged(tf).padded_batch(
        2, padded_shapes=([4], []), padding_values=(-1, 0.5)),
    "one_component": lambda tf: _ragged(tf).map(lambda a, b: a).padded_batch(
        3, padded_shapes=[None], padding_values=9),
    "dict": lambda tf: _ragged(tf).map(lambda a, b: {"tokens": a, "weight": b}).padded_batch(
        2, padded_shapes={"tokens": [5], "weight": []}),
    "drop_remainder": lambda tf: _ragged(tf).padded_batch(2, drop_remainder=True),
    "matrices": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([np.ones((1, 2), np.float32), np.ones((2, 1), np.float32)]),
        output_signature=tf.TensorSpec([None, None], tf.float32)).padded_batch(2),
    "too_small": lambda tf: _ragged(tf).padded_batch(3, padded_shapes=([2], [])),
}
for _label, _make in PADDED.items():
    add_case(f"data.Dataset.padded_batch/{_label}", lambda tf, _m=_make: _elements(_m(tf)),
             grad=False, op="padded_batch")
add_case("data.Dataset.batch/ragged_elements", lambda tf: _elements(_ragged(tf).batch(2)),
         grad=False, op="batch")


def _specs(spec):
    """A padded dataset's element_spec as data: (shape, dtype name) per component."""
    specs = spec.values() if isinstance(spec, dict) else spec if isinstance(spec, tuple) \
        else [spec]
    return [[list(s.shape), s.dtype.name] for s in specs]


for _label in ("scalars", "largest_in_batch", "shapes_and_values", "one_component", "dict",
               "drop_remainder", "matrices"):
    add_case(f"data.Dataset.padded_batch/{_label}_element_spec",
             lambda tf, _m=PADDED[_label]: _specs(_m(tf).element_spec), grad=False)
add_case("data.Dataset.from_generator/list_component", lambda tf: _elements(_ragged(tf)),
         grad=False)


# ---- TF 2's tf.*_initializer names ------------------------------------------------------------
add_case("constant_initializer/fill", lambda tf: tf.constant_initializer(2.0)([2, 2]))
add_case("constant_initializer/values_laid_in_order", lambda tf: tf.constant_initializer(
    [1, 2, 3, 4])([2, 2]))
add_case("constant_initializer/too_few_values", lambda tf: tf.constant_initializer([1, 2, 3])(
    [2, 2]))
add_case("constant_initializer/dense_kernel", lambda tf: tf.keras.layers.Dense(
    2, kernel_initializer=tf.constant_initializer([[1.0, 2.0]]))(tf.ones([1, 1])))
add_case("keras.initializers.Constant/row_broadcast", lambda tf: tf.keras.initializers.Constant(
    [1.0, 2.0])([3, 2]))
add_case("zeros_initializer/int32", lambda tf: tf.zeros_initializer()([2], dtype=tf.int32))
add_case("ones_initializer/shape_keyword", lambda tf: tf.ones_initializer()(shape=[1, 2]))
add_case("random_normal_initializer/facts", lambda tf: _random_facts(
    tf, lambda tf: tf.random_normal_initializer(0.0, 0.01, seed=1)([3, 2]), -0.1, 0.1),
    grad=False)
add_case("random_uniform_initializer/facts", lambda tf: _random_facts(
    tf, lambda tf: tf.random_uniform_initializer(-0.5, 0.5, seed=1)([4]), -0.5, 0.5),
    grad=False)
add_case("keras.utils.to_categorical/numpy", lambda tf: tf.keras.utils.to_categorical(
    np.array([0, 2, 1]), 3), grad=False)
add_case("keras.utils.to_categorical/inferred_classes", lambda tf: tf.keras.utils.to_categorical(
    [[1], [3]]), grad=False)
add_case("keras.utils.to_categorical/tensor", lambda tf: tf.keras.utils.to_categorical(
    tf.constant([[1], [0]]), 2), grad=False)


# ---- Keras losses of margins, divergences and directions ----------------------------------
_PROBABILITIES = (a32([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]]), a32([[0.3, 0.6, 0.1], [0.2, 0.2, 0.6]]))
DISTANCE_LOSSES = {
    "Hinge/binary_labels": (lambda tf: tf.keras.losses.Hinge(), (a32([[0.0, 1.0], [1.0, 1.0]]),
                                                                 f32(2, 2, seed=3))),
    "Hinge/signed_labels": (lambda tf: tf.keras.losses.Hinge(), (a32([[-1.0, 1.0]]),
                                                                 f32(1, 2, seed=4))),
    "KLDivergence/rows": (lambda tf: tf.keras.losses.KLDivergence(), _PROBABILITIES),
    "KLDivergence/sum": (lambda tf: tf.keras.losses.KLDivergence(reduction="sum"),
                         _PROBABILITIES),
    "LogCosh/rows": (lambda tf: tf.keras.losses.LogCosh(), (f32(2, 3), f32(2, 3, seed=5))),
    "LogCosh/large_errors": (lambda tf: tf.keras.losses.LogCosh(),
                             (a32([0.0, 0.0]), a32([60.0, -60.0]))),
    "CosineSimilarity/rows": (lambda tf: tf.keras.losses.CosineSimilarity(),
                              (f32(2, 3), f32(2, 3, seed=6))),
    "CosineSimilarity/axis0_zero_vector": (lambda tf: tf.keras.losses.CosineSimilarity(axis=0),
                                           (a32([[0.0, 1.0], [0.0, 2.0]]),
                                            a32([[1.0, 1.0], [2.0, 0.5]]))),
}
for _name, (_make, (_true, _pred)) in DISTANCE_LOSSES.items():
    add_case(f"keras.losses.{_name}", lambda tf, t, p, _m=_make: _m(tf)(t, p), _true, _pred)
for _fn in ("hinge", "kld", "KLD", "kullback_leibler_divergence", "logcosh", "cosine_similarity",
            "kl_divergence", "log_cosh"):   # the last two: Keras 3's names, not tf.keras's
    add_case(f"keras.losses.{_fn}/function", lambda tf, t, p, _f=_fn: getattr(
        tf.keras.losses, _f)(t, p), *_PROBABILITIES)
add_case("keras.losses.get/new_names", lambda tf: [type(tf.keras.losses.get(n)).__name__
                                                   for n in ("Hinge", "KLDivergence", "LogCosh",
                                                             "CosineSimilarity")], grad=False)


# ---- tf.sort and tf.argsort ---------------------------------------------------------------
_TIES = a32([[3.0, 1.0, 2.0, 1.0], [0.0, -1.0, 5.0, 5.0]])
SORTS = {"ascending": {}, "descending": dict(direction="DESCENDING"), "axis0": dict(axis=0),
         "axis0_descending": dict(axis=0, direction="DESCENDING")}
for _label, _options in SORTS.items():
    add_case(f"sort/{_label}", lambda tf, x, _o=_options: tf.sort(x, **_o), _TIES)
    add_case(f"argsort/{_label}", lambda tf, x, _o=_options: tf.argsort(x, **_o), _TIES)
add_case("sort/r3", lambda tf, x: tf.sort(x, axis=1), f32(2, 3, 2))
add_case("sort/int32", lambda tf, x: tf.sort(x, direction="DESCENDING"), i32(6))
add_case("sort/f64", lambda tf, x: tf.sort(x), f64(5))
add_case("argsort/stable", lambda tf, x: tf.argsort(x, stable=True), _TIES)
add_case("sort/bad_direction", lambda tf, x: tf.sort(x, direction="down"), f32(3))
add_case("sort/scalar", lambda tf, x: tf.sort(x), f32())
add_case("argsort/bool", lambda tf: tf.argsort(tf.constant([True, False])))
add_case("sort/axis_out_of_range", lambda tf, x: tf.sort(x, axis=2), f32(2, 3))


# ---- Keras 3's callback hooks in fit's validation pass, evaluate and predict ---------------
_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")


def _hook_recorder(tf, seen: list):
    """A Callback that notes each hook: its name, its batch or epoch, and its logs' keys (the
    shape of predict's 'outputs')."""
    def hook(name):
        def note(self, *args, logs=None):
            *position, logs = args if args and not isinstance(args[-1], int) else (*args, logs)
            keys = None if logs is None else sorted(
                [key, list(np.shape(value))] if key == "outputs" else key
                for key, value in logs.items())
            seen.append([name, *position, keys])
        return note
    return type("Recorder", (tf.keras.callbacks.Callback,), {n: hook(n) for n in _HOOKS})()


def _hooks_told(tf, run: str):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(
        1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.ones((5, 2), np.float32), np.ones(5, np.float32)
    seen = []
    recorder = _hook_recorder(tf, seen)
    if run == "fit_validation":
        model.fit(x, y, batch_size=3, epochs=2, validation_data=(x, y), verbose=0,
                  callbacks=[recorder])
    elif run == "evaluate":
        seen.append(model.evaluate(x, y, batch_size=2, verbose=0, callbacks=[recorder]))
    else:
        model.predict(x, batch_size=3, verbose=0, callbacks=recorder)
    return [seen, recorder.params]


for _run in ("fit_validation", "evaluate", "predict"):
    add_case(f"keras.Model.{_run.split('_')[0]}/callback_hooks",
             lambda tf, _r=_run: _hooks_told(tf, _r), grad=False)


# ---- Keras 3 losses' dtype=, reduction= and names ------------------------------------------
_Y, _P = a32([[0.0, 1.0], [1.0, 1.0], [0.5, 0.0]]), a32([[0.25, 0.5], [0.75, 2.0], [1.0, -1.0]])
LOSS_OPTIONS = {
    "MeanSquaredError/dtype_float64": (lambda tf: tf.keras.losses.MeanSquaredError(
        dtype="float64"), (_Y, _P)),
    "MeanSquaredError/dtype_float64_object": (lambda tf: tf.keras.losses.MeanSquaredError(
        dtype=tf.float64), (_Y, _P)),
    "MeanSquaredError/float64_inputs_default_dtype": (
        lambda tf: tf.keras.losses.MeanSquaredError(), (_Y.astype(np.float64),
                                                        _P.astype(np.float64))),
    "MeanAbsoluteError/float64_inputs_dtype_float64": (
        lambda tf: tf.keras.losses.MeanAbsoluteError(dtype="float64"),
        (_Y.astype(np.float64), _P.astype(np.float64))),
    "Huber/dtype_float16": (lambda tf: tf.keras.losses.Huber(dtype="float16"), (_Y, _P)),
    "BinaryCrossentropy/dtype_float64": (lambda tf: tf.keras.losses.BinaryCrossentropy(
        dtype="float64"), (_Y, a32([[0.2, 0.7], [0.9, 0.6], [0.5, 0.1]]))),
    "CategoricalCrossentropy/dtype_float64": (
        lambda tf: tf.keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64"),
        (a32([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), _P)),
    "SparseCategoricalCrossentropy/dtype_float64": (
        lambda tf: tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                 dtype="float64"),
        (np.array([1, 0, 1], np.int32), _P)),
    "Hinge/dtype_float64": (lambda tf: tf.keras.losses.Hinge(dtype="float64"), (_Y, _P)),
    "MeanSquaredError/dtype_int32": (lambda tf: tf.keras.losses.MeanSquaredError(
        dtype="int32"), (_Y, _P)),
    "MeanSquaredError/dtype_unknown": (lambda tf: tf.keras.losses.MeanSquaredError(
        dtype="floaty"), (_Y, _P)),
    "MeanSquaredError/reduction_mean": (lambda tf: tf.keras.losses.MeanSquaredError(
        reduction="mean"), (_Y, _P)),
    "MeanSquaredError/reduction_None": (lambda tf: tf.keras.losses.MeanSquaredError(
        reduction=None), (_Y, _P)),
    "MeanSquaredError/reduction_auto": (lambda tf: tf.keras.losses.MeanSquaredError(
        reduction="auto"), (_Y, _P)),
    "MeanSquaredError/reduction_unknown": (lambda tf: tf.keras.losses.MeanSquaredError(
        reduction="avg"), (_Y, _P)),
    "MeanSquaredError/reduction_mean_with_sample_weight_unweighted": (
        lambda tf: tf.keras.losses.MeanSquaredError(reduction="mean_with_sample_weight"),
        (_Y, _P)),
}
for _name, (_make, (_true, _pred)) in LOSS_OPTIONS.items():
    add_case(f"keras.losses.{_name}", lambda tf, t, p, _m=_make: _m(tf)(t, p), _true, _pred,
             op=_name.split("/")[0])
for _reduction in ("mean_with_sample_weight", "sum_over_batch_size", "sum"):
    add_case(f"keras.losses.MeanSquaredError/reduction_{_reduction}_weighted",
             lambda tf, t, p, w, _r=_reduction: tf.keras.losses.MeanSquaredError(
                 reduction=_r)(t, p, sample_weight=w), _Y, _P, a32([2.0, 0.5, 0.0]))
add_case("keras.losses.MeanSquaredError/reduction_mean_with_sample_weight_zero_weights",
         lambda tf, t, p, w: tf.keras.losses.MeanSquaredError(
             reduction="mean_with_sample_weight")(t, p, sample_weight=w), _Y, _P, a32([0, 0, 0]))
add_case("keras.losses.Loss/subclass_dtype_and_name", lambda tf, t, p: [
    (lambda loss: [loss.name, loss.dtype, loss.reduction, loss(t, p)])(type(
        "AbsoluteGap", (tf.keras.losses.Loss,), {"call": lambda self, y, q: tf.abs(y - q)})(
        reduction="sum", dtype="float64"))], _Y, _P)
add_case("keras.losses.Loss/names_dtypes_configs", lambda tf: [
    [cls().name, cls().dtype, cls().reduction,
     {k: v for k, v in cls().get_config().items() if k in ("name", "reduction")}]
    for cls in (getattr(tf.keras.losses, n) for n in (
        "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy", "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy", "Huber", "Hinge", "KLDivergence", "LogCosh",
        "CosineSimilarity"))], grad=False)


# ---- how dtypes, shapes, tensors and variables print (str, repr, print) -----------------------
def _printed_by_print(*values) -> str:
    """What Python's print writes for `values` (print calls str on each)."""
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(*values)
    return out.getvalue()


add_case("print/dtype_str", lambda tf: [str(tf.float32), str(tf.int64), str(tf.bool),
                                        _printed_by_print(tf.constant([1.5]).dtype),
                                        f"{tf.float64}", repr(tf.constant(1).dtype)], grad=False)
add_case("print/shape_forms", lambda tf: [
    str(tf.TensorShape([None, 3])), repr(tf.TensorShape([None, 3])), repr(tf.zeros([])).count(
        "shape=()"), repr(tf.zeros([2, 3, 4]).shape[1:]), str(tf.zeros([2, 3]).shape[0]),
    _printed_by_print(tf.zeros([4, 1]).shape)], grad=False)
add_case("print/repr_scalars", lambda tf: [_normalized(repr(t)) for t in (
    tf.constant(0.1), tf.constant(1 / 3, tf.float64), tf.constant(0.1, tf.float16),
    tf.constant(True), tf.constant(-7), tf.constant(np.int64(2) ** 40))], grad=False)
add_case("print/wrapped_and_summarized", lambda tf: [_normalized(f(t)) for f in (str, repr)
                                                     for t in (tf.range(30.0) / 7.0,
                                                               tf.reshape(tf.range(2000.0),
                                                                          [40, 50]))],
         grad=False)
add_case("print/rank3", lambda tf: [_normalized(f(tf.reshape(tf.range(12), [2, 2, 3])))
                                    for f in (str, repr)], grad=False)
add_case("print/empty_and_nonfinite", lambda tf: [_normalized(f(t)) for f in (str, repr) for t in (
    tf.zeros([0, 3]), tf.constant([np.nan, np.inf, -1.0]))], grad=False)
add_case("print/variables", lambda tf: [_normalized(f(v)) for f in (str, repr) for v in (
    tf.Variable(1.0, name="w"), tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="m"),
    tf.Variable([1, 2], name="k"), tf.Variable(0.1))], grad=False, fresh=True)
add_case("print/print_tensor_and_variable", lambda tf: _normalized(_printed_by_print(
    "loss:", tf.constant(0.25), tf.Variable([0.5, 1.5], name="b"))), grad=False, fresh=True)


# ---- keras.layers.Embedding: word2vec's and the RNN programs' first layer -------------------
_TABLE = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.0, 3.0, -1.5]]


def _embedded(tf, ids, **options):
    """An Embedding of the fixed table at `ids`: its output and its table's gradient of
    sum(output * cotangent)."""
    layer = tf.keras.layers.Embedding(4, 3, embeddings_initializer=tf.constant_initializer(
        _TABLE), **options)
    with tf.GradientTape() as tape:
        out = layer(tf.constant(ids))
        loss = tf.reduce_sum(out * cotangent(tuple(out.shape), "float32"))
    gradient = tape.gradient(loss, layer.embeddings)
    return [out, tf.convert_to_tensor(gradient), [w.name.split(":")[0].split("/")[-1]
                                                  for w in layer.weights]]


EMBEDDINGS = {
    "ids": lambda tf: _embedded(tf, np.array([[0, 3], [1, 1]], np.int32)),
    "int64_ids": lambda tf: _embedded(tf, np.array([2, 0, 2], np.int64)),
    "float_ids_truncated": lambda tf: _embedded(tf, np.array([1.7, 3.0], np.float32)),
    "out_of_range": lambda tf: _embedded(tf, np.array([4], np.int32)),
    "negative_id": lambda tf: _embedded(tf, np.array([-1], np.int32)),
    "input_dim_zero": lambda tf: tf.keras.layers.Embedding(0, 3),
    "output_dim_float": lambda tf: tf.keras.layers.Embedding(4, 3.0),
    "default_table": lambda tf: _random_facts(tf, lambda tf: tf.keras.layers.Embedding(50, 8)(
        tf.range(50)), -0.05, 0.05),
    "sequential_flatten_dense": lambda tf: tf.keras.Sequential([
        tf.keras.Input((3,)), tf.keras.layers.Embedding(4, 2, embeddings_initializer="ones"),
        tf.keras.layers.Flatten(), tf.keras.layers.Dense(1, kernel_initializer="ones")])(
        np.array([[1, 2, 3], [0, 0, 1]])),
    "config": lambda tf: {k: v for k, v in tf.keras.layers.Embedding(7, 2).get_config().items()
                          if k in ("input_dim", "output_dim", "mask_zero")},
}
for _label, _make in EMBEDDINGS.items():
    add_case(f"keras.layers.Embedding/{_label}", _make, grad=False,
             op="gather" if _label in ("out_of_range", "negative_id") else "Embedding")


# ---- recurrent layers: SimpleRNN, GRU, LSTM with fixed weights, through time ---------------
def _recurrent(tf, kind, x, units=2, bias=True, call=None, **options):
    """A recurrent layer of fixed weights over `x`: its result, and the gradients of
    sum(outputs * cotangent) with respect to its weights (the inputs' come from the harness)."""
    gates = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}[kind]
    features = int(x.shape[-1])
    weights = dict(kernel_initializer=tf.constant_initializer(
        spread((features, gates * units), seed=11, low=-0.8, high=0.8)),
        recurrent_initializer=tf.constant_initializer(
            spread((units, gates * units), seed=12, low=-0.8, high=0.8)))
    if bias and kind == "GRU" and options.get("reset_after", True):
        weights["bias_initializer"] = tf.constant_initializer(spread((2, 3 * units), seed=13))
    elif bias and kind == "LSTM" and options.get("unit_forget_bias", True):
        weights["bias_initializer"] = tf.constant_initializer(0.25)
    elif bias:
        weights["bias_initializer"] = tf.constant_initializer(spread((gates * units,), seed=13))
    layer = getattr(tf.keras.layers, kind)(units, use_bias=bias, **weights, **options)
    with tf.GradientTape() as tape:
        out = layer(x, **(call(tf) if call else {}))
        leaves = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = tf.add_n([tf.reduce_sum(t * cotangent(tuple(t.shape), "float32"))
                         for t in leaves])
    grads = tape.gradient(loss, layer.trainable_weights)
    return [out, grads, [[w.name.split(":")[0].split("/")[-1], list(w.shape)]
                         for w in layer.weights]]


_SEQUENCE = f32(2, 4, 3, seed=21, low=-1.5, high=1.5)
RECURRENT = {
    "SimpleRNN/last": ("SimpleRNN", {}),
    "SimpleRNN/sequences_and_state": ("SimpleRNN", dict(return_sequences=True,
                                                        return_state=True)),
    "SimpleRNN/go_backwards": ("SimpleRNN", dict(go_backwards=True, return_sequences=True)),
    "SimpleRNN/relu_no_bias": ("SimpleRNN", dict(activation="relu", bias=False)),
    "GRU/reset_after": ("GRU", {}),
    "GRU/reset_before": ("GRU", dict(reset_after=False)),
    "GRU/sequences_and_state": ("GRU", dict(return_sequences=True, return_state=True, units=3)),
    "GRU/no_bias": ("GRU", dict(bias=False)),
    "GRU/initial_state": ("GRU", dict(call=lambda tf: dict(initial_state=tf.constant(
        [[0.5, -0.5], [1.0, 0.0]])))),
    "GRU/go_backwards": ("GRU", dict(go_backwards=True)),
    "LSTM/unit_forget_bias": ("LSTM", {}),
    "LSTM/no_forget_bias": ("LSTM", dict(unit_forget_bias=False, return_sequences=True)),
    "LSTM/state": ("LSTM", dict(return_state=True)),
    "LSTM/initial_state": ("LSTM", dict(call=lambda tf: dict(initial_state=[
        tf.constant([[0.5, -0.5], [1.0, 0.0]]), tf.constant([[0.25, 0.0], [-1.0, 2.0]])]))),
}
for _name, (_kind, _options) in RECURRENT.items():
    add_case(f"keras.layers.{_name}", lambda tf, x, _k=_kind, _o=_options: _recurrent(
        tf, _k, x, **_o), _SEQUENCE, rtol=1e-4, atol=1e-5)
add_case("keras.layers.GRU/rank2_input", lambda tf, x: tf.keras.layers.GRU(2)(x), f32(2, 3),
         op="GRU")
add_case("keras.layers.LSTM/units_zero", lambda tf: tf.keras.layers.LSTM(0), grad=False,
         op="LSTM")
add_case("keras.layers.SimpleRNN/int_sequence", lambda tf: tf.keras.layers.SimpleRNN(
    2, kernel_initializer="ones", recurrent_initializer="ones")(np.ones((1, 2, 1), np.int32)),
    grad=False)


def _default_recurrent_weights(tf):
    """Shapes of Keras's default weights, and whether the recurrent kernel is orthogonal."""
    facts = []
    for kind in ("SimpleRNN", "GRU", "LSTM"):
        layer = getattr(tf.keras.layers, kind)(3)
        layer(tf.zeros([1, 2, 5]))
        u = layer.weights[1].numpy()
        bias = layer.weights[2].numpy()
        facts.append([[list(w.shape) for w in layer.weights],
                      bool(np.allclose(u.T @ u if u.shape[0] >= u.shape[1] else u @ u.T,
                                       np.eye(min(u.shape)), atol=1e-5)),
                      bias.tolist()])
    return facts


add_case("keras.layers.GRU/default_weights", _default_recurrent_weights, grad=False)
add_case("keras.layers.GRU/char_model", lambda tf: [tf.keras.Sequential([
    tf.keras.Input((5,)), tf.keras.layers.Embedding(10, 4), tf.keras.layers.GRU(
        6, return_sequences=True), tf.keras.layers.Dense(10)])(np.zeros((2, 5), np.int32)).shape
    .as_list()], grad=False)


# ---- word2vec's sampled losses, with the sampled classes given (TF's draw cannot be matched) --
def _sampled_values(tf, ids, true_counts, sampled_counts):
    return (tf.constant(ids, tf.int64), tf.constant(true_counts), tf.constant(sampled_counts))


_W2V_WEIGHTS, _W2V_BIASES, _W2V_INPUTS = f32(6, 3, seed=31), f32(6, seed=32), f32(2, 3, seed=33)
SAMPLED_LOSSES = {
    "one_true": dict(labels=[[1], [4]], values=([0, 2, 5], [[0.3], [0.1]], [0.5, 0.25, 0.05])),
    "two_true": dict(labels=[[1, 3], [4, 0]], num_true=2,
                     values=([2, 5], [[0.3, 0.2], [0.1, 0.5]], [0.25, 0.05])),
    "accidental_hit": dict(labels=[[2], [4]], values=([0, 2, 5], [[0.3], [0.1]],
                                                       [0.5, 0.25, 0.05]),
                           remove_accidental_hits=True),
    "accidental_hit_kept": dict(labels=[[2], [4]], values=([0, 2, 5], [[0.3], [0.1]],
                                                            [0.5, 0.25, 0.05]),
                                remove_accidental_hits=False),
    "flat_labels": dict(labels=[1, 4], values=([0, 2, 5], [[0.3], [0.1]], [0.5, 0.25, 0.05]),
                        remove_accidental_hits=False),
    "float_labels": dict(labels=[[1.0], [4.0]], values=([0, 2, 5], [[0.3], [0.1]],
                                                         [0.5, 0.25, 0.05])),
}
for _loss in ("nce_loss", "sampled_softmax_loss"):
    for _label, _o in SAMPLED_LOSSES.items():
        add_case(f"nn.{_loss}/{_label}", lambda tf, w, b, x, _l=_loss, _o=_o: getattr(
            tf.nn, _l)(w, b, tf.constant(_o["labels"]), x, len(_o["values"][0]), 6,
                       num_true=_o.get("num_true", 1),
                       sampled_values=_sampled_values(tf, *_o["values"]),
                       **{k: v for k, v in _o.items() if k == "remove_accidental_hits"}),
            _W2V_WEIGHTS, _W2V_BIASES, _W2V_INPUTS, op=_loss)
    add_case(f"nn.{_loss}/drawn", lambda tf, w, b, x, _l=_loss: _random_facts(
        tf, lambda tf: getattr(tf.nn, _l)(w, b, tf.constant([[1], [4]]), x, 3, 6), 0.0, 1e6),
        _W2V_WEIGHTS, _W2V_BIASES, _W2V_INPUTS, grad=False)
    add_case(f"nn.{_loss}/drawn_flat_labels", lambda tf, w, b, x, _l=_loss: getattr(tf.nn, _l)(
        w, b, tf.constant([1, 4]), x, 3, 6), _W2V_WEIGHTS, _W2V_BIASES, _W2V_INPUTS, op=_loss)


def _sampler_facts(tf, unique):
    sampled, true_count, sampled_count = tf.random.log_uniform_candidate_sampler(
        tf.constant([[0], [7]], tf.int64), 1, 6, unique, 20, seed=3)
    values = sampled.numpy().tolist()
    return [sampled.dtype.name, true_count.dtype.name, sampled_count.dtype.name,
            sampled.shape.as_list(), true_count.shape.as_list(), sampled_count.shape.as_list(),
            all(0 <= v < 20 for v in values), len(set(values)) == 6 if unique else True,
            bool(tf.reduce_all(true_count > 0)), bool(true_count[0, 0] > true_count[1, 0])]


add_case("random.log_uniform_candidate_sampler/unique", lambda tf: _sampler_facts(tf, True),
         grad=False)
add_case("random.log_uniform_candidate_sampler/with_replacement",
         lambda tf: _sampler_facts(tf, False), grad=False)
add_case("random.log_uniform_candidate_sampler/too_many_unique", lambda tf:
         tf.random.log_uniform_candidate_sampler(tf.constant([[0]], tf.int64), 1, 8, True, 5),
         grad=False, op="log_uniform_candidate_sampler")


# ---- tf.random.categorical (a char model's sampling) and TF 2's tf.optimizers, tf.losses ----
def _categorical_facts(tf, **options):
    logits = tf.constant([[0.0, float("-inf"), 1.0], [float("-inf"), 2.0, float("-inf")]])
    draws = tf.random.categorical(logits, 50, seed=4, **options)
    values = draws.numpy()
    return [draws.dtype.name, draws.shape.as_list(), bool((values[0] != 1).all()),
            bool((values[1] == 1).all()), bool(set(values[0].tolist()) <= {0, 2})]


add_case("random.categorical/facts", _categorical_facts, grad=False)
add_case("random.categorical/int32", lambda tf: _categorical_facts(tf, dtype=tf.int32),
         grad=False)
add_case("random.categorical/vector_logits", lambda tf: tf.random.categorical(
    tf.constant([0.0, 1.0]), 2), grad=False, op="categorical")
add_case("random.categorical/float_dtype", lambda tf: tf.random.categorical(
    tf.constant([[0.0, 1.0]]), 2, dtype=tf.float32), grad=False, op="categorical")
add_case("optimizers/tf2_aliases", lambda tf, w0: [
    (lambda w, opt: [opt.apply_gradients([(tf.constant([0.5, -1.0]), w)]), w][1])(
        tf.Variable(w0), tf.optimizers.SGD(0.1)),
    tf.losses.MeanSquaredError()(tf.constant([1.0, 2.0]), tf.constant([1.5, 1.0])),
    tf.metrics.Mean()(tf.constant([1.0, 3.0])),
    tf.initializers.Ones()([2])], a32([1.0, 2.0]), grad=False)


# ---- tf.train.Checkpoint and CheckpointManager: a training loop saved and resumed ----------
def _checkpoint_round_trip(tf, fresh_objects: bool):
    """Train a fixed model one step with SGD momentum, save, train on, restore (into the same
    objects, or into new ones built alike), and take one more step: what each holds."""
    import os
    import tempfile

    def make():
        model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(
            1, kernel_initializer=tf.constant_initializer([[0.5], [-1.0]]))])
        return model, tf.keras.optimizers.SGD(0.1, momentum=0.9), tf.Variable(7.0)

    def step(model, optimizer):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(tf.constant([[1.0, 2.0], [0.5, -1.0]]))
                                            - 1.0))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    model, optimizer, extra = make()
    step(model, optimizer)
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, extra=extra)
    path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    step(model, optimizer)
    extra.assign(-1.0)
    if fresh_objects:
        model, optimizer, extra = make()
        ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, extra=extra)
    status = ckpt.restore(path)
    status.expect_partial()
    restored = [w.numpy() for w in model.weights] + [extra.numpy(),
                                                    int(optimizer.iterations.numpy())]
    step(model, optimizer)
    return [os.path.basename(path), restored, [w.numpy() for w in model.weights],
            int(ckpt.save_counter.numpy()),
            os.path.basename(tf.train.latest_checkpoint(os.path.dirname(path)))]


def _managed(tf):
    import os
    import tempfile
    directory = tempfile.mkdtemp()
    step = tf.Variable(0)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step), directory,
                                         max_to_keep=2)
    first = manager.latest_checkpoint
    paths = []
    for _ in range(3):
        step.assign_add(5)
        paths.append(os.path.basename(manager.save()))
    again = tf.train.CheckpointManager(tf.train.Checkpoint(step=tf.Variable(0)), directory,
                                       max_to_keep=2)
    restored = tf.Variable(0)
    tf.train.Checkpoint(step=restored).restore(again.latest_checkpoint)
    return [first, paths, [os.path.basename(p) for p in manager.checkpoints],
            os.path.basename(again.latest_checkpoint), int(restored.numpy()),
            os.path.basename(tf.train.latest_checkpoint(directory))]


add_case("train.Checkpoint/same_objects", lambda tf: _checkpoint_round_trip(tf, False),
         grad=False)
add_case("train.Checkpoint/fresh_objects", lambda tf: _checkpoint_round_trip(tf, True),
         grad=False)
add_case("train.CheckpointManager/max_to_keep", _managed, grad=False)
add_case("train.Checkpoint/restore_none", lambda tf: [
    tf.train.Checkpoint(w=tf.Variable(1.0)).restore(None) is not None,
    tf.train.latest_checkpoint(__import__("tempfile").mkdtemp())], grad=False)
add_case("train.Checkpoint/missing_path", lambda tf: tf.train.Checkpoint(
    w=tf.Variable(1.0)).restore(__import__("os").path.join(__import__("tempfile").mkdtemp(),
                                                            "ckpt-9")), grad=False,
    op="Checkpoint")


# ---- tf.cond and tf.while_loop, run eagerly (CS20's Huber loss; loops written for graphs) ---
def _huber(tf, labels, predictions, delta=1.0):
    residual = tf.abs(labels - predictions)
    return tf.cond(residual < delta, lambda: 0.5 * tf.square(residual),
                   lambda: delta * residual - 0.5 * delta ** 2)


add_case("cond/huber_small", lambda tf, y, p: _huber(tf, y, p), a32(1.0), a32(1.5))
add_case("cond/huber_large", lambda tf, y, p: _huber(tf, y, p), a32(1.0), a32(4.0))
add_case("cond/python_pred_and_values", lambda tf: [
    tf.cond(True, lambda: tf.constant(1), lambda: tf.constant(2)),
    tf.cond(tf.constant(False), lambda: (1, 2), lambda: (3, 4))], grad=False)
add_case("cond/vector_pred", lambda tf, x: tf.cond(x > 0.0, lambda: x, lambda: -x), f32(3))
add_case("cond/missing_branch", lambda tf, x: tf.cond(x > 0.0, None, lambda: x), f32(),
         op="cond")
add_case("while_loop/doubling", lambda tf, x: tf.while_loop(
    lambda i, s: i < 3, lambda i, s: [i + 1, s * 2.0], [0, x]), f32(2))
add_case("while_loop/tuple_sum", lambda tf: tf.while_loop(
    lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0)), grad=False)
add_case("while_loop/maximum_iterations", lambda tf, x: tf.while_loop(
    lambda i, v: True, lambda i, v: (i + 1, v * v), (0, x), maximum_iterations=2),
         a32([1.5, -0.5]))
add_case("while_loop/body_returns_fewer", lambda tf: tf.while_loop(
    lambda i, s: i < 3, lambda i, s: i + 1, [0, 1.0]), grad=False, op="while_loop")
add_case("while_loop/nested_loop_variables", lambda tf, x, y: tf.while_loop(
    lambda i, pair: i < 3, lambda i, pair: (i + 1, (pair[0] * 2.0, pair[1] + pair[0])),
    (0, (x, y))), f32(2, seed=41), f32(2, seed=42))


def _weight_names(tf):
    layer = tf.keras.layers.Dense(2, name="hidden")
    layer(tf.ones([1, 3]))
    return [w.name for w in layer.weights]


add_case("keras.layers.Dense/weight_names", _weight_names, grad=False)


# ---- pad_sequences: text programs' token ids of different lengths as one array ------------
_RAGGED_IDS = [[1, 2, 3], [4, 5], [6], []]
PAD_SEQUENCES = {
    "default": dict(),
    "maxlen_post": dict(maxlen=2, padding="post", truncating="post", value=-1),
    "maxlen_pre": dict(maxlen=2),
    "float32": dict(dtype="float32", value=0.5),
    "longer_maxlen": dict(maxlen=5, padding="post"),
    "bad_padding": dict(padding="middle"),
}
for _label, _options in PAD_SEQUENCES.items():
    add_case(f"keras.utils.pad_sequences/{_label}", lambda tf, _o=_options:
             tf.keras.utils.pad_sequences(_RAGGED_IDS, **_o), grad=False, op="pad_sequences")
add_case("keras.utils.pad_sequences/steps_of_vectors", lambda tf: tf.keras.utils.pad_sequences(
    [[[1, 2], [3, 4]], [[5, 6]]]), grad=False)
add_case("keras.preprocessing.sequence.pad_sequences/keras2_path", lambda tf:
         tf.keras.preprocessing.sequence.pad_sequences([[1], [2, 3]]), grad=False)


# ---- tf.data windows: a time series cut into overlapping windows, flat_map, take_while -----
def _windowed(tf, **options):
    """Each window of range(7) read back as a list (a window is a dataset per component)."""
    return [_elements(w) for w in tf.data.Dataset.range(7).window(3, **options)]


WINDOWS = {
    "default": lambda tf: _windowed(tf),
    "shift1_drop": lambda tf: _windowed(tf, shift=1, drop_remainder=True),
    "stride2": lambda tf: _windowed(tf, shift=2, stride=2),
    "flat_map_batch": lambda tf: _elements(tf.data.Dataset.range(7).window(
        4, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(4))),
    "pairs": lambda tf: [[_elements(a), _elements(b)] for a, b in
                         tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0]))
                         .window(2)],
    "series_to_supervised": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        np.arange(8, dtype=np.float32)).window(4, shift=2, drop_remainder=True).flat_map(
        lambda w: w.batch(4)).map(lambda w: (w[:-1], w[-1])).batch(2)),
    "flat_map_slices": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        [[1, 2], [3, 4]]).flat_map(tf.data.Dataset.from_tensor_slices)),
    "take_while": lambda tf: _elements(tf.data.Dataset.range(10).take_while(lambda x: x < 4)),
}
for _label, _make in WINDOWS.items():
    add_case(f"data.Dataset.window/{_label}", lambda tf, _m=_make: _m(tf), grad=False,
             op="flat_map")


# ---- keras.layers.LayerNormalization and Softmax ---------------------------------------------
def _layer_normalized(tf, x, **options):
    layer = tf.keras.layers.LayerNormalization(
        gamma_initializer=tf.constant_initializer(1.5), beta_initializer=tf.constant_initializer(
            -0.25), **options)
    with tf.GradientTape() as tape:
        out = layer(x)
        loss = tf.reduce_sum(out * cotangent(tuple(out.shape), "float32"))
    return [out, tape.gradient(loss, layer.trainable_weights),
            [list(w.shape) for w in layer.weights]]


add_case("keras.layers.LayerNormalization/last_axis", lambda tf, x: _layer_normalized(tf, x),
         f32(3, 4), rtol=1e-4, atol=1e-5)
add_case("keras.layers.LayerNormalization/sequence", lambda tf, x: _layer_normalized(tf, x),
         f32(2, 3, 4), rtol=1e-4, atol=1e-5)
add_case("keras.layers.LayerNormalization/two_axes", lambda tf, x: _layer_normalized(
    tf, x, axis=[1, 2], epsilon=1e-5), f32(2, 3, 4), rtol=1e-4, atol=1e-5)
add_case("keras.layers.LayerNormalization/no_scale_center", lambda tf, x: _layer_normalized(
    tf, x, scale=False, center=False), f32(3, 4), rtol=1e-4, atol=1e-5)
add_case("keras.layers.Softmax/last_axis", lambda tf, x: tf.keras.layers.Softmax()(x),
         f32(2, 3))
add_case("keras.layers.Softmax/axis0", lambda tf, x: tf.keras.layers.Softmax(axis=0)(x),
         f32(2, 3))


# ---- keras.layers.Bidirectional over the fixed-weight recurrent layers -----------------------
def _bidirectional(tf, x, kind="GRU", merge_mode="concat", **options):
    gates = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}[kind]
    inner = getattr(tf.keras.layers, kind)(
        2, kernel_initializer=tf.constant_initializer(spread((3, 2 * gates), seed=11, low=-0.8,
                                                             high=0.8)),
        recurrent_initializer=tf.constant_initializer(spread((2, 2 * gates), seed=12,
                                                             low=-0.8, high=0.8)),
        bias_initializer=tf.constant_initializer(0.125), **options)
    layer = tf.keras.layers.Bidirectional(inner, merge_mode=merge_mode)
    with tf.GradientTape() as tape:
        out = layer(x)
        leaves = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = tf.add_n([tf.reduce_sum(t * cotangent(tuple(t.shape), "float32"))
                         for t in leaves])
    return [out, tape.gradient(loss, layer.trainable_weights),
            [layer.forward_layer.name, layer.backward_layer.name]]


BIDIRECTIONAL = {
    "gru_last": {}, "gru_sequences": dict(return_sequences=True),
    "lstm_sum": dict(kind="LSTM", merge_mode="sum", return_sequences=True),
    "simple_ave_state": dict(kind="SimpleRNN", merge_mode="ave", return_state=True),
    "gru_no_merge": dict(merge_mode=None, return_sequences=True),
}
for _label, _options in BIDIRECTIONAL.items():
    add_case(f"keras.layers.Bidirectional/{_label}", lambda tf, x, _o=_options: _bidirectional(
        tf, x, **_o), _SEQUENCE, rtol=1e-4, atol=1e-5)
add_case("keras.layers.Bidirectional/not_recurrent", lambda tf: tf.keras.layers.Bidirectional(
    tf.keras.layers.Dense(2)), grad=False, op="Bidirectional")


# ---- keras.layers.TimeDistributed: a per-step Dense (and Conv2D) of shared weights ----------
def _time_distributed(tf, x, make):
    layer = tf.keras.layers.TimeDistributed(make(tf))
    with tf.GradientTape() as tape:
        out = layer(x)
        loss = tf.reduce_sum(out * cotangent(tuple(out.shape), "float32"))
    return [out, tape.gradient(loss, layer.trainable_weights)]


add_case("keras.layers.TimeDistributed/dense", lambda tf, x: _time_distributed(
    tf, x, lambda tf: tf.keras.layers.Dense(2, kernel_initializer=tf.constant_initializer(
        spread((3, 2), seed=41)), bias_initializer=tf.constant_initializer(0.5))), _SEQUENCE)
add_case("keras.layers.TimeDistributed/conv2d", lambda tf, x: _time_distributed(
    tf, x, lambda tf: tf.keras.layers.Conv2D(2, 2, kernel_initializer=tf.constant_initializer(
        spread((2, 2, 1, 2), seed=42)))), f32(2, 3, 4, 4, 1), rtol=1e-4, atol=1e-5)
add_case("keras.layers.TimeDistributed/gru_then_dense_shape", lambda tf: tf.keras.Sequential([
    tf.keras.Input((5, 3)), tf.keras.layers.GRU(4, return_sequences=True),
    tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(6))])(np.ones((2, 5, 3), np.float32))
    .shape.as_list(), grad=False)
add_case("keras.layers.TimeDistributed/rank2_input", lambda tf, x: tf.keras.layers.
         TimeDistributed(tf.keras.layers.Dense(2))(x), f32(2, 3), op="TimeDistributed")


# ---- a student's TF 2 eager code: the autodiff guides, Keras basics, tf.data, common ops ------
def _tape_watch_accessed_off(tf):
    a, b = tf.Variable(2.0, name="a"), tf.Variable(3.0, name="b")
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * a + b * b
    return [tape.gradient(y, [a, b]), [v.name for v in tape.watched_variables()]]


def _tape_not_trainable(tf):
    w = tf.Variable(2.0, trainable=False)
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = w * v
    return [tape.gradient(y, [w, v]), len(tape.watched_variables()), w.trainable]


def _tape_integer_variable(tf):
    n = tf.Variable(2)
    with tf.GradientTape() as tape:
        y = tf.cast(n, tf.float32) * 3.0
    return tape.gradient(y, n)


def _tape_integer_variable_watched(tf):
    n = tf.Variable(2)
    with tf.GradientTape() as tape:
        tf.cast(n, tf.float32) * 3.0
    return [v.dtype.name for v in tape.watched_variables()]


def _tape_after_assign(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        x.assign_add(1.0)
        y = x * x
    return [tape.gradient(y, x), x]


def _tape_python_branch(tf, x):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        total = tf.constant(0.0)
        for i in range(3):
            if i % 2 == 0:
                total += tf.reduce_sum(v * float(i + 1))
            else:
                total += tf.reduce_sum(v * v)
    return tape.gradient(total, v)


def _tape_cond_variable(tf, x):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.cond(tf.reduce_sum(v) > 0, lambda: tf.reduce_sum(v * v), lambda: tf.reduce_sum(v))
    return tape.gradient(y, v)


def _tape_nonscalar_target(tf, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = {"a": tf.sin(x), "b": 2.0 * x}
    return [tape.gradient(y, x), tape.gradient(z, x)]


def _tape_jacobian_variable(tf, x):
    w = tf.Variable(spread((3, 2), seed=3))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.matmul(x, w)
        unrelated = tf.constant(3.0) * 2.0
    return [tape.jacobian(y, w), tape.jacobian(unrelated, w),
            tape.jacobian(y, [w, x])]


def _tape_jacobian_zero(tf, x):
    other = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * 2.0
    return tape.jacobian(y, other, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _tape_hessian(tf, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x ** 3) + tf.reduce_prod(x)
        g = inner.gradient(y, x)
    return outer.jacobian(g, x)


def _tape_batch_jacobian_layer(tf, x):
    layer = tf.keras.layers.Dense(2, activation="tanh",
                                  kernel_initializer=tf.constant_initializer(spread((3, 2))))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
    return tape.batch_jacobian(y, x)


def _tape_reset(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = x * 2.0
        tape.reset()
        tape.watch(x)
        b = x * x
    return tape.gradient(a + b, x)


def _tape_gradient_twice(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    return tape.gradient(y, x)


def _tape_int_target(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.int32)
    return tape.gradient(y, x)


STUDENT_TAPE = {
    "watch_accessed_variables_off": (_tape_watch_accessed_off, ()),
    "variable_not_trainable": (_tape_not_trainable, ()),
    "integer_variable": (_tape_integer_variable, ()),
    "integer_variable_watched": (_tape_integer_variable_watched, ()),
    "after_assign_add": (_tape_after_assign, ()),
    "python_branches": (_tape_python_branch, (f32(3),)),
    "cond_on_variable": (_tape_cond_variable, (f32(3, low=0.1, high=2),)),
    "nonscalar_and_dict_targets": (_tape_nonscalar_target, (f32(3),)),
    "jacobian_variable": (_tape_jacobian_variable, (f32(2, 3),)),
    "jacobian_unconnected_zero": (_tape_jacobian_zero, (f32(3),)),
    "hessian_by_jacobian": (_tape_hessian, (f32(3, low=0.5, high=1.5),)),
    "batch_jacobian_dense": (_tape_batch_jacobian_layer, (f32(4, 3),)),
    "reset": (_tape_reset, (f32(3),)),
    "gradient_twice_not_persistent": (_tape_gradient_twice, (f32(3),)),
    "integer_target": (_tape_int_target, (f32(3),)),
}
for _name, (_fn, _inputs) in STUDENT_TAPE.items():
    add_case(f"GradientTape/student_{_name}", _fn, *_inputs, grad=False, op="gradient")


def _sequential_variables(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4),
                                 tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Dense(2)])
    model.layers[0].trainable = False
    return [[tuple(v.shape) for v in model.trainable_variables],
            [tuple(v.shape) for v in model.non_trainable_variables],
            [tuple(v.shape) for v in model.variables], model.count_params(),
            len(model.layers), [layer.trainable for layer in model.layers]]


def _sequential_add(tf):
    model = tf.keras.Sequential()
    model.add(tf.keras.layers.Dense(3, input_shape=(2,)))
    model.add(tf.keras.layers.Dense(1))
    return [model.output_shape, [tuple(v.shape) for v in model.trainable_variables],
            len(model.layers)]


def _functional_model(tf, x):
    inputs = tf.keras.Input(shape=(3,))
    hidden = tf.keras.layers.Dense(4, activation="relu", kernel_initializer=tf.constant_initializer(
        spread((3, 4), seed=5)))(inputs)
    outputs = tf.keras.layers.Dense(2, kernel_initializer=tf.constant_initializer(
        spread((4, 2), seed=6)))(hidden)
    model = tf.keras.Model(inputs=inputs, outputs=outputs)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2)
    return [model(x), tape.gradient(loss, model.trainable_variables),
            [tuple(v.shape) for v in model.trainable_variables], len(model.layers)]


def _layer_not_trainable_gradient(tf, x):
    dense = tf.keras.layers.Dense(2, kernel_initializer=tf.constant_initializer(spread((3, 2))))
    dense.build((None, 3))
    dense.trainable = False
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(dense(x))
    return [tape.gradient(y, dense.kernel), len(dense.trainable_weights),
            len(dense.non_trainable_weights)]


def _custom_layer(tf, x):
    class Linear(tf.keras.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="ones", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")
            self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False)

        def call(self, inputs):
            return tf.matmul(inputs, self.w) + self.b

    layer = Linear(2)
    return [layer(x), len(layer.trainable_weights), len(layer.non_trainable_weights),
            [tuple(w.shape) for w in layer.weights]]


def _custom_model_order(tf, x):
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.second = tf.keras.layers.Dense(2)
            self.first = tf.keras.layers.Dense(3)

        def call(self, inputs):
            return self.second(self.first(inputs))

    net = Net()
    net(x)
    return [tuple(v.shape) for v in net.trainable_variables]


STUDENT_KERAS = {
    "Sequential/student_variables": (_sequential_variables, ()),
    "Sequential/student_add": (_sequential_add, ()),
    "Model/student_functional": (_functional_model, (f32(2, 3),)),
    "layers.Dense/student_not_trainable": (_layer_not_trainable_gradient, (f32(2, 3),)),
    "layers.Layer/student_add_weight": (_custom_layer, (f32(2, 3),)),
    "Model/student_attribute_order": (_custom_model_order, (f32(2, 4),)),
}
for _name, (_fn, _inputs) in STUDENT_KERAS.items():
    add_case(f"keras.{_name}", _fn, *_inputs, grad=False)


def _metric_lifecycle(tf, make, *batches):
    metric = make(tf)
    first = metric.result()
    for batch in batches:
        metric.update_state(*batch)
    seen = metric.result()
    metric.reset_state()
    again = metric(*batches[0])
    return [first, seen, again, metric.result(), len(metric.variables)]


STUDENT_METRICS = {
    "Mean/student_lifecycle": (lambda tf: tf.keras.metrics.Mean(name="loss"),
                               [[2.0], [[4.0, 6.0]]]),
    "SparseCategoricalAccuracy/student_lifecycle": (
        lambda tf: tf.keras.metrics.SparseCategoricalAccuracy(),
        [[[1], [[0.2, 0.8]]], [[0, 1], [[0.6, 0.4], [0.9, 0.1]]]]),
    "Mean/student_integers": (lambda tf: tf.keras.metrics.Mean(), [[np.array([1, 2], np.int32)]]),
    "Accuracy/student_lifecycle": (lambda tf: tf.keras.metrics.Accuracy(), [[[1, 2], [1, 3]]]),
}
for _name, (_make, _batches) in STUDENT_METRICS.items():
    add_case(f"keras.metrics.{_name}", lambda tf, _m=_make, _b=_batches: _metric_lifecycle(
        tf, _m, *_b), grad=False)
add_case("keras.metrics.Mean/variable_names", lambda tf: [
    v.name for v in tf.keras.metrics.Mean(name="loss").variables], grad=False)


def _optimizer_schedule(tf, make_optimizer):
    w = tf.Variable([1.0, -2.0])
    optimizer = make_optimizer(tf)
    rates = []
    for _ in range(4):
        optimizer.apply_gradients([(tf.constant([0.5, 0.25]), w)])
        rates.append(tf.cast(optimizer.learning_rate, tf.float32))
    return [w, rates, optimizer.iterations]


STUDENT_OPTIMIZERS = {
    "SGD/student_exponential_decay": lambda tf: tf.keras.optimizers.SGD(
        tf.keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)),
    "Adam/student_piecewise": lambda tf: tf.keras.optimizers.Adam(
        tf.keras.optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.05, 0.01])),
    "SGD/student_momentum_nesterov": lambda tf: tf.keras.optimizers.SGD(0.1, momentum=0.9,
                                                                nesterov=True),
    "SGD/student_clipnorm": lambda tf: tf.keras.optimizers.SGD(1.0, clipnorm=0.1),
    "SGD/student_clipvalue": lambda tf: tf.keras.optimizers.SGD(1.0, clipvalue=0.3),
    "SGD/student_global_clipnorm": lambda tf: tf.keras.optimizers.SGD(1.0, global_clipnorm=0.1),
    "RMSprop/student_momentum": lambda tf: tf.keras.optimizers.RMSprop(0.01, momentum=0.5),
    "Adam/student_amsgrad": lambda tf: tf.keras.optimizers.Adam(0.1, amsgrad=True),
    "Adagrad/student_default": lambda tf: tf.keras.optimizers.Adagrad(0.1),
}
for _name, _make in STUDENT_OPTIMIZERS.items():
    add_case(f"keras.optimizers.{_name}", lambda tf, _m=_make: _optimizer_schedule(tf, _m),
             grad=False)
add_case("keras.optimizers.SGD/student_learning_rate_assign", lambda tf: [
    (lambda o: (o.learning_rate.assign(0.01), tf.cast(o.learning_rate, tf.float32))[1])(
        tf.keras.optimizers.SGD(0.1))], grad=False)


STUDENT_DATA = {
    "dict_batch_map": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        {"x": np.arange(5, dtype=np.float32), "y": np.array([0, 1, 0, 1, 1])}).batch(2).map(
        lambda d: {"x": d["x"] * 2.0, "y": d["y"]})),
    "dict_filter_take": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        {"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]}).filter(lambda d: d["y"] > 0).take(1)),
    "dict_map_to_tuple": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        {"x": [1.0, 2.0], "y": [5, 6]}).map(lambda d: (d["x"], d["y"]))),
    "batch_drop_remainder_pairs": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        (np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5))).batch(
        2, drop_remainder=True)),
    "take_all_skip_beyond": lambda tf: [_elements(tf.data.Dataset.range(3).take(-1)),
                                        _elements(tf.data.Dataset.range(3).skip(5)),
                                        _elements(tf.data.Dataset.range(3).take(0))],
    "repeat_then_batch": lambda tf: _elements(tf.data.Dataset.range(3).repeat(3).batch(4)),
    "batch_then_repeat": lambda tf: _elements(tf.data.Dataset.range(3).batch(2).repeat(2)),
    "cache_map_calls": lambda tf: _elements(tf.data.Dataset.range(3).map(
        lambda x: x + 1).cache().repeat(2)),
    "zip_dict": lambda tf: _elements(tf.data.Dataset.zip(
        {"a": tf.data.Dataset.range(2), "b": tf.data.Dataset.range(3, 6)})),
    "zip_args": lambda tf: _elements(tf.data.Dataset.zip(
        tf.data.Dataset.range(2), tf.data.Dataset.range(3, 6))),
    "slices_dtypes": lambda tf: [repr(e.dtype) for e in next(iter(
        tf.data.Dataset.from_tensor_slices(([1.0], np.array([1.0]), [1], np.array([1]),
                                            [True]))))],
    "map_num_parallel": lambda tf: _elements(tf.data.Dataset.range(4).map(
        lambda x: tf.cast(x, tf.float32) / 2, num_parallel_calls=tf.data.AUTOTUNE)),
    "shuffle_batch_drop": lambda tf: [tuple(b.shape) for b in tf.data.Dataset.range(10).shuffle(
        10, seed=3).batch(4, drop_remainder=True)],
    "shuffle_reshuffle_false_same_order": lambda tf: (lambda d: [
        [int(x) for x in d] == [int(x) for x in d]])(tf.data.Dataset.range(8).shuffle(
            8, seed=2, reshuffle_each_iteration=False)),
    "cardinality_take_skip": lambda tf: [
        tf.data.Dataset.range(10).take(3).cardinality(),
        tf.data.Dataset.range(10).skip(3).cardinality(),
        tf.data.Dataset.range(10).shuffle(4).cardinality(),
        tf.data.Dataset.range(10).cache().cardinality(),
        tf.data.Dataset.range(10).prefetch(1).cardinality()],
    "len": lambda tf: [len(tf.data.Dataset.range(10).batch(4)),
                       len(tf.data.Dataset.from_tensor_slices({"a": [1, 2, 3]}))],
    "from_tensor_slices_mismatched": lambda tf: tf.data.Dataset.from_tensor_slices(
        ([1.0, 2.0], [1, 2, 3])),
}
for _name, _fn in STUDENT_DATA.items():
    add_case(f"data.Dataset/student_{_name}", _fn, grad=False, op="from_tensor_slices")


STUDENT_OPS = {
    "where/broadcast_condition_row": (lambda tf, x: tf.where([True, False, True], x, -x),
                                      (f32(2, 3),)),
    "where/broadcast_column": (lambda tf, x, y: tf.where(x > 0, x, y), (f32(2, 3), f32(2, 1))),
    "where/int_and_float": (lambda tf, x: tf.where(x > 0, x, 0), (f32(4),)),
    "gather/batch_dims_3d": (lambda tf, p, i: tf.gather(p, i, axis=2, batch_dims=2),
                             (f32(2, 2, 4), np.array([[[1, 0], [3, 3]], [[2, 1], [0, 0]]],
                                                     np.int32))),
    "gather/indices_2d": (lambda tf, p, i: tf.gather(p, i), (f32(4, 2),
                                                             np.array([[0, 3], [3, 1]]))),
    "math.reduce_max/keepdims_neg": (lambda tf, x: tf.reduce_max(x, axis=-1, keepdims=True),
                                     (f32(2, 3),)),
    "math.reduce_mean/int32": (lambda tf, x: tf.reduce_mean(x),
                               (np.array([1, 2, 2], np.int32),)),
    "math.reduce_mean/int32_negative": (lambda tf, x: tf.reduce_mean(x, axis=0),
                                        (np.array([[-1, 2], [-2, 2]], np.int32),)),
    "math.reduce_sum/axes_list_neg": (lambda tf, x: tf.reduce_sum(x, axis=[-1, 0],
                                                                  keepdims=True), (f32(2, 3, 2),)),
    "math.reduce_mean/empty": (lambda tf, x: tf.reduce_mean(x), (f32(0),)),
    "math.reduce_max/empty": (lambda tf, x: tf.reduce_max(x), (f32(0),)),
    "math.reduce_prod/int_axis_tensor": (lambda tf, x: tf.reduce_prod(x, axis=tf.constant(1)),
                                         (f32(2, 3),)),
    "math.reduce_sum/bool": (lambda tf, x: tf.reduce_sum(tf.cast(x > 0, tf.int32)), (f32(5),)),
    "math.reduce_any/axis": (lambda tf, x: tf.reduce_any(x > 1, axis=1), (f32(3, 2),)),
    "math.floordiv/negative_ints": (lambda tf: [tf.constant([-7, 7]) // 2, tf.constant([-7, 7]) % 3,
                                                tf.constant([-7.5, 7.5]) // 2.0,
                                                tf.constant([-7.5, 7.5]) % 2.0], ()),
    "math.truediv/ints": (lambda tf: [tf.constant([7, -7]) / 2, tf.divide(7, 2),
                                      tf.constant(7, tf.int64) / tf.constant(2, tf.int64),
                                      tf.constant(7, tf.int16) / tf.constant(2, tf.int16)], ()),
    "add/int_tensor_plus_float": (lambda tf: tf.constant([1, 2]) + 0.5, ()),
    "multiply/float_tensor_times_int_tensor": (lambda tf: tf.constant([1.0]) * tf.constant([2]),
                                               ()),
    "operators/python_numbers_and_float_tensor": (lambda tf: [
        3 * tf.constant([1.5]), tf.constant([2.0]) ** 2, 2 ** tf.constant([3.0])], ()),
    "floordiv/int_tensor_by_float": (lambda tf: tf.constant([7]) // 2.0, ()),
    "cast/out_of_range_float_to_int": (lambda tf: [
        tf.cast(tf.constant([1e10, -1e10, 2.7, -2.7]), tf.int32),
        tf.cast(tf.constant([300.0, -1.0, 255.9]), tf.uint8),
        tf.cast(tf.constant([300, -1]), tf.uint8),
        tf.cast(tf.constant([0.0, 0.1, -2.0]), tf.bool)], ()),
    "cast/nan_inf_to_int": (lambda tf: tf.cast(tf.constant([np.nan, np.inf, -np.inf]),
                                               tf.int32), ()),
    "cast/float64_to_float16_overflow": (lambda tf: tf.cast(tf.constant([1e5, -1e6, 1e-8],
                                                                        tf.float64),
                                                            tf.float16), ()),
    "clip_by_value/broadcast_bounds": (lambda tf, x: tf.clip_by_value(x, [-1.0, 0.0, 0.5], 1.0),
                                       (f32(2, 3),)),
    "clip_by_value/int_float_bounds": (lambda tf, x: tf.clip_by_value(x, 0.5, 2.0), (i32(4),)),
    "clip_by_norm/int": (lambda tf, x: tf.clip_by_norm(x, 1.0), (i32(4),)),
    "one_hot/matrix_indices": (lambda tf, i: tf.one_hot(i, 3, axis=1),
                               (np.array([[0, 2], [1, -1]], np.int32),)),
    "one_hot/on_off_ints": (lambda tf, i: tf.one_hot(i, 3, on_value=1, off_value=0),
                            (np.array([0, 2], np.int32),)),
    "math.argmax/ties": (lambda tf, x: [tf.argmax(x), tf.argmax(x, axis=1), tf.argmin(x, 1),
                                        tf.argmax(x, output_type=tf.int32)],
                         (a32([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),)),
    "math.argmax/nan": (lambda tf, x: [tf.argmax(x), tf.argmin(x)],
                        (a32([1.0, np.nan, 3.0]),)),
    "math.argmax/int_axis_neg": (lambda tf, x: tf.math.argmax(x, axis=-1), (i32(2, 4),)),
    "math.argmax/empty": (lambda tf, x: tf.argmax(x), (f32(0),)),
    "math.cumsum/exclusive_reverse": (lambda tf, x: [tf.cumsum(x, exclusive=True),
                                                     tf.cumsum(x, reverse=True),
                                                     tf.cumsum(x, axis=-1, exclusive=True,
                                                               reverse=True)], (f32(2, 3),)),
    "math.pow/int_negative_exponent": (lambda tf: tf.pow(tf.constant([2, 3]), -1), ()),
    "math.pow/negative_base_fraction": (lambda tf, x: tf.pow(x, 0.5), (a32([-4.0, 4.0]),)),
    "math.squared_difference/broadcast": (lambda tf, x, y: tf.math.squared_difference(x, y),
                                          (f32(2, 3), f32(3, seed=2))),
    "math.l2_normalize/axis": (lambda tf, x: tf.math.l2_normalize(x, axis=-1), (f32(2, 3),)),
    "math.round/int": (lambda tf: tf.round(tf.constant([1, 2])), ()),
    "math.reduce_logsumexp/inf": (lambda tf, x: tf.reduce_logsumexp(x, axis=1),
                                  (a32([[-np.inf, -np.inf], [1.0, -np.inf]]),)),
    "math.count_nonzero/axis_dtype": (lambda tf, x: tf.math.count_nonzero(x, axis=0,
                                                                          dtype=tf.int32),
                                      (a32([[0.0, 1.0], [2.0, 0.0], [3.0, 0.0]]),)),
    "range/float_dtype": (lambda tf: [tf.range(5), tf.range(0.0, 1.0, 0.25), tf.range(3, 0, -1),
                                      tf.range(5, dtype=tf.float32)], ()),
    "linspace/num_one": (lambda tf: [tf.linspace(0.0, 1.0, 1), tf.linspace(0, 10, 5)], ()),
    "concat/negative_axis": (lambda tf, x, y: tf.concat([x, y], axis=-1), (f32(2, 1), f32(2, 2))),
    "reshape/minus_one": (lambda tf, x: tf.reshape(x, [-1, 2]), (f32(3, 2, 2),)),
    "transpose/perm_conjugate": (lambda tf, x: tf.transpose(x, perm=[2, 0, 1]), (f32(2, 3, 4),)),
    "squeeze/axis_not_one": (lambda tf, x: tf.squeeze(x, axis=1), (f32(2, 3),)),
    "expand_dims/negative": (lambda tf, x: tf.expand_dims(x, -1), (f32(2, 3),)),
    "tile/multiples": (lambda tf, x: tf.tile(x, [2, 1]), (f32(1, 3),)),
    "stack/axis_neg": (lambda tf, x, y: tf.stack([x, y], axis=-1), (f32(2, 3), f32(2, 3))),
    "split/sizes": (lambda tf, x: tf.split(x, [1, -1], axis=1), (f32(2, 4),)),
    "boolean_mask/axis1": (lambda tf, x: tf.boolean_mask(x, [True, False, True], axis=1),
                           (f32(2, 3),)),
    "nn.softmax/axis0": (lambda tf, x: tf.nn.softmax(x, axis=0), (f32(2, 3),)),
    "nn.sparse_softmax_cross_entropy_with_logits/int64": (
        lambda tf, x: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant([2, 0], tf.int64), logits=x), (f32(2, 3),)),
    "math.sigmoid/int": (lambda tf: tf.sigmoid(tf.constant([1, 2])), ()),
    "math.sqrt/int": (lambda tf: tf.sqrt(tf.constant([4, 9])), ()),
    "math.maximum/int_float": (lambda tf: tf.maximum(tf.constant([1, 5]), 2.5), ()),
    "math.abs/int_min": (lambda tf: tf.abs(tf.constant([-2147483648, -1], tf.int32)), ()),
    "getitem/newaxis_ellipsis": (lambda tf, x: [x[..., 0], x[:, tf.newaxis, 1:], x[::-1, ::2],
                                                x[-1]], (f32(3, 4),)),
    "getitem/tensor_index": (lambda tf, x: x[tf.constant(1)], (f32(3, 2),)),
    "getitem/out_of_range": (lambda tf, x: x[5], (f32(3,),)),
    "matmul/transpose_flags": (lambda tf, x, y: [
        tf.matmul(x, y, transpose_b=True), tf.matmul(x, y, transpose_a=True),
        tf.linalg.matmul(x, x, adjoint_a=True)], (f32(2, 2), f32(2, 2, seed=4))),
    "matmul/batch_broadcast": (lambda tf, x, y: tf.matmul(x, y), (f32(2, 1, 2, 3),
                                                                  f32(4, 3, 2, seed=5))),
    "matmul/int": (lambda tf: tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]])), ()),
    "matmul/vector": (lambda tf, x, y: tf.matmul(x, y), (f32(3), f32(3, 2))),
    "norm/ord_axis": (lambda tf, x: [tf.norm(x, ord=1), tf.norm(x, axis=1),
                                     tf.norm(x, ord=np.inf, axis=0), tf.norm(x, ord="euclidean"),
                                     tf.norm(x, ord="fro", axis=[0, 1])], (f32(2, 3),)),
    "tensordot/axes_int": (lambda tf, x, y: tf.tensordot(x, y, axes=1), (f32(2, 3),
                                                                         f32(3, 2, seed=2))),
    "size_rank_shape": (lambda tf, x: [tf.size(x), tf.rank(x), tf.shape(x),
                                       tf.size(x, out_type=tf.float32)], (f32(2, 3),)),
}
for _name, (_fn, _inputs) in STUDENT_OPS.items():
    _path, _label = _name.split("/") if "/" in _name else (_name, "default")
    add_case(f"{_path}/student_{_label}", _fn, *_inputs)


# ---- the functional API and merge layers (Keras's functional basics) --------------------------
def _two_branch_model(tf):
    first = tf.keras.Input(shape=(3,), name="first")
    second = tf.keras.Input(shape=(2,), name="second")
    joined = tf.keras.layers.concatenate([first, second], name="joined")
    hidden = tf.keras.layers.Dense(3, activation="tanh", name="hidden",
                                   kernel_initializer=tf.constant_initializer(spread((5, 3))))(
        joined)
    summed = tf.keras.layers.Add(name="summed")([hidden, first])
    out = tf.keras.layers.Dense(1, name="out", kernel_initializer=tf.constant_initializer(
        spread((3, 1), seed=2)))(summed)
    return tf.keras.Model(inputs=[first, second], outputs=out)


def _functional_two_inputs(tf, x, y):
    model = _two_branch_model(tf)
    with tf.GradientTape() as tape:
        out = model([x, y])
        loss = tf.reduce_sum(out * cotangent(tuple(out.shape), "float32"))
    return [out, tape.gradient(loss, model.trainable_variables),
            [layer.name for layer in model.layers], [type(layer).__name__ for layer in
                                                     model.layers],
            model.input_shape, model.output_shape]


def _functional_fit(tf, x, y):
    model = _two_branch_model(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit([x, y], np.ones((4, 1), np.float32), epochs=3, batch_size=2,
                        shuffle=False, verbose=0)
    return [history.history["loss"], model.predict([x, y], verbose=0),
            model.evaluate([x, y], np.ones((4, 1), np.float32), verbose=0)]


def _functional_dict_outputs(tf, x):
    inputs = tf.keras.Input(shape=(3,))
    dense = tf.keras.layers.Dense(2, kernel_initializer=tf.constant_initializer(spread((3, 2))))
    model = tf.keras.Model(inputs, {"logits": dense(inputs),
                                    "probs": tf.keras.layers.Softmax()(dense(inputs))})
    return [model(x), len(model.trainable_variables)]


def _keras_tensor(tf):
    inputs = tf.keras.Input(shape=(4, 3), batch_size=None)
    hidden = tf.keras.layers.Dense(5)(inputs)
    flat = tf.keras.layers.Flatten()(hidden)
    return [inputs.shape, inputs.dtype, hidden.shape, flat.shape,
            tf.keras.Input(shape=(2,), dtype="int32").dtype]


add_case("keras.Model/student_functional_two_inputs", _functional_two_inputs, f32(4, 3),
         f32(4, 2, seed=3), grad=False, rtol=1e-4, atol=1e-5)
add_case("keras.Model/student_functional_fit", _functional_fit, f32(4, 3), f32(4, 2, seed=3),
         grad=False, rtol=1e-4, atol=1e-5)
add_case("keras.Model/student_functional_dict_outputs", _functional_dict_outputs, f32(2, 3),
         grad=False)
add_case("keras.Input/student_keras_tensor", _keras_tensor, grad=False)
add_case("keras.Model/student_functional_input_not_keras_tensor", lambda tf, x: tf.keras.Model(
    inputs=x, outputs=x), f32(2, 3), grad=False, op="Model")
for _name, _function in (("Add", "add"), ("Subtract", "subtract"), ("Multiply", "multiply"),
                         ("Average", "average"), ("Maximum", "maximum"), ("Minimum", "minimum")):
    add_case(f"keras.layers.{_name}/student_two", lambda tf, x, y, _n=_name: getattr(
        tf.keras.layers, _n)()([x, y]), f32(2, 3), f32(2, 3, seed=4))
    add_case(f"keras.layers.{_function}/student_function", lambda tf, x, y, _f=_function: getattr(
        tf.keras.layers, _f)([x, y]), f32(2, 3), f32(2, 3, seed=4))
add_case("keras.layers.Add/student_three", lambda tf, x, y, z: tf.keras.layers.Add()([x, y, z]),
         f32(2, 3), f32(2, 3, seed=4), f32(2, 3, seed=5))
add_case("keras.layers.Add/student_one_input", lambda tf, x: tf.keras.layers.Add()(x), f32(2, 3),
         op="Add")
add_case("keras.layers.Concatenate/student_axis1", lambda tf, x, y: tf.keras.layers.Concatenate(
    axis=1)([x, y]), f32(2, 3), f32(2, 2, seed=4))
add_case("keras.layers.concatenate/student_function", lambda tf, x, y: tf.keras.layers
         .concatenate([x, y], axis=0), f32(2, 3), f32(1, 3, seed=4))
add_case("keras.layers.Concatenate/student_mismatched", lambda tf, x, y: tf.keras.layers
         .Concatenate()([x, y]), f32(2, 3), f32(3, 3, seed=4), op="Concatenate")


# ---- tf.linalg's square matrices and diagonals; gather_nd; segment sums ----------------------
_WELL_CONDITIONED = np.array([[2.0, 0.5, -0.3], [0.1, 1.5, 0.4], [-0.2, 0.3, 2.5]], np.float32)
_BATCH_OF_MATRICES = np.stack([_WELL_CONDITIONED, _WELL_CONDITIONED.T * 0.5
                               + np.eye(3, dtype=np.float32)])
LINALG = {
    "inv/default": (lambda tf, a: tf.linalg.inv(a), (_WELL_CONDITIONED,)),
    "inv/batch": (lambda tf, a: tf.linalg.inv(a), (_BATCH_OF_MATRICES,)),
    "inv/adjoint": (lambda tf, a: tf.linalg.inv(a, adjoint=True), (_WELL_CONDITIONED,)),
    "inv/f64": (lambda tf, a: tf.linalg.inv(a), (_WELL_CONDITIONED.astype(np.float64),)),
    "inv/singular": (lambda tf, a: tf.linalg.inv(a), (a32([[1.0, 2.0], [2.0, 4.0]]),)),
    "inv/not_square": (lambda tf, a: tf.linalg.inv(a), (f32(2, 3),)),
    "inv/int": (lambda tf: tf.linalg.inv(tf.constant([[1, 0], [0, 1]])), ()),
    "det/default": (lambda tf, a: tf.linalg.det(a), (_WELL_CONDITIONED,)),
    "det/batch": (lambda tf, a: tf.linalg.det(a), (_BATCH_OF_MATRICES,)),
    "det/singular": (lambda tf, a: tf.linalg.det(a), (a32([[1.0, 2.0], [2.0, 4.0]]),)),
    "solve/default": (lambda tf, a, b: tf.linalg.solve(a, b), (_WELL_CONDITIONED, f32(3, 2))),
    "solve/batch": (lambda tf, a, b: tf.linalg.solve(a, b), (_BATCH_OF_MATRICES, f32(2, 3, 1))),
    "solve/adjoint": (lambda tf, a, b: tf.linalg.solve(a, b, adjoint=True),
                      (_WELL_CONDITIONED, f32(3, 1))),
    "solve/wrong_rows": (lambda tf, a, b: tf.linalg.solve(a, b), (_WELL_CONDITIONED, f32(2, 1))),
    "matvec/default": (lambda tf, a, b: tf.linalg.matvec(a, b), (f32(2, 3), f32(3, seed=2))),
    "matvec/transpose_batch": (lambda tf, a, b: tf.linalg.matvec(a, b, transpose_a=True),
                               (f32(2, 3, 2), f32(2, 3, seed=2))),
    "trace/default": (lambda tf, a: tf.linalg.trace(a), (f32(3, 3),)),
    "trace/batch_rectangular": (lambda tf, a: tf.linalg.trace(a), (f32(2, 2, 3),)),
    "trace/int": (lambda tf: tf.linalg.trace(tf.constant([[1, 2], [3, 4]])), ()),
    "diag_part/default": (lambda tf, a: tf.linalg.diag_part(a), (f32(3, 3),)),
    "diag_part/batch_tall": (lambda tf, a: tf.linalg.diag_part(a), (f32(2, 4, 3),)),
    "diag/default": (lambda tf, d: tf.linalg.diag(d), (f32(3),)),
    "diag/batch": (lambda tf, d: tf.linalg.diag(d), (f32(2, 3),)),
    "matrix_transpose/batch": (lambda tf, a: tf.linalg.matrix_transpose(a), (f32(2, 3, 4),)),
    "adjoint/real": (lambda tf, a: tf.linalg.adjoint(a), (f32(2, 3),)),
    "eye/linalg": (lambda tf: tf.linalg.eye(2, 3), ()),
}
for _name, (_fn, _inputs) in LINALG.items():
    add_case(f"linalg.{_name}", _fn, *_inputs)

_PARAMS_234 = f32(2, 3, 4)
GATHER_ND = {
    "pairs": (lambda tf, p: tf.gather_nd(p, [[0, 1], [1, 2]]), (_PARAMS_234,)),
    "single_axis": (lambda tf, p: tf.gather_nd(p, [[1], [0], [1]]), (_PARAMS_234,)),
    "full_index": (lambda tf, p: tf.gather_nd(p, [[[0, 1, 2]], [[1, 0, 3]]]), (_PARAMS_234,)),
    "one_index_vector": (lambda tf, p: tf.gather_nd(p, [1, 2]), (_PARAMS_234,)),
    "repeated": (lambda tf, p: tf.gather_nd(p, [[0, 0], [0, 0], [1, 1]]), (_PARAMS_234,)),
    "batch_dims": (lambda tf, p: tf.gather_nd(p, [[1], [0]], batch_dims=1), (_PARAMS_234,)),
    "batch_dims_pairs": (lambda tf, p: tf.gather_nd(p, [[[1, 3], [0, 0]], [[2, 2], [0, 1]]],
                                                    batch_dims=1), (_PARAMS_234,)),
    "int_params": (lambda tf: tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[1, 0], [0, 1]]), ()),
    "int64_indices": (lambda tf, p: tf.gather_nd(p, tf.constant([[1, 2]], tf.int64)),
                      (_PARAMS_234,)),
    "out_of_range": (lambda tf, p: tf.gather_nd(p, [[5, 0]]), (_PARAMS_234,)),
    "negative": (lambda tf, p: tf.gather_nd(p, [[-1, 0]]), (_PARAMS_234,)),
    "too_deep": (lambda tf, p: tf.gather_nd(p, [[0, 0, 0, 0]]), (_PARAMS_234,)),
    "float_indices": (lambda tf, p: tf.gather_nd(p, tf.constant([[1.0]])), (_PARAMS_234,)),
}
for _name, (_fn, _inputs) in GATHER_ND.items():
    add_case(f"gather_nd/{_name}", _fn, *_inputs)

SEGMENTS = {
    "segment_sum/gaps": (lambda tf, d: tf.math.segment_sum(d, [0, 0, 2, 3]), (f32(4, 2),)),
    "segment_sum/vector": (lambda tf, d: tf.math.segment_sum(d, [0, 1, 1]), (f32(3),)),
    "segment_sum/int": (lambda tf: tf.math.segment_sum(tf.constant([[1, 2], [3, 4]]), [0, 0]),
                        ()),
    "segment_sum/unsorted_ids": (lambda tf, d: tf.math.segment_sum(d, [1, 0, 2]), (f32(3),)),
    "segment_sum/wrong_length": (lambda tf, d: tf.math.segment_sum(d, [0, 1]), (f32(3),)),
    "segment_mean/gaps": (lambda tf, d: tf.math.segment_mean(d, [0, 0, 2, 2]), (f32(4, 2),)),
    "unsorted_segment_sum/any_order": (lambda tf, d: tf.math.unsorted_segment_sum(
        d, [2, 0, 2, 1], num_segments=4), (f32(4, 3),)),
    "unsorted_segment_sum/negative_dropped": (lambda tf, d: tf.math.unsorted_segment_sum(
        d, [2, -1, 0], 3), (f32(3),)),
    "unsorted_segment_sum/ids_matrix": (lambda tf, d: tf.math.unsorted_segment_sum(
        d, [[0, 1], [1, 1]], 2), (f32(2, 2, 3),)),
    "unsorted_segment_sum/id_too_large": (lambda tf, d: tf.math.unsorted_segment_sum(
        d, [0, 5, 1], 4), (f32(3),)),
    "unsorted_segment_mean/any_order": (lambda tf, d: tf.math.unsorted_segment_mean(
        d, [1, 0, 1, 1], 3), (f32(4, 2),)),
}
for _name, (_fn, _inputs) in SEGMENTS.items():
    add_case(f"math.{_name}", _fn, *_inputs)


# ---- tf.math's other elementwise functions, its aliases, top_k; tf.slice, roll, meshgrid ------
MORE_UNARY = {"math.tan": (-1.2, 1.2), "math.atan": (-2, 2), "math.asin": (-0.9, 0.9),
              "math.acos": (-0.9, 0.9), "math.sinh": (-2, 2), "math.cosh": (-2, 2),
              "math.expm1": (-3, 3)}
for _path, (_low, _high) in MORE_UNARY.items():
    add_case(f"{_path}/r2", _unary(_path), f32(2, 3, low=_low, high=_high))
    add_case(f"{_path}/f64", _unary(_path), f64(3, low=_low, high=_high))
    add_case(f"{_path}/int32", _unary(_path), np.array([1, 0], np.int32))
add_case("math.asin/outside", _unary("math.asin"), a32([1.5, -1.0, 1.0]), grad=False)
add_case("math.expm1/tiny", _unary("math.expm1"), a32([1e-7, -1e-7, 0.0]))
add_case("math.tan/top_level", lambda tf, x: [tf.tan(x), tf.atan(x), tf.sinh(x), tf.cosh(x),
                                              tf.asin(x / 2), tf.acos(x / 2)], f32(3, low=-1,
                                                                                  high=1))
add_case("math.mod/alias", lambda tf: [tf.math.mod(tf.constant([-7, 7]), 3),
                                       tf.math.mod(tf.constant([-7.5]), 2.0)])
add_case("math.softmax/alias", lambda tf, x: [tf.math.softmax(x), tf.math.log_softmax(x, axis=0)],
         f32(2, 3))
TOP_K = {
    "default": (lambda tf, x: tf.math.top_k(x), (f32(2, 5),)),
    "k3_ties": (lambda tf, x: tf.math.top_k(x, k=3), (a32([[1.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0,
                                                                               1.0]]),)),
    "vector": (lambda tf, x: tf.nn.top_k(x, 2), (f32(6),)),
    "attributes": (lambda tf, x: [tf.math.top_k(x, 2).values, tf.math.top_k(x, 2).indices],
                   (f32(3, 4),)),
    "int": (lambda tf: tf.math.top_k(tf.constant([3, 1, 4, 1, 5]), k=2), ()),
    "int64_indices": (lambda tf, x: tf.math.top_k(x, 2, index_type=tf.int64), (f32(4),)),
    "k_too_large": (lambda tf, x: tf.math.top_k(x, k=4), (f32(2, 3),)),
    "scalar": (lambda tf: tf.math.top_k(tf.constant(1.0)), ()),
}
for _name, (_fn, _inputs) in TOP_K.items():
    add_case(f"math.top_k/{_name}", _fn, *_inputs)
REARRANGE = {
    "slice/default": (lambda tf, x: tf.slice(x, [0, 1], [2, 2]), (f32(3, 4),)),
    "slice/minus_one": (lambda tf, x: tf.slice(x, [1, 0, 2], [-1, 1, -1]), (f32(2, 3, 4),)),
    "slice/tensor_arguments": (lambda tf, x: tf.slice(x, tf.constant([1]), tf.constant([2])),
                               (f32(4),)),
    "slice/too_long": (lambda tf, x: tf.slice(x, [2], [3]), (f32(4),)),
    "slice/wrong_length": (lambda tf, x: tf.slice(x, [0], [1]), (f32(2, 3),)),
    "roll/default": (lambda tf, x: tf.roll(x, shift=2, axis=0), (f32(5),)),
    "roll/negative_axes": (lambda tf, x: tf.roll(x, shift=[1, -1], axis=[0, -1]), (f32(3, 4),)),
    "roll/same_axis_twice": (lambda tf, x: tf.roll(x, shift=[1, 2], axis=[1, 1]), (f32(2, 4),)),
    "roll/larger_than_length": (lambda tf, x: tf.roll(x, shift=7, axis=0), (f32(3),)),
    "meshgrid/xy": (lambda tf, x, y: tf.meshgrid(x, y), (f32(3), f32(2, seed=2))),
    "meshgrid/ij": (lambda tf, x, y: tf.meshgrid(x, y, indexing="ij"), (f32(3), f32(2, seed=2))),
    "meshgrid/three": (lambda tf, x, y, z: tf.meshgrid(x, y, z), (f32(2), f32(3, seed=2),
                                                                 f32(4, seed=3))),
    "meshgrid/ints": (lambda tf: tf.meshgrid(tf.range(3), tf.range(2)), ()),
}
for _name, (_fn, _inputs) in REARRANGE.items():
    add_case(_name, _fn, *_inputs)


# ---- a student's eager code, round two: variables, conversions, Keras training, tf.data --------
def _variable_habits(tf):
    v = tf.Variable([1, 2])
    w = tf.Variable(1.5)
    after = v.assign_add([1, 1])
    return [v, after, v + 1, w * 2, w.read_value(), w.value(), v[0], v.dtype.name,
            tf.Variable(np.array([1.0])).dtype.name, tf.Variable(2.0, dtype=tf.float64).dtype.name,
            tf.Variable([1, 2], dtype=tf.float32)]


def _tensor_to_python(tf):
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    rows = [row for row in t]
    return [int(tf.constant(3)), float(tf.constant(2.5)), bool(tf.constant(True)), len(t),
            rows, t.shape[0], t.shape.as_list(), tf.shape(t)[0], t.ndim, t.numpy().tolist(),
            t.dtype.is_floating, tf.constant(5).dtype.is_integer, t.shape.rank]


def _keras_fit_metrics(tf, x):
    model = tf.keras.Sequential([
        tf.keras.Input((3,)),
        tf.keras.layers.Dense(4, activation="relu", kernel_initializer=tf.constant_initializer(
            spread((3, 4), seed=8))),
        tf.keras.layers.Dense(3, kernel_initializer=tf.constant_initializer(spread((4, 3),
                                                                                 seed=9)))])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    labels = np.array([0, 1, 2, 1, 0, 2], np.int32)
    history = model.fit(x, labels, epochs=3, batch_size=4, shuffle=False, verbose=0,
                        validation_data=(x[:2], labels[:2]))
    return [sorted(history.history), tf.constant(history.history["loss"]),
            tf.constant(history.history["accuracy"]), tf.constant(history.history["val_loss"]),
            tf.constant(model.evaluate(x, labels, verbose=0)),
            {k: tf.constant(v) for k, v in model.evaluate(x, labels, verbose=0,
                                                          return_dict=True).items()}]


def _metrics_names(tf):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.ones((2, 2), np.float32), np.array([0, 1]), verbose=0)
    return model.metrics_names


def _minimize(tf):
    w = tf.Variable([1.0, -2.0])
    optimizer = tf.keras.optimizers.SGD(0.1)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w ** 2)
        optimizer.minimize(loss, [w], tape=tape)
    return [w, optimizer.iterations]


def _regularized_dense(tf, x):
    layer = tf.keras.layers.Dense(2, kernel_regularizer="l2", bias_regularizer="l1",
                                  kernel_initializer=tf.constant_initializer(spread((3, 2))),
                                  bias_initializer=tf.constant_initializer(0.5))
    out = layer(x)
    return [out, layer.losses, tf.add_n(layer.losses)]


def _model_losses_in_loop(tf, x):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
        2, kernel_regularizer="l2", kernel_initializer=tf.constant_initializer(spread((3, 2))))])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) ** 2) + tf.add_n(model.losses)
    return [loss, tape.gradient(loss, model.trainable_variables), len(model.losses)]


STUDENT_ROUND_TWO = {
    "Variable/student_habits": (_variable_habits, ()),
    "assign/student_wrong_shape": (lambda tf: tf.Variable([1.0, 2.0]).assign([1.0]), ()),
    "assign/student_wrong_dtype": (lambda tf: tf.Variable([1.0, 2.0]).assign([1, 2]), ()),
    "Tensor/student_to_python": (_tensor_to_python, ()),
    "bool/student_of_many_values": (lambda tf: bool(tf.constant([True, False])), ()),
    "constant/student_big_int": (lambda tf: [tf.constant(2 ** 31), tf.constant([1, 2 ** 40])],
                                 ()),
    "constant/student_mixed_list": (lambda tf: [tf.constant([1, 2.5]),
                                                tf.constant([True, False]),
                                                tf.constant(np.array([1, 2], np.int64)),
                                                tf.constant(3, dtype=tf.float32)], ()),
    "constant/student_float_to_int": (lambda tf: tf.constant(1.5, dtype=tf.int32), ()),
    "constant/student_ragged": (lambda tf: tf.constant([[1, 2], [3]]), ()),
    "creation/student_dtypes": (lambda tf: [tf.zeros([2], tf.int32), tf.ones_like(
        tf.constant([1, 2])), tf.fill([2], 7), tf.fill([2], 7.0), tf.range(5) / 2,
        tf.range(3, dtype=tf.float32) * 0.5, tf.zeros_like([1.5]), tf.eye(2, dtype=tf.int32)],
                                ()),
    "keras.Sequential/student_fit_metrics": (_keras_fit_metrics, (f32(6, 3),)),
    "keras.Model/metrics_names": (_metrics_names, ()),
    "keras.optimizers.SGD/student_minimize": (_minimize, ()),
    "keras.layers.Dense/student_regularizers": (_regularized_dense, (f32(2, 3),)),
    "keras.Sequential/student_losses_in_loop": (_model_losses_in_loop, (f32(4, 3),)),
    "keras.regularizers/student_classes": (lambda tf, x: [
        tf.keras.regularizers.L2(0.1)(x), tf.keras.regularizers.L1(0.2)(x),
        tf.keras.regularizers.L1L2(l1=0.1, l2=0.3)(x), tf.keras.regularizers.l1_l2()(x),
        tf.keras.regularizers.l2(0.5)(x), tf.keras.regularizers.get("l2").get_config(),
        tf.keras.regularizers.l1_l2(0.5, 0.25).get_config(),
        tf.keras.regularizers.serialize(tf.keras.regularizers.L2(0.5))["config"],
        tf.keras.regularizers.deserialize({"class_name": "L1", "config": {"l1": 0.5}})(x),
        tf.keras.regularizers.get(None)], (f32(2, 3),)),
    "keras.regularizers.get/student_unknown_name": (lambda tf: tf.keras.regularizers.get("l3"), ()),
    "keras.regularizers.L2/student_negative": (lambda tf: tf.keras.regularizers.L2(-1.0), ()),
}
for _name, (_fn, _inputs) in STUDENT_ROUND_TWO.items():
    add_case(_name, _fn, *_inputs, grad=False, rtol=1e-4, atol=1e-5)

STUDENT_DATA_TWO = {
    "numpy_float64_kept": lambda tf: [e.dtype.name for e in next(iter(
        tf.data.Dataset.from_tensor_slices((np.ones((3, 2)), np.arange(3))).batch(2)))],
    "map_cast_scale": lambda tf: _elements(tf.data.Dataset.from_tensor_slices(
        (np.array([[0, 255], [128, 64]], np.uint8), np.array([1, 0]))).map(
        lambda x, y: (tf.cast(x, tf.float32) / 255.0, y)).batch(2)),
    "iter_next": lambda tf: (lambda it: [next(it), next(it)])(iter(
        tf.data.Dataset.range(5).batch(2))),
    "numpy_iterator_dict": lambda tf: list(tf.data.Dataset.from_tensor_slices(
        {"a": [1, 2], "b": [0.5, 1.5]}).as_numpy_iterator()),
    "take_twice_same": lambda tf: (lambda d: [_elements(d), _elements(d)])(
        tf.data.Dataset.range(6).take(3)),
    "batch_unbatch": lambda tf: _elements(tf.data.Dataset.range(5).batch(2).unbatch()),
    "element_spec_dict": lambda tf: sorted((k, repr(v.dtype), v.shape.as_list())
                                           for k, v in tf.data.Dataset.from_tensor_slices(
        {"a": [[1, 2]], "b": [0.5]}).batch(4).element_spec.items()),
    "reduce_sum_batches": lambda tf: tf.data.Dataset.range(6).batch(4).reduce(
        np.int64(0), lambda s, b: s + tf.reduce_sum(b)),
    "filter_after_batch": lambda tf: _elements(tf.data.Dataset.range(7).batch(3).filter(
        lambda b: tf.shape(b)[0] == 3)),
    "map_returns_dict": lambda tf: _elements(tf.data.Dataset.range(2).map(
        lambda x: {"x": x, "double": x * 2})),
    "zip_nested": lambda tf: _elements(tf.data.Dataset.zip(
        (tf.data.Dataset.range(2), (tf.data.Dataset.range(2, 4), tf.data.Dataset.range(4, 6))))),
    "repeat_none_take": lambda tf: _elements(tf.data.Dataset.range(2).repeat().take(5)),
    "batch_zero": lambda tf: tf.data.Dataset.range(3).batch(0),
}
for _name, _fn in STUDENT_DATA_TWO.items():
    add_case(f"data.Dataset/student_{_name}", _fn, grad=False, op="batch")


# ---- training loops from scratch (Keras 3's guide) and the advanced autodiff guide ------------
def _optimizer_apply(tf):
    w, b = tf.Variable([1.0, -2.0]), tf.Variable(0.5)
    optimizer = tf.keras.optimizers.Adam(0.1)
    for _ in range(2):
        optimizer.apply([tf.constant([0.5, 0.25]), tf.constant(1.0)], [w, b])
    return [w, b, optimizer.iterations]


def _add_loss_layer(tf, x):
    class ActivityPenalty(tf.keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.1 * tf.reduce_sum(inputs ** 2))
            return inputs * 2.0

    model = tf.keras.Sequential([tf.keras.Input((3,)), ActivityPenalty()])
    first = model(x)
    losses_once = list(model.losses)
    model(x)
    return [first, losses_once, len(model.losses)]


def _tape_unconnected_string(tf, x):
    other = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * 2.0)
    return tape.gradient(y, [x, other], unconnected_gradients="zero")


def _jacobian_no_pfor(tf, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, experimental_use_pfor=False)


STUDENT_LOOPS = {
    "keras.optimizers.Adam/student_apply": (_optimizer_apply, ()),
    "keras.layers.Layer/student_add_loss": (_add_loss_layer, (f32(2, 3),)),
    "keras.metrics.Mean/student_reset_states_keras2": (lambda tf: (lambda m: (
        m.update_state([1.0, 3.0]), m.reset_states(), m.result())[-1])(tf.keras.metrics.Mean()),
                                                       ()),
    "GradientTape/student_unconnected_zero_string": (_tape_unconnected_string, (f32(2),)),
    "GradientTape/student_jacobian_without_pfor": (_jacobian_no_pfor, (f32(3),)),
}
for _name, (_fn, _inputs) in STUDENT_LOOPS.items():
    add_case(_name, _fn, *_inputs, grad=False, op=_name.split("/")[0].split(".")[-1])


# ---- functional models reused: a layer's output as another model's, model.input; int ranges ---
def _feature_extractor(tf, x):
    inputs = tf.keras.Input(shape=(3,), name="features")
    hidden = tf.keras.layers.Dense(4, activation="relu", name="hidden",
                                   kernel_initializer=tf.constant_initializer(spread((3, 4))))(
        inputs)
    outputs = tf.keras.layers.Dense(2, name="head", kernel_initializer=tf.constant_initializer(
        spread((4, 2), seed=2)))(hidden)
    model = tf.keras.Model(inputs, outputs)
    extractor = tf.keras.Model(model.input, model.get_layer("hidden").output)
    again = tf.keras.Model(inputs=model.inputs, outputs=model.layers[-1].output)
    return [extractor(x), again(x), model.output.shape, model.get_layer("head").input.shape,
            len(extractor.trainable_variables)]


def _functional_of_sequential(tf, x):
    base = tf.keras.Sequential([tf.keras.layers.Dense(
        3, activation="tanh", kernel_initializer=tf.constant_initializer(spread((2, 3))))])
    inputs = tf.keras.Input(shape=(2,))
    outputs = tf.keras.layers.Dense(1, kernel_initializer="ones")(base(inputs))
    model = tf.keras.Model(inputs, outputs)
    return [model(x), len(model.trainable_variables), [type(l).__name__ for l in model.layers]]


add_case("keras.Model/student_feature_extractor", _feature_extractor, f32(2, 3), grad=False)
add_case("keras.Model/student_functional_of_sequential", _functional_of_sequential, f32(2, 2),
         grad=False)
INT_RANGES = {
    "add/student_int8_python_int_too_big": lambda tf: tf.constant(1, tf.int8) + 1000,
    "subtract/student_uint8_wraps": lambda tf: tf.constant([1, 2], tf.uint8) - tf.constant(
        [3, 1], tf.uint8),
    "cast/student_negative_to_uint8": lambda tf: tf.cast(tf.constant([-1, 256]), tf.uint8),
    "constant/student_negative_uint8": lambda tf: tf.constant(-1, tf.uint8),
    "multiply/student_int32_overflow": lambda tf: tf.constant(2 ** 30) * 4,
}
for _name, _fn in INT_RANGES.items():
    add_case(_name, _fn, grad=False)


def _sequential_feature_extractor(tf, x):
    initial = tf.keras.Sequential([
        tf.keras.Input(shape=(3,)),
        tf.keras.layers.Dense(4, activation="relu", kernel_initializer=tf.constant_initializer(
            spread((3, 4)))),
        tf.keras.layers.Dense(3, activation="relu", name="my_intermediate_layer",
                              kernel_initializer=tf.constant_initializer(spread((4, 3), seed=2))),
        tf.keras.layers.Dense(1, kernel_initializer=tf.constant_initializer(spread((3, 1),
                                                                                 seed=3)))])
    every = tf.keras.Model(inputs=initial.inputs,
                           outputs=[layer.output for layer in initial.layers])
    one = tf.keras.Model(inputs=initial.inputs,
                         outputs=initial.get_layer(name="my_intermediate_layer").output)
    return [every(x), one(x)]


add_case("keras.Sequential/student_feature_extraction", _sequential_feature_extractor, f32(2, 3),
         grad=False)
add_case("keras.Sequential/student_inputs_before_build", lambda tf: hasattr(
    tf.keras.Sequential([tf.keras.layers.Dense(2)]), "inputs"), grad=False)

from . import cases_custom_gradient  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_guides  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_first_weeks  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_gaps  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_rules  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_optimizer_args  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_keras_rules  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_activations  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_optimizer_matrix  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_lecture_surface  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_lecture_training  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_lecture_arguments  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_tapes  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_lecture_mnist  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_lecture_mnist_callbacks  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_keras_surface  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_tensor_surface  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_lecture_fourth  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_tensor_fourth  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_error_classes  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_docs_guides  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_printed  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_generator_specs  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_conv_transpose  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_softmax_bits  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_map_specs  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_tutorials_next  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_csv  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_schedule_arrays  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_schedule_dtypes  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_strings  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_adam_bits  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_edge_gradients  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_edge_dtypes  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_edge_shapes  # noqa: E402,F401  (registers its cases into CASES)
from . import cases_edge_tapes  # noqa: E402,F401  (registers its cases into CASES)
