"""A training function's result given for it: `dashboard.train(train(5))` called `train` here,
in the foreground, before the Dashboard could watch it, and gave what it returned. Read from
the user's line, so the error can name that call and write the one that was meant."""
from __future__ import annotations

import ast

from ..sourceinfo import user_source
from ..statements import parse_source


def call_that_ran(call: str) -> tuple | None:
    """(`train(5)`, `dash.train(train, 5)`): the call on the user's line whose result came as
    the first argument of `call` ('Dashboard.train', 'Runner'), as written, and `call` with
    the function and its arguments passed apart; None when the line shows no such call."""
    source = user_source()
    try:
        tree = parse_source(source.statement) if source is not None else None
    except SyntaxError:
        return None
    called = call.rsplit(".", 1)[-1]
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and _named(node.func) == called and node.args and \
                isinstance(node.args[0], ast.Call):
            ran = node.args[0]
            apart = [ran.func, *ran.args, *ran.keywords, *node.args[1:], *node.keywords]
            return (ast.unparse(ran),
                    f"{ast.unparse(node.func)}({', '.join(map(ast.unparse, apart))})")
    return None


def _named(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
