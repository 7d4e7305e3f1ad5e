"""The cardinalities tf.data gives a dataset whose number of elements is not a count, and the
counts tf.data's transformations take."""
from __future__ import annotations

from .. import arguments
from ..errors import InvalidArgumentError, bad_argument
from ..tensor import Tensor

INFINITE = -1  # cardinality of an endless dataset (tf.data.INFINITE_CARDINALITY)
UNKNOWN = -2   # cardinality when only iterating can tell (tf.data.UNKNOWN_CARDINALITY)


def int64_count(op: str, name: str, value, minimum: int | None = 0) -> int:
    """`arguments.count` for an argument TF's dataset kernels take as int64."""
    refuse_other_than_int64(op, name, value)
    return arguments.count(op, name, value, minimum)


def refuse_other_than_int64(op: str, name: str, value) -> None:
    """A tensor of a dtype other than int64 is refused, as TF's dataset kernels refuse it
    (tf.shape(x)[0], an int32, is the usual one)."""
    if isinstance(value, Tensor) and value.dtype.name != "int64":
        raise bad_argument(op, name, "an int or an int64 tensor (TF's dataset kernels take "
                           "int64)", value, InvalidArgumentError).with_hint(
            f"tf.cast({name}, tf.int64), or int({name}) for a Python int")
