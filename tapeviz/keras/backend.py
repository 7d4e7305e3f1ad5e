"""`tapeviz.keras.backend`: Keras's global state: float type and layer name counters.

Layers take their default names from `get_uid` ("dense", "dense_1", ...);
`clear_session` resets those counters, as Keras's does.
"""
from __future__ import annotations

import collections
import threading

from .. import dtypes as _dtypes

_FLOATX = "float32"
_EPSILON = 1e-7
_uids: collections.defaultdict = collections.defaultdict(int)
_lock = threading.Lock()


def floatx() -> str:
    """The default float type of layer weights, as a string.

    >>> import tapeviz as tf
    >>> tf.keras.backend.floatx()
    'float32'
    """
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type ('float16', 'float32' or 'float64')."""
    global _FLOATX
    dtype = _dtypes.as_dtype(value)
    if not dtype.is_floating:
        raise ValueError(f"set_floatx: expected a floating dtype; got {value!r}")
    _FLOATX = dtype.name


def epsilon() -> float:
    """The fuzz factor Keras adds to avoid dividing by zero (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def get_uid(prefix: str = "") -> int:
    """1 the first time `prefix` is asked for, then 2, 3, ... until `clear_session`.

    >>> import tapeviz as tf
    >>> tf.keras.backend.clear_session()
    >>> tf.keras.backend.get_uid("x"), tf.keras.backend.get_uid("x")
    (1, 2)
    """
    with _lock:
        _uids[prefix] += 1
        return _uids[prefix]


def unique_object_name(base: str) -> str:
    """'base' the first time, then 'base_1', 'base_2', ... (Keras's layer naming)."""
    uid = get_uid(base)
    return base if uid == 1 else f"{base}_{uid - 1}"


def clear_session() -> None:
    """Forget the layer name counters, so new layers are named "dense", "conv2d", ... again."""
    with _lock:
        _uids.clear()


def reset_uids() -> None:
    clear_session()


__all__ = ["clear_session", "epsilon", "floatx", "get_uid", "set_epsilon", "set_floatx"]


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
