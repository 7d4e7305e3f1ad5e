"""The user's line that called a model. A module of the user's own runs its ops at lines of
its forward (`x = self.conv1(x)`), while a finding about what the model was given (an
evaluation on the training data) must name where the loop gave it: `model(test_x)`. The
torch adapter's module pre-hook notes each root module's call while layer paths are kept
(its line); a Keras model's outermost call, always, its call site (code and instruction:
~0.1 us, the line read only when asked). The last call of each root (by its layer path's
first part) is what is kept.
"""
from __future__ import annotations

from .sourceinfo import SourceInfo, call_site_source

_called_at: dict = {}   # a root's layer path ('Net', 'net') -> its last call's line or site


def note(root: str, where) -> None:
    """Keep `where` (a SourceInfo, a call site (code, instruction) or None) as where root
    `root` was last called."""
    _called_at[root] = where


def called_at(scope: str) -> SourceInfo | None:
    """The user's line of the last call of the model at the root of layer path `scope`
    ('Net/conv1'), or None when no call of it was noted (or tapeviz's own code made it)."""
    where = _called_at.get(scope.split("/", 1)[0]) if scope else None
    return call_site_source(where) if isinstance(where, tuple) else where
