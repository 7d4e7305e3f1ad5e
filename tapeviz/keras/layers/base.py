"""Layer: Keras's base class: naming, weight creation, trainability and `__call__`.

`__call__` converts the inputs, builds the layer on first use and runs `call` inside
`tapeviz.name_scope(self.name)`, so every op a layer runs carries its layer path
(e.g. "sequential/conv2d_1") on the tape. Sublayers and variables assigned as
attributes are tracked by `Tracked` (tracking.py), which finds the weights.
"""
from __future__ import annotations

import inspect
import re
import sys
import threading
import weakref

import numpy as np

from ... import arguments
from ... import dtypes as _dtypes
from ... import model_calls
from ...creation import constant, zeros
from ...dispatch import name_scope, unrecorded
from ...errors import InvalidArgumentError, MissingAttributeError, ShapeError, describe
from ...ops.assign import cast
from ...pytorch_habits import add_habits, forward_not_call
from ...sourceinfo import user_source
from ...tensor import Tensor, TensorShape
from ..keywords import call_keyword_refused, refuse_unknown_keywords
from ...variable import Variable
from .. import backend
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..keras_tensor import is_symbolic, note_built, probing, symbolic_call
from .list_input import list_refused
from .tracking import Tracked
from .weight_values import checked_weight_values

_EXTRA_KWARGS = {"batch_input_shape", "batch_size", "input_dim", "autocast", "dynamic"}


class _CallContext(threading.local):
    """The `training` value of the layer call in progress, inherited by nested calls."""

    def __init__(self):
        self.training = None
        self.depth = 0


_context = _CallContext()
_holding_losses = weakref.WeakSet()  # layers whose add_loss tensors await the next outer call
# id(weight of a layer set trainable=False) -> (a weak reference to it, the layer's name, the
# user's line that froze the layer, the weight's value then: None if made while frozen), read
# by diagnose (debugger/frozen.py): a weight whose value is another was updated since
frozen = {}
# id(weight made with a regularizer) -> (a weak reference to it, the regularizer), read by
# diagnose (debugger/regularization.py): a custom loop must add the layers' losses itself
regularized = {}


def _note_frozen(layer, trainable: bool, weights=None) -> None:
    """Note `layer`'s weights (or the new `weights` it made while frozen) as frozen, or not."""
    if weights is None:
        layer._frozen_at = None if trainable else user_source()
    for weight in layer._own_weights if weights is None else weights:
        key = id(weight)
        if trainable:
            frozen.pop(key, None)
        else:
            gone = weakref.ref(weight, lambda _, key=key: frozen.pop(key, None))
            frozen[key] = (gone, layer.name, layer._frozen_at,
                           None if weights else weight._value)


def to_snake_case(name: str) -> str:
    """Keras's default layer name for a class name.

    >>> to_snake_case("GlobalAveragePooling2D"), to_snake_case("ReLU")
    ('global_average_pooling2d', 're_lu')
    """
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return snake if snake[0] != "_" else "private" + snake


def shape_error(layer, message: str, hint: str | None = None) -> ShapeError:
    """A ShapeError that names the layer (and, through OpError, the user's line)."""
    return ShapeError(f'layer "{layer.name}" ({type(layer).__name__})', message, hint)


def _shapes(value, batch_free: bool = False):
    """The TensorShape of a tensor (or a nest of them); with batch_free, tuples whose batch
    dimension is None, as Keras reports shapes."""
    if isinstance(value, Tensor):
        if batch_free:
            shape = value._value.shape   # an array's or a numpy scalar's: np.shape's call less
            if shape:
                return (None,) + shape[1:]
        return value.shape
    if isinstance(value, (list, tuple)):
        return [_shapes(v, batch_free) for v in value]
    if isinstance(value, dict):
        return {k: _shapes(v, batch_free) for k, v in value.items()}
    return None


