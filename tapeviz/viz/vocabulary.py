"""The words the widget and the dashboard say for a trained tensor and for a tensor no op
made: TensorFlow's ('variable', 'trainable', 'constant') on the numpy engine's ops, PyTorch's
('parameter', 'requires_grad', 'input') on the torch adapter's, so a torch user reads
`conv1.weight` as a parameter, not as a TF variable, and the batch their loop feeds as an
input, not a constant; and what they say when a torch program ran unheard (`UNHEARD`).
viz imports no torch: what the adapter made is told by the module its class lives in."""
from __future__ import annotations

import sys

# "const": a graph box's short label ("const 2"); "constant": the inspector's and the counts';
# "op": what a step's drawn ops are (autograd keeps no tape a torch user knows of)
TF_WORDS = {"variable": "variable", "trainable": "trainable", "constant": "constant",
            "const": "const", "op": "taped op"}
TORCH_WORDS = {"variable": "parameter", "trainable": "requires_grad", "constant": "input",
               "const": "input", "op": "op"}
UNHEARD = "A PyTorch loop is heard only once tapeviz.torch is imported: import tapeviz.torch first"


def torch_unheard() -> bool:
    """Whether torch is imported and the adapter is not: a torch loop runs unheard."""
    return "torch" in sys.modules and "tapeviz.torch" not in sys.modules


def made_by_torch(obj) -> bool:
    """Whether the torch adapter made `obj`: a `TorchOp`, or the Variable standing for a
    parameter (a `VariableRead`'s variable is looked at).

    >>> import tapeviz as tf
    >>> made_by_torch(tf.Variable(1.0)), made_by_torch(tf.exp)
    (False, False)
    """
    obj = getattr(obj, "variable", obj)
    return type(obj).__module__.startswith("tapeviz.torch")


def words_of(objs) -> dict:
    """TORCH_WORDS when any of `objs` (ops, variables) is the torch adapter's, else TF_WORDS."""
    return TORCH_WORDS if any(made_by_torch(obj) for obj in objs) else TF_WORDS


__all__ = ["TF_WORDS", "TORCH_WORDS", "UNHEARD", "made_by_torch", "torch_unheard", "words_of"]
