"""What a student's tab completion shows of `tf.` and its namespaces: TensorFlow 2.21's names
(tests/tf_fidelity/tf_dir.json, recorded by record_dir.py) and a short list of tapeviz's
own, each with its reason; never a module's helpers (np, numbers, counted, a submodule)."""
import json
import pathlib

import pytest

import tapeviz as tf

RECORDED = json.loads((pathlib.Path(__file__).resolve().parent / "tf_fidelity"
                       / "tf_dir.json").read_text())
TF_DIR = RECORDED["dir"]
_ERRORS = {"DTypeError", "InvalidArgumentError", "OpError", "ShapeError"}
OWN = {   # names dir() shows that TF 2.21's namespace lacks: why each is there
    # the debugger's hooks and events, its error classes (tf.errors' TF names are there too),
    # tapeviz.debugger and TF 1's tf.contrib.eager
    "": {"Backward", "BackwardStep", "GradientComputed", "Node", "OpExecuted", "VJPApplied",
         "subscribe", "unsubscribe", "debugger", "contrib"} | _ERRORS
        # TF 1's names of math ops that TF 2 keeps in tf.math only
        | {"ceil", "floordiv", "floormod", "log", "log1p", "logical_xor", "reciprocal",
           "rsqrt", "softplus", "squared_difference"},
    "data": {"TensorSpec"},   # TF has it as tf.TensorSpec; tapeviz's data module defines it
    # Keras 2's functions, which Keras 3 dropped from tf.keras.losses and metrics
    "keras.losses": {"mean_absolute_error", "mean_squared_error"},
    "keras.metrics": {"accuracy", "resolve"},   # resolve: how compile() reads metric names
    "keras.callbacks": {"Progbar"},   # Keras keeps it in keras.utils (tapeviz there too)
    # TF 1's optimizers and global step, for TF 1-era programs (TF 2 has tf.compat.v1.train)
    "train": {"AdagradOptimizer", "AdamOptimizer", "GradientDescentOptimizer",
              "MomentumOptimizer", "Optimizer", "RMSPropOptimizer", "get_global_step",
              "get_or_create_global_step"},
    # tapeviz's error classes, each a subclass of its builtin (ValueError, TypeError, ...)
    "errors": {"DTypeError", "DTypeValueError", "InvalidArgumentTypeError", "KernelDTypeError",
               "MissingAttributeError", "MissingStepError", "MisuseError", "NotCompiledError",
               "OutOfMemoryError", "ShapeError", "TapeStateError"},
}


def _namespace(space: str):
    value = tf
    for part in filter(None, space.split(".")):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("space", sorted(TF_DIR))
def test_dir_shows_tensorflows_names_and_tapeviz_s_own_only(space):
    shown = {name for name in dir(_namespace(space)) if not name.startswith("_")}
    assert sorted(shown - set(TF_DIR[space]) - OWN.get(space, set())) == []
    assert sorted(OWN.get(space, set()) - shown) == []   # every reason still needed


@pytest.mark.parametrize("space", sorted(TF_DIR))
def test_every_tensorflow_name_tapeviz_has_is_shown(space):
    module = _namespace(space)
    shown = set(dir(module))
    assert sorted(name for name in TF_DIR[space] if hasattr(module, name)
                  and name not in shown) == []


def test_hidden_helpers_are_still_reachable_inside_the_package():
    from tapeviz.errors import bad_argument
    from tapeviz.keras.backend import unique_object_name
    assert callable(bad_argument) and callable(unique_object_name)
    assert "np" not in dir(tf.debugging) and tf.debugging.np is not None
    assert "tape" not in dir(tf) and tf.tape.GradientTape is tf.GradientTape


def test_the_recorded_lists_are_tensorflow_2():
    assert RECORDED["tensorflow"].startswith("2.") and len(TF_DIR[""]) > 200
