"""`tapeviz.random`: TensorFlow's `tf.random` functions over the random rows.

Draws come from one module-level generator (`ops/random.py`), reset by `set_seed`.
As in TF, `normal` and `uniform` are a standard draw scaled and shifted by ordinary
ops, so gradients flow to a `mean`, `stddev`, `minval` or `maxval` given as a tensor
(the reparameterization trick); with the default Python numbers no op is added.
"""
from __future__ import annotations

import numbers

import numpy as np

from .candidate_sampling import log_uniform_candidate_sampler
from .coverage import missing as _missing
from . import arguments
from . import dtypes as _dtypes
from .errors import DTypeError, DTypeValueError, InvalidArgumentError, describe
from .ops import random as _r
from .ops.random import set_seed
from .tensor import Tensor

__all__ = ["categorical", "log_uniform_candidate_sampler", "normal", "set_seed", "shuffle",
           "truncated_normal", "uniform"]


def _float_dtype(op: str, dtype) -> str:
    dtype = arguments.dtype(op, "dtype", dtype, optional=False)
    if not dtype.is_floating:
        raise DTypeError(op, f"dtype must be a floating type (float16/32/64); got {dtype.name}")
    return dtype.name


def _draw_shape(op: str, shape) -> tuple:
    """The shape of a draw: a list of ints. TF's random ops take no bare number there (where
    tf.zeros(3) means [3], tf.random.normal(3) is an error in TF), so neither does tapeviz."""
    if arguments.ndim(shape) == 0:
        raise InvalidArgumentError(op, f"shape must be a list of ints (a vector), not a "
                                       f"scalar; got {describe(shape)}",
                                   hint=f"tf.random.{op}([n]) draws n values, "
                                        f"tf.random.{op}([]) one scalar")
    return arguments.shape(op, "shape", shape)


def _is(value, number) -> bool:
    return isinstance(value, numbers.Number) and value == number


def _scaled(draws, scale, shift):
    """draws * scale + shift, skipping the identity cases so the graph stays small."""
    if not _is(scale, 1):
        draws = draws * scale
    if not _is(shift, 0):
        draws = draws + shift
    return draws


def normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Values drawn from a normal distribution with this mean and standard deviation.

    >>> import tapeviz as tf
    >>> tf.random.set_seed(0)
    >>> a = tf.random.normal([2, 3])
    >>> tf.random.set_seed(0)
    >>> bool(tf.reduce_all(a == tf.random.normal([2, 3])))
    True
    """
    draws = _r.random_standard_normal(shape=_draw_shape("normal", shape),
                                      dtype=_float_dtype("normal", dtype),
                                      seed=arguments.seed("normal", seed))
    return _scaled(draws, stddev, mean)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal values, each farther than 2 standard deviations from the mean drawn again.

    >>> import tapeviz as tf
    >>> bool(tf.reduce_max(tf.abs(tf.random.truncated_normal([1000]))) <= 2.0)
    True
    """
    draws = _r.truncated_normal(shape=_draw_shape("truncated_normal", shape),
                                dtype=_float_dtype("truncated_normal", dtype),
                                seed=arguments.seed("truncated_normal", seed))
    return _scaled(draws, stddev, mean)


def uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """Values drawn uniformly from [minval, maxval); integer dtypes need `maxval`.

    >>> import tapeviz as tf
    >>> x = tf.random.uniform([100], minval=2, maxval=5, dtype=tf.int32)
    >>> bool(tf.reduce_min(x) >= 2) and bool(tf.reduce_max(x) < 5)
    True
    """
    dtype = arguments.dtype("uniform", "dtype", dtype, optional=False)
    shape = _draw_shape("uniform", shape)
    if dtype.is_integer:
        if maxval is None:
            raise InvalidArgumentError("uniform", f"maxval must be given for integer dtype "
                                                  f"{dtype.name}",
                                       hint="e.g. tf.random.uniform(shape, 0, 10, tf.int32)")
        low, high = _int_bound("minval", minval), _int_bound("maxval", maxval)
        if low >= high:
            raise InvalidArgumentError("uniform", f"minval must be less than maxval; got "
                                                  f"minval={low}, maxval={high}")
        return _r.random_uniform_int(shape=shape, minval=low, maxval=high, dtype=dtype.name,
                                     seed=arguments.seed("uniform", seed))
    draws = _r.random_uniform(shape=shape, dtype=_float_dtype("uniform", dtype),
                              seed=arguments.seed("uniform", seed))
    minval, maxval = (value if isinstance(value, Tensor) else
                      arguments.array_of("uniform", name, value, dtype._np)
                      for name, value in (("minval", minval), ("maxval", 1 if maxval is None
                                                                else maxval)))
    return _scaled(draws, maxval if _is(minval, 0) else maxval - minval, minval)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """`num_samples` class ids per row of `logits` (batch, classes), each drawn with
    probability softmax(logits) (a char model's next character).

    >>> import tapeviz as tf
    >>> tf.random.categorical([[0.0, float("-inf")]], 3).numpy().tolist()
    [[0, 0, 0]]
    """
    op = "categorical"
    logits = arguments.tensor_of(op, "logits", logits)
    if logits.ndim != 2 or not logits.dtype.is_floating:
        raise InvalidArgumentError(op, f"logits must be a float matrix (batch, classes); got "
                                       f"{describe(logits)}",
                                   hint="one row of logits: tf.expand_dims(logits, 0)")
    out = _dtypes.int64 if dtype is None else arguments.dtype(op, "dtype", dtype)
    if out not in (_dtypes.int32, _dtypes.int64):
        raise DTypeValueError(op, f"dtype must be tf.int32 or tf.int64; got {out!r}")
    return _r.random_categorical(logits, num_samples=arguments.count(op, "num_samples",
                                                                     num_samples),
                                 dtype=out.name, seed=arguments.seed(op, seed))


def _int_bound(name: str, value) -> int:
    entries = arguments.int_entries(value)
    if entries is None or arguments.ndim(value) != 0:
        raise DTypeError("uniform", f"{name} must be an integer scalar for an integer dtype; "
                                    f"got {value!r}")
    return entries[0]


def shuffle(value, seed=None, name=None):
    """`value` with its first axis randomly permuted (a new tensor; rows stay intact); a
    scalar comes back as it is, as in TF.

    >>> import tapeviz as tf
    >>> sorted(tf.random.shuffle([3, 1, 2]).numpy().tolist())
    [1, 2, 3]
    """
    return _r.random_shuffle(value, seed=arguments.seed("shuffle", seed))


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('random', __name__, name)


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
