"""A step function on a variable's way to the loss (`round(w * x + b)` in a regression's
prediction): round, floor, ceil, trunc and sign have a zero derivative wherever it is
defined, so torch passes back exactly zero and the variable never trains (TF's have no
gradient at all: `why_none` names those). The zero gradient's finding names the op.
"""
from __future__ import annotations

ZERO_DERIVATIVE = frozenset({"round", "floor", "ceil", "trunc", "sign", "fix"})


def first_after(nodes, reader, blocks):
    """The first node of `nodes` (a step's forward nodes, in order) for which `blocks(node)`
    holds that reads what `reader` (the op that read the variable) made, directly or through
    other ops; None when none does."""
    reached = {reader.output_id}
    for node in nodes[nodes.index(reader) + 1:]:
        if any(i in reached for i in node.input_ids):
            if blocks(node):
                return node
            reached.add(node.output_id)
    return None


def step_function_after(nodes, reader):
    """The first op with a zero derivative on the way from `reader` (see `first_after`)."""
    return first_after(nodes, reader, lambda node: node.op.name in ZERO_DERIVATIVE)
