"""Model and Sequential: layers of layers that can be summarized, saved and trained.

A `Model` is a `Layer` (its sublayers are found by attribute tracking) plus the
training loop of `training.Trainer`. Subclass it and define `call`, or stack layers in
a `Sequential`, or join layers called on `Input`s: `Model(inputs, outputs)` (functional.py).
"""
from __future__ import annotations

from contextlib import nullcontext

from .. import nest
from ..creation import zeros
from ..dispatch import name_scope, unrecorded
from ..errors import DTypeError, DTypeValueError, MissingAttributeError, describe
from ..pytorch_habits import forward_not_call
from .layers.base import Layer
from .layers.tracking import _dedup
from .input_rank import adjusted_rank
from .keras_tensor import KerasTensor, input_tensor, symbolic_call
from .layers.core import InputLayer
from .layers.list_input import list_refused
from .summary import print_summary
from .training import Trainer
from .uncovered import add_removed, add_uncovered
from .weights_file import read_weights, write_weights

__all__ = ["Model", "Sequential", "clone_model", "load_model", "save_model"]


class Model(Trainer, Layer):
    """A layer with training methods; subclass it and define `call`.

    >>> import tapeviz as tf
    >>> class MLP(tf.keras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = tf.keras.layers.Dense(8, activation="relu")
    ...         self.out = tf.keras.layers.Dense(2)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
    >>> model = MLP()
    >>> model(tf.ones([3, 4])).shape, len(model.trainable_variables)
    (TensorShape([3, 2]), 4)
    """

    def __new__(cls, *args, **kwargs):
        given = args or "inputs" in kwargs or "outputs" in kwargs
        if given and cls is Model or _functional_arguments(args, kwargs) \
                and not _is_functional(cls):
            # Model(inputs, outputs), or a subclass of Model given them (the fit-customising
            # guide's CustomModel(inputs, outputs)): Functional under the subclass, as Keras does
            return super().__new__(_functional_class(cls))
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args:
            raise DTypeError(type(self).__name__, f"Model.__init__ takes inputs and outputs "
                                                  f"(KerasTensors) or keywords (name=, "
                                                  f"trainable=); got {describe(args)}",
                             hint="keep your own arguments in your __init__ and call "
                                  "super().__init__() with none of them")
        super().__init__(**kwargs)
        self.compiled_loss = None
        self.compiled_metrics = None
        self.optimizer = None

    def call(self, inputs, training=None):
        raise forward_not_call(self) or NotImplementedError(
            f"{type(self).__name__}: a subclassed Model must define call(inputs, training=None)")

    @property
    def layers(self) -> list:
        """The direct sublayers, in the order they were assigned (or added)."""
        return self._tracked()[0]

    @property
    def weights(self) -> list:
        """Each layer's weights in turn, then the model's own (Keras's Model order)."""
        layers, own = self._tracked()
        out = []
        for layer in layers:
            out += layer.weights
        return _dedup(out + own)

    def get_layer(self, name=None, index=None) -> Layer:
        """A direct sublayer by name or by index."""
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def build(self, input_shape) -> None:
        """Create the weights by calling the model once on zeros of `input_shape`."""
        if getattr(self, "_building_in_call", False):  # super().build() from a user build
            self.built = True
            return
        if type(self).call is Model.call:
            raise NotImplementedError(f"{type(self).__name__} defines no call()")
        shape = [1 if d is None else int(d) for d in input_shape]
        with unrecorded():
            self.built = True  # so __call__ does not come back here
            self(zeros(shape, dtype=self.dtype))
        self._input_shape = (None,) + tuple(input_shape)[1:]

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False) -> None:
        """Print Keras's table of layers, output shapes and parameter counts; an unbuilt
        model's, as Keras 3 prints it (shapes '?', '0 (unbuilt)'), then how to build it."""
        print_fn = print_fn or print
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)
        if not self.built:
            print_fn("The model is not built: its shapes and parameters are unknown until it "
                     "is. Give it an input shape (tf.keras.Input((features,)) as its first "
                     "layer) or call it on a batch first.")

    def _build_on_call(self, input_shape) -> None:
        if type(self).build is Model.build:
            self.built = True  # a subclassed model's layers build themselves as they run
            return
        self._building_in_call = True
        try:
            self.build(input_shape)
        finally:
            self._building_in_call = False

    # ---- saving weights --------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True, save_format=None) -> None:
        """Save the weights as Keras 3 does, an HDF5 file Keras loads, under a `.weights.h5`
        name (weights_file.py; TF 2's checkpoint prefix 'ckpt' as a numpy archive, ckpt.npz)."""
        write_weights(filepath, self)

    def save(self, filepath, overwrite=True, **kwargs):
        """The whole model in Keras 3's `.keras` file: its config, weights, compile config
        and optimizer state (saving.py), which `tf.keras.models.load_model` reads."""
        from .saving import save_model
        save_model(self, filepath, overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False) -> None:
        """Load weights saved by `save_weights`, tapeviz's or Keras 3's."""
        self.set_weights(read_weights(filepath, self))


add_uncovered(Model, "keras.Model")   # model.export(): TensorFlow's, not covered, said so
add_removed(Model)   # model.fit_generator(...): Keras 2's, removed, said what replaces it


