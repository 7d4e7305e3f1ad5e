"""A functional model's graph as Keras 3's summary reads it: its layers in Keras's order
(farthest from the outputs first, ties in the order a walk from the outputs meets them),
whether it is a chain, and each layer's 'Connected to' cell (`dense[0][0]`)."""
from __future__ import annotations

from .. import nest
from .keras_tensor import KerasTensor


def _parents(call) -> list:
    """The calls that made `call`'s input KerasTensors (none for an Input's own call)."""
    return [leaf._call for leaf in nest.flatten(call.inputs)
            if isinstance(leaf, KerasTensor) and leaf._call is not call]


class FunctionalGraph:
    """The layer calls that make a functional model's outputs, with Keras's depths."""

    def __init__(self, model):
        self.calls, first_seen, seen = [], {}, set()

        def visit(call):   # Keras's _build_map: pre-order indices, post-order calls
            if id(call) in seen:
                return
            seen.add(id(call))
            first_seen.setdefault(id(call.layer), len(first_seen))
            for parent in _parents(call):
                visit(parent)
            self.calls.append(call)

        for tensor in nest.flatten(model._model_outputs):
            visit(tensor._call)
        call_depth, layer_depth = {}, {}
        for call in reversed(self.calls):
            depth = max(call_depth.get(id(call), 0), layer_depth.get(id(call.layer), 0))
            call_depth[id(call)] = layer_depth[id(call.layer)] = depth
            for parent in _parents(call):
                call_depth[id(parent)] = max(depth + 1, call_depth.get(id(parent), 0))
        layers = {id(call.layer): call.layer for call in self.calls}
        self.layers = sorted(layers.values(), key=lambda layer: (
            -layer_depth[id(layer)], first_seen[id(layer)]))
        depths = [call_depth[id(call)] for call in self.calls]
        self.is_chain = len(set(depths)) == len(depths) and all(
            len(nest.flatten(call.inputs)) == 1 for call in self.calls)

    def _calls_of(self, layer) -> list:
        return [call for call in self.calls if call.layer is layer]

    def connections(self, layer) -> str:
        """Where `layer`'s inputs come from, as Keras 3 writes it: 'dense[0][0], ...'."""
        sources = []
        for call in self._calls_of(layer):
            for leaf in nest.flatten(call.inputs):
                producer = leaf._call if isinstance(leaf, KerasTensor) else call
                if producer is call:
                    continue
                node = self._calls_of(producer.layer).index(producer)
                index = next(i for i, out in enumerate(producer.outputs) if out is leaf)
                sources.append(f"{producer.layer.name}[{node}][{index}]")
        return ", ".join(sources) or "-"
