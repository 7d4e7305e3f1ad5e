"""What a tapeviz namespace says when asked for a name it does not have.

`import tapeviz as tf` runs code written for TensorFlow, so a missing name is usually one of
TF's that tapeviz does not cover (`tf.math.cumprod`), and sometimes a typo
(`tf.reduce_summ`). Each namespace's module-level `__getattr__` raises `missing(...)`: an
AttributeError that says which, naming the closest names tapeviz has.
"""
from __future__ import annotations

import difflib
import sys

from .pytorch_habits import namespace_habit
from .tf1_names import TF1_ONLY
from .tf_names import TF_NAMES


_TEXT = ("tapeviz's tensors hold numbers; its tf.string tensors (tf.constant('text'), "
         "CsvDataset's columns) are printed, compared, reshaped and moved through a pipeline, "
         "not text to compute on: read and split the text in Python "
         "(open(path).read(), str.split, a dict from each word or character to its id) and "
         "give tapeviz the ids")
_SAVED = ("a tapeviz model is its Python code, with no saved graph: save a Sequential or "
          "functional model whole in Keras's format (model.save('model.keras'), read back by "
          "tf.keras.models.load_model), or save the weights (model.save_weights(path)), build "
          "the model again in code, then load_weights(path)")
# names out of reach of an eager numpy engine, with what to write instead (longest prefix wins)
OUT_OF_SCOPE = {
    "tf.summary": "TensorBoard's event files need TensorFlow's writer, and tapeviz writes none: "
                  "keep the values in a list (or print them) and plot them, or watch the "
                  "training loop live in tapeviz's dashboard (Dashboard().train(step))",
    "tf.keras.callbacks.TensorBoard": "TensorBoard's event files need TensorFlow's writer, "
                                      "and tapeviz writes none: fit's History "
                                      "(model.fit(...).history) holds each epoch's logs",
    "tf.strings": _TEXT, "tf.data.TextLineDataset": _TEXT, "tf.keras.preprocessing.text": _TEXT,
    "tf.keras.preprocessing.text_dataset_from_directory": _TEXT,
    "tf.keras.layers.TextVectorization": _TEXT, "tf.keras.layers.StringLookup": _TEXT,
    "tf.saved_model": _SAVED,
}


def _out_of_scope(qualified: str) -> str | None:
    for prefix in sorted(OUT_OF_SCOPE, key=len, reverse=True):
        if qualified == prefix or qualified.startswith(prefix + "."):
            return OUT_OF_SCOPE[prefix]
    return None


def missing(space: str, module_name: str, name: str) -> AttributeError:
    """The AttributeError for `tf.<space>.<name>`, which the module `module_name` (that
    namespace) lacks."""
    module = sys.modules[module_name]
    message = f"module {module_name!r} has no attribute {name!r}"
    if name.startswith("_"):   # Python's and tools' probes (__path__, _repr_html_, ...)
        return AttributeError(message, name=name, obj=module)
    qualified = f"tf.{space}.{name}" if space else f"tf.{name}"
    if name in TF_NAMES.get(space, ()):
        # obj=None: Python would otherwise append its own guess from tapeviz's names
        why = _out_of_scope(qualified)
        said = f"; {why}" if why else ""
        return AttributeError(f"{message}: {qualified} is TensorFlow's, and tapeviz does not "
                              f"cover it{said}", name=name, obj=None)
    if not space and name in TF1_ONLY:
        return AttributeError(f"{message}: {qualified} was TensorFlow 1's, and "
                              f"TensorFlow 2, which tapeviz follows, dropped it: "
                              f"{TF1_ONLY[name]}",
                              name=name, obj=None)
    habit = namespace_habit(qualified, name)
    if habit is not None:
        return AttributeError(f"{message}: {habit}", name=name, obj=None)
    # the public names where the namespace lists them: not its submodules (tapeviz.variable)
    ours = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    close = difflib.get_close_matches(name, ours, n=3, cutoff=0.75)
    if close:
        return AttributeError(f"{message}: TensorFlow has no {qualified} either; did you mean "
                              f"{' or '.join(close)}?", name=name, obj=None)
    return AttributeError(message, name=name, obj=module)


def missing_method(space: str, owner, name: str) -> AttributeError:
    """The AttributeError for `owner.<name>`, a method of TF's `tf.<space>` (Dataset) that
    tapeviz's lacks, said as `missing` says a namespace's."""
    message = f"{type(owner).__name__!r} object has no attribute {name!r}"
    if name.startswith("_"):
        return AttributeError(message, name=name, obj=owner)
    if name in TF_NAMES.get(space, ()):
        return AttributeError(f"{message}: tf.{space}.{name} is TensorFlow's, and tapeviz does "
                              f"not cover it", name=name, obj=None)
    ours = [n for n in dir(type(owner)) if not n.startswith("_")]
    close = difflib.get_close_matches(name, ours, n=3, cutoff=0.75)
    if close:
        return AttributeError(f"{message}: TensorFlow has no tf.{space}.{name} either; did you "
                              f"mean {' or '.join(close)}?", name=name, obj=None)
    return AttributeError(message, name=name, obj=owner)
