"""Graph -> DOT text for Graphviz, built as plain strings with every string escaped.

The next stop after `graph.py` and before `render.py`: each node is a box with its op
label and output shape, filled by op kind; an edge is labelled only where it says what those
boxes do not (see FAN_IN_LABELS); after a backward pass borders and edges are
shaded by gradient magnitude (log scale against the graph's largest), NaN/Inf nodes get a
red alarm style, and the current backward step and the selected node get their own
outlines. Names are user input, so every id, label and tooltip is quoted and escaped
(backslash, quote, newline, control characters, and `&` so Graphviz keeps entities
literal): a variable named `<script>` comes out of the SVG as text.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from ..debugger.variable_names import counted_by, purpose
from ..nonfinite import in_pass
from .stagger import staggered
from .vocabulary import LEAF_NOUNS, leaf_noun, words_of

FILL = {   # by op kind; 6-digit hex because old Graphviz paints "#eef" black
    "math": "#eef2f7", "linalg": "#dbe7ff", "conv": "#ffe2c6", "activation": "#dcf3df",
    "reduce": "#efe3f6", "shape": "#f2f2f2", "loss": "#ffd9e6", "pool": "#fff0c2",
    "nn": "#dcf1f4", "random": "#fbeedd", "compare": "#ebebeb", "update": "#e6defc",
    "variable": "#fff4a8", "constant": "#ffffff", "group": "#e6e9ee",
}
DEFAULT_FILL = "#f5f5f5"
ALARM = {"fill": "#ffd6d6", "line": "#d00000", "text": "#8b0000"}
HIGHLIGHT = "#ff8c00"   # the node whose VJP the backward stepper just ran
SELECTED = "#1f6feb"    # the node the user clicked
# A border is read against the box's fill and the pane around it: the legend's "dashed: none
# yet" and "violet border: gradient" hold only where it is seen, 3:1 or more against white and
# every fill (WCAG's non-text contrast; on a dark pane the fill frames it). The grey was
# #b0b0b0 (2.2:1 on white, 1.7:1 on a fill: on the dark theme the dashes vanished into the
# box's edge) and the weakest gradient's violet (205, 198, 222) (1.6:1: a box with a small
# gradient read as one with none); how strong a gradient is, its border's width says.
NO_GRAD = "#6e7781"
WEAK, STRONG = (140, 110, 210), (124, 58, 237)
DECADES = 6             # gradients more than 1e6 times smaller than the largest look weakest
MAX_LABEL = 32
# a variable or constant feeding more ops than this is drawn again beside each consumer
# (same DOT id, so a click on any copy selects it): edges from one weight to every step of
# a long loop span the whole graph, and Graphviz's layout time explodes with such edges
MAX_FANOUT = 3
# an op with more inputs than this (an add_n of 30 tensors, a concat of many boxes) takes them
# through one small box beside it that says how many ("30 inputs", same DOT id as the op, so
# a click on it selects the op): the inputs' lines end at that box, with no arrowheads, and one
# thick arrow goes on into the op, where 30 thin arrows had piled their heads on one edge
FAN_IN_BUNDLE = 8

# An edge label says what the boxes at its ends do not: every box already prints its output's
# shape, so an edge names a shape only where the tensor it carries has another one (a collapsed
# box prints the shape of its last op, not of every tensor that leaves it), and "×N" where
# collapsing merged N edges leaving a box into it (from one op or leaf, they carry one tensor,
# read N times inside the box it enters: opening that box shows it); its tooltip always holds
# the shape. Where more labelled
# edges than this meet at one node (a concat or stack of many boxes), Graphviz stacks their
# labels over each other above the node: those are left to the tooltips.
FAN_IN_LABELS = 3

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# One text size for nodes and edge labels, so the widget can scale the drawing to keep every
# label 11-16 px on screen (tape.js). A white background for the SVG seen alone (a saved
# notebook, GitHub, a download); the widget's CSS clears it, so its pane's theme colour shows.
# Node text stays dark on the light fills in both themes; edge labels sit on the pane and
# take the theme's text colour in tape.css.
HEADER = """digraph tape {
  graph [rankdir=TB, nodesep=0.25, ranksep=0.3, fontname="Helvetica", fontsize=10,
         bgcolor="#ffffff"];
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, height=0.3,
        margin="0.08,0.04", color="#6b7280", fontcolor="#1f2328", penwidth=1];
  edge [fontname="Helvetica", fontsize=9, arrowsize=0.6, color="#8c8c8c",
        fontcolor="#555555"];
