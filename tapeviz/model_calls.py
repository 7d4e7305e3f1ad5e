"""The user's line that called a model. A module of the user's own runs its ops at lines of
its forward (`x = self.conv1(x)`), while a finding about what the model was given (an
evaluation on the training data) must name where the loop gave it: `model(test_x)`. The
torch adapter's module pre-hook notes each root module's call while layer paths are kept
(its line); a Keras model's outermost call, always, its call site (code and instruction:
~0.1 us, the line read only when asked). The last KEPT calls of each root (by its layer
path's first part) are kept, each with a weak reference to what it was given, so a finding
names the call that gave the data it judged, though the model was called again after it.
"""
from __future__ import annotations

import weakref
from collections import deque

import numpy as np

from .sourceinfo import SourceInfo, call_site_source

KEPT = 8   # a root's last calls kept: an evaluation's, with a few calls after it
_calls: dict = {}   # a root's layer path ('Net', 'net') -> deque of (line or site, given)
_bound: dict = {}   # a root's layer path -> the name the user's code binds it to, or None
_optimizers: dict = {}   # an optimizer's update scope ('SGD') -> the name code binds it to


def note(root: str, where, given=None, bound: str | None = None) -> None:
    """Keep `where` (a SourceInfo, a call site (code, instruction) or None) as where root
    `root` was called, given `given` (its data: a tensor or an array), held weakly, and
    `bound` as the name the user's code binds the model to ('net' for `net = Net()`)."""
    bind(root, bound)
    calls = _calls.get(root)
    if calls is None:
        calls = _calls[root] = deque(maxlen=KEPT)
    try:
        held = weakref.ref(given)
    except TypeError:   # (None, a list: no weak reference; such a call matches no data)
        held = None
    calls.append((where, held))


def bind(root: str, bound: str | None) -> None:
    """Keep `bound` as the name the user's code binds the model at root `root` to (a root
    path is reused once its model is gone: the name is the last call's)."""
    _bound[root] = bound


def bind_optimizer(scope: str, bound: str | None) -> None:
    """Keep `bound` as the name the user's code binds the optimizer whose updates have scope
    `scope` (its class's name, 'SGD') to: 'opt' for `opt = torch.optim.SGD(...)`."""
    _optimizers[scope] = bound


def optimizer_bound(scope: str | None) -> str | None:
    """The name `bind_optimizer` kept for the optimizer of update scope `scope`, else None."""
    return _optimizers.get(scope) if scope else None


def bound_name(scope: str | None) -> str | None:
    """The name the user's code binds the model at the root of layer path `scope` to, as
    its last noted call found it ('net' for 'Net/hidden'); None when none was noted."""
    return _bound.get(scope.split("/", 1)[0]) if scope else None


def called_at(scope: str, data=None) -> SourceInfo | None:
    """The user's line of the last call of the model at the root of layer path `scope`
    ('Net/conv1') that was given `data` (the array its first layer read: the same examples,
    row by row), else of its last call; None when no call of it was noted (or tapeviz's own
    code made it)."""
    calls = _calls.get(scope.split("/", 1)[0]) if scope else None
    calls = tuple(calls) if calls else None   # (a loop's thread may call the model meanwhile)
    if not calls:
        return None
    where = calls[-1][0]
    if data is not None:
        where = next((call for call, held in reversed(calls)
                      if held is not None and _same_rows(held(), data)), where)
    return call_site_source(where) if isinstance(where, tuple) else where


def _same_rows(given, data: np.ndarray) -> bool:
    """Whether `given` (a call's data, None once freed) holds `data`'s examples, row by row."""
    if given is None:
        return False
    try:
        value = np.asarray(getattr(given, "_value", given))
    except (TypeError, ValueError, RuntimeError):   # (a torch tensor that requires grad)
        return False
    count = data.shape[0] if data.ndim else 0
    return count > 0 and value.ndim > 0 and value.shape[0] == count and \
        value.size == data.size > 0 and \
        np.array_equal(value.reshape(count, -1), data.reshape(count, -1))
