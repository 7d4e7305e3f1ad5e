"""The tensors ops made from Python numbers their callers passed (`x * 2.0`, the `m=1.0` of a
loss read at `t <= m`), so that the widget can tell a constant the code wrote from a batch
or an example fed in (viz/leaves.py). dispatch_inputs.py appends each one it makes on the traced
path to `MADE` (`note`, the bound append, then a length check): +0.35k instructions on a
taped `x * 2.0` of 29.2k (valgrind), where a weak reference stored in a dict by id cost
+3.3k (tensors are unhashable: no WeakSet).

`MADE` holds them strongly, so an id stays one tensor's while it is listed. One that only
`MADE` still holds (its node, tape and Recorder gone) is let go when the list passes its
limit, which then doubles past what stays: the pruning is amortised, and memory bounded.
`from_python` looks a tensor up by id in an index of the listed ones (id -> the tensor
itself, filled by C loops), which `let_go` empties first, so it holds nothing past a prune.
"""
from __future__ import annotations

from sys import getrefcount

MADE: list = []
LIMIT = [4096]        # the length at which `let_go` runs (checked by dispatch_inputs.py)
_index: dict = {}     # id -> tensor, of the listed tensors looked up so far
_indexed = [0, 0]     # [how many of MADE are in _index, let_go's count when they were]
_pruned = [0]         # how many times let_go ran
note = MADE.append    # dispatch_inputs.py calls it bound: no attribute look-up on its hot path


def _alone_count() -> int:
    """getrefcount of a listed tensor nobody else holds, read as `let_go` reads it."""
    probe = [object()]
    return [getrefcount(item) for item in probe][0]


_ALONE = _alone_count()


def let_go() -> None:
    """Drop the tensors only `MADE` holds, and raise the limit past what stays."""
    alone = _ALONE
    _index.clear()   # (its references would keep every listed tensor)
    MADE[:] = [tensor for tensor in MADE if getrefcount(tensor) > alone]
    LIMIT[0] = max(4096, 2 * len(MADE))
    _pruned[0] += 1


def from_python(tensor) -> bool:
    """Whether an op made `tensor` from a Python number its caller passed.

    >>> import tapeviz as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * 2.0
    >>> [from_python(t) for t in tape.nodes[0].inputs]
    [False, True]
    """
    done, pruned = _indexed
    if pruned != _pruned[0]:   # the list was rebuilt: index it again
        done, pruned = 0, _pruned[0]
        _index.clear()
    listed = MADE[done:]
    _index.update(zip(map(id, listed), listed))
    _indexed[:] = [done + len(listed), pruned]
    return _index.get(id(tensor)) is tensor


__all__ = ["LIMIT", "MADE", "from_python", "let_go", "note"]