"""


def quote(text) -> str:
    """`text` as a quoted DOT string that Graphviz shows literally.

    >>> print(quote('a "b" \\\\ <c>\\nd & e'))
    "a \\"b\\" \\\\ <c>\\nd &amp; e"
    """
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{_CONTROL.sub(chr(0xFFFD), text)}"'


def shape_text(shape) -> str:
    """A shape as the widget writes it: '(2, 3)', 'scalar', or '?' when unknown.

    >>> shape_text((2, 3)), shape_text(()), shape_text(None)
    ('(2, 3)', 'scalar', '?')
    """
    if shape is None:
        return "?"
    return str(tuple(shape)) if len(shape) else "scalar"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _wrapped(text: str) -> str:
    """`text` on two lines when it is too long for one, broken after its last '_' or space
    that keeps the first line short enough ('sparse_softmax_cross_entropy_' / 'with_logits');
    a layer path (a '/' or '.' in it) after its last '/' or '.' instead, so no name is cut in
    two ('conv2d_' / '12/kernel' read as two names). A rest still too long keeps its end, the
    variable's own name: 'kernel' or 'weight' says more than the path's middle.

    >>> _wrapped("sparse_softmax_cross_entropy_with_logits")
    'sparse_softmax_cross_entropy_\\nwith_logits'
    >>> _wrapped("encoder.layers.11.self_attn.out_proj.weight")
    'encoder.layers.11.self_attn.\\nout_proj.weight'
    >>> _wrapped("model/block_1/sublayer_with_a_long_name/attention/self/query/kernel")
    'model/block_1/\\n…/attention/self/query/kernel'
    """
    if len(text) <= MAX_LABEL:
        return text
    breaks = "/." if "/" in text or "." in text else "_ "
    cut = max(text.rfind(mark, 0, MAX_LABEL) for mark in breaks) + 1
    if cut == 0:
        return _clip(text)
    rest = text[cut:]
    if len(rest) > MAX_LABEL:
        rest = rest[-(MAX_LABEL - 1):]   # from a separator on: no name shown cut
        rest = "…" + rest[next((at for at, char in enumerate(rest) if char in "/."), 0):]
    return f"{text[:cut].rstrip()}\n{rest}"


def strength(norm, largest) -> float | None:
    """Where a gradient norm sits on the log ramp: 0 (weakest) to 1 (the graph's largest).

    >>> strength(1.0, 1.0), strength(1e-3, 1.0), strength(0.0, 1.0), strength(None, 1.0)
    (1.0, 0.5, 0.0, None)
    """
    if norm is None or not largest:
        return None
    if norm <= 0.0:
        return 0.0
    return min(1.0, max(0.0, 1.0 + math.log10(norm / largest) / DECADES))


def _ramp(t: float) -> str:
    r, g, b = (round(w + (s - w) * t) for w, s in zip(WEAK, STRONG))
    return f"#{r:02x}{g:02x}{b:02x}"


def _attrs(pairs: dict) -> str:
    return ", ".join(f"{key}={quote(value)}" for key, value in pairs.items())


def op_title(node) -> str:
    """What a node is called on the graph: the op's name, its symbol beside it when it has one
    that the name does not already spell.

    >>> from tapeviz.viz.graph_items import GraphNode
    >>> op_title(GraphNode("n0", "@", "linalg", op="matmul"))
    '@ matmul'
    >>> op_title(GraphNode("n1", "mean", "reduce", op="reduce_mean"))
    'reduce_mean'
    >>> op_title(GraphNode("v0", "w:0", "variable"))
    'w:0'
    """
    return node.label if node.op is None else drawn_title(node.label, node.op)


def drawn_title(label: str, op: str) -> str:
    """An op's title on the graph from its symbol `label` and its name `op` ('@ matmul')."""
    if label.replace(" ", "_") in op or len(label) + len(op) >= MAX_LABEL:
        return op   # the symbol already spelled, or no room for it beside a long name
    return f"{label} {op}"


# before a closed group's name: a click opens it, as a folded row of a file tree (the box alone
# read as one op a newcomer would inspect, not open)
OPENS = "▸ "


def _label(node) -> str:
    shape = shape_text(node.shape)
    if node.kind == "group":
        ops = node.ops
        if node.repeat > 1:   # N identical blocks in one box: what one of them holds
            ops //= node.repeat
            return f"{OPENS}{_clip(node.label)} ×{node.repeat}\n" \
                   f"{ops} op{'s' if ops != 1 else ''} each · {shape}"
        if not ops:   # a chunk of constants and variables: its shape says enough
            return f"{OPENS}{_clip(node.label)}\n{shape}"
        return f"{OPENS}{_clip(node.label)}\n{ops} op{'s' if ops != 1 else ''} · {shape}"
    if node.kind == "constant":
        value = getattr(node.ref, "_value", None)
        if value is not None and np.ndim(value) == 0:   # a scalar says more than 'scalar'
            return f"{node.label} {np.asarray(value).item():.4g}"   # 'const 2', 'input 2'
    text = _wrapped(op_title(node))
    if node.kind == "variable" and counted_by(node.ref):   # 'SGD/iter' read as what it is
        shape = f"step count {int(_as_read(node)._value)}"
    return f"⚠ {text}\n{shape}" if node.nonfinite else f"{text}\n{shape}"


def _as_read(node):
    """A variable's box as the shown step read it (a recorded step's, not the value now)."""
    return node.ref if node.read is None else node.read


def _tooltip(node, with_grads: bool) -> str:
    if node.kind == "group" and node.repeat > 1:
        lines = [f"{node.repeat} copies of {node.label}: {len(node.members)} nodes, "
                 f"click to open"]
    elif node.kind == "group":
        lines = [f"group {node.scope or node.label}: {len(node.members)} nodes, click to open"]
    elif node.op is not None:
        lines = [f"{node.op} ({node.label}) · {node.kind}"]
    elif node.kind == "variable":   # a torch parameter in torch's word
        lines = [f"{words_of([node.ref])['variable']} {node.label}"]
        what = purpose(_as_read(node))   # 'the SGD optimizer's step count, 3' for 'SGD/iter'
        lines += [what] if what else []
    elif node.label in LEAF_NOUNS:   # 'input', 'constant': 'constant input' said it twice
        lines = [LEAF_NOUNS[node.label]]
    elif node.kind == "constant":   # by the name the user's line wrote: 'input images'
        lines = [f"{leaf_noun(node)} {node.label}"]
    else:
        lines = [f"{node.kind} {node.label}"]
    lines.append(f"{shape_text(node.shape)} {node.dtype}".rstrip())
    # as the inspector's rows name them: no 'scope' or 'phase' a student has not met
    if node.scope and node.kind != "group":
        lines.append(f"layer path: {node.scope}")
    if node.phase != "forward":
        lines.append(in_pass(node.phase))
    source = node.source
    if source is not None:
        lines.append(str(source))
        code = source.statement
        if code:
            lines.append("    " + code.replace("\n", "\n    "))
    if node.nonfinite:
        lines.append("holds NaN or Inf")
    if node.grad_norm is not None:
        lines.append(f"|grad| = {node.grad_norm:.3e}")
    elif with_grads:
        lines.append("no gradient reached it")
    return "\n".join(lines)


def _node_attrs(node, largest, with_grads: bool, highlight, selected) -> dict:
    kind = node.kind
    attrs = {"id": node.id, "label": _label(node), "tooltip": _tooltip(node, with_grads),
             "fillcolor": FILL.get(kind, DEFAULT_FILL)}
    classes = [f"kind-{kind}"]
    style = ["filled"] if kind == "group" else ["rounded", "filled"]
    if kind == "group":
        # the box's depth (4pt) comes out of the face the label sits on: wider sides keep
        # a long label such as "matmul → add → tanh ×120" off the face's edge
        attrs.update(shape="box3d", margin="0.14,0.05")
    elif kind == "variable":
        attrs["shape"] = "ellipse"
    elif kind == "constant":
        attrs["fontcolor"] = "#555555"
    t = strength(node.grad_norm, largest)
    if t is not None:   # (classed for the key that says what the borders mean: borders.js)
        attrs.update(color=_ramp(t), penwidth=f"{1.0 + 2.5 * t:.2f}")
        classes.append("grad")
    elif with_grads and node.grad_norm is None:
        attrs["color"] = NO_GRAD
        style.append("dashed")
        classes.append("no-grad")
    if node.nonfinite:
        attrs.update(fillcolor=ALARM["fill"], color=ALARM["line"], fontcolor=ALARM["text"],
                     penwidth="2.5")
        classes.append("nonfinite")
    if kind in ("failed", "caught"):   # the op that raised (viz/failure.py): red, its message
        attrs.update(fillcolor=ALARM["fill"], color=ALARM["line"], fontcolor=ALARM["text"],
                     penwidth="3", label="\n".join(map(_clip, node.label.split("\n"))),
                     shape="octagon",
                     tooltip=f"{node.ref}")
    if node.id == selected:
        attrs.update(color=SELECTED, penwidth="3.5")
        classes.append("selected")
    if node.id == highlight:   # drawn over the selection: the step is what moves
        attrs.update(color=HIGHLIGHT, penwidth="4.5")
        style.append("bold")
        classes.append("highlight")
    attrs["style"] = ",".join(style)
    attrs["class"] = " ".join(classes)
    return attrs


def edge_label(edge, source) -> str:
    """What an edge says beside it: the shape it carries where `source` (the node it leaves)
    shows another, and "×N" for N edges merged out of a box ('' when the boxes say it all).

    >>> from tapeviz.viz.graph_items import GraphEdge, GraphNode
    >>> box = GraphNode("g:a", "a", "group", shape=(2,))
    >>> edge_label(GraphEdge("g:a", "n1", (2,)), box), edge_label(GraphEdge("g:a", "n1", (3,)), box)
    ('', '(3,)')
    >>> edge_label(GraphEdge("g:a", "n1", (2,), count=2), box)
    '×2'
    """
    shown = shape_text(edge.shape) if edge.shape is not None else ""
    label = shown if shown != shape_text(source.shape) else ""
    if edge.count > 1 and source.kind == "group":
        label = f"{label} ×{edge.count}".strip()
    return label


def _edge_attrs(edge, nodes, largest, label: str) -> dict:
    source = nodes[edge.src]
    carried = shape_text(edge.shape) if edge.shape is not None else "tensors of several shapes"
    if edge.count > 1:
        carried = f"{carried} ({edge.count} edges in one)"
    target = nodes[edge.dst]
    tooltip = f"{source.op or source.label} → {target.op or target.label}: {carried}"
    # an xlabel is placed after layout: a `label` becomes a node of its own in every rank
    # the edge crosses, which doubled the layout time of a 1,000-op chain
    attrs = {"xlabel": label} if label else {}
    t = strength(edge.grad_norm, largest)
    if edge.grad_norm is not None and not math.isfinite(edge.grad_norm):
        attrs.update(color=ALARM["line"], penwidth="2.5")
        tooltip += "\ngradient holds NaN or Inf"
    elif t is not None:
        attrs.update(color=_ramp(t), penwidth=f"{0.6 + 2.4 * t:.2f}")
        tooltip += f"\n|grad| = {edge.grad_norm:.3e}"
    attrs["tooltip"] = tooltip
    return attrs


def _edge_labels(graph) -> list:
    """Each edge's label ('' for none): one that says something, into a node that at most
    FAN_IN_LABELS such edges enter."""
    nodes = graph.nodes
    says = [edge_label(edge, nodes[edge.src]) for edge in graph.edges]
    fan_in = Counter(edge.dst for edge, said in zip(graph.edges, says) if said)
    return [said if fan_in[edge.dst] <= FAN_IN_LABELS else ""
            for edge, said in zip(graph.edges, says)]


def _largest(graph) -> float:
    norms = [n.grad_norm for n in graph.nodes.values()
             if n.grad_norm is not None and math.isfinite(n.grad_norm)]
    return max(norms, default=0.0)


def to_dot(graph, *, highlight: str | None = None, selected: str | None = None) -> str:
    """DOT text for `graph`; `highlight` and `selected` are node ids to outline.

    >>> from tapeviz.viz.graph import Graph
    >>> from tapeviz.viz.graph_items import GraphNode
    >>> g = Graph({"v0": GraphNode("v0", 'say "hi"', "variable", shape=(2,))})
    >>> print(to_dot(g).splitlines()[-2])
      "v0" [id="v0", label="say \\"hi\\"\\n(2,)", tooltip="variable say \\"hi\\"\\n(2,)", \
fillcolor="#fff4a8", shape="ellipse", style="rounded,filled", class="kind-variable"];
    """
    nodes = graph.nodes
    with_grads = any(n.grad_norm is not None for n in nodes.values())
    largest = _largest(graph)
    lines = [HEADER]
    drawn = {}
    for node in nodes.values():
        drawn[node.id] = _attrs(_node_attrs(node, largest, with_grads, highlight, selected))
        lines.append(f"  {quote(node.id)} [{drawn[node.id]}];\n")
    fanout = Counter(e.src for e in graph.edges if nodes[e.src].kind in ("variable", "constant"))
    fan_in = Counter(e.dst for e in graph.edges)
    bundles = {dst: _bundle(nodes[dst], count, lines)
               for dst, count in fan_in.items() if count > FAN_IN_BUNDLE}
    copies: Counter = Counter()
    rows = staggered(graph)
    lifted = set(rows[0]) if rows else set()
    for edge, label in zip(graph.edges, _edge_labels(graph)):
        src = edge.src
        if fanout[src] > MAX_FANOUT:
            copies[src] += 1
            if copies[src] > 1:
                src = f"{src}~{copies[src]}"
                lines.append(f"  {quote(src)} [{drawn[edge.src]}];\n")
        attrs = _edge_attrs(edge, nodes, largest, label)
        if edge.dst in bundles:
            attrs["arrowhead"] = "none"
        if edge.src in lifted:
            attrs["minlen"] = "2"
        lines.append(f"  {quote(src)} -> {quote(bundles.get(edge.dst, edge.dst))} "
                     f"[{_attrs(attrs)}];\n")
    lines += [f"  {{rank=same; {' -> '.join(map(quote, row))} [style=invis];}}\n"
              for row in rows if len(row) > 1]
    lines.append("}\n")
    return "".join(lines)


def _bundle(node, count: int, lines: list) -> str:
    """The box that takes `node`'s `count` inputs (FAN_IN_BUNDLE) and its arrow into `node`,
    added to `lines`; returns the box's DOT name."""
    name, op = f"{node.id}~inputs", node.op or node.label
    box = {"id": node.id, "label": f"{count} inputs", "shape": "box", "height": "0.2",
           "fillcolor": FILL["shape"], "margin": "0.06,0.02", "class": "kind-bundle",
           "tooltip": f"{count} inputs of {op}: a click selects {op}"}
    arrow = {"penwidth": "2.5", "arrowsize": "0.8", "tooltip": f"{count} inputs → {op}"}
    lines.append(f"  {quote(name)} [{_attrs(box)}];\n")
    lines.append(f"  {quote(name)} -> {quote(node.id)} [{_attrs(arrow)}];\n")
    return name
