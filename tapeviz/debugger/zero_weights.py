"""Layers whose weights all start at zero in a net deeper than one layer (`nn.init.zeros_`
on every Linear, Keras' `kernel_initializer='zeros'`): each hidden layer outputs one constant
for every example and the zero weights after it send no gradient back, so the weights before
get exactly zero gradients every step and never leave zero. Said once, naming the zero
kernels, the lines that zeroed them where they were recorded and every variable it stalls,
where one zero_gradient finding a variable blamed 'dead ReLUs, a masked path, or a constant
input'.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _where
from .op_index import kernel_of
from .summary import _array
from .symmetry import _fix
from .variable_names import reached_name


def _zeroed_at(kernels, recorded) -> str:
    """' (zeroed at file:line: text; ...)': the recorded lines that last wrote `kernels`
    before the first recorded step read them, as torch's initialisers are recorded; ''
    where none was."""
    wanted, lines, read = {id(k) for k in kernels}, {}, set()
    for rop in recorded[0].ops if recorded else ():
        if rop.phase != "forward":
            continue
        written = getattr(rop.node.output, "variable", None)
        if id(written) in wanted and id(written) not in read and rop.node.source is not None:
            lines[id(written)] = _where(rop.node.source)   # the last write before a read
        if written is None:   # (an initialiser reads what it writes in place)
            read.update(id(t.variable) for t in rop.node.inputs if type(t) is VariableRead)
    said = list(dict.fromkeys(lines.values()))
    return f"; zeroed at {'; '.join(said)}" if said else ""


def zero_weights(zero, nodes, count: int, recorded=()) -> list:
    """[one Finding] when at least two layers' kernels among the variables `zero` ((name,
    size) of those whose gradient was exactly zero in all `count` steps) hold only zeros in
    `nodes`, the shown step's forward ops; [] otherwise."""
    stalled = [name for name, _ in zero]
    order = {}   # the stalled variables in the order the step reads them
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead and tensor.variable.name in stalled:
                order.setdefault(tensor.variable.name, len(order))
    stalled.sort(key=lambda name: order.get(name, len(order)))
    kernels, readers = [], []
    for node in nodes:
        variable = kernel_of(node)
        if variable is not None and variable.name in stalled \
                and all(k is not variable for k in kernels) \
                and not np.any(_array(node.inputs[1])):
            kernels.append(variable)
            readers.append(node)
    if len(kernels) < 2:
        return []
    layers = describe_variables(kernels, nodes)
    torch = engine_of(readers[0].op) == "torch"
    fix = _fix(kernels[0], readers[0], describe_variables(kernels[:1], nodes))
    if torch:
        fix = fix.replace("nn.init.xavier_uniform_(", "e.g. nn.init.xavier_uniform_(")
    message = (f"the weights of {len(kernels)} layers are all zero ({layers}"
               f"{_zeroed_at(kernels, recorded)}): each hidden layer outputs the same value "
               f"for every example and the zero weights after it send no gradient back, so "
               f"{', '.join(reached_name(name, nodes) for name in stalled)} get exactly zero "
               f"gradients in all {count} steps and "
               f"never leave zero; read by {readers[0].op.name} at "
               f"{_where(readers[0].source)}; {fix}")
    return [Finding("zero_weights", message, readers[0], variables=stalled)]
