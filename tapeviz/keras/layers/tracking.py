"""A layer's attribute tracking: the sublayers and variables it holds, and its weights.

Keras finds a layer's weights by what its attributes hold: variables and sublayers
assigned as attributes, also inside lists, tuples and dicts, in assignment order, found
by scanning the instance's attributes whenever weights are asked for. `Layer` inherits
`Tracked`; `trainable_weights` reuses one walk of the layer tree while no attribute was
assigned and no list or dict it read changed (`_TrainableWalk`), since a training step
asks for it twice.
"""
from __future__ import annotations

import types
import weakref
from operator import is_

from ...variable import Variable

# attribute values that cannot hold a layer or a variable: `_tracked` skips them unvisited
_PLAIN = frozenset({int, float, str, bool, type(None), types.FunctionType})
_UNTRACKED = frozenset({"_own_weights", "_regularized", "_losses", "_callable_losses",
                        "_input_shape", "_output_shape"})
# every assignment or deletion of a layer attribute: a walk of a layer's weights holds while
# this stays and each list and dict it read holds the same items (_TrainableWalk)
_assignments = 0


def _dedup(items) -> list:
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


class _TrainableWalk:
    """A layer's weights in trainable layers, in trainable_weights' order, and what finding
    them read: reused while it `holds()`, as a training step asks twice (25 us a walk of
    the guide's CNN). `read` is None where a layer in the tree has its own attribute
    tracking or trainable_weights: that tree is walked on every call."""

    __slots__ = ("assignments", "read", "variables")

    def __init__(self, layer):
        self.assignments = _assignments
        self.read, found = [], []
        if not self._walk(layer, found):
            self.read = None
        self.variables = _dedup(found)

    def _walk(self, layer, found: list) -> bool:
        kind = type(layer)
        if kind.__setattr__ is not Tracked.__setattr__ or kind._tracked is not Tracked._tracked \
                or kind.trainable_weights is not Tracked.trainable_weights:
            return False
        if not layer._trainable:
            return True
        layers, own = layer._tracked(self.read)
        found += own
        return all(self._walk(sublayer, found) for sublayer in layers)

    def holds(self) -> bool:
        """No layer attribute assigned or deleted since, every list and dict read unchanged."""
        if self.assignments != _assignments:
            return False
        for container, items in self.read:
            now = container.values() if type(container) is dict else container
            if len(now) != len(items) or not all(map(is_, now, items)):
                return False
        return True


_walks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # layer -> its walk


class Tracked:
    """`Layer`'s attribute tracking and the weight lists read from it."""

    def __setattr__(self, name, value):
        global _assignments
        _assignments += 1
        if "_own_weights" not in self.__dict__ and isinstance(value, (Tracked, Variable)):
            raise RuntimeError(f"It looks like you are subclassing `{type(self).__name__}` and "
                               f"forgot to call `super().__init__()` before assigning "
                               f"{name!r}. Always start with this line.")
        old = self.__dict__.get(name)
        if isinstance(old, Variable) and old is not value:  # Keras untracks a replaced weight
            self._own_weights[:] = [v for v in self._own_weights if v is not old]
        object.__setattr__(self, name, value)
        if isinstance(value, Variable) and "_own_weights" in self.__dict__ \
                and all(value is not v for v in self._own_weights):
            self._own_weights.append(value)  # in assignment order, as Keras tracks them

    def __delattr__(self, name):
        global _assignments
        _assignments += 1
        old = self.__dict__.get(name)
        object.__delattr__(self, name)
        if isinstance(old, Variable) and all(value is not old for value in self.__dict__.values()):
            # Keras untracks a deleted weight, unless another attribute still holds it
            self._own_weights[:] = [v for v in self._own_weights if v is not old]

    def _tracked(self, read: list | None = None) -> tuple:
        """(direct sublayers, own variables), in the order they were assigned; each list
        and dict read (the own weights' list too) added to `read` with its items then."""
        own = self.__dict__.get("_own_weights", ())
        layers, variables = [], list(own)
        seen = {id(v) for v in variables} | {id(self)}
        if read is not None:
            read.append((own, tuple(own)))

        def visit(value, depth):
            if id(value) in seen:
                return
            if isinstance(value, Tracked):
                seen.add(id(value))
                layers.append(value)
            elif isinstance(value, Variable):
                seen.add(id(value))
                variables.append(value)
            elif depth < 4 and isinstance(value, (list, tuple)):
                if read is not None and type(value) is not tuple:
                    read.append((value, tuple(value)))
                for item in value:
                    if type(item) not in _PLAIN:
                        visit(item, depth + 1)
            elif depth < 4 and isinstance(value, dict):
                if read is not None:
                    read.append((value, tuple(value.values())))
                for item in value.values():
                    visit(item, depth + 1)

        for key, value in self.__dict__.items():
            kind = type(value)
            if kind not in _PLAIN and key not in _UNTRACKED and not (
                    kind is tuple and _PLAIN.issuperset(map(type, value))):  # a shape, a size
                visit(value, 0)
        return layers, variables

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list:
        out = [self] if include_self else []
        for layer in self._tracked()[0]:
            out.extend(layer._flatten_layers(True, recursive) if recursive else [layer])
        return _dedup(out)

    @property
    def submodules(self) -> list:
        return self._flatten_layers(include_self=False)

    @property
    def trainable_weights(self) -> list:
        walk = _walks.get(self)
        if walk is None or not walk.holds():
            walk = _TrainableWalk(self)
            if walk.read is None:
                return self._trainable_weights_now()
            _walks[self] = walk
        return [v for v in walk.variables if v.trainable]

    def _trainable_weights_now(self) -> list:
        if not self._trainable:
            return []
        layers, own = self._tracked()
        out = [v for v in own if v.trainable]
        for layer in layers:
            out += layer.trainable_weights
        return _dedup(out)

    @property
    def non_trainable_weights(self) -> list:
        layers, own = self._tracked()
        if self._trainable:
            out = [v for v in own if not v.trainable]
            for layer in layers:
                out += layer.non_trainable_weights
        else:  # a frozen layer's weights are all non-trainable, trainable ones first
            out = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
            for layer in layers:
                out += layer.weights
        return _dedup(out)

    @property
    def weights(self) -> list:
        return _dedup(self.trainable_weights + self.non_trainable_weights)

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights
