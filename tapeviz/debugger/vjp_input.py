"""Which input of a forward node the VJP running on this thread computes the gradient of now,
for a pause inside it (`PausePoint.after_op`): read from the training thread's own stack at
the pause, so a backward step pays nothing for it. An op's output shape cannot tell it: a
square matmul's inputs share one, and an intermediate may share an input's."""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap

from ..backward import _ADVANCE
from .label_source import own_nodes
from ..statements import parse_source


def gradient_input(forward_node) -> int | None:
    """The index of `forward_node`'s input whose gradient the running VJP computes now: the
    input whose own rule is running (defop's per-input form, `input_grads.rules`); for one
    VJP function of every input (`input_grads.vjp`), the element of its returned tuple that
    the call running in it makes, or the name bound to it there; the only input of an op of
    one; else None."""
    input_grads = getattr(forward_node.op, "input_grads", None)
    if len(forward_node.inputs) == 1:
        return 0
    rules = getattr(input_grads, "rules", None)
    functions = rules or (getattr(input_grads, "vjp", None),)
    codes = [getattr(function, "__code__", None) for function in functions]
    frame = _frame_running(codes)
    if frame is None:
        return None
    if rules:
        return codes.index(frame.f_code) if codes.count(frame.f_code) == 1 else None
    return _returned_element(functions[0], frame)


def _frame_running(codes: list):
    """The frame of this thread running one of `codes`, below the innermost backward pass's
    own frame (a nested pass's VJPs are its own), or None."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code is not _ADVANCE:
        if frame.f_code in codes:
            return frame
        frame = frame.f_back
    return None


def _returned_element(vjp, frame) -> int | None:
    """The position in the tuple `vjp` returns of what the call running in `frame` (vjp's
    own) computes: the call is written inside that element (`return g, reduce_sum(g)`), or
    inside the value of an assignment to the name the element is (`db = ...; return dx, db`).
    None when its source cannot be read or says neither."""
    try:
        lines, first = inspect.getsourcelines(vjp)
        source = "".join(lines)
        indent = len(source) - len(source.lstrip(" "))
        tree = parse_source(textwrap.dedent(source))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0] if tree.body else None
    positions = list(frame.f_code.co_positions())
    if not isinstance(definition, ast.FunctionDef) or frame.f_lasti // 2 >= len(positions):
        return None
    line, _, column, _ = positions[frame.f_lasti // 2]
    if line is None or column is None:
        return None
    at = (line - first + 1, column - indent)   # in the dedented source's coordinates

    def holds(node) -> bool:
        return (node.lineno, node.col_offset) <= at < (node.end_lineno, node.end_col_offset)

    own = list(own_nodes(definition))
    bound = {target.id: node.value for node in own if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)}
    found = set()
    for node in own:
        if isinstance(node, ast.Return) and isinstance(node.value, (ast.Tuple, ast.List)):
            found.update(i for i, element in enumerate(node.value.elts)
                         if holds(element) or isinstance(element, ast.Name)
                         and element.id in bound and holds(bound[element.id]))
    return found.pop() if len(found) == 1 else None

