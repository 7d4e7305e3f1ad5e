"""A loss that reads the wrong tensor: made inside the `with tape:` block from none of the
values the tape tracks (`huber(y, x)` where `huber(y, y_pred)` is meant), while the tape
recorded what the variables made (the prediction) and nothing used it. TF says only that
no gradient was provided; `why_none` names the loss's line and the prediction left unused.
"""
from __future__ import annotations

import ast

from .findings import Finding
from .label_source import innermost_scope, own_nodes
from .numerics import _op_name, _where
from ..statements import parse_source


def prediction_left_unused(name: str, outlines, loose: set, made: list) -> Finding | None:
    """The Finding when the target, made at one of lines `made` (the arms of an `if`), was
    not recorded though the tape recorded ops computed from the source (`loose`: ids that
    depend on it), the first of them in the same `with` block as each of `made`; else None
    (the target made outside the block, or at a line not known: see `unread_prediction`)."""
    from_source = [outline for outline in outlines if outline.output_id in loose]
    if not made or not from_source:
        return None
    first, last = from_source[0], from_source[-1]
    if not all(_same_with_block(line, first.source) for line in made):
        return None
    made_at = " or at ".join(_where(line) for line in made)
    whichever = ", whichever ran" if len(made) > 1 else ""
    message = (f"the target (made at {made_at}{whichever}) reads none of the values the tape "
               f"tracks: it is computed from constants and inputs alone, so it does not depend "
               f"on {name}; yet the tape recorded {name} read by {_op_name(first)} at "
               f"{_where(first.source)}, and what was computed from it (last: "
               f"{_op_name(last)} at {_where(last.source)}) is used by nothing that made the "
               f"target: does the loss read the wrong tensor (an input where the prediction "
               f"is meant)?; fix: compute the loss from {_assigned(last.source)}")
    return Finding("prediction_unused", message, last, made[0])


def unread_prediction(outlines, loose: set) -> str:
    """For a target made at a line the text does not show (a method's or another file's
    helper returned it): '' or words that ask whether it reads the wrong tensor, naming what
    the tape recorded from the source (`loose`); the target may as well have been made
    outside the block, from it, so they only ask."""
    from_source = [outline for outline in outlines if outline.output_id in loose]
    if not from_source:
        return ""
    last = from_source[-1]
    return (f"; if it was computed inside the block, it reads nothing the tape recorded from "
            f"the variables (last: {_op_name(last)} at {_where(last.source)}): does the loss "
            f"read the wrong tensor (an input where the prediction is meant)? compute it from "
            f"{_assigned(last.source)}")


def _same_with_block(made, read) -> bool:
    """Whether lines `made` and `read` are in one `with` block of one function."""
    if read is None or made.filename != read.filename:
        return False
    _, scope = innermost_scope(made.filename, made.lineno)
    return scope is not None and any(
        isinstance(node, (ast.With, ast.AsyncWith))
        and node.lineno < made.lineno <= node.end_lineno
        and node.lineno < read.lineno <= node.end_lineno for node in own_nodes(scope))


def _assigned(source) -> str:
    """'y_pred' for the statement at `source` when it assigns one name, else words."""
    try:
        statement = parse_source(source.statement or "").body
    except SyntaxError:
        statement = []
    if len(statement) == 1 and isinstance(statement[0], ast.Assign) \
            and len(statement[0].targets) == 1 and isinstance(statement[0].targets[0], ast.Name):
        return f"{statement[0].targets[0].id}, the prediction"
    return "the prediction the variables make"
