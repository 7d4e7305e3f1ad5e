"""The words the widget and the dashboard say for a trained tensor and for a tensor no op
made: TensorFlow's ('variable', 'trainable') on the numpy engine's ops, PyTorch's
('parameter', 'requires_grad') on the torch adapter's, so a torch user reads `conv1.weight`
as a parameter, not as a TF variable; on both engines the batch a loop feeds is an input and
a number the code wrote a constant (`LEAF_NOUNS`, decided by leaves.py); and what they say
when a torch program ran unheard (`UNHEARD`). viz imports no torch: what the adapter made is
told by the module its class lives in."""
from __future__ import annotations

import sys

TF_WORDS = {"variable": "variable", "trainable": "trainable"}
TORCH_WORDS = {"variable": "parameter", "trainable": "requires_grad"}
# a leaf's graph box label ("const 2", "input") -> what the inspector and the counts call it;
# "gradient": a variable's gradient of a recorded step, which its optimizer reads
LEAF_NOUNS = {"const": "constant", "input": "input", "gradient": "gradient"}
UNHEARD = "A PyTorch loop is heard only once tapeviz.torch is imported: import tapeviz.torch first"


def leaf_noun(node) -> str:
    """What a drawn box no op made and no variable holds is: its label's noun (`LEAF_NOUNS`);
    one the user's line names ('images', leaves.leaf_label) an 'input'; a failed op's input,
    named by its call (failure.py, 'failed:<i>'), an input when it has an axis."""
    if node.label in LEAF_NOUNS:
        return LEAF_NOUNS[node.label]
    return "input" if node.shape or not node.id.startswith("failed:") else "constant"


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


__all__ = ["LEAF_NOUNS", "TF_WORDS", "TORCH_WORDS", "UNHEARD", "leaf_noun", "made_by_torch",
           "torch_unheard", "words_of"]
