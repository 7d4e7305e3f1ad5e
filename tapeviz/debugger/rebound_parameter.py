"""A torch parameter replaced by a tensor computed from it: `w = w - lr * w.grad` outside
`torch.no_grad()`. The new `w` is no leaf (autograd tracks it as a function of the old
one), so backward leaves its `.grad` None and the next `lr * w.grad` fails on None with
Python's own TypeError, which no torch call raised and no note can reach. Inside
`torch.no_grad()` the new `w` requires no grad at all, and the next backward() fails. (The numpy
engine's `w = w - lr * g` is `rebound.py`'s.) Found from a recorded step: a `sub` of a
parameter's value and a multiple of the gradient the step before left it, whose output the
forward pass then reads in the parameter's place.
"""
from __future__ import annotations

import ast

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .findings import Finding
from .numerics import _where
from .op_index import role
from .summary import _array
from .variable_names import shown_name
from ..statements import parse_source

LOOKED_AT = 4   # the last steps read (a kept torch step's ops are run again on a first look)


def parameters_rebound(steps) -> list:
    """A Finding when one of the last LOOKED_AT recorded torch steps subtracted from a
    parameter's value a multiple of its gradient of the step before and read the result as
    its forward's input."""
    last = steps[-LOOKED_AT:]   # (the loop fails on the step after: the rebinding is last)
    for before, step in zip(last, last[1:]):
        gradients = before.variable_gradients
        if not gradients:
            continue
        ops = [op for op in step.ops if op.node.phase == "forward"]
        nodes = [op.node for op in ops]
        made = {node.output_id: node for node in nodes}
        for position, node in enumerate(nodes):
            if engine_of(node.op) != "torch" or role(node.op) != "subtract" or \
                    len(node.inputs) != 2 or type(node.inputs[0]) is not VariableRead:
                continue
            variable = node.inputs[0].variable
            gradient = gradients.get(variable.name)
            step_made = made.get(node.input_ids[1])
            if gradient is None or step_made is None or not any(
                    np.array_equal(_array(x), _array(gradient)) for x in step_made.inputs):
                continue
            if any(node.output_id in later.input_ids for later in nodes[position + 1:]):
                return [_finding(variable, node, step, tracked=ops[position].taped)]
    return []


def _assigned_name(source) -> str | None:
    """The one name the statement at `source` assigns (`w` of `w = w - lr * w.grad`)."""
    try:
        tree = parse_source(source.statement) if source is not None else None
    except SyntaxError:
        return None
    assign = tree.body[0] if tree is not None and tree.body else None
    if isinstance(assign, ast.Assign) and len(assign.targets) == 1 and \
            isinstance(assign.targets[0], ast.Name):
        return assign.targets[0].id
    return None


def _finding(variable, node, step, tracked: bool) -> Finding:
    """`tracked`: autograd recorded the rebinding (it ran outside torch.no_grad())."""
    name = _assigned_name(node.source) or shown_name(variable)   # (the rebinding reads
    #                                               as the name's second binding: 'leaf:0')
    if tracked:
        what = (f"outside torch.no_grad(): the new {name} is no leaf (autograd tracks it as a "
                f"function of the old parameter), so backward leaves its .grad None, the next "
                f"update fails on `lr * None` (Python's TypeError), and each step's graph "
                f"reaches back through every update before it")
    else:
        what = (f"inside torch.no_grad(): the new {name} is a plain tensor that does not "
                f"require grad, no longer the parameter, so the forward pass after it builds "
                f"no graph and its backward() fails ('element 0 of tensors does not require "
                f"grad')")
    message = (f"{name} is replaced by a tensor computed from it, at {_where(node.source)} "
               f"(step {step.number}), {what}; fix: update the parameter in place, "
               f"untracked: with torch.no_grad(): "
               f"{name} -= lr * {name}.grad, then {name}.grad.zero_() (or "
               f"torch.optim.SGD([...], lr) and optimizer.step())")
    return Finding("parameter_rebound", message, node, variables=(variable.name,))
