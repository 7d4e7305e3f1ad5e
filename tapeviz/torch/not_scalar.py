"""A backward pass started from a loss that is not one number, for torch's bare "grad can be
implicitly created only for scalar outputs".

The usual cause: a loss kept per example (`nn.MSELoss(reduction='none')`, or a loss written
by hand, `(out - y) ** 2`, never averaged). Torch's message names neither the loss, its
shape, nor the line that made it. Read once, when the error is raised: the loss's name from
the backward call's line, the line that made it (the recorded op's, where one was recorded,
else the one assignment that reaches the call and whose last op, read from its text, can be
the loss's grad_fn's: of `loss = d.abs().mean()` and `loss = d ** 2` in two branches, the
latter; of two that both end in `** 2`, both, said as such), and whether that line asked
for `reduction='none'`, there or where the loss function it calls was made. Nothing is
kept or run before the error.
"""
from __future__ import annotations

import ast
import re

import torch

from ..debugger.label_source import innermost_scope
from ..debugger.reaching import bindings_at_end, bindings_reaching
from ..sourceinfo import SourceInfo, source_from
from .graph_cut import loss_name
from ..statements import parse_source


def not_scalar_note(frame, roots: list, made_at=None) -> str | None:
    """The note for a backward pass from `frame` (the user's, at the backward call) refused
    because a root of `roots` holds more than one number; `made_at`: the line of the
    recorded op that made it, when one was recorded."""
    loss = next((root for root in roots if isinstance(root, torch.Tensor)
                 and root.numel() != 1), None)
    if loss is None or frame is None:
        return None
    source = source_from(frame)
    name = loss_name(source) if source is not None else None
    what = name or "the tensor backward() was given"
    candidates = [made_at] if made_at is not None else _made_at(source, name, loss.grad_fn)
    at = candidates[0] if len(candidates) == 1 else None
    names = {**frame.f_globals, **frame.f_locals} if at is not None \
        and at.function == source.function else {}   # (made in a helper: its names unknown)
    reduced = _reduced_per_example(at, names) if at is not None else None
    note = (f"tapeviz: {what} has shape {tuple(loss.shape)}, {loss.numel()} numbers, not one: "
            f"backward() differentiates a single number (a scalar), unless given the "
            f"gradient of each element (gradient=); ")
    if reduced is not None:
        note += (f"{reduced} asked for one loss per example (reduction='none'); fix: leave "
                 f"reduction at its default, 'mean', or reduce it before backward(): "
                 f"{name or 'loss'}.mean()")
    else:
        note += (f"fix: reduce it to one number before backward(): {name or 'loss'}.mean() "
                 f"(the batch's average, as torch's losses give by default; .sum() scales "
                 f"the gradient with the batch size)")
    if len(candidates) > 1:
        note += "\n  made by one of these assignments, whichever ran:"
    for line in candidates:
        note += line.placed()
    return note


def _made_at(source, name: str | None, grad_fn=None) -> list:
    """The lines of the assignments to `name` that reach the line of `source` (in its
    function, else, for a global the function reads, in its module) and could have made a
    tensor whose last op is `grad_fn`'s: several when branches end in the same op and no
    recorded op chooses; [] when none does, or one is no plain assignment (`for loss in`)."""
    tree, scope = innermost_scope(source.filename, source.lineno) if name else (None, None)
    if scope is None:
        return []
    bindings, function = bindings_reaching(scope, name, source.lineno), source.function
    if not bindings and scope is not tree:
        bindings, function = bindings_at_end(tree, name), "<module>"
    if len(bindings) > 1 and grad_fn is not None:
        ran = _BACKWARD_SUFFIX.sub("", type(grad_fn).__name__).lower()
        bindings = [binding for binding in bindings if _last_op(binding) in (None, ran)]
    if not all(isinstance(binding, (ast.Assign, ast.AnnAssign)) for binding in bindings):
        return []
    return [SourceInfo(source.filename, binding.lineno, function) for binding in bindings]


_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")
# the last op of an assignment's value -> its grad_fn's name, less 'Backward0', lower case
_OPERATORS = {ast.Pow: "pow", ast.Mult: "mul", ast.Add: "add", ast.Sub: "sub",
              ast.Div: "div", ast.USub: "neg"}
_METHODS = {"mean": "mean", "sum": "sum", "abs": "abs", "square": "pow", "exp": "exp",
            "log": "log"}


def _last_op(binding) -> str | None:
    """The grad_fn name (as `_made_at` compares it) of the op assignment `binding` runs last,
    where its text tells (`a ** 2`, `x.mean()`, `torch.sum(x)`), else None (a loss
    function's call: any)."""
    value = getattr(binding, "value", None)
    if isinstance(binding, ast.AugAssign):
        return _OPERATORS.get(type(binding.op))
    if isinstance(value, (ast.BinOp, ast.UnaryOp)):
        return _OPERATORS.get(type(value.op))
    if isinstance(value, ast.Call):
        called = value.func
        return _METHODS.get(called.attr if isinstance(called, ast.Attribute) else
                            getattr(called, "id", None))
    return None


def _reduced_per_example(at: SourceInfo, names: dict) -> str | None:
    """What on the line `at` asked for reduction='none': 'F.mse_loss' given it there, or
    'criterion, made at <line>,' for a loss module made with it that the line calls (its
    name's value in `names`)."""
    try:
        statement = parse_source(at.statement)
    except SyntaxError:
        return None
    for call in ast.walk(statement):
        if not isinstance(call, ast.Call):
            continue
        if any(keyword.arg == "reduction" and isinstance(keyword.value, ast.Constant)
               and keyword.value.value == "none" for keyword in call.keywords):
            return ast.unparse(call.func)
        called = names.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if isinstance(called, torch.nn.Module) and getattr(called, "reduction", None) == "none":
            made = _made_at(at, call.func.id)
            return f"{call.func.id}{f', made at {made[0]},' if len(made) == 1 else ''}"
    return None
