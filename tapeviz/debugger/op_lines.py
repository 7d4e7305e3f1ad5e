"""Which lines of a source file can run a tapeviz op, read from its syntax: a line that holds
a call, an operator, a comparison, an index or an attribute read (`x.T` runs an op) of
something other than constants. `break_on(file=, line=)` on code that can run none
(`a = 1 + 2`, `return x`, `def f(x):`, `import numpy`) would never stop: it is said at
once, with the nearest lines that can. A function's body counts as its lines, whenever the
function is called.
"""
from __future__ import annotations

import ast
import functools
from ..statements import parse_source

_OPERATIONS = (ast.Call, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Subscript, ast.Attribute,
               ast.AugAssign, ast.Await)


def _constant_only(node) -> bool:
    """Whether `node` computes only from literals (`1 + 2`, `-3`): Python folds it, no
    tensor can take part."""
    return all(isinstance(part, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator,
                                 ast.unaryop, ast.expr_context))
               for part in ast.walk(node))


@functools.lru_cache(maxsize=32)
def lines_that_can_run_ops(text: str) -> frozenset | None:
    """The line numbers of `text` (a file's or a notebook cell's source) covered by an
    operation that can run an op; None when it does not parse (a cell with IPython magics)."""
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError):
        return None
    lines: set = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            node = node.iter   # iterating a Dataset or a tensor runs ops
        elif isinstance(node, (ast.Tuple, ast.List, ast.Starred)) and \
                isinstance(node.ctx, ast.Store):
            pass               # `a, b = t` unpacks a tensor by indexing it
        elif not isinstance(node, _OPERATIONS) or _constant_only(node) or (
                isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)):
            continue
        lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(lines)


def nearest(lines: frozenset, line: int, count: int = 2) -> list:
    """Up to `count` of `lines` before `line` and after it, the closest first, in order."""
    before = sorted(n for n in lines if n < line)[-count:]
    after = sorted(n for n in lines if n > line)[:count]
    return before + after
