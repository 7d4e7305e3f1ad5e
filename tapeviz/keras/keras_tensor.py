"""The functional API's placeholders: `Input` gives a KerasTensor (a shape and dtype, no
values), and a layer called on KerasTensors gives KerasTensors that remember the call, which
`Model(inputs, outputs)` replays (functional.py).

A layer called on KerasTensors builds itself by running once on zeros of batch 1, unrecorded
and unheard (dispatch.probe), so every layer (recurrent ones' several outputs, a Lambda's
function) gives its outputs' shapes and dtypes without a rule of its own.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from .. import dtypes, nest
from ..creation import zeros
from ..dispatch import probe
from ..errors import MissingAttributeError, OpError

# a value's methods, asked of a placeholder that has none (`Input(...).numpy()`)
_VALUE_METHODS = frozenset({"numpy", "item", "tolist", "eval", "assign", "assign_add",
                            "assign_sub"})


class _Probe(threading.local):
    kept = None   # while a probe runs: (variable, value) pairs to put back after it


_probe = _Probe()


@contextlib.contextmanager
def probing(layer):
    """A block whose layer calls leave `layer`'s variables as they were, and those the calls
    build as built: a counter its call adds to does not count the probe, as Keras's symbolic
    call changes no variable."""
    outer, _probe.kept = _probe.kept, [(v, v._value) for v in layer.weights]
    try:
        yield
    finally:
        for variable, value in reversed(_probe.kept):
            variable._value = value
        _probe.kept = outer


def note_built(layer) -> None:
    """Called when `layer` has just built: in a probe, its new variables go back as built."""
    if _probe.kept is not None:
        _probe.kept += [(v, v._value) for v in layer.weights]


class KerasTensor:
    """What a functional model's layer will receive or return: a shape (batch axis None) and
    a dtype, with the layer call that makes it."""

    def __init__(self, shape, dtype, call: "LayerCall", name: str):
        self.shape = tuple(shape)   # Keras 3's is a plain tuple: (None, 3)
        self.dtype = dtypes.as_dtype(dtype).name   # Keras 3's is a string: "float32"
        self.name = name
        self._call = call

    def __repr__(self) -> str:
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
                f"name={self.name}>")

    def __getattr__(self, name: str):
        if name not in _VALUE_METHODS:
            raise AttributeError(f"'KerasTensor' object has no attribute {name!r}")
        raise MissingAttributeError(
            f"KerasTensor.{name}", f"a KerasTensor has no values: it is the functional API's "
            f"placeholder (tf.keras.Input and the layers called on it), a shape {self.shape} "
            f"and dtype {self.dtype} that the model's data will fill",
            hint="make the model, model = tf.keras.Model(inputs, outputs), and call it on "
                 "data: model(x) is a Tensor with values")


class LayerCall:
    """One call of a layer on KerasTensors: what it was given and the KerasTensors it gave."""

    def __init__(self, layer, inputs, args: tuple, kwargs: dict):
        self.layer, self.inputs, self.args, self.kwargs = layer, inputs, args, kwargs
        self.outputs: list = []
        self.packed_outputs = None   # the outputs in the structure the layer returned


def is_symbolic(inputs) -> bool:
    """True when a layer's inputs are (or hold) KerasTensors: the call is the model's plan."""
    kind = type(inputs)
    if issubclass(kind, (list, tuple, dict)):
        return any(isinstance(leaf, KerasTensor) for leaf in nest.flatten(inputs))
    return issubclass(kind, KerasTensor)


def input_tensor(layer) -> KerasTensor:
    """The KerasTensor an InputLayer declares (`tf.keras.Input(shape=...)`)."""
    call = LayerCall(layer, None, (), {})
    tensor = KerasTensor(layer._batch_input_shape, layer.dtype, call, layer.name)
    call.outputs = [tensor]
    call.packed_outputs = call.inputs = tensor   # an Input's input and output
    layer._output_shape = tuple(layer._batch_input_shape)
    layer.__dict__["_functional_call"] = call
    return tensor


def symbolic_call(layer, inputs, args: tuple, kwargs: dict):
    """`layer` called on KerasTensors: built on zeros of batch 1, its outputs as KerasTensors."""
    def example(leaf):
        if not isinstance(leaf, KerasTensor):
            return leaf
        return zeros([1] + [1 if d is None else d for d in leaf.shape[1:]], dtype=leaf.dtype)

    try:   # (numpy's warnings of the examples' zeros are of no data the user gave: unsaid)
        with probe(), probing(layer), np.errstate(all="ignore"):
            outputs = layer(nest.pack_sequence_as(inputs, [example(leaf) for leaf in
                                                           nest.flatten(inputs)]), *args, **kwargs)
    except OpError as error:   # it saw the examples: say the shapes the user's code gave
        if error.hint is None:
            given = ", ".join(str(leaf.shape) for leaf in nest.flatten(inputs)
                              if isinstance(leaf, KerasTensor))
            error.with_hint(f"called on KerasTensors of shape {given}, tried on a batch of one "
                            f"(the shapes above have 1 where these have None)")
        raise
    call = LayerCall(layer, inputs, args, kwargs)
    call.outputs = [KerasTensor([None] + list(out.shape)[1:], out.dtype, call, layer.name)
                    for out in nest.flatten(outputs)]
    call.packed_outputs = nest.pack_sequence_as(outputs, call.outputs)
    layer.__dict__["_functional_call"] = call   # its .input and .output (the last call's)
    return call.packed_outputs
