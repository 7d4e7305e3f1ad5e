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
from .tf_names import TF_NAMES


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
        return AttributeError(f"{message}: {qualified} is TensorFlow's, and tapeviz does not "
                              f"cover it", name=name, obj=None)
    habit = namespace_habit(qualified, name)
    if habit is not None:
        return AttributeError(f"{message}: {habit}", name=name, obj=None)
    ours = [n for n in vars(module) if not n.startswith("_")]
    close = difflib.get_close_matches(name, ours, n=3, cutoff=0.75)
    if close:
        return AttributeError(f"{message}: TensorFlow has no {qualified} either; did you mean "
                              f"{' or '.join(close)}?", name=name, obj=None)
    return AttributeError(message, name=name, obj=module)
