"""Keras 3's `.weights.h5` layout, written and read with h5py: a file either library loads.

Keras 3 (saving_lib) stores each object's own variables as datasets "0", "1", ... of a
group "<path>/vars" (its attribute `name`, the object's name): the model's at "vars", each
of its layers' at "layers/<class in snake case>/vars", a second layer of one class at
"layers/dense_1/vars" and so on (numbered by class within the list, not by the layer's
name), a layer's own sublayers under its path by the attribute holding them. A layer's
own variables are its trainable ones, then the others, each in the order made. Keras's
optimizer group ("optimizer/vars": its step count, learning rate, then each trainable
variable's slots) is written and read for a whole-model `.keras` file (saving.py), not by
`save_weights`, as in Keras 3.
"""
from __future__ import annotations

import re

import numpy as np

from ..errors import InvalidArgumentError
from ..variable import Variable


def write_h5(path, model, optimizer=None) -> None:
    """Write `model`'s variables to `path` (a name or a binary file) in Keras 3's layout,
    and `optimizer`'s under "optimizer/vars" when given."""
    import h5py   # (0.2-0.5 s to import, measured here: only when a file is written or read)
    with h5py.File(path, "w") as file:
        owners = _owners(model)
        if optimizer is not None:
            owners.append(("optimizer/vars", optimizer,
                           _optimizer_variables(optimizer, model.trainable_variables)))
        for group_path, owner, variables in owners:
            group = file.require_group(group_path)
            group.attrs["name"] = owner.name
            for i, variable in enumerate(variables):
                group.create_dataset(str(i), data=variable.numpy())


def _optimizer_variables(optimizer, trainable_variables) -> list:
    """Keras 3's order: the step count, the learning rate (a schedule has none), then each
    trainable variable's slots (Adam's m and v: Keras's momentum and velocity); slots only
    once the optimizer has been built or has updated."""
    found = [optimizer._iterations]
    if isinstance(optimizer._learning_rate, Variable):
        found.append(optimizer._learning_rate)
    if optimizer._slots:
        found += [optimizer.add_slot(variable, name) for variable in trainable_variables
                  for name in optimizer.get_slot_names()]
    return found


def read_optimizer_h5(path, optimizer, trainable_variables) -> None:
    """Put back `optimizer`'s step count, learning rate and slots from `path`'s
    "optimizer/vars" (none there: it stays new, as Keras 3 leaves it)."""
    import h5py
    with h5py.File(path, "r") as file:
        group = file.get("optimizer/vars")
        if group is None or not len(group):
            return
        if len(group) > 2:
            optimizer.build(trainable_variables)
        variables = _optimizer_variables(optimizer, trainable_variables)
        if len(group) != len(variables):
            raise InvalidArgumentError(
                "load_model", f"the file's optimizer holds {len(group)} variables; "
                              f"{type(optimizer).__name__} for this model has {len(variables)}")
        for i, variable in enumerate(variables):
            variable.assign(np.asarray(group[str(i)]).astype(variable.dtype.as_numpy_dtype))


def read_h5(path: str, model) -> list:
    """The values of `model`'s variables read from `path` (Keras 3's layout), in the order
    of `model.weights`, each checked against its variable's shape."""
    import h5py
    found = {}
    try:
        file = h5py.File(path, "r")
    except OSError as error:   # HDF5's signature, then no HDF5 file: cut short, or not one
        raise InvalidArgumentError("load_weights", f"{path} starts as an HDF5 file but h5py "
                                                   f"cannot read it: {error}") from None
    with file:
        for group_path, owner, variables in _owners(model):
            group = file.get(group_path)
            stored = len(group) if group is not None else 0
            if stored != len(variables):
                raise InvalidArgumentError(
                    "load_weights", f"{path} holds {stored} variables for {owner.name!r} at "
                                    f"'{group_path}'; the model's {owner.name!r} has "
                                    f"{len(variables)}",
                    hint="build the model first: model.build(input_shape), or call it on a "
                         "batch" if not model.built else "make the model as the one that "
                         "saved the file (the same layers, in the same order)")
            for i, variable in enumerate(variables):
                value = np.asarray(group[str(i)])
                if value.shape != tuple(variable.shape):
                    raise InvalidArgumentError(
                        "load_weights", f"{path}'s '{group_path}/{i}' has shape "
                                        f"{value.shape}; {variable.name} has shape "
                                        f"{tuple(variable.shape)}")
                found[id(variable)] = value
    return [found[id(variable)] for variable in model.weights]


def _owners(model) -> list:
    """(group path, owner, its own variables) for the model and every layer in it, in the
    order Keras 3 walks them: a path per object, the first one found."""
    out, visited = [], set()

    def walk(owner, path: str) -> None:
        if id(owner) in visited:
            return
        visited.add(id(owner))
        own = owner._tracked()[1]
        out.append((f"{path}/vars" if path else "vars", owner,
                    [v for v in own if v.trainable] + [v for v in own if not v.trainable]))
        for attribute, child in _children(owner):
            inner = f"{path}/{attribute}" if path else attribute
            if isinstance(child, list):
                used = {}
                for layer in child:
                    name = snake_case(type(layer).__name__)
                    used[name] = used.get(name, -1) + 1
                    walk(layer, f"{inner}/{name}_{used[name]}" if used[name] else
                         f"{inner}/{name}")
            else:
                walk(child, inner)

    walk(model, "")
    return out


def _children(owner) -> list:
    """(attribute, layer or list of layers) of `owner`, sorted by attribute as Keras's walk
    of `dir()` meets them: its public attributes and, for a model, `layers`."""
    from .layers.base import Layer
    from .models import Model
    children = {key: value for key, value in vars(owner).items() if not key.startswith("_")
                and (isinstance(value, Layer) or isinstance(value, (list, tuple)) and value
                     and all(isinstance(item, Layer) for item in value))}
    children = {key: list(value) if isinstance(value, (list, tuple)) else value
                for key, value in children.items()}
    if isinstance(owner, Model):
        children["layers"] = owner.layers
    return sorted(children.items())


def snake_case(name: str) -> str:
    """A class name as Keras names its group: 'Conv2D' -> 'conv2d', 'BatchNormalization' ->
    'batch_normalization' (keras.src.utils.naming.to_snake_case)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
