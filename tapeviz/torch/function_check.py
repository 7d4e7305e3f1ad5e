"""A custom `torch.autograd.Function`'s backward run again, for diagnose's check that its
gradients scale with the upstream one (debugger/upstream_ignored.py): its forward applied to
fresh copies of the inputs a recorded node saw, then autograd's gradient of that output
times the given upstream gradient, with every TorchFunctionMode off (nothing heard or
recorded)."""
from __future__ import annotations

import numpy as np
import torch

from ..debugger.summary import _array

_APPLY = torch.autograd.Function.__dict__["apply"].__func__   # torch's, not the stand-in


def vjp_again(function, node, upstream) -> list | None:
    """[the gradient for each of `node`'s inputs, as an array (None where none flows)] from
    `function`'s backward given `upstream`, or None where its forward cannot run again on the
    copies (an input that is not a tensor's copy, an error in the user's forward)."""
    inputs = [torch.from_numpy(np.array(_array(tensor))) for tensor in node.inputs]
    wanted = [tensor.requires_grad_() for tensor in inputs if tensor.is_floating_point()]
    if not wanted:
        return None
    with torch._C.DisableTorchFunction(), torch.enable_grad():
        try:
            output = _APPLY(function, *inputs)
            if not isinstance(output, torch.Tensor) or output.grad_fn is None:
                return None
            grads = iter(torch.autograd.grad(output, wanted, torch.from_numpy(
                np.array(upstream, dtype=_array(node.output).dtype)), allow_unused=True))
        except (RuntimeError, TypeError, ValueError):
            return None
    return [None if not tensor.requires_grad or grad is None else grad.numpy()
            for tensor in inputs
            for grad in [next(grads) if tensor.requires_grad else None]]
