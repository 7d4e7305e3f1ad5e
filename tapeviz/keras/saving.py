"""Whole-model files: `model.save("model.keras")` and `tf.keras.models.load_model`, in Keras
3's `.keras` format, a zip of `metadata.json`, `config.json` (the model's class and layers,
its build and compile configs) and `model.weights.h5` (weights_h5.py's layout, with the
optimizer's step count, learning rate and slots under "optimizer/vars", so training goes on
where it stopped). Sequential and functional models of tapeviz's layers are covered; a file
Keras wrote for such a model loads too (its layer configs' Keras 3 extras, a dtype policy,
an initializer's axes, None-valued keys tapeviz's layers lack, are read past).
"""
from __future__ import annotations

import datetime
import inspect
import io
import json
import os
import zipfile

from .. import nest
from ..errors import InvalidArgumentError, NotFoundError
from .weights_h5 import read_h5, read_optimizer_h5, write_h5

_KERAS_VERSION = "3.15.1"   # the Keras whose format this writes (the goldens' Keras)


def save_model(model, filepath, overwrite=True) -> None:
    """Write `model` to `filepath` (a `.keras` name) as Keras 3 does."""
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise InvalidArgumentError(
            "save", f"Invalid filepath extension for saving. Please add either a `.keras` "
                    f"extension for the native Keras format (recommended) or a `.h5` extension "
                    f"(tapeviz writes `.keras` only). Received: filepath={path}",
            hint=f"model.save({os.path.splitext(path)[0] + '.keras'!r})")
    if not overwrite and os.path.exists(path):
        raise InvalidArgumentError("save", f"{path} exists and overwrite=False")
    if not model.built:
        raise InvalidArgumentError("save", f"{model.name} is not built, so it has no weights "
                                           f"to save", hint="call it on a batch or "
                                                            "model.build(input_shape) first")
    config = json.dumps(_model_config(model), default=_json_value)   # refusals first
    refuse_missing_directory("save", path)
    weights = io.BytesIO()
    write_h5(weights, model, getattr(model, "optimizer", None))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({
            "keras_version": _KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}))
        archive.writestr("config.json", config)
        archive.writestr("model.weights.h5", weights.getvalue())


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved at `filepath` (tapeviz's or Keras 3's `.keras` file): rebuilt from its
    config, its weights loaded, compiled as saved with the optimizer's state put back."""
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise InvalidArgumentError(
            "load_model", f"File format not supported: filepath={path}. tapeviz loads Keras 3's "
                          f"`.keras` files (a legacy `.h5` whole-model file, a SavedModel "
                          f"directory or a `.weights.h5` are not such files)",
            hint="for weights alone: model.load_weights(path) on a model made as the saved one")
    config, weights = _read_archive(path)
    model = _model_from_config(config)
    model.set_weights(read_h5(weights, model))
    compiled = config.get("compile_config")
    if compile and compiled:
        _compile(model, compiled)
        read_optimizer_h5(weights, model.optimizer, model.trainable_variables)
    return model


