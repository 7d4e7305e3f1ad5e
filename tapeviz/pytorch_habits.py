"""A PyTorch name asked of a TensorFlow object: `loss.backward()`, `x.item()`,
`optimizer.zero_grad()`, `model.eval()`, `tf.no_grad()`.

Many students come to `import tapeviz as tf` from PyTorch. Tensor, Keras Layer (so Model)
and Optimizer carry each PyTorch name TF lacks as a `Habit` (`add_habits`), whose reading
raises an AttributeError that says tapeviz follows TensorFlow, names the user's line and
gives the TF way as its hint; the `tf` namespace's `__getattr__` asks `namespace_habit`.
Not a class `__getattr__`: CPython then stops specialising the class's attribute loads, and
`x._value` costs more everywhere (+6% instructions on a small training loop).
"""
from __future__ import annotations

import sys

from .errors import MissingAttributeError
from .sourceinfo import in_a_library

_IMMUTABLE = ("a Tensor is immutable in TF: write x = x {op} y; a tf.Variable updates in "
              "place with w.{method}(y)")
_CPU = "tapeviz runs on the CPU, so nothing moves between devices: use {obj} as it is"

# name -> (what TF does instead, the code to write), for a Tensor (and a Variable)
TENSOR = {
    "backward": ("gradients come from the GradientTape that recorded the loss",
                 "with tf.GradientTape() as tape: loss = ...; "
                 "grads = tape.gradient(loss, [w, b])"),
    "grad": ("a tensor holds no gradient: tape.gradient returns them",
             "grads = tape.gradient(loss, [w, b])  # one per variable, in that order"),
    "grad_fn": ("the GradientTape records the ops", "tapeviz.viz.TapeWidget(tape) draws them"),
    "requires_grad": ("a tape records what it watches: every trainable tf.Variable, and "
                      "tensors given to tape.watch",
                      "w = tf.Variable(x) for a parameter, or tape.watch(x) inside the tape"),
    "item": ("read the value with .numpy() (a numpy scalar for a 0-d tensor) or float(x)",
             "float(x)"),
    "tolist": ("convert through numpy", "x.numpy().tolist()"),
    "data": ("the tensor is its value", "x.numpy() for a numpy array; w.assign(v) sets a "
             "Variable's value"),
    "size": ("the shape is the attribute x.shape; the number of elements is tf.size(x)",
             "x.shape"),
    "numel": ("the number of elements is tf.size(x)", "int(tf.size(x))"),
    "dim": ("the rank is x.ndim", "x.ndim"),
    "view": ("reshape with tf.reshape", "tf.reshape(x, [-1, 784])"),
    "reshape": ("reshape with tf.reshape", "tf.reshape(x, [-1, 784])"),
    "flatten": ("flatten with tf.reshape", "tf.reshape(x, [-1])"),
    "unsqueeze": ("add an axis with tf.expand_dims", "tf.expand_dims(x, axis=1)"),
    "squeeze": ("drop size-1 axes with tf.squeeze", "tf.squeeze(x, axis=1)"),
    "permute": ("reorder axes with tf.transpose", "tf.transpose(x, perm=[0, 2, 1])"),
    "t": ("transpose with tf.transpose", "tf.transpose(x)"),
    "T": ("transpose with tf.transpose", "tf.transpose(x)"),
    "detach": ("stop gradients with tf.stop_gradient (and read values with x.numpy())",
               "tf.stop_gradient(x)"),
    "clone": ("a Tensor never changes, so it needs no copy; tf.identity makes one",
              "tf.identity(x)"),
    "float": ("change the dtype with tf.cast", "tf.cast(x, tf.float32)"),
    "double": ("change the dtype with tf.cast", "tf.cast(x, tf.float64)"),
    "long": ("change the dtype with tf.cast", "tf.cast(x, tf.int64)"),
    "int": ("change the dtype with tf.cast", "tf.cast(x, tf.int32)"),
    "sum": ("reduce with tf.reduce_sum", "tf.reduce_sum(x, axis=1)"),
    "mean": ("reduce with tf.reduce_mean", "tf.reduce_mean(x, axis=1)"),
    "max": ("reduce with tf.reduce_max", "tf.reduce_max(x, axis=1)"),
    "min": ("reduce with tf.reduce_min", "tf.reduce_min(x, axis=1)"),
    "argmax": ("take the index with tf.argmax", "tf.argmax(x, axis=1)"),
    "matmul": ("multiply matrices with tf.matmul or @", "x @ w"),
    "clamp": ("clip with tf.clip_by_value", "tf.clip_by_value(x, 0.0, 1.0)"),
    "zero_": (_IMMUTABLE.format(op="* 0", method="assign"), "w.assign(tf.zeros_like(w))"),
    "add_": (_IMMUTABLE.format(op="+", method="assign_add"), "w.assign_add(y)"),
    "sub_": (_IMMUTABLE.format(op="-", method="assign_sub"), "w.assign_sub(y)"),
    "copy_": (_IMMUTABLE.format(op="=", method="assign"), "w.assign(y)"),
    "cpu": (_CPU.format(obj="x"), "x, or x.numpy() for a numpy array"),
    "cuda": (_CPU.format(obj="x"), "x"),
    "to": (_CPU.format(obj="x") + "; a dtype change is tf.cast", "tf.cast(x, tf.float32)"),
}
# where a Variable differs: it is a parameter already
VARIABLE = {
    "requires_grad": ("every tape watches a trainable tf.Variable already",
                      "tf.Variable(x, trainable=False) for one no tape should watch"),
}
_NO_ZERO_GRAD = ("tape.gradient computes fresh gradients each time and nothing accumulates, "
                 "so there is nothing to zero: drop this line")
