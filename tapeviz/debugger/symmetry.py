"""Hidden units that can never differ: a layer's kernel whose columns (one per unit) are
identical, as a zero or constant initialiser makes them, and whose gradient columns are
identical too, so every update keeps them identical and the layer computes one feature as
many times as it has units. (A zero-initialised output layer is fine: its units get
different gradients, and the gradient is what this looks at.)
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .activations import describe_variables
from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, kernel_of, units_last
from .summary import _array
from .variable_names import torch_in_code, unnamed


def _columns_equal(value) -> bool:
    """Whether every slice along the last axis (a unit) equals the first, up to rounding."""
    value = np.asarray(value, np.float64)
    spread = float(np.max(np.abs(value - value[..., :1])))
    return spread <= 1e-6 * max(float(np.max(np.abs(value))), 1e-30)


def _fix(variable, node, name: str) -> str:
    """The fix in the words of the engine that ran `node`; `name`: the variable in code."""
    shape = tuple(variable.shape)
    if engine_of(node.op) == "torch":
        if name.isidentifier() or unnamed(variable):   # made requires_grad=True
            w = name if name.isidentifier() else "w"
            return (f"fix: draw it at random: {w} = nn.init.xavier_uniform_(torch.empty"
                    f"{shape}).requires_grad_()")
        parameter = ("layer.weight" if "/" in variable.name   # a layer called alone
                     else torch_in_code(variable.name, node.scope, runnable=True))
        return (f"fix: drop the constant or zero init (torch's layers draw their weights at "
                f"random), or draw them: nn.init.xavier_uniform_({parameter})")
    if "/" in variable.name:   # a Keras layer's kernel
        return ("fix: drop the layer's kernel_initializer (Keras' default, glorot_uniform, "
                "draws each unit's weights at random)")
    return (f"fix: initialise it at random, as Keras does (glorot_uniform): "
            f"tf.Variable(tf.keras.initializers.GlorotUniform()(shape={shape}))")


def symmetric_kernels(by_op: dict, nodes, gradients: dict, named=frozenset()) -> list:
    """A Finding per hidden layer's kernel (read by a matmul or conv2d among `by_op`, from
    `op_index.ops_named`, before another layer's) with at least two units whose columns
    and gradient columns (`gradients`: variable name -> gradient) are identical; variables
    in `named` (another finding's) are left to it."""
    layers = [pair for op in WEIGHING for pair in by_op.get(op, ())]
    last = {}   # id(kernel) -> the last position a layer's op read it
    for position, node in layers:
        variable = kernel_of(node)
        if variable is not None:
            last[id(variable)] = max(position, last.get(id(variable), -1))
    latest = sorted(last.items(), key=lambda item: -item[1])[:2]
    found, seen = [], set()
    for position, node in layers:
        variable = kernel_of(node)
        if variable is None or id(variable) in seen or variable.name in named:
            continue
        later = next((at for key, at in latest if key != id(variable)), -1)
        if later < position:
            continue   # an output layer's units are told apart by the loss, not by this
        seen.add(id(variable))
        value, gradient = node.inputs[1]._value, gradients.get(variable.name)
        if gradient is None or np.ndim(value) < 2 or value.dtype.kind != "f":
            continue
        value, gradient = units_last(node, value), units_last(node, _array(gradient))
        if np.shape(value)[-1] < 2 or not _columns_equal(value) \
                or not _columns_equal(gradient):
            continue
        found.append(_finding(variable, node, value, gradient, nodes))
    return found


def _finding(variable, node, value, gradient, nodes) -> Finding:
    """`value`, `gradient`: the kernel's and its gradient's, units on the last axis."""
    units, shape = value.shape[-1], "x".join(map(str, variable.shape))
    column = value[..., 0]
    same = (f"every weight {float(column.flat[0]):.3g}" if np.all(column == column.flat[0])
            else "each column the same" if engine_of(node.op) == "tf"
            else "each unit's weights the same")
    moved = "" if np.any(gradient) else " (zero now, and the same for all once it moves)"
    made = variable.made_at
    made_at = f"; made at {_where(made)}" if made is not None else ""
    name = describe_variables([variable], nodes)
    message = (f"the {units} units of {name} "
               f"({shape}, {same}) are identical and all {units} get the same gradient"
               f"{moved}, so they stay identical: the layer learns one feature {units} times"
               f"{made_at}; read by {node.op.name} at {_where(node.source)}; "
               f"{_fix(variable, node, name)}")
    return Finding("symmetric_init", message, node, variables=[variable.name])
