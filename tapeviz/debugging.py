"""`tapeviz.debugging`: TensorFlow's eager assertions and numeric checks.

In eager mode each check runs at once and raises `InvalidArgumentError` (a ValueError)
that names the check, the values and the user's line; on success it returns None (or
the checked tensor, for `check_numerics` and `assert_all_finite`, as TF does).
"""
from __future__ import annotations

import numbers

import numpy as np

from .coverage import missing as _missing
from .creation import convert_to_tensor
from .errors import (DTypeError, InvalidArgumentError, KernelDTypeError, attr_words, bad_argument,
                     incompatible_shapes, kernel_words)
from .nonfinite import counted, nonfinite_counts


def _values(x) -> np.ndarray:
    return np.asarray(convert_to_tensor(x).numpy())


def _fail(check: str, message, condition: str, *, tail: str = "",
          **shown) -> InvalidArgumentError:
    values = ", ".join(f"{name} = {_summary(value)}" for name, value in shown.items())
    prefix = f"{message}: " if message else ""
    return InvalidArgumentError(check, f"{prefix}Condition {condition} did not hold. "
                                       f"{values}{tail}")


def _summary(value, limit: int = 10) -> str:
    flat = np.asarray(value).reshape(-1)
    text = " ".join(str(v) for v in flat[:limit])
    return f"[{text}{' ...' if flat.size > limit else ''}]"


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raise InvalidArgumentError unless x == y elementwise (with broadcasting).

    >>> import tapeviz as tf
    >>> tf.debugging.assert_equal(tf.constant([1, 2]).shape, (2,))
    """
    a, b = _values(x), _values(y)   # each converted alone, as TF does: 1 is int32, 1.0 float32
    if a.dtype != b.dtype:
        tf_words = kernel_words("equal", 1, a.dtype.name, b.dtype.name)
        raise KernelDTypeError("assert_equal", f"x and y must have the same dtype; got x "
                                               f"{a.dtype} and y {b.dtype}{tf_words}",
                               hint=f"cast one to the other's: tf.cast(y, tf.{a.dtype})")
    try:
        equal = np.all(np.equal(a, b))
    except ValueError:   # shapes that do not broadcast
        raise _fail("assert_equal", message, "x == y", x=a, y=b,
                    tail=incompatible_shapes(a.shape, b.shape)) from None
    if not equal:
        raise _fail("assert_equal", message, "x == y", x=a, y=b)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raise unless |x - y| <= atol + rtol * |y| elementwise (TF's float32 defaults: 1e-6*10)."""
    a, b = _values(x), _values(y)
    eps = np.finfo(a.dtype).eps if a.dtype.kind == "f" else 0.0
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    if not np.all(np.abs(a - b) <= atol + rtol * np.abs(b)):
        raise _fail("assert_near", message, "x and y are close", x=a, y=b)


def assert_rank(x, rank, message=None, name=None):
    """Raise unless `x` has rank `rank`."""
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        given, rank = rank, np.asarray(_values(rank))   # a rank given as a tensor, as TF allows
        if rank.shape != () or rank.dtype.kind not in "iu":
            raise bad_argument("assert_rank", "rank", "an int (or a scalar int tensor)", given)
    actual = np.ndim(_values(x))
    if actual != int(rank):
        raise InvalidArgumentError("assert_rank", f"{message + ': ' if message else ''}expected "
                                   f"a tensor of rank {int(rank)}; got rank {actual} "
                                   f"(shape {np.shape(_values(x))})")


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Raise unless each (tensor, shape) pair fits; named dimensions must agree across pairs.

    >>> import tapeviz as tf
    >>> tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", 3)), (tf.zeros([2]), ("N",))])
    """
    sizes: dict = {}
    for pair in shapes:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or \
                not isinstance(pair[1], (tuple, list)):
            raise bad_argument("assert_shapes", "shapes", "a list of (tensor, shape) pairs, "
                               "each shape a tuple, e.g. [(x, ('N', 3)), (y, ('N',))]", pair,
                               DTypeError)
        tensor, expected = pair
        actual = np.shape(_values(tensor))
        expected = tuple(expected)
        if len(actual) != len(expected):
            raise InvalidArgumentError("assert_shapes", f"expected rank {len(expected)} "
                                       f"(shape {expected}); got shape {actual}")
        for dim, want in zip(actual, expected):
            if isinstance(want, str) and want not in (".", "*"):
                want = sizes.setdefault(want, dim)
            if isinstance(want, int) and want != dim:
                raise InvalidArgumentError("assert_shapes", f"{message + ': ' if message else ''}"
                                           f"expected shape {expected} (with "
                                           f"{sizes or 'no named dimensions'}); got {actual}")


def assert_all_finite(t, message, name=None):
    """Return `t`, or raise if it holds NaN or Inf."""
    return check_numerics(t, message)


def check_numerics(tensor, message, name=None):
    """Return `tensor`, or raise InvalidArgumentError naming how many NaN and Inf it holds."""
    tensor = convert_to_tensor(tensor)
    values = np.asarray(tensor.numpy())
    if values.dtype.kind != "f":   # as TF's kernel: integers hold no NaN to check
        raise KernelDTypeError("check_numerics", f"tensor must be floating (float16/32/64); "
                                                 f"got {values.dtype}"
                                                 f"{attr_words(values.dtype.name)}")
    if not np.all(np.isfinite(values)):
        had = counted(*nonfinite_counts(values))   # '1 Inf', as a NaN origin counts them
        raise InvalidArgumentError("check_numerics", f"{message} : Tensor had {had} (of "
                                   f"{values.size} values, shape {values.shape})")
    return tensor


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """Raise InvalidArgumentError at the first op (forward or in a VJP) that makes NaN or Inf.

    The error names the op, the phase, the user's line, the counts, why in words (e.g. "1 of
    4 inputs were 0 (log(0) = -inf)"), a summary of each input, and the usual fix as its
    hint. Calling it twice is the same as once.

    >>> import tapeviz as tf
    >>> tf.debugging.enable_check_numerics()
    >>> try:
    ...     _ = tf.math.log(tf.constant([-1.0]))
    ... except tf.errors.InvalidArgumentError as error:
    ...     print(str(error).splitlines()[0].split(" (")[0])
    log: produced nan in the forward pass
    >>> tf.debugging.disable_check_numerics()
    """
    from . import events
    from .debugger.numerics import check_op
    if check_op not in events.subscribers():
        events.subscribe(check_op)


def disable_check_numerics():
    """Stop checking op outputs for NaN and Inf (no-op when not enabled)."""
    from . import events
    from .debugger.numerics import check_op
    events.unsubscribe(check_op)


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing("debugging", __name__, name)


__all__ = ["assert_all_finite", "assert_equal", "assert_near", "assert_rank", "assert_shapes",
           "check_numerics", "disable_check_numerics", "enable_check_numerics"]


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
