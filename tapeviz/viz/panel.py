"""What the TapeWidget's panels say, as plain data: a node's inspector (with the stepping's
gradients and its buttons), the backward-stepping panel, the alerts, and the gradient shading
of a recorded step that is being stepped again.

These are functions of the debugger's objects (a `Graph` node, a `BackwardStepper`, a
`Scene`) that return JSON-ready dicts and lists; they hold no state and know nothing of
traits. widget.py decides what is shown (which step, which node, which groups are open)
and syncs what these return into its traits; `inspect.py` builds the sections of one node.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..debugger.diagnosis import diagnose
from ..debugger.recorder import Recorder
from ..debugger.summary import summarize
from ..debugger.variable_names import shown_names
from ..nonfinite import in_pass, nonfinite_kinds
from ..op_place import op_place
from ..sourceinfo import SourceInfo
from ..tape import GradientTape
from ..tensor import Tensor
from ..variable import Variable
from .failure import failure_alerts
from .graph_items import gradient_norm
from .inspect import NO_INPUT_GRADIENT, input_name, inspect_node
from .nan_note import born_words
from .vocabulary import TORCH_WORDS, UNHEARD, torch_unheard, words_of

MAX_ALERTS = 20
LEAF_KINDS = ("variable", "input", "constant", "gradient")   # nodes no drawn op made
NOT_YET = "not computed yet"
NO_GRADIENT = ("none flows here (it lies on no path from the target back to a variable or "
               "watched tensor)")
NODE_ACTIONS = ["break_op", "break_line", "clear_breaks", "gradcheck"]   # op nodes' buttons


def dispatch_node_of(graph_node):
    """The dispatch Node behind a graph node (a RecordedOp holds one), or None for leaves."""
    ref = graph_node.ref
    node = getattr(ref, "node", ref)
    return node if hasattr(node, "op") and hasattr(node, "inputs") else None


def node_payload(graph_node, stepper=None, gradcheck: str | None = None,
                 collapsible: bool = False, grad_note: str | None = None,
                 position: tuple | None = None, names: dict | None = None,
                 recorded: dict | None = None, leaf_layout: str = "NHWC") -> dict:
    """The inspector of one node: `inspect_node`'s sections, plus the gradient the stepping
    has brought to it (or `grad_note`, from `gradient_note`, saying why there is none), the
    buttons that apply to it and, under them in `results`, what the last of them found (a
    gradient check). `position`: op_place's (index, total, what holds it) of the node; `names`:
    `inspect_node`'s, the nodes that made its inputs; `recorded`: a recorded step's gradients
    of its variables by name, a variable's until stepping brings one; `leaf_layout`:
    `inspect_node`'s, the layout of the engine that ran the ops."""
    dispatch_node = dispatch_node_of(graph_node)
    grad = input_grads = None
    if stepper is not None and dispatch_node is not None:
        grad = stepper.grads.get(id(dispatch_node.output))
        last = stepper.last_step
        if last is not None and last.node is dispatch_node:
            input_grads = last.input_grads
    elif dispatch_node is None and isinstance(graph_node.ref, Tensor):   # a leaf: a variable's
        leaf = graph_node.ref                                           # gradient is its own
        grad = stepper.grads.get(id(leaf)) if stepper is not None else None
        if grad is None and stepper is None and isinstance(leaf, Variable) and recorded:
            grad = recorded.get(leaf.name)
    payload = inspect_node(graph_node, grad=grad, input_grads=input_grads,
                           grad_note=grad_note, position=position, names=names,
                           leaf_layout=leaf_layout)
    payload["results"] = [] if gradcheck is None else [
        {"title": "Gradient check", "type": "code", "content": gradcheck}]
    payload["actions"] = [] if dispatch_node is None else [
        action for action in NODE_ACTIONS   # the gradient check reruns the op's own VJP:
        if action != "gradcheck" or hasattr(dispatch_node.op, "input_grads")]   # torch's: none
    if dispatch_node is not None:   # the buttons name it: a breakpoint on it stops at every one
        payload["op"] = dispatch_node.op.name
    if collapsible:
        payload["actions"].append("collapse")
    return payload


