"""Where the user opened a tape, read from the source: the `with tf.GradientTape(...) as
tape:` line why_none names when a tensor was never watched, so the student knows which block
takes the `tape.watch(x)`. Read when asked, from the line that asked: a tape notes no line
as it opens (one per training step, each would pay a look up the stack)."""
from __future__ import annotations

import ast

from ..sourceinfo import SourceInfo
from .label_source import innermost_scope, own_nodes


def tape_opened_at(asked_at: SourceInfo | None, names=()) -> SourceInfo | None:
    """The last `with ...GradientTape(...) as name:` line before `asked_at` in its function,
    for one of `names` (the user's names for the tape); None when the text does not show it.

    >>> import inspect, tapeviz as tf
    >>> def step():
    ...     with tf.GradientTape() as tape:
    ...         pass
    ...     here = inspect.currentframe()
    ...     return tape_opened_at(SourceInfo(here.f_code.co_filename, here.f_lineno,
    ...                                      "step"), ("tape",))
    >>> step().lineno - step.__code__.co_firstlineno
    1
    """
    if asked_at is None or not names:
        return None
    _, scope = innermost_scope(asked_at.filename, asked_at.lineno)
    if scope is None:
        return None
    opened = [node.lineno for node in own_nodes(scope)
              if isinstance(node, (ast.With, ast.AsyncWith)) and node.lineno <= asked_at.lineno
              and any(_opens_tape(item, names) for item in node.items)]
    if not opened:
        return None
    return SourceInfo(asked_at.filename, max(opened), getattr(scope, "name", "<module>"))


def _opens_tape(item: ast.withitem, names) -> bool:
    call, bound = item.context_expr, item.optional_vars
    func = getattr(call, "func", None)
    called = getattr(func, "attr", None) or getattr(func, "id", None)
    return called == "GradientTape" and isinstance(bound, ast.Name) and bound.id in names
