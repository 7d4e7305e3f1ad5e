"""Random ops and the one place that holds the random state.

The rows have no tensor inputs (shape, dtype and seed are params), so they never land
on a tape but still go through dispatch, where the debugger sees them. The state is a
module-level numpy `Generator`, reset by `set_seed`: after `set_seed(s)` the same calls
give the same values. An op-level `seed` follows TF's eager rules: each call with the
same op seed gives new values, and the sequence restarts at the next `set_seed`.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from .registry import defop

# TF's DEFAULT_GRAPH_SEED: used with an op seed when no global seed was set
_DEFAULT_GLOBAL_SEED = 87654321


class _RandomState:
    def __init__(self):
        self.global_seed = None
        self.generator = np.random.default_rng()
        self.op_seed_calls: dict[int, int] = {}


_state = _RandomState()


def set_seed(seed) -> None:
    """Reset the global random state so later random ops repeat their values."""
    _state.global_seed = arguments.seed("set_seed", seed)
    _state.generator = np.random.default_rng(
        None if seed is None else _state.global_seed & 0xFFFFFFFFFFFFFFFF)  # TF's are int64
    _state.op_seed_calls = {}


def seed_words(seed=None) -> list:
    """Seed words for one random stream under TF's rules.

    An op seed with no global seed uses TF's default global seed; a global seed with no
    op seed draws the op seed from the global generator (so it repeats after
    `set_seed`); with neither, every run gets fresh entropy.
    """
    if seed is not None:
        global_seed = _DEFAULT_GLOBAL_SEED if _state.global_seed is None else _state.global_seed
        return [global_seed, int(seed) & 0xFFFFFFFF]
    if _state.global_seed is not None:
        return [_state.global_seed, int(_state.generator.integers(2**32))]
    return [int(np.random.SeedSequence().entropy)]


def generator(seed=None) -> np.random.Generator:
    """The numpy Generator an op draws from: the global one, or one for an op-level seed."""
    if seed is None:
        return _state.generator
    calls = _state.op_seed_calls.get(seed, 0)
    _state.op_seed_calls[seed] = calls + 1
    return np.random.default_rng(seed_words(seed) + [calls])


def _standard_normal(*, shape, dtype, seed):
    return generator(seed).standard_normal(shape).astype(dtype)


def _truncated_normal(*, shape, dtype, seed):
    """Standard normal values, each beyond 2 standard deviations drawn again."""
    rng = generator(seed)
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return values.astype(dtype)


def _uniform(*, shape, dtype, seed):
    return generator(seed).random(shape).astype(dtype)


def _uniform_int(*, shape, minval, maxval, dtype, seed):
    return generator(seed).integers(minval, maxval, size=shape).astype(dtype)


def _keep_mask(*, shape, rate, dtype, seed):
    return (generator(seed).random(shape) >= rate).astype(dtype)


def _shuffle(value, *, seed):
    # permutation(5) would be a shuffled range(5): a scalar has no axis to permute, as in TF
    return generator(seed).permutation(value) if np.ndim(value) else value


def _categorical(logits, *, num_samples, dtype, seed):
    """Class ids drawn from each row's softmax: the first class whose cumulative probability
    passes a uniform draw (a -inf logit is never drawn)."""
    shifted = np.asarray(logits, np.float64)
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    cumulative = np.cumsum(np.exp(shifted), axis=1)
    draws = generator(seed).random((shifted.shape[0], num_samples)) * cumulative[:, -1:]
    ids = (draws[:, :, None] >= cumulative[:, None, :]).sum(axis=-1)
    return np.minimum(ids, shifted.shape[1] - 1).astype(dtype)


_DRAW = {"shape": (2, 3), "dtype": "float64", "seed": None}

random_standard_normal = defop(
    "random_standard_normal", _standard_normal, kind="random", label="N(0,1)", nondiff=True,
    samples=(((), _DRAW),), doc="Draws from the standard normal distribution.")
truncated_normal = defop(
    "truncated_normal", _truncated_normal, kind="random", label="N(0,1)|2σ", nondiff=True,
    samples=(((), _DRAW),), doc="Standard normal draws, re-drawn beyond 2 standard deviations.")
random_uniform = defop(
    "random_uniform", _uniform, kind="random", label="U[0,1)", nondiff=True,
    samples=(((), _DRAW),), doc="Draws from the uniform distribution on [0, 1).")
random_uniform_int = defop(
    "random_uniform_int", _uniform_int, kind="random", label="U{a..b}", nondiff=True,
    samples=(((), {"shape": (2, 3), "minval": 0, "maxval": 5, "dtype": "int32", "seed": None}),),
    doc="Integers drawn uniformly from [minval, maxval).")
dropout_mask = defop(
    "dropout_mask", _keep_mask, kind="random", label="keep mask", nondiff=True,
    samples=(((), {"shape": (2, 3), "rate": 0.5, "dtype": "float64", "seed": None}),),
    doc="1 with probability 1 - rate, else 0: which values dropout keeps.")
random_shuffle = defop(
    "random_shuffle", _shuffle, kind="random", label="shuffle", nondiff=True,
    samples=((((4, 2),), {"seed": None}),),
    doc="The value with its first axis randomly permuted.")
random_categorical = defop(
    "random_categorical", _categorical, kind="random", label="categorical", nondiff=True,
    samples=((((2, 3),), {"num_samples": 4, "dtype": "int64", "seed": None}),),
    doc="Class ids drawn from the softmax of each row of logits.")
