"""Where the user's code reused a graph a backward pass had freed, for torch's "Trying to
backward through the graph a second time".

The usual cause: a forward pass run once, before the training loop (`h = model(x)`), and a
loss made from it in every iteration: the first `loss.backward()` frees the graph under
`h`, the second finds it gone. Read once, when the error is raised, from the frame that
called backward: the statements that made the loss, followed back to the first name they
read whose tensor autograd made (it has a grad_fn) and whose statement runs outside the
loop that holds the backward call. Nothing is kept or run before the error.
"""
from __future__ import annotations

import ast

import torch

from ..debugger.label_source import innermost_scope, names_read, own_nodes
from ..debugger.reaching import bindings_reaching, holding
from ..sourceinfo import SourceInfo, source_from
from .graph_cut import MAX_DEPTH, loss_name


def freed_note(frame, made_at=None) -> str | None:
    """The note for a backward pass from `frame` (the user's, at the backward call) that
    found its graph freed; None when the frame's text does not show what was reused.
    `made_at`: the line of the recorded op that made the loss, when one was recorded."""
    if frame is None:
        return None
    source = source_from(frame)
    loss = loss_name(source)
    _, scope = innermost_scope(source.filename, source.lineno)
    loop = _loop_holding(scope, source.lineno) if scope is not None else None
    if loss is None or loop is None:
        return None
    names = {**frame.f_globals, **frame.f_locals}
    ran = made_at.lineno if made_at is not None and made_at.filename == source.filename \
        else None
    found = _made_outside(scope, loop, names, loss, source.lineno, ran)
    if found is None:
        return None
    name, statement = found
    at = SourceInfo(source.filename, statement.lineno, source.function)
    return (f"tapeviz: {loss} is made from {name}, which autograd made once, before the loop "
            f"(line {loop.lineno}) that runs {loss}.backward() every iteration: the first "
            f"backward() freed the graph under {name}, so the next finds it gone; fix: "
            f"compute {name} inside the loop, each step (retain_graph=True only if you mean "
            f"to differentiate the same graph again)" + at.placed())


def _loop_holding(scope, lineno: int):
    """The innermost `for` or `while` of `scope` holding line `lineno`, or None."""
    loops = [node for node in own_nodes(scope) if isinstance(node, (ast.For, ast.While))
             and node.lineno < lineno <= node.end_lineno]
    return max(loops, key=lambda node: node.lineno, default=None)


def _made_outside(scope, loop, names: dict, name: str, lineno: int, ran=None, depth=0):
    """(the name, its statement) of the first tensor autograd made that `name`'s value was
    made from, following back its statements, bound outside `loop`; or None. Of several
    assignments that may have made it (branches; one after the backward call, for the next
    turn), the one holding line `ran` (where its recorded op ran), else the one whose
    statements lead to such a tensor."""
    if depth > MAX_DEPTH:
        return None
    bindings = bindings_reaching(scope, name, lineno)
    if ran is not None:
        bindings = holding(bindings, ran)
    found = {_made_by(binding, scope, loop, names, name, depth) for binding in bindings}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _made_by(binding, scope, loop, names: dict, name: str, depth: int):
    """`_made_outside` of the value `binding` made."""
    inside = loop.lineno < binding.lineno <= loop.end_lineno
    value = names.get(name)
    if not inside and isinstance(value, torch.Tensor) and value.grad_fn is not None:
        return name, binding
    if not inside or not isinstance(binding, (ast.Assign, ast.AugAssign)):
        return None
    for read in names_read(binding.value):
        if read != name and isinstance(names.get(read), torch.Tensor):
            found = _made_outside(scope, loop, names, read, binding.lineno, None, depth + 1)
            if found is not None:
                return found
    return None
