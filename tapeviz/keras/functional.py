"""Keras's functional API: `Model(inputs, outputs)`, a `Functional`, replays in order the
layer calls that made its output KerasTensors from its Input ones (keras_tensor.py), on the
tensors it is given."""
from __future__ import annotations

from .. import nest
from ..errors import InvalidArgumentError, describe
from .input_rank import adjusted_rank
from .keras_tensor import KerasTensor
from .layers.tracking import _dedup
from .models import Model


def _calls_in_order(outputs) -> list:
    """The layer calls that make `outputs`, each after the calls that make its inputs."""
    ordered, seen = [], set()

    def visit(call):
        if id(call) in seen:
            return
        seen.add(id(call))
        for leaf in nest.flatten(call.inputs) if call.inputs is not None else ():
            if isinstance(leaf, KerasTensor):
                visit(leaf._call)
        ordered.append(call)

    for tensor in nest.flatten(outputs):
        visit(tensor._call)
    return ordered


class Functional(Model):
    """A model of layers joined by calls on KerasTensors: `Model(inputs, outputs)`.

    >>> import tapeviz as tf
    >>> tf.keras.backend.clear_session()
    >>> inputs = tf.keras.Input(shape=(3,))
    >>> outputs = tf.keras.layers.Dense(2)(tf.keras.layers.Dense(4)(inputs))
    >>> model = tf.keras.Model(inputs=inputs, outputs=outputs)
    >>> model(tf.ones([5, 3])).shape, len(model.trainable_variables)
    (TensorShape([5, 2]), 4)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for role, given in (("inputs", inputs), ("outputs", outputs)):
            for leaf in nest.flatten(given):
                if not isinstance(leaf, KerasTensor):
                    raise InvalidArgumentError(
                        "Model", f"{role} must be KerasTensors (tf.keras.Input(...) and the "
                                 f"layers called on it); got {describe(leaf)}")
        calls = _calls_in_order(outputs)
        declared = {id(leaf._call) for leaf in nest.flatten(inputs)}
        for call in calls:
            if call.inputs is None and id(call) not in declared:
                raise InvalidArgumentError(
                    "Model", f"the outputs depend on the Input {call.layer.name!r}, which is "
                             f"not among the model's inputs")
        self._model_inputs, self._model_outputs = inputs, outputs
        self._calls = [call for call in calls if call.inputs is not None]
        self._functional_layers = _dedup([call.layer for call in calls])
        self._input_shape = nest.pack_sequence_as(
            inputs, [tuple(leaf.shape) for leaf in nest.flatten(inputs)])
        self._output_shape = nest.pack_sequence_as(
            outputs, [tuple(leaf.shape) for leaf in nest.flatten(outputs)])
        self.built = True

    @property
    def layers(self) -> list:
        """Its layers, its InputLayers first, each after the layers that feed it."""
        return list(self._functional_layers)

    @property
    def input(self):
        return self._model_inputs

    @property
    def output(self):
        return self._model_outputs

    @property
    def inputs(self) -> list:
        return nest.flatten(self._model_inputs)

    @property
    def outputs(self) -> list:
        return nest.flatten(self._model_outputs)

    def call(self, inputs, training=None, mask=None):
        placeholders = nest.flatten(self._model_inputs)
        if isinstance(inputs, dict) and isinstance(self._model_inputs, dict):
            missing = [key for key in self._model_inputs if key not in inputs]
            if missing:   # (flattened, the dicts' values would pair by sorted key, silently)
                raise InvalidArgumentError(
                    f'model "{self.name}"', f"Missing data for input {missing[0]!r}. You passed "
                                            f"a data dictionary with keys {sorted(inputs)}. "
                                            f"Expected the following keys: "
                                            f"{sorted(self._model_inputs)}")
            inputs = {key: inputs[key] for key in self._model_inputs}
        given = nest.flatten(inputs)
        if len(given) != len(placeholders):
            raise InvalidArgumentError(
                f'model "{self.name}"', f"expects {len(placeholders)} input(s), one per "
                                        f"tf.keras.Input it was built from; got {len(given)}: "
                                        f"{', '.join(describe(value) for value in given)}")
        values = {id(leaf): adjusted_rank(self, value, tuple(leaf.shape))
                  for leaf, value in zip(placeholders, given)}
        for call in self._calls:
            arguments = nest.pack_sequence_as(call.inputs, [
                values[id(leaf)] if isinstance(leaf, KerasTensor) else leaf
                for leaf in nest.flatten(call.inputs)])
            outputs = call.layer(arguments, *call.args, **{"training": training, **call.kwargs})
            values.update(zip(map(id, call.outputs), nest.flatten(outputs)))
        return nest.pack_sequence_as(self._model_outputs,
                                     [values[id(leaf)] for leaf in nest.flatten(
                                         self._model_outputs)])