def gradient_note(stepper, scene, saved: bool = False) -> str | None:
    """What the inspector says of a node the backward pass brought no gradient to: not yet
    (stepping, or a pass that can be stepped), none (the pass is over), or nothing (a list
    of nodes has no pass to run). `saved`: for a saved page, which has no Step button."""
    if stepper is not None and stepper.done:
        return NO_GRADIENT
    step = scene.step
    if stepper is None and step is not None and step.gradients:
        return NO_GRADIENT
    if stepper is None and step is None and scene.tape is None:
        return None
    if saved:
        return NOT_YET + " when this page was saved"
    if stepper is not None:
        return NOT_YET + ": the backward pass has not reached this node; Step or Continue " \
            "goes on"
    if words_of(node.op for node in scene.nodes()[:1]) is TORCH_WORDS:   # loss.backward() ran
        return "not shown yet: Step or Continue replays the backward pass autograd ran"
    return NOT_YET + ": Step or Continue runs the backward pass"


def describe_breakpoint(bp) -> str:
    """A breakpoint as a person reads it: 'break on op abs (0 hits)'."""
    parts = []
    if bp.op:
        parts.append(f"op {', '.join(sorted(bp.op))}")
    if bp.kind:
        parts.append(f"kind {', '.join(sorted(bp.kind))}")
    if bp.layer:
        parts.append(f"layer {bp.layer}")
    if bp.line is not None:
        parts.append(f"line {_where(SourceInfo(bp.file or '', bp.line, ''))}")
    elif bp.file:
        parts.append(f"file {bp.file}")
    if bp.phase:
        parts.append(in_pass(bp.phase) if bp.phase != "vjp" else "backward steps")
    if bp.nan:
        parts.append("a NaN or Inf")
    if bp.condition is not None:
        parts.append("a condition")
    flags = [flag for flag, on in (("once", bp.once), ("disabled", not bp.enabled)) if on]
    hits = len(bp.hits)
    tail = ", ".join([f"{hits} hit" + ("" if hits == 1 else "s")] + flags)
    return f"break on {', '.join(parts) or 'every op'} ({tail})"


def group_payload(node_id: str, group) -> dict:
    """The inspector of a collapsed group: its size, and how to open it."""
    return {"id": node_id, "title": f"{group.label}", "actions": [],
            "sections": [{"title": "Group", "type": "text",
                          "content": f"{len(group.members)} nodes; click it again to expand"}]}


def status_line(graph, shown: int, scene) -> str:
    """The toolbar's count of what is drawn, in the title's numbering: '17 nodes: 10 ops, 2
    variables, 1 input, 4 constants' (a torch program's variables are 'parameters'); ops of
    other phases (a recorded step's backward pass) are said to be left out, and a collapsed
    view says how many boxes are shown."""
    kinds = Counter()
    for kind, number in graph.kinds().items():
        kinds[kind if kind in LEAF_KINDS + ("failed", "caught") else "op"] += number
    drawn, total = kinds["op"], scene.op_count
    ops = counted(drawn, "op")
    if drawn < total:
        ops = f"{drawn} of the {total} ops ({total - drawn} of the backward pass not drawn)"
    if kinds["failed"]:   # the op a cell failed in: drawn, but not an op the tape holds
        ops = f"{ops} and the op that failed" if total else "the op that failed"
    if kinds["caught"]:   # an op whose error the user's code caught in the tape's block
        ops += " and an op that raised (caught)"
    variable = words_of(node.op for node in scene.nodes()[:1])["variable"]
    parts = [ops] + [counted(kinds[kind], variable if kind == "variable" else kind)
                     for kind in LEAF_KINDS if kinds[kind]]
    head = counted(len(graph.nodes), "node")
    if shown != len(graph.nodes):
        head += f", {shown} shown (click a ▸ box to open it)"
    return f"{head}: {', '.join(parts)}"


def empty_message(scene) -> str:
    """What the graph pane says when there is nothing to draw, and how to record something."""
    if isinstance(scene.source, Recorder) and scene.step is None:
        return ("No steps recorded yet. Run your training step while the Recorder is on "
                "(`with Recorder() as rec:`); each tape.gradient call ends a step (in "
                "PyTorch, each optimizer.step(), or loss.backward() with no optimizer). Then show "
                "the widget again." + (f" {UNHEARD}." if torch_unheard() else ""))
    if scene.tape is not None and not isinstance(scene.tape, GradientTape):   # tvt.record()'s
        return ("This tape recorded no ops: tapeviz.torch.record() keeps the torch ops that run "
                "inside its `with` block. Run your model, the loss and loss.backward() inside "
                "`with tvt.record() as tape:` and show the widget again.")
    if scene.tape is not None:
        return ("This tape recorded no ops. A GradientTape records the ops that read a watched "
                "tensor inside its `with` block: a trainable tf.Variable, or a tensor passed "
                "to tape.watch(x). Run your computation inside `with tf.GradientTape() as "
                "tape:` and show the widget again.")
    if scene.step is not None:
        return ("This step recorded no forward ops: nothing ran on a tape while the Recorder "
                "was on.")
    return "No ops to draw: the list of nodes is empty."


