"""What `%tapeviz_train`'s line names as the training function: a function by name, or a call
of a function whose source returns a function it defines (`make_train(model)`), evaluated
once, in the cell's namespace, as `dash.train(make_train(model))` evaluates it in Python. A
call of the training itself (`train(3)`), which evaluating would run here, in the foreground,
blocking the kernel before a dashboard is shown, is refused unrun, as Dashboard.train says of
`dash.train(train(3))` after it ran; a call whose source does not say which it is too, with
the fix for each reading in the user's own names."""
from __future__ import annotations

import ast
import inspect
import shlex
import textwrap

from IPython.core.error import UsageError

from ..debugger.label_source import own_nodes
from ..statements import parse_source

_RESULT_NAMES = ("train_fn", "train_step", "step_fn")   # what the fix names a call's result


def training_function(shell, fn: str, arguments: list) -> tuple:
    """(the expression that gives the training function, the arguments left for it) of the
    line's `fn` and `arguments`; a UsageError for a call that may run the training."""
    written = " ".join([fn, *arguments])   # make(3, 4): the line splits it at its spaces
    for text in (written, fn):
        try:
            call = parse_source(text.strip(), mode="eval").body
        except SyntaxError:
            continue
        if not (isinstance(call, ast.Call) and isinstance(call.func, (ast.Name, ast.Attribute))):
            return fn, arguments
        rest = arguments if text is fn else []
        returns = _returns(shell, call.func)
        if returns == "a function it defines":
            return text.strip(), rest
        raise _refusal(shell, text.strip(), call, rest, trains=returns == "nothing")
    return fn, arguments


def _returns(shell, func: ast.expr) -> str | None:
    """What the function `func` names returns, read from its source: 'nothing' (no `return`
    with a value: a training loop), 'a function it defines' (every `return` gives a lambda or
    a function defined in its body), else None (anything else, or no source to read).
    Evaluating `func`, a name or an attribute, calls nothing."""
    try:
        called = inspect.unwrap(shell.ev(ast.unparse(func)))
        tree = parse_source(textwrap.dedent(inspect.getsource(called)))
    except Exception:   # (no source: a builtin, a class, a partial, code typed at a prompt)
        return None
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    own = list(own_nodes(definition))
    returned = [node.value for node in own if isinstance(node, ast.Return) and node.value]
    if not returned:
        return "nothing"
    defined = {child.name for node in (definition, *own) for child in ast.iter_child_nodes(node)
               if isinstance(child, ast.FunctionDef)}
    if all(isinstance(value, ast.Lambda) or isinstance(value, ast.Name) and value.id in defined
           for value in returned):
        return "a function it defines"
    return None


def _refusal(shell, text: str, call: ast.Call, rest: list, trains: bool) -> UsageError:
    apart = [ast.unparse(call.func), *map(ast.unparse, call.args),
             *(f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}"
               for k in call.keywords), *rest]
    meant = " ".join(shlex.quote(part) if " " in part else part for part in apart)
    said = (f"%tapeviz_train: expected a training function (a callable); got {text}, a call: "
            f"evaluating it would run {'the training' if trains else 'it'} here, before "
            f"%tapeviz_train could watch it (nothing ran)\nhint: ")
    if trains:
        return UsageError(f"{said}pass the function and its arguments apart: "
                          f"%tapeviz_train {meant}")
    name = next((name for name in _RESULT_NAMES if name not in shell.user_ns), _RESULT_NAMES[0])
    following = " ".join([name, *(shlex.quote(part) if " " in part else part for part in rest)])
    return UsageError(f"{said}if {text} is the training, pass the function and its arguments "
                      f"apart: %tapeviz_train {meant}; if it returns the training function, "
                      f"name it first:\n    {name} = {text}\n    %tapeviz_train {following}")