_UPDATE = "optimizer.apply_gradients(zip(grads, model.trainable_variables))"
OPTIMIZER = {
    "zero_grad": (_NO_ZERO_GRAD, f"grads = tape.gradient(loss, model.trainable_variables); "
                                 f"{_UPDATE}"),
    "step": ("the optimizer is given the gradients the tape returned", _UPDATE),
    "param_groups": ("the learning rate is the optimizer's attribute",
                     "optimizer.learning_rate = 0.01"),
    "state_dict": ("the optimizer's state is its variables", "optimizer.variables"),
}
MODEL = {
    "train": ("Keras takes the mode at each call: fit, evaluate and predict set it, and a "
              "custom loop passes it", "model(x, training=True) in a training step"),
    "eval": ("Keras takes the mode at each call: fit, evaluate and predict set it, and a "
             "custom loop passes it", "model(x, training=False) to evaluate"),
    "weight": ("a Keras layer's weights are its kernel and bias", "layer.kernel"),
    "parameters": ("the parameters are model.trainable_variables",
                   "tape.gradient(loss, model.trainable_variables)"),
    "named_parameters": ("the parameters are model.trainable_variables, each with its .name",
                         "[(v.name, v) for v in model.trainable_variables]"),
    "zero_grad": (_NO_ZERO_GRAD, f"grads = tape.gradient(loss, model.trainable_variables); "
                                 f"{_UPDATE}"),
    "forward": ("a Keras model is called, and runs its call method", "model(x)"),
    "state_dict": ("the weights are read with get_weights", "model.get_weights()"),
    "load_state_dict": ("the weights are set with set_weights",
                        "model.set_weights(weights)"),
    "modules": ("the layers are model.layers", "model.layers"),
    "children": ("the layers are model.layers", "model.layers"),
    "to": (_CPU.format(obj="the model"), "model"),
    "cuda": (_CPU.format(obj="the model"), "model"),
    "cpu": (_CPU.format(obj="the model"), "model"),
}
_NO_GRAD = ("only ops run inside `with tf.GradientTape()` are recorded, so code outside a "
            "tape needs no block; inside one, pause it with tape.stop_recording() or cut "
            "one value with tf.stop_gradient")
