"""Where the labels a loss was given came from in the user's code, read from the source
alone: the loss's line names them (`loss_object(y, logits)`: `y`), and the statement that
bound that name before it says where they were made: the Dataset the `for x, y in dataset`
loop reads (the line that made `dataset`), else the loop, else the assignment. What the
text does not show plainly (a helper's return, a subscript) gives nothing. The walk of a
scope's own statements is shared (`integer_division` looks for `// 255` with it).
"""
from __future__ import annotations

import ast
import linecache

from ..sourceinfo import SourceInfo
from ..statements import parse_source

# what a loss function calls its labels, among the keywords it is given
_LABEL_KEYWORDS = ("labels", "y_true", "target")


def labels_made_at(loss_source, torch: bool) -> SourceInfo | None:
    """The line that made the labels passed at `loss_source` (a SourceInfo of the loss's
    call; `torch`: the labels are a call's second argument, else its first), or None."""
    name = _labels_name(loss_source, torch) if loss_source is not None else None
    if name is None:
        return None
    _, scope = innermost_scope(loss_source.filename, loss_source.lineno)
    binding = bound_before(scope, name, loss_source.lineno) if scope is not None else None
    if binding is None:
        return None
    line = binding.lineno
    if isinstance(binding, ast.For):
        root = _root_name(binding.iter)
        made = bound_before(scope, root, binding.lineno) if root is not None else None
        if isinstance(made, ast.Assign):
            line = made.lineno   # the Dataset the loop reads
    return SourceInfo(loss_source.filename, line, getattr(scope, "name", "<module>"))


def _labels_name(source, torch: bool) -> str | None:
    """The plain name the loss's statement passes as its labels, or None."""
    try:
        tree = parse_source(source.statement)
    except (SyntaxError, ValueError):
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and len(node.args) + len(node.keywords) >= 2 and _is_loss(node.func)]
    if len(calls) != 1:
        return None
    call = calls[0]
    keywords = {k.arg: k.value for k in call.keywords}
    passed = next((keywords[k] for k in _LABEL_KEYWORDS if k in keywords), None)
    position = 1 if torch else 0
    if passed is None and len(call.args) > position:
        passed = call.args[position]
    return passed.id if isinstance(passed, ast.Name) else None


def _is_loss(func) -> bool:
    """Whether a call's function reads as a loss ('loss_object', 'criterion', 'tf.nn.
    sparse_softmax_cross_entropy_with_logits', 'F.cross_entropy')."""
    name = getattr(func, "attr", getattr(func, "id", "")).lower()
    return any(word in name for word in ("loss", "entropy", "criterion"))


_parsed: dict = {}   # file name -> (its text, its module parsed): a diagnose asks again and again
MAX_PARSED = 64      # files kept parsed, the oldest dropped first


def innermost_scope(filename: str, lineno: int) -> tuple:
    """(the module of file `filename`, parsed; the innermost function holding line
    `lineno`, or the module), or (None, None) when the file does not parse. The parse is
    kept while the file's text stays the same (a cell run again is parsed again)."""
    text = "".join(linecache.getlines(filename))
    kept = _parsed.get(filename)
    if kept is not None and kept[0] == text:
        tree = kept[1]
    else:
        try:
            tree = parse_source(text)
        except (SyntaxError, ValueError):
            return None, None
        if len(_parsed) >= MAX_PARSED:   # (each notebook cell is a file of its own)
            del _parsed[next(iter(_parsed))]
        _parsed[filename] = (text, tree)
    holding = [node for node in ast.walk(tree)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               and node.lineno <= lineno <= node.end_lineno]
    return tree, min(holding, key=lambda node: node.end_lineno - node.lineno, default=tree)


def bound_before(scope, name: str, lineno: int):
    """The last statement of `scope` (not of a function inside it) before line `lineno`
    that binds `name`: an assignment, or a `for` loop (one holding the line or not)."""
    found = None
    for node in own_nodes(scope):
        if getattr(node, "lineno", lineno) >= lineno:
            continue   # (after the loss's line, or no statement)
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.For) else [])
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
            if found is None or node.lineno > found.lineno:
                found = node
    return found


def names_read(expression) -> dict:
    """{name: None} of the names `expression` reads, in the order it reads them first."""
    return dict.fromkeys(node.id for node in ast.walk(expression)
                         if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load))


def own_nodes(scope):
    """The nodes of `scope` (a module or function), not those of a function or class
    defined inside it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(node))
        yield node


def _root_name(expression) -> str | None:
    """'dataset' of `dataset`, `dataset.batch(32)` or `dataset.shuffle(100).batch(32)`."""
    while True:
        if isinstance(expression, ast.Name):
            return expression.id
        if isinstance(expression, ast.Call):
            expression = expression.func
        elif isinstance(expression, ast.Attribute):
            expression = expression.value
        else:
            return None


def call_after(method: str, source, receiver=None) -> SourceInfo | None:
    """The line of the first call of `.method(...)` after the line of `source`, in its
    function (on a receiver `receiver(expression)` accepts, if given), or None."""
    if source is None:
        return None
    _, scope = innermost_scope(source.filename, source.lineno)
    if scope is None:
        return None
    lines = sorted(node.lineno for node in own_nodes(scope) if isinstance(node, ast.Call)
                   and getattr(node.func, "attr", None) == method and node.lineno > source.lineno
                   and (receiver is None or receiver(node.func.value)))
    return SourceInfo(source.filename, lines[0], source.function) if lines else None