class Sequential(Model):
    """A plain stack of layers, each feeding the next.

    >>> import tapeviz as tf
    >>> tf.keras.backend.clear_session()
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(3,)),
    ...                              tf.keras.layers.Dense(1)])
    >>> model.count_params(), model.output_shape
    (21, (None, 1))
    """

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._layers = []
        self._declared_input = None  # batch input shape from an Input or the first layer
        if isinstance(layers, Layer):   # Sequential(Dense(1)): Keras 3 takes a list
            raise DTypeError("Sequential", f"layers must be a list of layers; got "
                                           f"{describe(layers)}",
                             hint=f"put it in a list: Sequential([{type(layers).__name__}(...)])")
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        return list(self._layers)

    def add(self, layer) -> None:
        """Append a layer; the model builds as soon as the input shape is known."""
        if isinstance(layer, KerasTensor) and isinstance(layer._call.layer, InputLayer):
            layer = layer._call.layer   # Sequential([tf.keras.Input((3,)), ...])
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An InputLayer must be the first layer of a Sequential model")
            self._declared_input = layer._batch_input_shape
            return
        if not isinstance(layer, Layer):
            is_class = isinstance(layer, type) and issubclass(layer, Layer)
            raise DTypeValueError("Sequential.add", f"The added layer must be an instance of "
                                                    f"class Layer; got {describe(layer)}",
                                  hint=f"that is the class: make a layer of it, "
                                       f"{layer.__name__}(...)" if is_class else None)
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f'All layers added to a Sequential model should have unique names. '
                             f'Name "{layer.name}" is already the name of a layer in this model. '
                             f"Update the `name` argument to pass a unique name.")
        self._layers.append(layer)
        if self._declared_input is None and len(self._layers) == 1:
            self._declared_input = layer._batch_input_shape
        if self._declared_input is not None:
            self.build(self._declared_input)
        else:
            self.built = False

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        if self._layers and self._input_shape is not None:
            self._output_shape = self._layers[-1]._output_shape
        return layer

    def build(self, input_shape=None) -> None:
        """Build every layer for inputs of `input_shape` (the batch dimension may be None)."""
        input_shape = input_shape if input_shape is not None else self._declared_input
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if isinstance(input_shape, dict):   # (a dict of inputs: a KeyError read it)
            raise list_refused(self, input_shape)
        if input_shape and isinstance(input_shape[0], (list, tuple)):   # a list's shapes:
            if len(input_shape) != 1:                                  # one input, listed, is
                raise list_refused(self, input_shape)                  # taken (as call takes it)
            input_shape = input_shape[0]
        shape = given = tuple(None if d is None else int(d) for d in tuple(input_shape))
        if len(shape) > 1:   # a rank-1 shape keeps its one axis: Dense says it has no batch axis
            shape = (None,) + shape[1:]
        self._input_shape = shape
        # (built by its first call, it is in its own scope already: not 'sequential/sequential')
        with nullcontext() if getattr(self, "_building_in_call", False) else \
                name_scope(self.name):
            for layer in self._layers:
                layer._build_for_shape(shape, given)
                given = None
                shape = tuple(layer.compute_output_shape(shape))
                layer._output_shape = shape
        self._output_shape = shape
        self.built = True

    # ---- Keras 3's graph of a built Sequential (a feature extractor reads it) ----------------
    @property
    def input(self):
        return self._traced()[0]

    @property
    def output(self):
        return self._traced()[1]

    @property
    def inputs(self) -> list:
        return [self.input]

    @property
    def outputs(self) -> list:
        return [self.output]

    def _traced(self) -> tuple:
        """(input, output) KerasTensors of the layers called in turn on an Input, made when
        first asked for (each layer's .input and .output are then its call's)."""
        if not self.built or self._input_shape is None or len(self._input_shape) < 2:
            raise MissingAttributeError(
                "Sequential", "the model has no input yet: it is not built with an input shape",
                hint="start it with tf.keras.Input(shape=...) or call it on a batch first")
        key = (self._input_shape, tuple(map(id, self._layers)))
        if self.__dict__.get("_trace_key") != key:
            tensor = start = input_tensor(InputLayer(input_shape=self._input_shape[1:]))
            for layer in self._layers:
                tensor = symbolic_call(layer, tensor, (), {})
            self.__dict__["_trace"], self.__dict__["_trace_key"] = (start, tensor), key
        return self.__dict__["_trace"]

    def call(self, inputs, training=None, mask=None):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:   # its one input, listed
            inputs = inputs[0]                                       # (predict([x]), as Keras)
        outputs = adjusted_rank(self, inputs, self._input_shape, self._declared_input)
        for layer in self._layers:
            outputs = layer(outputs, training=training)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def get_config(self) -> dict:
        return {"name": self.name, "layers": [{"class_name": type(layer).__name__,
                                               "config": layer.get_config()}
                                              for layer in self._layers]}


_FUNCTIONAL_SUBCLASSES: dict = {}   # a Model subclass -> it over Functional


def _functional_arguments(args, kwargs) -> bool:
    """Whether a Model is made of layer calls: its inputs and outputs (KerasTensors) given."""
    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    return all(given is not None and any(isinstance(leaf, KerasTensor)
                                         for leaf in nest.flatten(given))
               for given in (inputs, outputs))


def _is_functional(cls) -> bool:
    from .functional import Functional   # it subclasses Model
    return issubclass(cls, Functional)


def _functional_class(cls):
    """`cls` with Functional's model of layer calls under it: Model itself gives Functional."""
    from .functional import Functional
    if cls is Model:
        return Functional
    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        made = _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                                  {"__module__": cls.__module__,
                                                   "__qualname__": cls.__qualname__})
    return made


def clone_model(model: Sequential) -> Sequential:
    """A new Sequential with the same layer configs and fresh weights."""
    if not isinstance(model, Sequential):
        raise NotImplementedError("clone_model: only Sequential models can be cloned")
    layers = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k != "name"}
        layers.append(type(layer).from_config(config))
    clone = Sequential(layers)
    if model.built and model._input_shape is not None:
        clone.build(model._input_shape)
    return clone


from .saving import load_model, save_model  # noqa: E402  (whole-model .keras files)


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ..coverage import missing as _missing
    raise _missing('keras.models', __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
