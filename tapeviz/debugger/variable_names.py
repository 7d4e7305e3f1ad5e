"""A variable as the user's code names it: `w1` for an unnamed `w1 = tf.Variable(...)`,
read from the line that made it; else as `activations.describe_variables` says it (a
layer's 'the kernel of layer dense', a given name, or its shape and the op that reads it).
"""
from __future__ import annotations

import re

from .activations import UNNAMED, describe_variables

_ASSIGNED = re.compile(r"([A-Za-z_][\w.]*)\s*=\s*[\w.]*Variable\(")   # 'w1 = tf.Variable(' -> w1


def name_in_code(variable, nodes=()) -> str:
    made = variable.made_at
    if UNNAMED.match(variable.name) and made is not None:
        assigned = _ASSIGNED.match(made.line)
        if assigned is not None:
            return assigned.group(1)
    return describe_variables([variable], nodes)
