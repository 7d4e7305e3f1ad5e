"""A hand-written backward that ignores the gradient it is given (a custom
`torch.autograd.Function` returning `2 * x` where `2 * x * grad_output` belongs): its op
offers `vjp_again(node, upstream)`, its forward and backward run again on the recorded
inputs, and a backward's gradients must scale with the upstream gradient (a VJP is linear
in it). Given twice the upstream, a gradient that comes back the same ignored it: every
gradient before that op in the pass is wrong, and nothing else says so."""
from __future__ import annotations

import numpy as np

from .findings import Finding
from .summary import _array


def upstream_ignored(steps) -> list:
    """One finding per op of `steps` (BackwardSteps) whose backward, run again with twice the
    upstream gradient, returns a nonzero input gradient unchanged."""
    found, judged = [], set()
    for step in steps:
        node = step.node
        again = getattr(node.op, "vjp_again", None)
        if again is None or step.upstream is None or node.op.name in judged:
            continue
        upstream = _array(step.upstream).astype(np.float64)
        if not np.any(upstream):
            continue
        once, twice = again(node, upstream), again(node, 2 * upstream)
        if once is None or twice is None:
            continue
        judged.add(node.op.name)
        names = getattr(node.op, "input_names", ()) or ()
        for i, (a, b) in enumerate(zip(once, twice)):
            if a is None or b is None or not np.any(a) or not np.allclose(a, b):
                continue
            name = names[i] if i < len(names) else f"input {i}"
            found.append(Finding(
                "upstream_ignored",
                f"{node.op.name}'s backward returns the same gradient for its {name} whatever "
                f"gradient reaches its output (given twice grad_output, it returned the same "
                f"values, not twice them): it ignores grad_output, so every gradient that "
                f"flows back through {node.op.name} is wrong; fix: multiply the local "
                f"derivative by grad_output in {node.op.name}.backward (the chain rule: "
                f"return 2 * x * grad_output, not 2 * x)", node))
            break
    return found