class Layer(Tracked):
    """A callable block of computation with its own weights, named like Keras's.

    >>> import tapeviz as tf
    >>> tf.keras.backend.clear_session()
    >>> layer = tf.keras.layers.Dense(3)
    >>> layer(tf.ones([2, 4])).shape, [w.name for w in layer.weights]
    (TensorShape([2, 3]), ['dense/kernel:0', 'dense/bias:0'])
    """

    _TRAINING_ARG = None  # per class: whether `call` accepts `training` (set on first call)
    _ONE_TENSOR = False   # per class: `call` takes one tensor, a list is refused (list_input.py)

    def __new__(cls, *args, **kwargs):
        if kwargs and cls.__init__.__module__.startswith("tapeviz."):   # a typo, before Python's
            refuse_unknown_keywords(cls, kwargs, _EXTRA_KWARGS, True)  # binding says what lacks
        return super().__new__(cls)

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, **kwargs):
        if not _EXTRA_KWARGS.issuperset(kwargs):
            refuse_unknown_keywords(type(self), kwargs, _EXTRA_KWARGS)
        object.__setattr__(self, "_own_weights", [])
        self._trainable = bool(trainable)
        if not trainable:
            _note_frozen(self, False)
        if name is not None and (not isinstance(name, str) or "/" in name):   # Keras 3's rule
            raise InvalidArgumentError(type(self).__name__, f"Argument `name` must be a string "
                                       f"and cannot contain character `/`. Received: "
                                       f"name={name} (of type {type(name)})",
                                       hint="'/' separates a layer's name from its weights' "
                                            "(dense/kernel:0): name it dense_1 or dense-1")
        self._name = name or backend.unique_object_name(to_snake_case(type(self).__name__))
        self._dtype = backend.floatx() if dtype is None else _dtypes.as_dtype(dtype).name
        self._autocast = kwargs.get("autocast", True)
        self._losses = []
        self._callable_losses = []
        self._regularized = []  # (variable, regularizer) pairs, evaluated in `losses`
        self.built = False
        self._input_shape = None
        self._output_shape = None
        batch_input_shape = kwargs.get("batch_input_shape")
        if input_shape is None and kwargs.get("input_dim") is not None:
            input_shape = (kwargs["input_dim"],)
        if input_shape is not None:
            input_shape = arguments.input_shape(type(self).__name__, "input_shape", input_shape)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)

    # ---- names, dtype, trainability ----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        return self._dtype

    compute_dtype = variable_dtype = dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
            _note_frozen(layer, layer._trainable)

    # ---- weights ----------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, **kwargs):
        """Create a variable named "<layer name>/<name>:0" and track it as this layer's."""
        dtype = _dtypes.as_dtype(dtype or self._dtype)
        shape = () if shape is None else tuple(int(d) for d in shape)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        initializer = _initializers.get(initializer)
        value = initializer(shape, dtype=dtype.name)
        trainable = True if trainable is None else bool(trainable)
        variable = Variable(value, trainable=trainable, dtype=dtype, name=f"{self.name}/{name}")
        variable.name = f"{self.name}/{name}:0"  # as TF eager names it: never uniquified
        self._own_weights.append(variable)
        if not self._trainable:
            _note_frozen(self, False, [variable])
        regularizer = _regularizers.get(regularizer)
        if regularizer is not None:
            self._regularized.append((variable, regularizer))
            key = id(variable)
            regularized[key] = (weakref.ref(variable, lambda _, key=key: regularized.pop(
                key, None)), regularizer)
        return variable

    def get_weights(self) -> list:
        """The weights' values as numpy arrays, in the order of `weights`."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Assign numpy arrays (in the order and layouts of `get_weights`) to the weights;
        all are checked before any is assigned (weight_values.py)."""
        for variable, value in zip(self.weights, checked_weight_values(self, weights)):
            variable.assign(value.astype(variable._value.dtype, copy=False))

    def count_params(self) -> int:
        """The number of scalars in this layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but the "
                             f"layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    # ---- losses -----------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Add a loss that training adds to its loss: a tensor (kept until the next outer
        call, as when added inside `call`) or a zero-argument callable (kept for good)."""
        if callable(loss):
            self._callable_losses.append(loss)
        else:
            self._losses.append(loss)
            _holding_losses.add(self)

    @property
    def losses(self) -> list:
        out = []
        for layer in self._flatten_layers():
            out += list(layer._losses) + [loss() for loss in layer._callable_losses]
            out += [regularizer(variable) for variable, regularizer in layer._regularized]
        return out

    # ---- building and calling ---------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create the weights for inputs of `input_shape` (subclasses override it)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation (subclasses override it)."""
        if (error := forward_not_call(self)) is not None:   # PyTorch's name: never run
            raise error
        return inputs

    def _build_on_call(self, input_shape) -> None:
        self.build(input_shape)

    def _build_for_shape(self, input_shape, given=None) -> None:
        """Build (once) in this layer's name scope, given a shape with batch None; `given`:
        the shape the user gave, batch and all, which build reads so a refusal says it."""
        if not self.built:
            with name_scope(self.name):
                self.build(TensorShape(given or input_shape))
            self.built = True
        self._input_shape = tuple(input_shape)

    def __call__(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        else:
            inputs = kwargs.pop("inputs")
        # the functional API: called on KerasTensors, a layer adds to a model's plan (a tensor
        # is told apart first: is_symbolic's look costs +6k instructions a step of 3 Dense)
        if type(inputs) is not Tensor and is_symbolic(inputs):
            return symbolic_call(self, inputs, args, kwargs)
        context = _context
        outer, depth = context.training, context.depth   # (a thread-local's read: ~0.1 us)
        training = kwargs.pop("training", None)
        if training is None:
            training = outer
        if depth == 0 and _holding_losses:  # added losses last until the next outer call
            for layer in self._flatten_layers():
                layer._losses.clear()
                _holding_losses.discard(layer)
        with name_scope(self._name):
            inputs = self._convert_inputs(inputs)
            if depth == 0:   # the user's call of the model: its site, read if asked
                caller = sys._getframe(1)
                model_calls.note(self._name, (caller.f_code, caller.f_lasti), inputs)
            if not self.built:
                self._build_on_call(_shapes(inputs))
                self.built = True
                note_built(self)
            if training is not None and self._accepts_training():
                kwargs["training"] = training
            context.training, context.depth = training, depth + 1
            try:
                outputs = self.call(inputs, *args, **kwargs)
            except TypeError as error:   # a misspelt keyword: Python's binding of call refused it
                if kwargs and error.__traceback__.tb_next is None \
                        and "unexpected keyword argument" in str(error):
                    raise call_keyword_refused(self, kwargs, error) from None
                raise
            finally:
                context.training, context.depth = outer, depth
        # stored past __setattr__ (they hold no layer or variable): ~1.5 us a call less each
        attributes = self.__dict__
        attributes["_input_shape"] = _shapes(inputs, batch_free=True)
        attributes["_output_shape"] = _shapes(outputs, batch_free=True)
        return outputs

    @property
    def input(self):
        """What a functional model gave this layer: `tf.keras.Model(model.input, layer.output)`."""
        return self._functional("input").inputs

    @property
    def output(self):
        """What this layer gave a functional model (its last call on KerasTensors)."""
        return self._functional("output").packed_outputs

    def _functional(self, which: str):
        call = self.__dict__.get("_functional_call")
        if call is None:
            raise MissingAttributeError(
                f'layer "{self.name}"', f"has no {which}: it was never called on a "
                                        f"tf.keras.Input (a functional model's layers have one)",
                hint="build the model from tf.keras.Input(shape=...) to read its layers' "
                     "inputs and outputs")
        return call

    def _accepts_training(self) -> bool:
        cls = type(self)
        if cls.__dict__.get("_TRAINING_ARG") is None:
            parameters = inspect.signature(self.call).parameters
            cls._TRAINING_ARG = "training" in parameters or any(
                p.kind is p.VAR_KEYWORD for p in parameters.values())
        return cls._TRAINING_ARG

    def _convert_inputs(self, inputs, within=None):
        """Tensors autocast, numpy arrays made tensors; `within`: the outermost list or dict
        `inputs` sits in, named when one of its items is refused."""
        if type(inputs) is Tensor and _dtypes.from_numpy(inputs._value.dtype).name == self._dtype:
            return inputs   # (a layer's usual input: no autocast to ask about)
        if isinstance(inputs, Tensor):
            return self._autocast_tensor(inputs)
        if isinstance(inputs, dict):
            converted = {k: self._convert_inputs(v, within or inputs) for k, v in inputs.items()}
            if within is None and self._ONE_TENSOR:
                raise list_refused(self, converted)
            return converted
        if isinstance(inputs, (list, tuple)):
            converted = type(inputs)(self._convert_inputs(v, within or inputs) for v in inputs)
            if within is None and self._ONE_TENSOR:   # (numbers in it were refused as such)
                raise list_refused(self, converted)
            return converted
        if isinstance(inputs, (np.ndarray, np.generic)) or hasattr(type(inputs), "__array__"):
            return self._autocast_tensor(constant(inputs))   # an array-like (a torch tensor)
        if inputs is None or isinstance(inputs, (bool, int, float)):   # as Keras 3 refuses
            came = f"{inputs!r} ({type(inputs).__name__})"               # them, nested too
            if within is not None:
                came = f"a Python {type(within).__name__} holding {came}: {describe(within)}"
            raise InvalidArgumentError(
                f'layer "{self.name}" ({type(self).__name__})', f"inputs must be tensors or "
                f"numpy arrays; got {came}",
                hint=None if inputs is None else "make a list of numbers an array first: "
                                                 "np.array(x, dtype='float32') or tf.constant(x)")
        return inputs

    def _autocast_tensor(self, tensor):
        dtype = tensor.dtype
        if self._autocast and dtype.is_floating and dtype.name != self._dtype:
            return cast(tensor, self._dtype)
        return tensor

    # ---- shapes -----------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape` (batch may be None): by running the layer on
        zeros when a subclass does not say, its variables put back after (as Keras's symbolic
        call leaves them: a counter its call adds to does not count the probe)."""
        shape = [1 if d is None else int(d) for d in input_shape]
        with unrecorded(), probing(self):
            out = self(zeros(shape, dtype=self._dtype))
        out_shape = tuple(out.shape)
        return (input_shape[0],) + out_shape[1:] if input_shape and out_shape else out_shape

    @property
    def input_shape(self):
        if self._input_shape is None:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has '
                                 f"no defined input shape.")
        return self._input_shape

    @property
    def output_shape(self):
        if self._output_shape is None:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has '
                                 f"no defined output shape.")
        return self._output_shape

    # ---- config -----------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


add_habits(Layer, "Layer")   # model.train(), layer.weight: the Keras way said