def counted(number: int, noun: str) -> str:
    """'1 op', '3 ops': a count as a person reads it."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def stepper_state(stepper, node_id_of, drawn: dict, makers_of=None,
                  holder: str = "the tape") -> dict:
    """The stepping panel: steps applied, the last VJP (node id via `node_id_of`, op, tape
    entry, line, upstream and input gradients) and each source's gradient so far, as summaries,
    a variable by the name the graph draws it by (`drawn`: id(variable) -> that name). Each
    input is named by the op's word and where it came from (`makers_of(node)`: id(input) ->
    'subtract, op 6 of the tape', as the inspector's Inputs table says it): 'x (from
    subtract, op 6 of the tape)'. The op's word alone, 'x', read as the student's own x, the
    batch, in notebook 01. `holder`: what holds the op, in op_place's words ('step 3' of a
    Recorder's step)."""
    last = stepper.last_step
    sources = stepper.flat_sources
    undrawn = [s for s in sources if isinstance(s, Variable) and id(s) not in drawn]
    names = {**shown_names(undrawn, taken=drawn.values()), **drawn} if undrawn else drawn
    state = {"count": stepper.count, "done": stepper.done, "node": "", "op": "",
             "upstream": "", "input_grads": [], "input_names": [], "source": "",
             "gradients": [[names.get(id(s)) or _name(s),
                            _gradient(stepper.gradient(s), stepper.done)] for s in sources]}
    if last is not None:
        node = last.node
        makers = makers_of(node) if makers_of is not None else {}
        came = [makers.get(id(tensor)) for tensor in node.inputs]
        state.update(node=node_id_of(node), op=node.op.name, entry=last.index,
                     place="" if last.index is None else op_place(last.index, of=holder),
                     upstream=summarize(last.upstream),
                     input_grads=[NO_INPUT_GRADIENT if g is None else summarize(g)
                                  for g in last.input_grads],
                     input_names=[input_name(node, i) + (f" (from {came[i]})" if came[i] else "")
                                  for i in range(len(last.input_grads))],
                     source=_where(node.source))
    return state


def find_alerts(scene, node_id_of) -> list:
    """[{kind, message, node}]: `diagnose` of the shown step (a recorded step with its
    gradients; a tape shown with its target is differentiated for the gradient checks) and,
    for a Recorder, of all its steps (where NaN was first born, divergence, gradients that
    never change): what `diagnose(recorder)` says of its last step; NaN first, at most
    MAX_ALERTS. A finding about an op of another step points at the same op and line here.
    The op the shown step failed at (scene.shown_failure) comes first."""
    failure = scene.shown_failure()
    alerts = [{**alert, "label": alert_label(alert["kind"])} for alert in
              failure_alerts(failure, node_id_of, caught=failure is scene.caught)]
    nodes = scene.nodes()
    recorder = scene.source if isinstance(scene.source, Recorder) else None
    if not nodes and recorder is None:
        return alerts
    tape, step = scene.tape, scene.step
    recording = step if step is not None else (
        tape if tape is not None and not tape.freed else nodes)
    findings = diagnose(recording, scene.target, sources=scene.sources, history=recorder)
    return alerts + alert_list(findings, nodes, node_id_of, MAX_ALERTS - len(alerts))


def alert_list(findings, nodes, node_id_of, limit: int = MAX_ALERTS) -> list:
    """[{kind, label, message, node, location}] of `diagnose`'s findings, NaN first, at most
    `limit`; `label` is what every renderer writes before the message (`alert_label`);
    `node` is the id (via `node_id_of`) of the finding's op among the shown `nodes`, or "";
    `location` the user's line as the message writes it (kept whole on screen); a NaN/Inf
    alert's `born`, the op and line it was born at (nan_note.born_words)."""
    alerts = []
    for finding in sorted(findings, key=lambda finding: finding.kind != "nan")[:limit]:
        node = _shown_node(finding.node, nodes)
        label = alert_label(finding.kind, finding.node)
        alerts.append({"kind": finding.kind, "label": label, "message": finding.message,
                       "node": node_id_of(node) if node is not None else "",
                       "location": finding.source.location if finding.source else ""})
        if finding.kind == "nan":   # where it was born, as the inspector's note says it
            alerts[-1]["born"] = born_words(finding, label)
    return alerts


