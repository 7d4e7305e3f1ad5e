"""Where the user's code cut a loss off autograd's graph, for torch's bare "element 0 of
tensors does not require grad and does not have a grad_fn".

That error comes from `loss.backward()` and names neither the loss nor what cut it: an
argmax in the loss, a `.item()` made a tensor again, a `.detach()`, `.numpy()`, `.data`, a
comparison, a `torch.no_grad()` block. Read once, when the error is raised, from the frame
that called backward: the statement that last bound the loss's name before that line, the
names it read (their values, live in the frame, say which required grad), back through the
statements that made those names, to the first statement that read a tensor requiring grad
(or a module holding parameters) and made one that does not. Nothing is kept or run
before the error: a loop that trains pays nothing.
"""
from __future__ import annotations

import ast

import numpy as np
import torch

from ..debugger.label_source import innermost_scope, names_read, own_nodes
from ..debugger.reaching import bindings_reaching
from ..sourceinfo import SourceInfo, source_from
from ..statements import parse_source

MAX_DEPTH = 8   # statements followed back from the loss's

# a method whose result carries no gradient -> why, and the fix
_METHODS = {
    "argmax": ("gives indices, which carry no gradient",
               "compute the loss from the scores themselves (F.cross_entropy(logits, labels) "
               "for class labels; keep argmax for the accuracy)"),
    "argmin": ("gives indices, which carry no gradient",
               "compute the loss from the values themselves, not from argmin's indices"),
    "item": ("gives a Python number, which has left the graph",
             "keep the loss a tensor and call .item() only on what you print or log"),
    "tolist": ("gives Python numbers, which have left the graph",
               "keep the tensor and call .tolist() only on what you print or log"),
    "numpy": ("gives a numpy array, which has left the graph",
              "compute the loss with torch ops on the tensor itself"),
    "detach": ("gives a tensor cut off the graph",
               "remove the .detach() (keep one only for a value that must not train)"),
    "long": ("gives integers, which carry no gradient",
             "keep the values floating-point until the loss"),
    "int": ("gives integers, which carry no gradient",
            "keep the values floating-point until the loss"),
    "bool": ("gives booleans, which carry no gradient",
             "compute the loss from the values themselves, not from a comparison"),
}
_MAKERS = {"tensor", "as_tensor", "from_numpy", "Tensor", "FloatTensor"}   # torch.<maker>(x)
_NO_GRAD = {"no_grad", "inference_mode"}
_LEFT_TORCH = {".item()", ".tolist()", ".numpy()", "float(...)"}


def cut_note(frame, roots: list) -> str | None:
    """The note for a backward pass started in `frame` (the user's, at the backward call) from
    `roots` that autograd refused, none requiring grad; None when the frame's text does not
    show plainly how the loss was made."""
    if frame is None or any(root.requires_grad for root in roots):
        return None
    loss = loss_name(source_from(frame))
    found = cut_of(frame, loss) if loss is not None else None
    if found is None:
        return None
    why, at = found
    return (f"tapeviz: {loss} does not require grad, so backward() has nothing to "
            f"differentiate: {why}" + at.placed())


def cut_of(frame, loss: str) -> tuple | None:
    """(why, the line) of the statement that cut the value `frame` names `loss` off the
    graph, found back from `frame`'s line, or None when its text does not show it plainly."""
    source = source_from(frame)
    _, scope = innermost_scope(source.filename, source.lineno)
    if scope is None:
        return None
    found = _cut(scope, {**frame.f_globals, **frame.f_locals}, loss, source.lineno)
    if found is None:
        return None
    statement, made, graded = found
    after = "" if made == loss else f", nor {loss}, made from {made}"
    held = "holds parameters that require grad" if isinstance(graded[1], torch.nn.Module) \
        else "requires grad"
    reads = f"{graded[0]} {held}; {made}, made from it, does not{after}"
    if graded[1] is None:   # (`w = w - lr * w.grad` under no_grad: the parameter replaced)
        why = (f"{made} was rebound, under torch.no_grad(), to a new tensor computed from it, "
               f"which requires no grad: no longer the parameter (the old {made} did){after}; "
               f"fix: update the parameter in place, {_in_place(statement, made)} inside "
               f"torch.no_grad(), then {made}.grad.zero_() (or an optimizer's step())")
    elif _under_no_grad(statement, scope):
        why = (f"torch.no_grad() (or inference_mode) around the line that made {made} cut it "
               f"off the graph ({reads}); fix: compute the loss outside that block")
    else:
        cut = _deepest_cut(statement.value)
        if cut is None:
            why = (f"a call at the line that made {made} returned a tensor without a grad_fn "
                   f"({reads}): a .detach(), argmax, .item() or torch.no_grad() inside it; "
                   f"fix: return the tensor autograd made")
        else:
            what, (effect, fix) = cut
            why = f"{what} cut it off the graph: it {effect} ({reads}); fix: {fix}"
    return why, SourceInfo(source.filename, statement.lineno, source.function)


