"""The one place the adapter makes a `Node`: a torch call's (mode.py) or an optimizer's
update of one parameter (updates.py), with the fields dispatch gives the numpy engine's."""
from __future__ import annotations

from ..node import Node

_new = object.__new__


def make_node(op, inputs: tuple, output, params: dict, scope: str, source) -> Node:
    """A forward-phase Node of `op` on `inputs` (tapeviz Tensors, copies) making `output`."""
    node = _new(Node)
    node.op = op
    node.inputs = inputs
    node.output = output
    node.params = params
    node.input_ids = tuple(id(getattr(t, "variable", t)) for t in inputs)
    node.output_id = id(output)
    node.phase = "forward"
    node.scope = scope
    node.source = source
    return node
