"""Two rows, not one, for a long row of variables above collapsed boxes: where dot.py lays out
a view collapsed by layer, each variable read only by boxes sits in one rank above them, and
a model's six (a kernel and a bias a layer) drew a row 704 pt wide, past a 1280x800 window's
graph pane at a legible scale (notebook 03: the dense layer's off its right edge). Every
other one goes up a row, each row kept in the model's order: 504 pt.
"""
from __future__ import annotations

# a row of more variables than this over collapsed boxes is laid out as two
MAX_ROW = 4


def staggered(graph) -> list:
    """The two rows, each in `graph`'s order, of a row of more than MAX_ROW variables that
    nothing feeds and only collapsed boxes read: dot.py lifts the first (its edges
    minlen=2) and keeps each in order; [] for a shorter row.

    >>> from tapeviz.viz.graph import Graph
    >>> from tapeviz.viz.graph_items import GraphEdge, GraphNode
    >>> nodes = {f"v{i}": GraphNode(f"v{i}", f"w{i}", "variable") for i in range(6)}
    >>> nodes["g:m"] = GraphNode("g:m", "m", "group")
    >>> staggered(Graph(nodes, [GraphEdge(f"v{i}", "g:m") for i in range(6)]))
    [['v0', 'v2', 'v4'], ['v1', 'v3', 'v5']]
    """
    nodes = graph.nodes
    fed = {edge.dst for edge in graph.edges}
    readers: dict = {}
    for edge in graph.edges:
        readers.setdefault(edge.src, set()).add(nodes[edge.dst].kind)
    row = [node_id for node_id, node in nodes.items() if node.kind == "variable"
           and node_id not in fed and readers.get(node_id, set()) == {"group"}]
    return [row[0::2], row[1::2]] if len(row) > MAX_ROW else []


__all__ = ["MAX_ROW", "staggered"]
