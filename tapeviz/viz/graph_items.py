"""The boxes and arrows of the widget's graph (`GraphNode`, `GraphEdge`) and what each carries
that is computed from one value: a gradient's norm, a dtype's name, a group's id.

graph.py builds a `Graph` of these; table.py makes one node at a time from its columns,
collapse.py and outline.py make the group boxes; dot.py draws them. Nothing here knows the
graph they belong to.
"""
from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np

from ..dtypes import shown_name


class GraphNode:
    """One box of the graph: an op, a variable or constant leaf, or a collapsed group
    (`repeat` > 1: that many identical blocks folded into one box)."""

    __slots__ = ("id", "label", "op", "kind", "shape", "dtype", "scope", "phase", "source",
                 "grad_norm", "nonfinite", "bad_value", "members", "ops", "ref", "repeat", "read")

    def __init__(self, id: str, label: str, kind: str, *, op=None, shape=(), dtype="",
                 scope="", phase="forward", source=None, grad_norm=None, nonfinite=False,
                 bad_value=False, members=None, ops: int = 0, ref=None, repeat: int = 1):
        self.id = id
        self.label = label
        self.op = op
        self.kind = kind
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = dtype
        self.scope = scope
        self.phase = phase
        self.source = source
        self.grad_norm = grad_norm
        self.nonfinite = nonfinite      # its value or its gradient holds NaN/Inf: the alarm
        self.bad_value = bad_value      # its value does, whatever its gradient
        self.members = members if members is not None else []
        self.ops = ops                  # a group's op nodes among its members
        self.ref = ref
        self.repeat = repeat
        # a variable leaf's read as the shown step's ops took it (`ref` is the variable, whose
        # value is the latest): what a recorded step's box says it held then
        self.read = None

    def __repr__(self) -> str:
        return f"<GraphNode {self.id} {self.kind} {self.label!r} {self.shape}>"


_new_node = GraphNode.__new__


def _plain_node(nid: str, label: str, kind: str, op, shape: tuple, dtype: str, scope: str,
                phase: str, source, grad_norm, nonfinite: bool, bad_value: bool,
                ref) -> GraphNode:
    """An op or leaf GraphNode as `GraphNode(...)` makes it, without binding keywords: a
    third of the time, on the 100,000 nodes of a long tape."""
    node = _new_node(GraphNode)
    node.id, node.label, node.op, node.kind, node.shape, node.dtype = \
        nid, label, op, kind, shape, dtype
    node.scope, node.phase, node.source, node.grad_norm = scope, phase, source, grad_norm
    node.nonfinite, node.bad_value, node.ref = nonfinite, bad_value, ref
    node.members, node.ops, node.repeat = [], 0, 1
    node.read = None   # apart: a fourth target above builds and unpacks a tuple (+8% a node)
    return node


class GraphEdge:
    """A tensor flowing from `src` to `dst`; `count` > 1 when collapsing merged edges."""

    __slots__ = ("src", "dst", "shape", "grad_norm", "count")

    def __init__(self, src: str, dst: str, shape=(), grad_norm=None, count: int = 1):
        self.src = src
        self.dst = dst
        self.shape = shape
        self.grad_norm = grad_norm
        self.count = count

    def __repr__(self) -> str:
        return f"<GraphEdge {self.src}->{self.dst} {self.shape} x{self.count}>"


def gradient_norm(value) -> float | None:
    """L2 norm of a gradient, accumulated in float64: nan if it holds a NaN, inf if an Inf.

    >>> gradient_norm(np.array([3.0, 4.0], dtype=np.float32))
    5.0
    >>> gradient_norm(np.array([1.0, np.nan])), gradient_norm(None)
    (nan, None)
    """
    if value is None:
        return None
    value = getattr(value, "_value", value)
    if isinstance(value, np.floating):   # the many scalar ops of a long tape: skip the arrays
        return abs(float(value))
    value = np.asarray(value)
    if value.size == 0:
        return 0.0
    if value.dtype.kind not in "fciub":
        return None
    magnitude = np.abs(value).astype(np.float64, copy=False).ravel()
    largest = float(magnitude.max())   # NaN propagates through max: the alarm stays visible
    if not math.isfinite(largest) or largest == 0.0:
        return largest
    if 1e-150 < largest < 1e150:
        return math.sqrt(float(np.dot(magnitude, magnitude)))
    scaled = magnitude / largest          # squares of huge or tiny values over/underflow
    return largest * math.sqrt(float(np.dot(scaled, scaled)))


_dtype_names: dict = {}


def _dtype_name(value) -> str:
    """numpy's dtype name, memoised (`dtype.name` costs microseconds per call)."""
    dtype = np.asarray(value).dtype if not hasattr(value, "dtype") else value.dtype
    if dtype.metadata:   # a widened copy's (equal to float32 as a key): its engine's name
        return shown_name(dtype)
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = dtype.name
    return name


def _common_scope(a: str, b: str) -> str:
    """The longest layer path both `a` and `b` are inside ('' when none).

    >>> _common_scope("seq/dense/inner", "seq/dense_1"), _common_scope("a", "b")
    ('seq', '')
    """
    shared = []
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        shared.append(x)
    return "/".join(shared)


def group_id(path: str) -> str:
    """The stable id of the group of scope `path` ('g:' + the path, percent-encoded).

    >>> group_id("sequential/conv2d"), group_id('a "b"')
    ('g:sequential/conv2d', 'g:a%20%22b%22')
    """
    return "g:" + quote(path, safe="/")
