"""The words the widget and the dashboard say for a trained tensor: TensorFlow's ('variable',
'trainable') on the numpy engine's ops, PyTorch's ('parameter', 'requires_grad') on the
torch adapter's, so a torch user reads `conv1.weight` as a parameter, not as a TF variable.
viz imports no torch: what the adapter made is told by the module its class lives in."""
from __future__ import annotations

TF_WORDS = {"variable": "variable", "trainable": "trainable"}
TORCH_WORDS = {"variable": "parameter", "trainable": "requires_grad"}


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


__all__ = ["TF_WORDS", "TORCH_WORDS", "made_by_torch", "words_of"]
