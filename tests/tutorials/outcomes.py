"""What a reader of each tutorial sees, taken from a program's globals after it ran, as
plain JSON values. The same code reads a run under TensorFlow (record.py) and under
tapeviz (tests/test_tutorials.py), so both sides are compared field by field."""
from __future__ import annotations

import pathlib
import re
import runpy

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
PROGRAMS = ("autodiff", "basic_training_loops", "custom_training_walkthrough")
IMPORT = "import tapeviz as tf"


def source(name: str) -> str:
    return (HERE / f"{name}.py").read_text()


def run(name: str, library: str = "tapeviz") -> dict:
    """Run tests/tutorials/<name>.py with `import <library> as tf` and return its globals."""
    if library == "tapeviz":
        return runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
    code = re.sub(f"^{IMPORT}$", f"import {library} as tf", source(name), flags=re.MULTILINE)
    namespace = {"__name__": "__main__", "__file__": str(HERE / f"{name}.py")}
    exec(compile(code, str(HERE / f"{name}.py"), "exec"), namespace)
    return namespace


def plain(value):
    """A tensor, array or number as {"value", "dtype", "shape"}; None, str, lists as such."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    dtype = getattr(value, "dtype", array.dtype)
    dtype = getattr(dtype, "name", str(dtype))
    return {"value": array.tolist(), "dtype": dtype, "shape": list(array.shape)}


def outcomes(name: str, g: dict) -> dict:
    """The values each tutorial prints or plots, by the names its program gives them."""
    if name == "autodiff":
        keys = ["dy_dx", "dl_dw", "dl_db", "grad_dict", "layer_grads", "watch_grads",
                "watched_names", "dy_dx_watched", "softplus_grads", "dz_dy",
                "dz_dx_persistent", "dy_dx_persistent", "separate", "summed", "vector_target",
                "sigmoid_curve", "sigmoid_grad", "dv0", "dv1", "dx_control", "unconnected",
                "through_numpy", "through_int", "through_state", "zeros_instead"]
        out = {k: plain(g[k]) for k in keys}
        out["replaced"] = [[kind, plain(grad)] for kind, grad in g["replaced"]]
        out["layer_variable_shapes"] = [list(v.shape) for v in g["layer"].trainable_variables]
        return out
    if name == "basic_training_loops":
        keys = ["x", "initial_loss", "weights", "biases", "losses", "final_loss",
                "keras_loop_weights", "fit_weights"]
        out = {k: plain(g[k]) for k in keys}
        out["variables"] = plain(list(g["MyModel"]().variables))
        out["fit_loss"] = plain(g["history"].history["loss"])
        return out
    if name == "custom_training_walkthrough":
        keys = ["features", "labels", "l", "first_step_losses", "train_loss_results",
                "train_accuracy_results", "last_batch", "predictions", "predicted_names"]
        out = {k: plain(g[k]) for k in keys}
        out["test_accuracy"] = plain(g["test_accuracy"].result())
        out["optimizer_iterations"] = plain(g["optimizer"].iterations)
        return out
    raise KeyError(name)
