"""A loss that reads the wrong tensor, for torch's bare "element 0 of tensors does not
require grad and does not have a grad_fn" when nothing cut the loss off the graph
(`graph_cut`): `loss = huber(y, x)` where `huber(y, y_pred)` is meant, made from data alone
while the prediction, which requires grad, is left unused. Read once, when the error is
raised, from the frame that called backward: the one assignment to the loss that reaches
the call, the names it read (none requiring grad) and the frame's tensors that require grad
with a grad_fn and are read by nothing after they were made.
"""
from __future__ import annotations

import ast

import torch

from ..debugger.label_source import innermost_scope, names_read
from ..debugger.reaching import bindings_reaching
from ..sourceinfo import SourceInfo, source_from
from .graph_cut import loss_name


def unused_prediction_note(frame, roots: list) -> str | None:
    """The note for a backward pass from `frame` (the user's, at the backward call) refused
    because its loss, of `roots`, requires no grad though the loss's line reads no value that
    does and a tensor the frame made from trained values goes unread; else None."""
    if frame is None or any(root.requires_grad for root in roots):
        return None
    source = source_from(frame)
    loss = loss_name(source) if source is not None else None
    _, scope = innermost_scope(source.filename, source.lineno) if loss else (None, None)
    if scope is None:
        return None
    bindings = bindings_reaching(scope, loss, source.lineno)
    if len(bindings) != 1 or not isinstance(bindings[0], ast.Assign):
        return None
    made = bindings[0]
    names = {**frame.f_globals, **frame.f_locals}
    read = [name for name in names_read(made.value) if isinstance(names.get(name),
                                                                 (torch.Tensor, torch.nn.Module))]
    if not read or any(_trains(names[name]) for name in read):
        return None   # (what it read requires grad: graph_cut's case)
    unused = [(binding.lineno, name) for name, value in frame.f_locals.items()
              if isinstance(value, torch.Tensor) and value.grad_fn is not None
              and value.requires_grad
              for binding in bindings_reaching(scope, name, made.lineno)[-1:]
              if binding.lineno < made.lineno and isinstance(binding, ast.Assign)]
    if not unused:
        return None
    lineno, prediction = max(unused)
    at = SourceInfo(source.filename, made.lineno, source.function)
    return (f"tapeviz: {loss} does not require grad, so backward() has nothing to "
            f"differentiate: it is made from {', '.join(read)}, none of which requires grad, "
            f"while {prediction}, which does (line {lineno}), is not read by it: does the loss "
            f"read the wrong tensor (an input where the prediction is meant)?; fix: compute "
            f"{loss} from {prediction}" + at.placed())


def _trains(value) -> bool:
    """Whether `value` requires grad, or is a module holding parameters that do."""
    if isinstance(value, torch.nn.Module):
        return any(parameter.requires_grad for parameter in value.parameters())
    return value.requires_grad
