"""The one place the adapter makes a `Node`: a torch call's (mode.py) or an optimizer's
update of one parameter (updates.py), with the fields dispatch gives the numpy engine's."""
from __future__ import annotations

import torch

from ..node import Node
from . import values

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


def other_outputs(node: Node, result, name_of) -> tuple:
    """A Node for each tensor a call returned beside `node.output`'s (torch.max's indices,
    split's pieces, an LSTM's (h, c)): `node`'s op on its inputs, `params["output"]` its
    position, as the numpy engine writes a many-output op as one op per output; so an op
    that reads one is linked to the call that made it."""
    first = node.output
    made = []
    for position, tensor in enumerate(_tensors(result)):
        copy = values.snapshot(tensor, name_of)
        if copy is not first:
            made.append(make_node(node.op, node.inputs, copy, {**node.params, "output": position},
                                  node.scope, node.source))
    return tuple(made)


def _tensors(result) -> list:
    """The tensors in a call's result, nested tuples flattened (an LSTM's (out, (h, c)))."""
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (list, tuple)):
        return [t for item in result for t in _tensors(item)]
    return []