def _read_archive(path: str):
    """The config and the weights (a file object) in the `.keras` zip at `path`; what is not
    such a file refused with Keras 3's words and what is wrong."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise _unreadable(path, "there is no such file" if isinstance(error, FileNotFoundError)
                          else "it is a directory" if os.path.isdir(path)
                          else f"it is not a zip ({error})") from error
    with archive:
        missing = [name for name in ("config.json", "model.weights.h5")
                   if name not in archive.namelist()]
        if missing:
            raise _unreadable(path, f"it holds no {missing[0]}")
        try:
            config = json.loads(archive.read("config.json"))
        except ValueError as error:
            raise _unreadable(path, f"its config.json is not JSON ({error})") from error
        return config, io.BytesIO(archive.read("model.weights.h5"))


def _unreadable(path: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        "load_model", f"File not found: filepath={path}. Please ensure the file is an "
                      f"accessible `.keras` zip file: {why}",
        hint=f"load a file model.save(path) wrote, named from the working directory "
             f"{os.getcwd()}")


def refuse_missing_directory(op: str, path: str) -> None:
    """A file to be written where no directory is: said naming `op`, as a FileNotFoundError."""
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        raise NotFoundError(op, f"no directory {directory} to write {os.path.basename(path)} "
                                f"in", hint=f"make it first: os.makedirs({directory!r}, "
                                            f"exist_ok=True)")


# ---- writing ------------------------------------------------------------------------------
def _serialized(module: str, obj, config=None) -> dict:
    return {"module": module, "class_name": type(obj).__name__,
            "config": obj.get_config() if config is None else config, "registered_name": None}


def _model_config(model) -> dict:
    from .functional import Functional
    from .models import Sequential
    if isinstance(model, Sequential):   # its input as Keras 3's InputLayer, not a layer's key
        layers = [_serialized("keras.layers", layer, {
            key: value for key, value in _layer_config(layer).items()
            if key != "batch_input_shape"}) for layer in model.layers]
        config = {"name": model.name, "trainable": model.trainable, "layers": layers}
        if model._input_shape is not None:
            config["build_input_shape"] = list(model._input_shape)
            layers.insert(0, {"module": "keras.layers", "class_name": "InputLayer",
                              "config": {"batch_shape": list(model._input_shape),
                                         "dtype": "float32", "sparse": False,
                                         "ragged": False, "name": "input_layer"},
                              "registered_name": None})
    elif isinstance(model, Functional) and type(model).__name__ == "Functional":
        config = _functional_config(model)
    else:
        raise InvalidArgumentError(
            "save", f"{type(model).__name__} is a subclassed model: tapeviz saves Sequential "
                    f"and functional models whole (their layers' configs say how to rebuild "
                    f"them)", hint="save its weights: model.save_weights('model.weights.h5')")
    out = {"module": "keras", "class_name": "Sequential", "config": config,
           "registered_name": None} if isinstance(model, Sequential) else {
        "module": "keras.src.models.functional", "class_name": "Functional", "config": config,
        "registered_name": None}
    if isinstance(model, Sequential) and model._input_shape is not None:
        out["build_config"] = {"input_shape": list(model._input_shape)}
    if getattr(model, "compiled_loss", None) is not None:
        out["compile_config"] = _compile_config(model)
    return out


def _functional_config(model) -> dict:
    """Keras 3's functional config: each layer with the calls that fed it ('inbound_nodes',
    its inputs named by [layer, call, output]), the model's inputs and outputs so named."""
    made = {}   # id(KerasTensor) -> [layer name, call index, 0]
    layers, calls_of = [], {}
    for layer in model.layers:
        calls_of[id(layer)] = []
        layers.append({**_serialized("keras.layers", layer, _input_config(layer)
                                     or _layer_config(layer)),
                       "name": layer.name, "inbound_nodes": calls_of[id(layer)]})
    for leaf in nest.flatten(model._model_inputs):
        made[id(leaf)] = [leaf._call.layer.name, 0, 0]
    for call in model._calls:
        if type(call.layer).__name__ == "InputLayer":   # its own tensor: no call to write
            continue
        history = [call.layer.name, len(calls_of[id(call.layer)]), 0]
        calls_of[id(call.layer)].append({"args": [_named(call.inputs, made)], "kwargs": {}})
        for leaf in _outputs_of(model, call):
            made[id(leaf)] = history
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": [made[id(t)] for t in nest.flatten(model._model_inputs)],
            "output_layers": [made[id(t)] for t in nest.flatten(model._model_outputs)]}


# tf.constant_initializer is TF's own class in TF 2, which Keras 3 writes by its module and
# registered name (its Keras name, ConstantInitializer, is no class Keras 3 can load)
_TF_CONSTANT = {"module": "tensorflow.python.ops.init_ops_v2", "class_name": "Constant",
                "registered_name": "Constant"}


