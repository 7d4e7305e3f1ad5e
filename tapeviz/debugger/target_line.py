"""Where the target of a gradient call was made in the user's code, read from the source
alone: a target no tape recorded (a loss computed after the `with tape:` block) was made on
dispatch's fast path, which notes no line. The assignments to the target's name that reach
the line that asked say it (reaching.py: both arms of an `if`, not the last one written
above): why_none's call, given the loss by name, or the `tape.gradient(loss, ...)` before an
optimizer's `apply_gradients`, which names it. `tape, loss = step(x, y)` is followed into
the helper `step` of the same file, to the assignment its `return tape, loss` gives back.
"""
from __future__ import annotations

import ast

from ..sourceinfo import SourceInfo
from .label_source import innermost_scope, own_nodes
from .reaching import bindings_reaching

MAX_HELPERS = 2   # helpers followed: `tape, loss = step(...)`, its own `loss = helper(...)`


def target_made_at(asked_at: SourceInfo | None, names=()) -> list:
    """The lines that may have made the target (several: the arms of an `if`, whichever
    ran), asked about at `asked_at` by one of `names` (the user's names for it), or, with no
    name, by the last `.gradient(name, ...)` call before that line in its function; [] when
    the text does not show it plainly."""
    if asked_at is None:
        return []
    module, scope = innermost_scope(asked_at.filename, asked_at.lineno)
    if scope is None:
        return []
    lineno = asked_at.lineno
    if not names:
        calls = [node for node in own_nodes(scope) if isinstance(node, ast.Call)
                 and getattr(node.func, "attr", None) == "gradient" and node.args
                 and isinstance(node.args[0], ast.Name) and node.lineno <= lineno]
        if not calls:
            return []
        call = max(calls, key=lambda node: node.lineno)
        names, lineno = (call.args[0].id,), call.lineno
    for name in names:
        made = _assignments(module, scope, name, lineno, 0)
        if made:
            return [SourceInfo(asked_at.filename, statement.lineno,
                               getattr(where, "name", "<module>")) for where, statement in made]
    return []


def _assignments(module, scope, name: str, lineno: int, depth: int) -> list:
    """(scope, statement) of each `name = ...` reaching line `lineno` of `scope`, helpers'
    returns followed; [] when one of them is no plain assignment (`for loss in ...`)."""
    made = []
    for binding in bindings_reaching(scope, name, lineno):
        if not isinstance(binding, ast.Assign):
            return []
        if any(isinstance(target, ast.Name) and target.id == name for target in binding.targets):
            made.append((scope, binding))
            continue
        returned = _returned(module, binding, name, depth)
        if not returned:
            return []
        made.extend(returned)
    return made


def _returned(module, binding, name: str, depth: int) -> list:
    """`_assignments` of what helper `f` returns in `name`'s place, for `binding` `..., name
    = f(...)` with `f` a function of `module` whose every `return` gives a tuple; else []."""
    call = binding.value
    if depth >= MAX_HELPERS or len(binding.targets) != 1 or not isinstance(call, ast.Call) \
            or not isinstance(call.func, ast.Name) \
            or not isinstance(binding.targets[0], ast.Tuple):
        return []
    place = [i for i, target in enumerate(binding.targets[0].elts)
             if isinstance(target, ast.Name) and target.id == name]
    helper = next((node for node in module.body if isinstance(node, ast.FunctionDef)
                   and node.name == call.func.id), None)
    if len(place) != 1 or helper is None:
        return []
    returns = [node for node in own_nodes(helper) if isinstance(node, ast.Return)]
    made = []
    for statement in returns:
        value = statement.value
        if not isinstance(value, ast.Tuple) or len(value.elts) != len(binding.targets[0].elts) \
                or not isinstance(value.elts[place[0]], ast.Name):
            return []
        found = _assignments(module, helper, value.elts[place[0]].id, statement.lineno,
                             depth + 1)
        if not found:
            return []
        made.extend(found)
    return made
