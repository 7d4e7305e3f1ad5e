"""The user's line that called a model. A module of the user's own runs its ops at lines of
its forward (`x = self.conv1(x)`), while a finding about what the model was given (an
evaluation on the training data) must name where the loop gave it: `model(test_x)`. The
torch adapter's module pre-hook notes each root module's call while layer paths are kept;
the last call of each root (by its layer path's first part) is what is kept.
"""
from __future__ import annotations

_called_at: dict = {}   # a root's layer path ('Net', 'Sequential_1') -> its last call's line


def note(root: str, source) -> None:
    """Keep `source` (a SourceInfo, or None) as where root `root` was last called."""
    _called_at[root] = source


def called_at(scope: str):
    """The user's line of the last call of the model at the root of layer path `scope`
    ('Net/conv1'), or None when no call of it was noted."""
    return _called_at.get(scope.split("/", 1)[0]) if scope else None
