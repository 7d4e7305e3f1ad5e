"""A regularizer left out of a custom loop's loss: a layer made with `kernel_regularizer=`
(or `bias_regularizer=`) keeps its penalty in `model.losses`, which `model.fit` adds to the
loss and a loop of one's own must add itself (`loss += tf.add_n(model.losses)`); forgotten,
the weights train unregularised and nothing fails. Told when a differentiated weight with a
regularizer is read in the step's forward pass by its layer's op alone (no penalty op
reads it), from `keras.layers.base.regularized`.
"""
from __future__ import annotations

from ..variable import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, role

_LAYER_OPS = frozenset(WEIGHING + ("bias_add", "add", "conv2d_transpose", "depthwise_conv2d"))


def regularization_left_out(trained: list) -> list:
    """A Finding when the last of `trained` (`unapplied.last_trained`) differentiated weights
    made with a regularizer that no op but their layer's read."""
    if not trained:
        return []
    from ..keras.layers.base import regularized   # keras imports the debugger
    if not regularized:
        return []
    step = trained[-1]
    readers: dict = {}
    for node in step.nodes:
        if node.phase == "forward" and node.op.kind != "update":
            for tensor in node.inputs:
                if type(tensor) is VariableRead:
                    readers.setdefault(id(tensor.variable), set()).add(role(node.op))
    left = []
    for variable in step.gradient_sources:
        made, read = regularized.get(id(variable)), readers.get(id(variable))
        if made is not None and made[0]() is variable and read and read <= _LAYER_OPS:
            left.append((variable, made[1]))
    if not left:
        return []
    loss = next((rop.node for rop in reversed(step.ops)
                 if rop.phase == "forward" and rop.grad is not None), None)
    if loss is None:
        return []
    nodes = [node for node in step.nodes if node.phase == "forward"]
    penalties = ", ".join(sorted({_penalty(regularizer) for _, regularizer in left}))
    message = (f"{describe_variables([v for v, _ in left], nodes)} "
               f"{'has' if len(left) == 1 else 'have'} a regularizer ({penalties}) whose "
               f"penalty is not in the loss at {_where(loss.source)}: no op but the layer's "
               f"own reads {'it' if len(left) == 1 else 'them'}, so the model trains "
               f"unregularised. model.fit adds the layers' losses; a loop of one's own must "
               f"add them itself; fix: loss = ... + tf.add_n(model.losses), inside the "
               f"`with tf.GradientTape()` block")
    return [Finding("regularization_left_out", message, loss,
                    variables=[v.name for v, _ in left])]


def _penalty(regularizer) -> str:
    """'L2(l2=0.01)': the regularizer as its class and settings."""
    settings = getattr(regularizer, "get_config", dict)()
    return f"{type(regularizer).__name__}(" + ", ".join(
        f"{key}={value:g}" if isinstance(value, float) else f"{key}={value!r}"
        for key, value in settings.items()) + ")"
