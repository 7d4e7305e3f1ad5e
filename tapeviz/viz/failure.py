"""The op that raised, drawn where it happened: a `%%tapeviz` cell that fails shows the ops
that ran and, after them, the failed op (red) with its inputs' shapes, wired to the ops that
made them, its error message and the user's line (torchvista's "partial graph on error").

`add_failed_op` adds it to a `Graph`, `failed_payload` is its inspector and
`failure_alerts` its line among the widget's alerts. The error is the
`OpError` dispatch raised, which names the op and keeps the values it was given. An op
whose error the user's code caught inside a tape's block (GradientTape.caught) is drawn so
too, as kind "caught": it 'raised, caught', and the tape recorded on: nothing says it failed.
"""
from __future__ import annotations

import numpy as np

from ..debugger import op_inputs
from .dot import MAX_LABEL, shape_text
from .graph_items import GraphEdge, GraphNode, _dtype_name

FAILED_ID = "failed"   # the failed op's node id (op nodes are n<i>, leaves v<j> and c<j>)
MAX_LISTED = 4         # inputs the failed node lists (a concat of 20 says how many more)
CAUGHT = "your code caught it; the tape recorded on"   # a caught error's words


def add_failed_op(graph, error, caught: bool = False) -> None:
    """Add `error`'s op to `graph` as a node of kind "failed" ("caught": the user's code
    caught it) that lists its inputs by the names its message uses and their shapes, with an
    edge from the node that made each input (or from a leaf "failed:<i>" holding its shape
    when none did, named alike)."""
    made_by = _producers(graph)
    called, values = _inputs(error)
    for i, value in enumerate(values):
        src = made_by.get(id(value))
        if src is None:
            src = f"{FAILED_ID}:{i}"
            graph.nodes[src] = GraphNode(src, called[i], "constant", shape=np.shape(value),
                                         dtype=_dtype_name(value))
        graph.edges.append(GraphEdge(src, FAILED_ID, tuple(np.shape(value))))
    inputs = [f"{called[i]}: {shape_text(np.shape(value))}" for i, value in enumerate(values)]
    if len(inputs) > MAX_LISTED:
        inputs[MAX_LISTED - 1:] = [f"… {len(inputs) - MAX_LISTED + 1} more inputs"]
    said = f"✗ {error.op} {_happened(caught)}"
    if len(said) > MAX_LABEL:   # a layer's or a loss's long name: what happened is not cut off
        said = f"✗ {error.op}\n{_happened(caught)}"
    label = "\n".join([said] + inputs)
    graph.nodes[FAILED_ID] = GraphNode(FAILED_ID, label, "caught" if caught else "failed",
                                       op=error.op, shape=None, source=error.source, ref=error)


def _happened(caught: bool) -> str:
    return "raised, caught" if caught else "failed"


def failed_payload(node_id: str, error, caught: bool = False) -> dict:
    """The inspector of the failed op: the error as raised, then what each input was, named
    as the graph's node and the ordinary inspector name inputs ('a = h'); one the user's code
    caught says so first."""
    labels, values = _inputs(error)
    rows = [["input", "value"]] + [[label, f"{_dtype_name(value)}{list(np.shape(value))}"]
                                   for label, value in zip(labels, values)]
    sections = [{"title": "Error", "type": "code", "content": str(error)}]
    if caught:
        sections.insert(0, {"title": "Caught", "type": "text", "content": CAUGHT})
    if len(rows) > 1:
        sections.append({"title": "Inputs", "type": "table", "content": rows})
    return {"id": node_id, "title": f"{error.op} {_happened(caught)}: {type(error).__name__}",
            "sections": sections}


def failure_alerts(error, node_id_of, caught: bool = False) -> list:
    """The widget's alert for the op that failed ([] when none): op, line and message; a
    click shows its node (`node_id_of(error)`, "" when the step shown is another). One the
    user's code caught is no error of the tape's: said as caught."""
    if error is None:
        return []
    where = f" at {error.source.location}" if error.source is not None else ""
    if caught:
        return [{"kind": "caught", "message": f"{error.op} raised{where}, and {CAUGHT}: "
                                              f"{error.detail}", "node": node_id_of(error) or ""}]
    return [{"kind": "error", "message": f"{error.op} failed{where}: {error.detail}",
             "node": node_id_of(error) or ""}]


def _inputs(error) -> tuple:
    """(labels, values) of what the failed op was given: the op's own inputs, or, for a
    check that raised before any op ran (a layer's, a loss's), the tensors the user's call
    passed it, by the names its code gives them ('inputs', 'y_true')."""
    if error.input_values is not None or not getattr(error, "given", ()):
        return input_labels(error), error.input_values or ()
    names, values = zip(*error.given)
    return list(names), values


def input_labels(error) -> list:
    """Each input of the failed op labelled as `op_inputs.input_labels` labels any op's: the
    name its message uses, with what the user's line passed when that says more ('a = h')."""
    return op_inputs.input_labels(error.op, error.source, len(error.input_values or ()))


def _producers(graph) -> dict:
    """id(array) -> the id of the graph node whose output (or leaf value) it is."""
    made_by = {}
    for node in graph.nodes.values():
        ref = getattr(node.ref, "node", node.ref)        # a RecordedOp holds its Node
        value = getattr(getattr(ref, "output", ref), "_value", None)
        if value is not None:
            made_by.setdefault(id(value), node.id)
    return made_by
