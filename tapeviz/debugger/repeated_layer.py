"""One layer object placed at several indices of an nn.Sequential, most often by a list
repeated with `*` (`nn.Sequential(*([nn.Linear(32, 32), nn.ReLU()] * 3))` repeats the
objects, not new layers): the model has one such layer where three were meant, all three
sharing its weight and bias. It trains, so nothing fails; the forward pass shows it, an
indexed child running its weighing op several times where its siblings run once (the
adapter names a module by its first index, so every repeat reads 'model.2.weight').
"""
from __future__ import annotations

from collections import Counter

from ..nonfinite import engine_of
from .findings import Finding
from .norms import _as_layer
from .numerics import _where
from .op_index import WEIGHING, kernel_of


def _layer_path(variable) -> str:
    """'model.2' for 'model.2.weight'."""
    return variable.name.rsplit(".", 1)[0]


def layers_repeated(by_op: dict, nodes) -> list:
    """A Finding per nn.Sequential child (a torch layer's op among `by_op`, from
    `op_index.ops_named`, whose scope ends in an index) that ran its weighing op, on one
    kernel, more times in the shown step than a sibling layer of the same Sequential."""
    layers = [node for op in WEIGHING for _, node in by_op.get(op, ())
              if engine_of(node.op) == "torch" and kernel_of(node) is not None
              and node.scope and node.scope.rsplit("/", 1)[-1].isdigit()]
    runs = Counter((node.scope, id(kernel_of(node))) for node in layers)
    found = []
    for (scope, _), count in runs.items():
        parent = scope.rsplit("/", 1)[0]
        siblings = [c for (s, _), c in runs.items() if s != scope and s.rsplit("/", 1)[0] == parent]
        if not siblings or count <= min(siblings):
            continue
        node = next(n for n in layers if n.scope == scope)
        kernel = kernel_of(node)
        layer, times = _as_layer(_layer_path(kernel), nodes), count // min(siblings)
        made = f" (made at {_where(kernel.made_at)})" if kernel.made_at is not None else ""
        found.append(Finding(
            "layer_repeated",
            f"{layer} ran {times} times in one forward pass where the other layers of its "
            f"nn.Sequential ran once: the same layer object sits at {times} places in it"
            f"{made}, so they share one weight and bias and the model has one such layer "
            f"where {times} were meant; a list repeated with *, [nn.Linear(...), nn.ReLU()] "
            f"* {times}, repeats the objects, not new layers; read by {node.op.name} at "
            f"{_where(node.source)}; fix: make each layer anew, e.g. [m for _ in "
            f"range({times}) for m in (nn.Linear(...), nn.ReLU())] (or copy.deepcopy each "
            f"repeat)", node, variables=[kernel.name]))
    return found