def _layer_config(layer) -> dict:
    """A layer's config with its initializers as Keras 3 writes them: module, class name,
    config and registered name."""
    return {key: _initializer_config(value) if key.endswith("_initializer") else value
            for key, value in layer.get_config().items()}


def _initializer_config(value):
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    if value["class_name"] == "ConstantInitializer":
        return {**_TF_CONSTANT, "config": value["config"]}
    return {"module": "keras.initializers", **value, "registered_name": None}


def _input_config(layer):
    """An InputLayer's config as Keras 3 writes it (None for any other layer: its own)."""
    if type(layer).__name__ != "InputLayer":
        return None
    return {"batch_shape": list(layer._batch_input_shape), "dtype": layer.dtype,
            "sparse": False, "ragged": False, "name": layer.name}


def _named(inputs, made: dict):
    """A call's inputs as Keras 3 writes them: each KerasTensor by its keras_history."""
    if isinstance(inputs, (list, tuple)):
        return [_named(item, made) for item in inputs]
    return {"class_name": "__keras_tensor__", "config": {
        "shape": list(inputs.shape), "dtype": inputs.dtype, "keras_history": made[id(inputs)]}}


def _outputs_of(model, call) -> list:
    """The KerasTensors `call` made that later calls or the model's outputs read."""
    readers = [leaf for later in model._calls for leaf in nest.flatten(later.inputs)]
    return [leaf for leaf in readers + nest.flatten(model._model_outputs)
            if getattr(leaf, "_call", None) is call]