def alert_label(kind: str, node=None) -> str:
    """An alert's label: the kind in words ("outer broadcast"); for a NaN/Inf finding, what
    its op's output held ("-inf", "NaN and inf"), as numpy prints it, else what came into it,
    else "NaN/Inf" (the kind "nan" stands for both, and an Inf alert labelled "nan" misled).

    >>> alert_label("outer_broadcast")
    'outer broadcast'
    """
    if kind != "nan":
        return kind.replace("_", " ")
    tensors = [getattr(node, "output", None), *getattr(node, "inputs", ())] if node else []
    for tensor in tensors:
        held = " and ".join(nonfinite_kinds(getattr(tensor, "_value", None), nan="NaN"))
        if held:
            return held
    return "NaN/Inf"


def _shown_node(node, nodes):
    """`node` if shown, else the shown node of the same op, layer and line (or None)."""
    if node is None or any(n is node for n in nodes):
        return node
    return next((n for n in nodes if n.op is node.op and n.scope == node.scope
                 and n.source == node.source), None)


def shade(graph, grads) -> None:
    """Gradient norms from a running backward pass, for a graph drawn from a recorded step:
    its ops' and its variables' (a variable the pass has not reached yet is drawn as having
    none, as the stepper's 'd loss/d w: not computed yet' beside it says)."""
    for graph_node in graph.nodes.values():
        node = dispatch_node_of(graph_node)
        key = id(node.output) if node is not None else (
            id(graph_node.ref) if graph_node.kind == "variable" else None)
        if key is not None:
            grad = grads.get(key)
            graph_node.grad_norm = None if grad is None else _norm(grad)
    norms = {gid: n.grad_norm for gid, n in graph.nodes.items()}
    for edge in graph.edges:
        edge.grad_norm = norms.get(edge.src)


class StepShading:
    """The gradient norms a backward stepping brings to a drawn graph, updated after each
    step for the nodes whose gradient it changed, so a Step costs what it changes on screen,
    not a rebuild of the graph. The norms are those a rebuild computes: `Graph.from_nodes`
    with the stepper's gradients for a tape (every node, its alarm too), `shade` for a
    recorded step (its ops and variables; its constants keep the recording's)."""

    def __init__(self, graph, recorded: bool):
        self.graph = graph
        self.recorded = recorded
        self.seen: dict = {}      # the gradients shown: key -> gradient
        self.stale: set = set()   # nodes whose edges in `graph` do not show their norm yet

    def update(self, grads) -> dict:
        """Shade the nodes whose gradient changed since the last update; returns
        {their id: (norm, nonfinite) before}."""
        graph = self.graph
        if self.recorded and not self.seen:   # the first: every op leaves the recording's norm
            before = {node_id: (node.grad_norm, node.nonfinite)
                      for node_id, node in graph.nodes.items()}
            shade(graph, grads)
            self.seen = dict(grads)
            return before
        seen, keys, nodes = self.seen, graph.gradient_keys, graph.nodes
        changed = [key for key, grad in grads.items() if seen.get(key) is not grad]
        changed += [key for key in seen if key not in grads]   # consumed by the pass
        self.seen = dict(grads)
        touched = {}
        for key in changed:
            node_id = keys.get(key)
            if node_id is None or (self.recorded and node_id[0] == "c"):
                continue
            grad, graph_node = grads.get(key), nodes[node_id]
            touched[node_id] = (graph_node.grad_norm, graph_node.nonfinite)
            if self.recorded:
                graph_node.grad_norm = None if grad is None else _norm(grad)
            else:
                graph_node.grad_norm = norm = gradient_norm(grad)
                graph_node.nonfinite = graph_node.bad_value or not (
                    norm is None or np.isfinite(norm))
        self.stale.update(touched)
        return touched

    def sync_edges(self) -> None:
        """Give the graph's edges out of the nodes shaded so far their norms (each shows its
        source's): before the graph is collapsed again or drawn whole."""
        if self.stale:
            nodes, stale = self.graph.nodes, self.stale
            for edge in self.graph.edges:
                if edge.src in stale:
                    edge.grad_norm = nodes[edge.src].grad_norm
            stale.clear()


def _norm(tensor) -> float:
    value = np.asarray(tensor._value, np.float64)
    return float(np.sqrt(np.sum(value * value)))


def _gradient(tensor, final: bool) -> str:
    """A gradient's summary; for none, whether one may still come (`final` False) or not."""
    if tensor is not None:
        return summarize(tensor)
    return NO_GRADIENT if final else NOT_YET


def _name(source) -> str:
    return getattr(source, "name", None) or f"{source.dtype.name}{list(source.shape)}"


def _where(source) -> str:
    if source is None:
        return ""
    return f"{source.location}  {source.line}".rstrip()
