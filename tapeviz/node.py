"""`Node`: one executed op, the unit that tapes record, events carry and the debugger shows.

Dispatch makes one per op that a tape records or someone hears, and nothing changes it
afterwards, so a tape, the recorder's history and the widget share one without copying.
"""
from __future__ import annotations

# What a Recorder keeps of an op until its step is packed, one tuple an op (dispatch builds
# it inline from its locals: a field read from a node in C costs more than the whole tuple):
# the node, whether a tape kept it, its duration, then the node's fields the packed step keeps.
ROW_FIELDS = ("node", "taped", "duration", "op", "value", "output_id", "input_ids", "params",
              "phase", "scope", "source", "inputs")


def row(node, taped: bool, duration: float) -> tuple:
    """The Recorder's row of `node` (see ROW_FIELDS), for an op dispatch did not append."""
    return (node, taped, duration, node.op, node.output._value, node.output_id, node.input_ids,
            node.params, node.phase, node.scope, node.source, node.inputs)


class Node:
    """One executed op: what ran, on what, what came out, and where in user code."""

    __slots__ = ("op", "inputs", "output", "params", "input_ids", "output_id", "phase", "scope",
                 "source", "__weakref__")

    # made by dispatch, which sets these fields (and made again, alike, by the Recorder from
    # a packed step's columns: debugger/packed.py):
    # op          the registered Op that ran
    # inputs      tuple of Tensors, the values the op saw
    # output      the Tensor it made
    # params      static attributes (axis, perm, strides, ...)
    # input_ids   id() of each argument as passed (a Variable's own id)
    # output_id   id(output): what tapes and the backward pass track the output by
    # phase       "forward", or "backward" for an op inside a VJP
    # scope       the layer path (name scope) it ran under, or ""
    # source      the user's SourceInfo (file, line, function), or None

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.inputs)
        source = self.source
        where = f" at {source.location}" if source else ""
        return f"<Node {self.op.name}({shapes}) -> {self.output.shape}{where}>"