def loss_name(source: SourceInfo) -> str | None:
    """The name whose backward pass the line of `source` starts: `loss` of `loss.backward()`,
    `torch.autograd.grad(loss, ...)` or `torch.autograd.backward(loss)`."""
    try:
        tree = parse_source(source.statement or "")
    except SyntaxError:
        return None
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        if call.func.attr == "backward" and isinstance(call.func.value, ast.Name):
            return call.func.value.id
        if call.func.attr in ("grad", "backward") and call.args \
                and isinstance(call.args[0], ast.Name):
            return call.args[0].id
    return None


def _cut(scope, names: dict, name: str, lineno: int, depth: int = 0):
    """(the statement that cut `name`'s value, or one it was made from, off the graph; the
    name it bound; (the name it read that requires grad, its value)), following back the
    names it was made from; None when the text does not show it. Of several assignments
    that may have made the value (an `if` and its `else`), the one that ran cut it: the
    only one whose text shows a cut."""
    if depth > MAX_DEPTH:
        return None
    found = [cut for binding in bindings_reaching(scope, name, lineno)
             if isinstance(binding, ast.Assign)
             for cut in [_cut_by(binding, scope, names, name, depth)] if cut is not None]
    if len(found) > 1:
        found = [cut for cut in found if _shown(cut[0], scope)]
    return found[0] if len(found) == 1 else None


def _cut_by(binding, scope, names: dict, name: str, depth: int):
    """`_cut` of the value `binding` made."""
    read = names_read(binding.value)
    graded = next((n for n in read if _requires_grad(names.get(n))), None)
    if graded is not None:
        return binding, name, (graded, names[graded])
    if _updated(binding, name) and _under_no_grad(binding, scope):
        return binding, name, (name, None)   # (the value that required grad is gone)
    for other in read:
        if other != name and isinstance(names.get(other), _LEFT_GRAPH):
            found = _cut(scope, names, other, binding.lineno, depth + 1)
            if found is not None:
                return found
    return None


def _updated(binding, name: str) -> bool:
    """Whether `binding` rebinds `name` to a value computed from `name.grad`: a step of a
    parameter, which had a gradient then (`w = w - lr * w.grad`)."""
    return any(isinstance(node, ast.Attribute) and node.attr == "grad"
               and isinstance(node.value, ast.Name) and node.value.id == name
               for node in ast.walk(binding.value))


def _in_place(statement, name: str) -> str:
    """`w -= lr * w.grad` for the statement `w = w - lr * w.grad`; a generic form otherwise."""
    value = statement.value
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Sub) and \
            isinstance(value.left, ast.Name) and value.left.id == name:
        return f"{name} -= {ast.unparse(value.right)}"
    return f"{name} -= lr * {name}.grad"


def _shown(statement, scope) -> bool:
    """Whether the text of `statement` shows what cut the graph: a cutting call, `.data`, a
    comparison, or a torch.no_grad() block around it."""
    return _under_no_grad(statement, scope) or _deepest_cut(statement.value) is not None


_LEFT_GRAPH = (torch.Tensor, float, int, np.ndarray, np.generic, list)   # what a value made
#                                                     from the graph may have become


def _requires_grad(value) -> bool:
    if isinstance(value, torch.Tensor):
        return value.requires_grad
    if isinstance(value, torch.nn.Module):
        return any(p.requires_grad for p in value.parameters())
    return False


def _under_no_grad(statement, scope) -> bool:
    return any(isinstance(node, ast.With) and node.lineno < statement.lineno <= node.end_lineno
               and any(_called_name(item.context_expr) in _NO_GRAD for item in node.items)
               for node in own_nodes(scope))


def _called_name(expression) -> str | None:
    """'no_grad' of `torch.no_grad()`, 'argmax' of `out.argmax(1)` or `torch.argmax(out)`."""
    if not isinstance(expression, ast.Call):
        return None
    func = expression.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _deepest_cut(expression):
    """(how the code wrote it, (effect, fix)) of the innermost graph-cutting call or `.data`
    in `expression` (`torch.tensor(loss.item())`: the `.item()`, what left the graph), or
    None."""
    found, todo = None, [(expression, 0)]
    while todo:
        node, depth = todo.pop()
        cut = _cut_of(node)
        # a value taken out of torch (`.detach().numpy()`) is told by what took it out
        rank = (cut is not None and cut[0] in _LEFT_TORCH, depth)
        if cut is not None and (found is None or rank > found[0]):
            found = (rank, cut)
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return found[1] if found is not None else None


def _cut_of(node):
    if isinstance(node, ast.Attribute) and node.attr == "data" and isinstance(node.ctx, ast.Load):
        return ".data", ("gives the tensor's values without their graph",
                         "use the tensor itself, not its .data")
    if isinstance(node, ast.Compare):
        return "a comparison", _METHODS["bool"]
    name = _called_name(node)
    if name in _METHODS:
        written = f".{name}()" if name in ("item", "tolist", "numpy", "detach", "long", "int",
                                           "bool") else name
        return written, _METHODS[name]
    if name in _MAKERS:
        return f"torch.{name}(...)", ("makes a new tensor from the values, with no history",
                                      "compute the loss with torch ops on the tensors the "
                                      "model returned, not on a copy of their values")
    if name == "float" and isinstance(node.func, ast.Name):
        return "float(...)", _METHODS["item"]
    return None
