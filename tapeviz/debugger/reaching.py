"""Which statements binding a name may have made the value it holds at a line: the bindings
that reach the line (reaching definitions over a scope's own statements: either arm of an
`if`, a loop's body run again, so a binding after the line inside a loop reaches it too).

The notes and findings that read from the user's source what made a value (a loss cut off
the graph, a graph freed, a loss that is not a scalar) must name the assignment that ran:
the last one written above the line is wrong when the name is bound in an `if`/`else` or
bound again after the line, for the next turn of a loop. Read from the text alone; the
caller chooses among several by what ran (a recorded op's line) or by what each says.
"""
from __future__ import annotations

import ast

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def bindings_reaching(scope, name: str, lineno: int) -> list:
    """The statements of `scope` (a module or function; not those of a function inside it)
    binding `name` whose value may be the one it holds when line `lineno` runs: assignments
    (`loss = ...`, `loss += ...`, `a, loss = ...`), `for` loops and `with ... as` blocks
    binding it, ordered by line.

    >>> tree = ast.parse("if c:\\n    x = 1\\nelse:\\n    x = 2\\nprint(x)")
    >>> [b.lineno for b in bindings_reaching(tree, "x", 5)]
    [2, 4]
    """
    found: list = []
    _flow(scope.body, (), name, lineno, found)
    return sorted(set(found), key=lambda node: (node.lineno, node.col_offset))


def bindings_at_end(scope, name: str) -> list:
    """The statements binding `name` that reach the end of `scope`: for a module, what a
    function in it reads as a global once the module has run."""
    return sorted(_flow(scope.body, (), name, -1, []), key=lambda node: node.lineno)


def holding(bindings: list, lineno: int) -> list:
    """Those of `bindings` whose statement spans line `lineno` (the line a recorded op ran
    at), or `bindings` when none does (it ran elsewhere: a helper's line)."""
    held = [node for node in bindings if node.lineno <= lineno <= node.end_lineno]
    return held or bindings


def _flow(body: list, reaching: tuple, name: str, lineno: int, found: list) -> tuple:
    """The bindings reaching the end of `body`, given those `reaching` its start; those that
    reach the statement at `lineno` are added to `found`."""
    for statement in body:
        if statement.lineno <= lineno <= statement.end_lineno and _header_holds(statement,
                                                                                  lineno):
            found.extend(reaching)
        reaching = _through(statement, reaching, name, lineno, found)
    return reaching


def _header_holds(statement, lineno: int) -> bool:
    """Whether `lineno` is in `statement` and not in one of its blocks (a simple statement,
    or the header of an `if`, a loop or a `with`)."""
    blocks = [block for field in ("body", "orelse", "finalbody", "handlers", "cases")
              for block in [getattr(statement, field, None)] if block]
    return not any(block[0].lineno <= lineno <= block[-1].end_lineno for block in blocks)


def _through(statement, reaching: tuple, name: str, lineno: int, found: list) -> tuple:
    """The bindings reaching the point after `statement`."""
    if isinstance(statement, _SCOPES):
        return (statement,) if getattr(statement, "name", None) == name else reaching
    if isinstance(statement, ast.If):
        return _union(_flow(statement.body, reaching, name, lineno, found),
                      _flow(statement.orelse, reaching, name, lineno, found))
    if isinstance(statement, _LOOPS):
        binds = isinstance(statement, (ast.For, ast.AsyncFor)) and _binds(statement.target,
                                                                           name)
        looped = ()   # what the body's end gives back to its start: two passes settle it
        for _ in range(2):
            start = (statement,) if binds else _union(reaching, looped)
            looped = _flow(statement.body, start, name, lineno, found)
        return _flow(statement.orelse, _union(reaching, looped), name, lineno, found)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        bound = any(item.optional_vars is not None and _binds(item.optional_vars, name)
                    for item in statement.items)
        return _flow(statement.body, (statement,) if bound else reaching, name, lineno, found)
    if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
        tried = _flow(statement.body, reaching, name, lineno, found)
        caught = _union(reaching, tried)   # (a handler may start anywhere in the body)
        ends = [_flow(statement.orelse, tried, name, lineno, found)]
        ends += [_flow(handler.body, caught, name, lineno, found)
                 for handler in statement.handlers]
        return _flow(statement.finalbody, _union(*ends), name, lineno, found)
    if isinstance(statement, ast.Match):
        ends = [_flow(case.body, reaching, name, lineno, found) for case in statement.cases]
        return _union(reaching, *ends)
    targets = (statement.targets if isinstance(statement, ast.Assign) else
               [statement.target] if isinstance(statement, (ast.AugAssign, ast.AnnAssign))
               and getattr(statement, "value", True) is not None else [])
    return (statement,) if any(_binds(target, name) for target in targets) else reaching


def _binds(target, name: str) -> bool:
    """Whether assigning to `target` (`loss`, `a, loss`, `*rest`) binds `name`."""
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_binds(element, name) for element in target.elts)
    return isinstance(target, ast.Starred) and _binds(target.value, name)


def _union(*sets: tuple) -> tuple:
    return tuple(dict.fromkeys(node for one in sets for node in one))