# tf.<name>: a PyTorch module-level name
NAMESPACE = {
    "no_grad": (_NO_GRAD, "with tape.stop_recording(): ..."),
    "enable_grad": (_NO_GRAD, "with tf.GradientTape() as tape: ..."),
    "inference_mode": (_NO_GRAD, "predictions = model(x, training=False)"),
    "set_grad_enabled": (_NO_GRAD, "with tape.stop_recording(): ..."),
    "from_numpy": ("tensors are made with tf.convert_to_tensor", "tf.convert_to_tensor(a)"),
    "cat": ("tensors are joined with tf.concat", "tf.concat([a, b], axis=0)"),
    "manual_seed": ("the global seed is set with tf.random.set_seed",
                    "tf.random.set_seed(0)"),
    "randn": ("normal samples come from tf.random.normal", "tf.random.normal([2, 3])"),
    "rand": ("uniform samples come from tf.random.uniform", "tf.random.uniform([2, 3])"),
    "arange": ("ranges come from tf.range", "tf.range(10)"),
    "mm": ("matrices are multiplied with tf.matmul", "tf.matmul(a, b)"),
    "bmm": ("batches of matrices are multiplied with tf.matmul", "tf.matmul(a, b)"),
    "clamp": ("values are clipped with tf.clip_by_value", "tf.clip_by_value(x, 0.0, 1.0)"),
    "flatten": ("tensors are flattened with tf.reshape", "tf.reshape(x, [-1])"),
    "unsqueeze": ("an axis is added with tf.expand_dims", "tf.expand_dims(x, axis=1)"),
    "permute": ("axes are reordered with tf.transpose", "tf.transpose(x, perm=[0, 2, 1])"),
    "optim": ("the optimizers are in tf.keras.optimizers", "tf.keras.optimizers.SGD(0.01)"),
}
_LAYER = "layers are Keras's, in tf.keras.layers"
# tf.nn.<name>: torch.nn's modules, which TF keeps in Keras
NN = {
    "Module": ("a model is a tf.keras.Model (define call, not forward)",
               "class Net(tf.keras.Model): def call(self, x): ..."),
    "Parameter": ("a parameter is a tf.Variable", "w = tf.Variable(tf.random.normal([784, 10]))"),
    "Sequential": ("a stack of layers is tf.keras.Sequential",
                   "tf.keras.Sequential([tf.keras.layers.Dense(10)])"),
    "Linear": (_LAYER, "tf.keras.layers.Dense(units)  # the input size is inferred"),
    "Conv2d": (_LAYER + " (channels last: NHWC)", "tf.keras.layers.Conv2D(filters, 3)"),
    "ReLU": (_LAYER + "; the function is tf.nn.relu", "tf.keras.layers.ReLU()"),
    "Dropout": (_LAYER + "; the function is tf.nn.dropout", "tf.keras.layers.Dropout(0.5)"),
    "BatchNorm2d": (_LAYER, "tf.keras.layers.BatchNormalization()"),
    "CrossEntropyLoss": ("losses are in tf.keras.losses; PyTorch's takes logits and class "
                         "indices, as this one does with from_logits=True",
                         "tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
    "MSELoss": ("losses are in tf.keras.losses", "tf.keras.losses.MeanSquaredError()"),
    "functional": ("the functions are in tf.nn itself (and tf.keras.losses)",
                   "tf.nn.relu(x), tf.nn.softmax(logits)"),
}
_SPACES = {"tf": NAMESPACE, "tf.nn": NN}
_OWNERS = {"Tensor": TENSOR, "Optimizer": OPTIMIZER, "Layer": MODEL}   # a Model is a Layer


def forward_not_call(layer) -> NotImplementedError | None:
    """The error for a Keras Layer or Model subclass that defines PyTorch's `forward` and no
    `call`: Keras runs `call`, so `forward` would never run (a Layer's base call passes its
    input through: the layer would silently do nothing)."""
    if not callable(getattr(type(layer), "forward", None)):   # a Habit is not callable
        return None
    cls = type(layer).__name__
    return NotImplementedError(f"{cls} defines forward, PyTorch's name: tapeviz follows "
                               f"TensorFlow, where a Keras layer or model runs its call method, "
                               f"so {cls}.forward never runs; rename it: def call(self, inputs)")


def habit_error(obj, kind: str, name: str) -> MissingAttributeError:
    """The AttributeError for `obj.<name>`, PyTorch's habit on a `kind` ("Tensor",
    "Optimizer" or "Layer"), saying the TF way."""
    from .variable import Variable   # tensor.py imports this module
    what, code = (VARIABLE if isinstance(obj, Variable) else {}).get(name) \
        or _OWNERS[kind][name]
    cls = type(obj).__name__
    return MissingAttributeError(
        f"{cls}.{name}", f"{cls!r} object has no attribute {name!r}: tapeviz follows "
                         f"TensorFlow, whose {cls} has no {name} (a PyTorch habit); {what}",
        hint=code)


class Habit:
    """A PyTorch name on a TF class: reading it raises `habit_error` (so `hasattr` is False).
    It defines no `__set__`, so an instance's or a subclass's own attribute of that name
    (a model's `self.children = ...`) wins over it."""

    def __init__(self, kind: str, name: str):
        self.kind, self.name = kind, name
        self.message = f"no attribute {name!r} (a PyTorch name; tapeviz follows TensorFlow)"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if in_a_library(sys._getframe(1).f_code.co_filename):
            # numpy's np.sum(x) tries x.sum first: a probe, not a habit, so the plainest
            # error (the student's one looks up their line: it made np.sum(x) 4x slower)
            raise AttributeError(self.message)
        raise habit_error(obj, self.kind, self.name)


class SetHabit(Habit):
    """A Habit that refuses setting too: `x.requires_grad = True` on a Tensor."""

    def __set__(self, obj, value):
        raise habit_error(obj, self.kind, self.name)


def add_habits(cls, kind: str, settable=()) -> None:
    """Give `cls` the `kind`'s Habits (`settable`: those refused when set, too) for the names
    it lacks, and a `dir()` that leaves them out, so completion offers TF's names only."""
    for name in _OWNERS[kind]:
        if not hasattr(cls, name):
            setattr(cls, name, (SetHabit if name in settable else Habit)(kind, name))
    cls.__dir__ = _dir_without_habits


def _dir_without_habits(obj) -> list:
    cls, own = type(obj), getattr(obj, "__dict__", {})   # a layer's own self.weight stays
    return [name for name in object.__dir__(obj)
            if name in own or not isinstance(getattr(cls, name, None), Habit)]


def namespace_habit(qualified: str, name: str) -> str | None:
    """What `tf.<name>` (or `tf.nn.<name>`) is written as in TF when `name` is a PyTorch
    habit, else None."""
    space = qualified[:-len(name) - 1]
    found = _SPACES.get(space, {}).get(name)
    if found is None:
        return None
    what, code = found
    torch = f"torch{space[2:]}.{name}"
    return (f"tapeviz follows TensorFlow, which has no {qualified} ({torch} is PyTorch's); "
            f"{what}: {code}")
