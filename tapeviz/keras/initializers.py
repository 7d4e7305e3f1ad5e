"""`tapeviz.keras.initializers`: how layers fill new weights, with Keras's defaults and rules.

Each initializer is called as `init(shape, dtype)` and returns a tensor made by
`tapeviz.random` ops (so draws repeat after `tf.random.set_seed` and the debugger
sees them). Fan-in and fan-out follow Keras: a conv kernel's fans are its
receptive field size times its input or output channels.
"""
from __future__ import annotations

import math

import numpy as np

from .. import random as _random
from .. import creation as _creation
from ..errors import OpError, unknown_name as _unknown_name
from . import backend

# stddev of a standard normal truncated to [-2, 2]: scales truncated draws back to 1
_TRUNCATED_STDDEV = 0.87962566103423978


def _dtype(dtype):
    return backend.floatx() if dtype is None else dtype


def compute_fans(shape) -> tuple:
    """(fan_in, fan_out) of a weight shape, by Keras's rules.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: subclasses define `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (Keras's default for biases)."""

    def __call__(self, shape, dtype=None, **kwargs):
        return _creation.zeros(shape, dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None, **kwargs):
        return _creation.ones(shape, dtype=_dtype(dtype))


class Constant(Initializer):
    """`value` broadcast to the shape (Keras 3's rule: a scalar fills it, a row repeats).

    >>> Constant(2.5)((2,)).numpy()
    array([2.5, 2.5], dtype=float32)
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        from ..ops.assign import cast
        from ..ops.shape import broadcast_to
        return broadcast_to(cast(_creation.constant(self.value), _dtype(dtype)), list(shape))

    def get_config(self) -> dict:
        return {"value": self.value}


class ConstantInitializer(Constant):
    """TF 2's `tf.constant_initializer`: a scalar fills the shape, and values as many as the
    shape holds are laid into it in order (TF's `tf.constant(value, dtype, shape)`, so with no
    dtype the value's own: int32 for ints), where Keras's Constant would broadcast.

    >>> ConstantInitializer([1, 2, 3, 4])((2, 2)).numpy().tolist()
    [[1, 2], [3, 4]]
    """

    def __call__(self, shape, dtype=None, **kwargs):
        try:
            return _creation.constant(self.value, dtype, shape=list(shape))
        except OpError as error:   # said as the initializer the user called
            raise type(error)("constant_initializer", error.detail, error.hint) from None


class RandomNormal(Initializer):
    """Draws from N(mean, stddev**2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, **kwargs):
        return _random.normal(shape, self.mean, self.stddev, dtype=_dtype(dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal draws, each beyond two standard deviations drawn again."""

    def __call__(self, shape, dtype=None, **kwargs):
        return _random.truncated_normal(shape, self.mean, self.stddev, dtype=_dtype(dtype),
                                        seed=self.seed)


class RandomUniform(Initializer):
    """Draws from U[minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, **kwargs):
        return _random.uniform(shape, self.minval, self.maxval, dtype=_dtype(dtype),
                               seed=self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws with variance scale / n, n the fan-in, fan-out or their mean (`mode`).

    >>> import tapeviz as tf
    >>> w = VarianceScaling(2.0, "fan_in", "uniform")((1000, 10))
    >>> bool(tf.reduce_max(tf.abs(w)) <= (3 * 2.0 / 1000) ** 0.5)
    True
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive; got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg'; "
                             f"got {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None, **kwargs):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        dtype = _dtype(dtype)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return _random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return _random.normal(shape, 0.0, math.sqrt(variance), dtype=dtype, seed=self.seed)
        stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
        return _random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "U[-l, l] with l = sqrt(6 / (fan_in + fan_out)) (Keras's default).")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "Truncated normal with stddev sqrt(2 / fan_in).")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform",
                    "U[-l, l] with l = sqrt(6 / fan_in).")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal with stddev sqrt(1 / fan_in).")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform",
                       "U[-l, l] with l = sqrt(3 / fan_in).")


class Orthogonal(Initializer):
    """An orthogonal matrix (the Q of a normal draw's QR), times `gain`: the recurrent kernels'
    default, so repeated steps neither grow nor shrink the state at first."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None, **kwargs):
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise OpError("Orthogonal", f"needs a shape of rank >= 2; got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        draw = _random.normal((max(rows, cols), min(rows, cols)), seed=self.seed,
                              dtype="float64").numpy()
        q, r = np.linalg.qr(draw)
        q = q * np.sign(np.diag(r))   # a uniform draw over orthogonal matrices (Keras's rule)
        if rows < cols:
            q = q.T
        return _creation.constant((self.gain * q).reshape(shape), dtype=_dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


# Keras's lower-case aliases
zeros, ones = Zeros, Ones
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform = HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
constant = Constant
orthogonal = Orthogonal

_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "normal": RandomNormal, "uniform": RandomUniform,   # Keras's short names (Embedding's)
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
}
_BY_NAME.update({cls.__name__: cls for cls in list(_BY_NAME.values())})
_BY_NAME["ConstantInitializer"] = ConstantInitializer   # tf.constant_initializer's configs


def serialize(initializer) -> dict:
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config: dict) -> Initializer:
    return get(config)


def get(identifier):
    """An initializer from a name ("glorot_uniform", "HeNormal", ...), a config dict, an
    instance or any callable `f(shape, dtype)`; None stays None.

    >>> get("he_normal")
    HeNormal(seed=None)
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier]()
        except KeyError:
            raise _unknown_name("initializer", "Unknown initializer", identifier,
                               [k for k in _BY_NAME if k.islower()]) from None
    if isinstance(identifier, dict):
        cls = _BY_NAME[identifier["class_name"]]
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret initializer identifier: {identifier!r}")


__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Initializer",
           "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal",
           "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros", "constant",
           "deserialize", "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
           "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal",
           "random_uniform", "serialize", "truncated_normal", "zeros"]


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
