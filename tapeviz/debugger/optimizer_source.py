"""Where a torch optimizer was made, read from the source: the adapter hears
`optimizer.step()` (its update ops carry that line) but not the optimizer's construction,
the line that sets its learning rate, which a finding about the learning rate should name
as it does for a Keras optimizer. The name `step()` is called on, bound last before that
call in its function (or, when the function does not bind it, in the module), says it.
"""
from __future__ import annotations

import ast

from ..sourceinfo import SourceInfo
from .label_source import bound_before, innermost_scope


def torch_optimizer_made_at(step_source: SourceInfo | None) -> SourceInfo | None:
    """The line of `name = ...(...)` that made the optimizer whose `name.step()` is at
    `step_source`, or None when the text does not show it plainly (`self.opt.step()`, a
    name the code unpacks or never assigns)."""
    if step_source is None:
        return None
    tree, scope = innermost_scope(step_source.filename, step_source.lineno)
    if scope is None:
        return None
    names = {node.func.value.id for node in ast.walk(scope)
             if isinstance(node, ast.Call) and getattr(node, "lineno", 0) == step_source.lineno
             and isinstance(node.func, ast.Attribute) and node.func.attr == "step"
             and isinstance(node.func.value, ast.Name)}
    if len(names) != 1:
        return None
    name = names.pop()
    for where in (scope, tree) if scope is not tree else (tree,):
        binding = bound_before(where, name, step_source.lineno)
        if isinstance(binding, ast.Assign) and isinstance(binding.value, ast.Call) and any(
                isinstance(target, ast.Name) and target.id == name
                for target in binding.targets):
            return SourceInfo(step_source.filename, binding.lineno,
                              getattr(where, "name", "<module>"))
        if binding is not None:
            return None   # bound otherwise (unpacked, a loop's name): not plainly an optimizer
    return None