def _json_value(value):
    """A config's numpy number (np.float64(0.5), a schedule's rate) or array (a
    constant_initializer's values) as JSON's number or nested list."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"a config holds {type(value).__name__}, which a .keras file cannot hold")


def _compile_config(model) -> dict:
    from . import losses, optimizers
    from .optimizers.schedules import LearningRateSchedule
    optimizer = optimizers.serialize(model.optimizer)
    rate = optimizer["config"].get("learning_rate")
    if isinstance(rate, LearningRateSchedule):   # as Keras 3's get_config writes a schedule
        optimizer["config"]["learning_rate"] = _serialized("keras.optimizers.schedules", rate)
    loss = model.loss
    return {"optimizer": {"module": "keras.optimizers", **optimizer, "registered_name": None},
            "loss": {"module": "keras.losses", **losses.serialize(loss), "registered_name": None}
            if isinstance(loss, losses.Loss) else losses.serialize(loss) if callable(loss)
            else loss,
            "metrics": [_metric_config(m) for m in model.compiled_metrics._identifiers]
            or None}


def _metric_config(metric):
    """A compiled metric as Keras 3 writes it: a name as given, a Metric by class and config."""
    from .metric_base import Metric
    if isinstance(metric, Metric):
        return _serialized("keras.metrics", metric)
    return metric if isinstance(metric, str) else metric.__name__


def _metric(config):
    """The inverse of `_metric_config` (a name stays a name, for compile to resolve)."""
    from . import metrics
    if not isinstance(config, dict):
        return config
    cls = getattr(metrics, config["class_name"])
    accepted = inspect.signature(cls.__init__).parameters
    return cls(**{key: value for key, value in config.get("config", {}).items()
                  if key in accepted})


# ---- reading ------------------------------------------------------------------------------
def _layer(serialized: dict):
    """A layer from its Keras 3 config, tapeviz's or Keras's."""
    from . import layers
    name = serialized["class_name"]
    cls = getattr(layers, name, None)
    if cls is None:
        raise InvalidArgumentError("load_model", f"the file's layer class {name!r} is not one "
                                                 f"of tapeviz's tf.keras.layers")
    config = {key: _plain(value) for key, value in serialized["config"].items()}
    if name == "InputLayer":
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        return cls(input_shape=tuple(shape[1:]), dtype=config.get("dtype"),
                   name=config.get("name"))
    accepted = inspect.signature(cls.__init__).parameters
    kept = {key: value for key, value in config.items()
            if key in accepted or key in ("name", "trainable", "dtype", "batch_input_shape")
            or value is not None and key != "quantization_config"}
    return cls.from_config(kept)


def _plain(value):
    """A Keras 3 nested object as tapeviz's configs write it: a dtype policy its name, an
    initializer {'class_name', 'config'} without the None-valued keys tapeviz's lack (TF's
    tf.constant_initializer class, Keras's name Constant, tapeviz's ConstantInitializer)."""
    if isinstance(value, dict) and "class_name" in value and "module" in value:
        if value["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return value["config"]["name"]
        tf_constant = all(value.get(key) == _TF_CONSTANT[key] for key in _TF_CONSTANT)
        return {"class_name": "ConstantInitializer" if tf_constant else value["class_name"],
                "config": {k: v for k, v in value.get("config", {}).items()
                           if v is not None or k == "seed"}}
    return value


def _model_from_config(config: dict):
    from .models import Sequential
    kind, body = config["class_name"], config["config"]
    if kind == "Sequential":
        layers = [_layer(serialized) for serialized in body["layers"]]
        shape = body.get("build_input_shape") or (config.get("build_config") or {}).get(
            "input_shape")
        if layers and type(layers[0]).__name__ == "InputLayer":
            shape = layers.pop(0)._batch_input_shape
        model = Sequential(layers, name=body.get("name"))
        if shape is not None:
            model.build(tuple(shape))
        return model
    if kind in ("Functional", "Model"):
        return _functional_from_config(body)
    raise InvalidArgumentError("load_model", f"the file holds a {kind}: tapeviz loads "
                                             f"Sequential and functional models")


def _functional_from_config(body: dict):
    from .keras_tensor import KerasTensor
    from .layers.core import Input
    from .models import Model
    made = {}   # (layer name, call index, output index) -> KerasTensor

    def resolved(arg):
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            return made[tuple(arg["config"]["keras_history"])]
        return [resolved(item) for item in arg] if isinstance(arg, list) else arg

    for serialized in body["layers"]:
        layer = _layer(serialized)
        if serialized["class_name"] == "InputLayer":
            shape = layer._batch_input_shape
            made[(layer.name, 0, 0)] = Input(shape=tuple(shape[1:]), name=layer.name,
                                             dtype=layer.dtype)
            continue
        for index, node in enumerate(serialized.get("inbound_nodes", [])):
            output = layer(resolved(node["args"][0]), **node.get("kwargs", {}))
            for position, leaf in enumerate(nest.flatten(output)):
                if isinstance(leaf, KerasTensor):
                    made[(layer.name, index, position)] = leaf
    inputs, outputs = ([made[tuple(history)] for history in _histories(body[key])]
                       for key in ("input_layers", "output_layers"))
    return Model(inputs=inputs if len(inputs) > 1 else inputs[0],
                 outputs=outputs if len(outputs) > 1 else outputs[0], name=body.get("name"))


def _histories(given: list) -> list:
    """[layer, call, output] triples: Keras writes one model input or output unlisted."""
    return [given] if given and isinstance(given[0], str) else given


def _compile(model, compiled: dict) -> None:
    from . import losses, optimizers
    optimizer = {**compiled["optimizer"], "config": dict(compiled["optimizer"]["config"])}
    rate = optimizer["config"].get("learning_rate")
    if isinstance(rate, dict):   # a schedule, by class and config
        optimizer["config"]["learning_rate"] = getattr(
            optimizers.schedules, rate["class_name"]).from_config(rate["config"])
    loss = compiled.get("loss")
    model.compile(optimizer=optimizers.deserialize(optimizer),
                  loss=losses.deserialize(loss) if loss is not None else None,
                  metrics=[_metric(m) for m in compiled.get("metrics") or []] or None)
