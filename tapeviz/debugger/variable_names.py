"""A variable as the user's code names it: `w1` for an unnamed `w1 = tf.Variable(...)`,
read from the line that made it; else as `activations.describe_variables` says it (a
layer's 'the kernel of layer dense', a given name, or its shape and the op that reads it).
"""
from __future__ import annotations

import re

from .activations import UNNAMED, _and, describe_variables

_ASSIGNED = re.compile(r"([A-Za-z_][\w.]*)\s*=\s*[\w.]*Variable\(")   # 'w1 = tf.Variable(' -> w1


def name_in_code(variable, nodes=()) -> str:
    """`variable` as the user's code names it (see the module's docstring)."""
    made = variable.made_at
    if UNNAMED.match(variable.name) and made is not None:
        assigned = _ASSIGNED.match(made.line)
        if assigned is not None:
            return assigned.group(1)
    return describe_variables([variable], nodes)


def names_in_code(variables, nodes=()) -> str:
    """Several variables: a layer's together ('the kernel and bias of layer dense'), each
    other one as `name_in_code` says it."""
    layers = [v for v in variables if "/" in v.name]
    parts = [name_in_code(v, nodes) for v in variables if "/" not in v.name]
    return _and(parts + ([describe_variables(layers, nodes)] if layers else []))
