"""The dtype kinds TF's kernels accept, checked around numpy forwards.

numpy computes exp of ints in float64, `and` of ints bitwise and max of bools as `or`;
TF's kernels refuse those dtypes. Op rows (ops/math.py, ops/compare.py, ops/nn.py) wrap
their forwards in one of these checks, so the refusal names the op and the cast that
would fix it.
"""
from __future__ import annotations

import numpy as np

from ..errors import CHECKED_IN_PYTHON, DTypeError, attr_words, kernel_words


def _kinds_only(name: str, forward, kinds: str, expected: str, arity: int = 1):
    """`forward`, refusing inputs whose dtype is not of `kinds` (numpy's kind letters), as
    TF's kernels refuse them (numpy would compute exp(int) in float64, or `and` on ints).
    The check is inline: it costs ~0.1 us a call, a call of a checking function twice that;
    a numpy scalar of an accepted type passes on its type alone (reading a scalar's
    `.dtype.kind` costs more than the op)."""
    def refuse(array, index=0):
        from ..string_values import math_refusal   # (its imports import the ops)
        refused = math_refusal(name, (array,))
        if refused is not None:
            return refused
        got = array.dtype.name
        tf_words = kernel_words(name, index, "bool", got) if kinds == "b" else attr_words(got)
        return DTypeError(name, f"expected {expected} tensors; got dtype {got}{tf_words}",
                          hint=f"convert it first: tf.cast(x, tf.{_CAST_TO[kinds]})")

    accepted = _SCALAR_TYPES[kinds]
    if arity == 1:
        def checked(x):
            if type(x) not in accepted and x.dtype.kind not in kinds:
                raise refuse(x)
            return forward(x)
    else:
        def checked(x, y):
            if (type(x) not in accepted and x.dtype.kind not in kinds) \
                    or (type(y) not in accepted and y.dtype.kind not in kinds):
                raise refuse(x) if x.dtype.kind not in kinds else refuse(y, 1)
            return forward(x, y)
    return checked


_CAST_TO = {"f": "float32", "b": "bool", "iuf": "float32", "if": "int32"}
# kinds -> the numpy scalar types of those kinds (what 0-d values are)
_SCALAR_TYPES = {kinds: frozenset(t for t in np.sctypeDict.values()
                                  if np.dtype(t).kind in kinds)
                 for kinds in _CAST_TO}


def _floats_only(name: str, forward):
    return _kinds_only(name, forward, "f", "floating (float16/32/64)")


def _numbers_only(name: str, forward, arity: int = 1):
    """`forward`, refusing bools as TF's kernels do (numpy reads max of bools as or)."""
    return _kinds_only(name, forward, "iuf", "numeric (int or float)", arity)


def _signed_only(name: str, forward):
    """`forward`, refusing unsigned ints and bools, as TF's Abs, Neg and Sign kernels do
    (numpy's -uint8(1) wraps to 255)."""
    return _kinds_only(name, forward, "if", "signed numeric (int8/16/32/64 or float)")


def _bools_only(name: str, forward, arity: int = 1):
    return _kinds_only(name, forward, "b", "bool", arity)


def refused_bools(name: str) -> DTypeError:
    tf_words = "" if name in CHECKED_IN_PYTHON else attr_words("bool")
    return DTypeError(name, f"expected numeric tensors; got dtype bool{tf_words}",
                      hint="use tf.logical_and / tf.logical_or, or tf.cast(x, tf.int32)")
