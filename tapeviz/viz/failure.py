"""The op that raised, drawn where it happened: a `%%tapeviz` cell that fails shows the ops
that ran and, after them, the failed op (red) with its inputs' shapes, wired to the ops that
made them, its error message and the user's line (torchvista's "partial graph on error").

`add_failed_op` adds it to a `Graph`, `failed_payload` is its inspector and
`failure_alerts` its line among the widget's alerts. The error is the
`OpError` dispatch raised, which names the op and keeps the values it was given.
"""
from __future__ import annotations

import numpy as np

from ..ops.registry import REGISTRY
from .graph import GraphEdge, GraphNode, _dtype_name

FAILED_ID = "failed"   # the failed op's node id (op nodes are n<i>, leaves v<j> and c<j>)


def add_failed_op(graph, error) -> None:
    """Add `error`'s op to `graph` as a node of kind "failed", an edge from the node that made
    each input (or a leaf "failed:<i>", named as the op names that input, holding its shape
    when none did)."""
    made_by = _producers(graph)
    names = input_names(error)
    for i, value in enumerate(error.input_values or ()):
        src = made_by.get(id(value))
        if src is None:
            src = f"{FAILED_ID}:{i}"
            graph.nodes[src] = GraphNode(src, names[i], "constant", shape=np.shape(value),
                                         dtype=_dtype_name(value))
        graph.edges.append(GraphEdge(src, FAILED_ID, tuple(np.shape(value))))
    graph.nodes[FAILED_ID] = GraphNode(FAILED_ID, f"✗ {error.op}", "failed", op=error.op,
                                       shape=None, source=error.source, ref=error)


def failed_payload(node_id: str, error) -> dict:
    """The inspector of the failed op: the error as raised, then what each input was."""
    names = input_names(error)
    rows = [["input", "value"]] + [[names[i], f"{_dtype_name(v)}{list(np.shape(v))}"]
                                   for i, v in enumerate(error.input_values or ())]
    sections = [{"title": "Error", "type": "code", "content": str(error)}]
    if len(rows) > 1:
        sections.append({"title": "Inputs", "type": "table", "content": rows})
    return {"id": node_id, "title": f"{error.op} failed: {type(error).__name__}",
            "sections": sections}


def failure_alerts(error, node_id_of) -> list:
    """The widget's alert for the op that failed ([] when none): op, line and message; a
    click shows its node (`node_id_of(error)`, "" when the step shown is another)."""
    if error is None:
        return []
    where = f" at {error.source.location}" if error.source is not None else ""
    return [{"kind": "error", "message": f"{error.op} failed{where}: {error.detail}",
             "node": node_id_of(error) or ""}]


def input_names(error) -> list:
    """What the failed op calls each input it was given ('a', 'b' for matmul), else
    'input <i>'."""
    op = REGISTRY.get(error.op)
    named = op.input_names if op is not None else ()
    return [named[i] if i < len(named) else f"input {i}"
            for i in range(len(error.input_values or ()))]


def _producers(graph) -> dict:
    """id(array) -> the id of the graph node whose output (or leaf value) it is."""
    made_by = {}
    for node in graph.nodes.values():
        ref = getattr(node.ref, "node", node.ref)        # a RecordedOp holds its Node
        value = getattr(getattr(ref, "output", ref), "_value", None)
        if value is not None:
            made_by.setdefault(id(value), node.id)
    return made_by
