"""Where the target of a gradient call was made in the user's code, read from the source
alone: a target no tape recorded (a loss computed after the `with tape:` block) was made on
dispatch's fast path, which notes no line. The statement that last bound the target's name
before the line that asked says it: why_none's call, given the loss by name, or the
`tape.gradient(loss, ...)` before an optimizer's `apply_gradients`, which names it.
"""
from __future__ import annotations

import ast

from ..sourceinfo import SourceInfo
from .label_source import bound_before, innermost_scope, own_nodes


def target_made_at(asked_at: SourceInfo | None, names=()) -> SourceInfo | None:
    """The line that made the target, asked about at `asked_at` by one of `names` (the
    user's names for it), or, with no name, by the last `.gradient(name, ...)` call before
    that line in its function; None when the text does not show it plainly."""
    if asked_at is None:
        return None
    _, scope = innermost_scope(asked_at.filename, asked_at.lineno)
    if scope is None:
        return None
    lineno = asked_at.lineno
    if not names:
        calls = [node for node in own_nodes(scope) if isinstance(node, ast.Call)
                 and getattr(node.func, "attr", None) == "gradient" and node.args
                 and isinstance(node.args[0], ast.Name) and node.lineno <= lineno]
        if not calls:
            return None
        call = max(calls, key=lambda node: node.lineno)
        names, lineno = (call.args[0].id,), call.lineno
    for name in names:
        binding = bound_before(scope, name, lineno)
        # `loss = ...` made it there; `loss, acc = step(...)` only unpacked what a call made
        if isinstance(binding, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in binding.targets):
            return SourceInfo(asked_at.filename, binding.lineno,
                              getattr(scope, "name", "<module>"))
    return None
