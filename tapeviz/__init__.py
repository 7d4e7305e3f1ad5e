"""tapeviz: an eager tensor library in TensorFlow 2's style, built to be debugged visually.

`import tapeviz as tf` runs TF eager code over the surface it covers. Every op goes
through one dispatch point (`tapeviz.dispatch`), which records tapes and tells
subscribers (`tapeviz.subscribe`) about each op. TF's namespaces (`tf.math`, `tf.nn`,
`tf.keras`, `tf.data`, `tf.train`, ...) and `tapeviz.debugger` are plain imports made
here; the op registry rows they call live in `tapeviz.ops`. Only `tapeviz.viz` (the
widgets, anywidget) and `tapeviz.ipython` (the magics, IPython) stay out of
`import tapeviz`: inside a running IPython it registers how tensors, tapes and recordings
display, and the drawing code loads at the first display.
"""
import sys as _sys

# tensor first: its operators load the op table, which needs tensor's classes defined
from .tensor import Tensor, TensorShape
from .variable import Variable  # isort: skip
from . import dtypes
from .backward import Backward, BackwardStep
from .creation import (constant, convert_to_tensor, executing_eagerly, eye, fill, is_tensor,
                       linspace, newaxis, ones, ones_like, range, zeros, zeros_like)
from .dispatch import Node, name_scope
from .dtypes import (DType, as_dtype, bool, double, float16, float32, float64, half, int8,
                     int16, int32, int64, string, uint8)
from .module import Module
from .errors import DTypeError, InvalidArgumentError, OpError, ShapeError
from .events import GradientComputed, OpExecuted, VJPApplied, subscribe, unsubscribe
from .ops.accumulate import add_n
from .ops.scan import cumsum
from .ops.sort import argsort, sort
from .ops.unique import unique, unique_with_counts
from .ops.linalg import matmul, tensordot
from .ops.math import (abs, acos, add, asin, atan, ceil, clip_by_value, cos, cosh, divide, exp,
                       floor, floordiv, floormod, log, log1p, maximum, minimum, multiply,
                       negative, pow, reciprocal, round, rsqrt, sigmoid, sign, sin, sinh,
                       softplus, sqrt, square, squared_difference, subtract, tan, tanh, truediv,
                       where)
from .ops.assign import cast, identity, stop_gradient
from .ops.compare import (argmax, argmin, equal, greater, greater_equal, less, less_equal,
                          logical_and, logical_not, logical_or, logical_xor, not_equal)
from .ops.reduce import (reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
                         reduce_min, reduce_prod, reduce_sum)
from .ops.gather import boolean_mask, gather, gather_nd, one_hot
from .ops.pad import pad, tile
from .ops.rearrange import meshgrid, roll, slice
from .ops.shape import broadcast_to, expand_dims, rank, reshape, shape, size, squeeze, transpose
from .ops.indexing import reverse, strided_slice
from .ops.join import concat, split, stack, unstack
from .tape import GradientTape
from .tape_jacobian import UnconnectedGradients
from .tensor_array import TensorArray
from .clip import clip_by_global_norm, clip_by_norm
from .linalg import einsum, norm
from .tf_function import function
from .control_flow import cond, while_loop
from .py_function import numpy_function, py_function
from .placement import device
from .custom_gradient import custom_gradient
from .printing import print
from . import config, linalg, math
from . import nn, random
from . import contrib, debugging, errors, functional
from . import data, debugger, keras, train, version
from .keras import initializers, losses, metrics, optimizers   # TF 2's tf.optimizers, ...
from .data import TensorSpec  # tf.TensorSpec, as TF exports it at the top level too
# TF 2's tf.*_initializer names: Keras's initializers, called the same way (shape, dtype)
from .keras.initializers import (ConstantInitializer as constant_initializer,
                                 Ones as ones_initializer,
                                 RandomNormal as random_normal_initializer,
                                 RandomUniform as random_uniform_initializer,
                                 Zeros as zeros_initializer)

__version__ = version.VERSION

from .namespace_dir import listing as _listing
from .tf_names import TF_NAMES as _TF_NAMES
# what `tf.` lists beside TF 2's names: the debugger's hooks, events and error classes, and
# TF 1's math names that TF 2 keeps in tf.math only, which TF 1-era programs still call
_OWN = {"Backward", "BackwardStep", "GradientComputed", "Node", "OpExecuted", "VJPApplied",
        "subscribe", "unsubscribe", "debugger", "contrib", "DTypeError", "InvalidArgumentError",
        "OpError", "ShapeError", "ceil", "floordiv", "floormod", "log", "log1p", "logical_xor",
        "reciprocal", "rsqrt", "softplus", "squared_difference"}
__all__ = sorted(name for name in dir() if name in _TF_NAMES[""] or name in _OWN)
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the submodules


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from .coverage import missing
    raise missing("", __name__, name)


def _register_display_in_running_ipython() -> None:
    """Inside IPython, show tensors, tapes and recordings drawn and offer the magics; never
    import IPython here."""
    ipython = _sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is not None:
        from .ipython import offer_magics, register_html_display
        register_html_display(shell)
        offer_magics(shell)   # a forgotten `%load_ext tapeviz`: loaded at the first %%tapeviz
        _errors_shown.install_in_ipython(shell)


from . import errors_shown as _errors_shown
_register_display_in_running_ipython()
_errors_shown.install_excepthook()   # tf.reduce_sum(x, axes=1) shown with axis= meant


# `%load_ext tapeviz`: IPython is imported only when the extension is loaded
def load_ipython_extension(ipython):
    """Register the tapeviz magics (`%%tapeviz`, `%tapeviz`, `%tapeviz_train`, ...)."""
    from .ipython import load_ipython_extension as load
    load(ipython)


def unload_ipython_extension(ipython):
    """Remove everything `%load_ext tapeviz` added (`%unload_ext tapeviz`)."""
    from .ipython import unload_ipython_extension as unload
    unload(ipython)
