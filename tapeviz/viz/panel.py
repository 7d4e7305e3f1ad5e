"""What the TapeWidget's panels say, as plain data: a node's inspector (with the stepping's
gradients and its buttons), the backward-stepping panel, the alerts, and the gradient shading
of a recorded step that is being stepped again.

These are functions of the debugger's objects (a `Graph` node, a `BackwardStepper`, a
`Scene`) that return JSON-ready dicts and lists; they hold no state and know nothing of
traits. widget.py decides what is shown (which step, which node, which groups are open)
and syncs what these return into its traits; `inspect.py` builds the sections of one node.
"""
from __future__ import annotations

import numpy as np

from ..debugger.diagnosis import diagnose
from ..debugger.numerics import find_nan_origin
from ..debugger.recorder import Recorder
from ..debugger.summary import summarize
from .inspect import inspect_node

MAX_ALERTS = 20
NODE_ACTIONS = ["break_op", "break_line", "clear_breaks", "gradcheck"]   # op nodes' buttons


def dispatch_node_of(graph_node):
    """The dispatch Node behind a graph node (a RecordedOp holds one), or None for leaves."""
    ref = graph_node.ref
    node = getattr(ref, "node", ref)
    return node if hasattr(node, "op") and hasattr(node, "inputs") else None


def node_payload(graph_node, stepper=None, gradcheck: str | None = None,
                 collapsible: bool = False) -> dict:
    """The inspector of one node: `inspect_node`'s sections, plus the gradient the stepping
    has brought to it, a finished gradient check, and the buttons that apply to it."""
    dispatch_node = dispatch_node_of(graph_node)
    grad = input_grads = None
    if stepper is not None and dispatch_node is not None:
        grad = stepper.grads.get(id(dispatch_node.output))
        last = stepper.last_step
        if last is not None and last.node is dispatch_node:
            input_grads = last.input_grads
    payload = inspect_node(graph_node, grad=grad, input_grads=input_grads)
    if gradcheck is not None:
        payload["sections"].append({"title": "Gradient check", "type": "code",
                                    "content": gradcheck})
    payload["actions"] = list(NODE_ACTIONS) if dispatch_node is not None else []
    if collapsible:
        payload["actions"].append("collapse")
    return payload


def group_payload(node_id: str, group) -> dict:
    """The inspector of a collapsed group: its size, and how to open it."""
    return {"id": node_id, "title": f"{group.label}", "actions": [],
            "sections": [{"title": "Group", "type": "text",
                          "content": f"{len(group.members)} nodes; click it again to expand"}]}


def stepper_state(stepper, node_id_of) -> dict:
    """The stepping panel: steps applied, the last VJP (node id via `node_id_of`, op, line,
    upstream and input gradients) and each source's gradient so far, as summaries."""
    last = stepper.last_step
    state = {"count": stepper.count, "done": stepper.done, "node": "", "op": "",
             "upstream": "", "input_grads": [], "source": "",
             "gradients": [[_name(s), _summary(stepper.gradient(s))]
                           for s in stepper.flat_sources]}
    if last is not None:
        node = last.node
        state.update(node=node_id_of(node), op=node.op.name,
                     upstream=_summary(last.upstream),
                     input_grads=[_summary(g) for g in last.input_grads],
                     source=_where(node.source))
    return state


def find_alerts(scene, node_id_of) -> list:
    """[{kind, message, node}]: where a NaN was born, then the diagnoses of the shown step
    (and, for a Recorder, of its gradient history); at most MAX_ALERTS."""
    nodes = scene.nodes()
    alerts = []
    origin = find_nan_origin(nodes)
    if origin is not None:
        alerts.append({"kind": "nan", "message": f"{origin.op} {origin.headline()}",
                       "node": node_id_of(origin.node)})
    findings = diagnose(nodes) if nodes else []
    if isinstance(scene.source, Recorder):
        history = [step.variable_gradients for step in scene.source.steps
                   if step.variable_gradients]
        if history:
            findings += diagnose(history=history)
    for finding in findings:
        if finding.kind == "nan":
            continue  # the origin above already says it, with its node
        node_id = node_id_of(finding.node) if finding.node is not None else ""
        alerts.append({"kind": finding.kind, "message": finding.message, "node": node_id})
    return alerts[:MAX_ALERTS]


def shade(graph, grads) -> None:
    """Gradient norms from a running backward pass, for a graph drawn from a recorded step."""
    for graph_node in graph.nodes.values():
        node = dispatch_node_of(graph_node)
        if node is not None:
            grad = grads.get(id(node.output))
            graph_node.grad_norm = None if grad is None else _norm(grad)
    norms = {gid: n.grad_norm for gid, n in graph.nodes.items()}
    for edge in graph.edges:
        edge.grad_norm = norms.get(edge.src)


def _norm(tensor) -> float:
    value = np.asarray(tensor._value, np.float64)
    return float(np.sqrt(np.sum(value * value)))


def _summary(tensor) -> str:
    return "None" if tensor is None else summarize(tensor)


def _name(source) -> str:
    return getattr(source, "name", None) or f"{source.dtype.name}{list(source.shape)}"


def _where(source) -> str:
    if source is None:
        return ""
    short = source.filename.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{short}:{source.lineno}  {source.line}".rstrip()
