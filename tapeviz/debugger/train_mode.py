"""An evaluation run in training mode: `model.eval()` forgotten before a pass that computes
no gradient (accuracy on held-out batches), so its dropout still drops units at random and
its batch norm still normalises by each batch's own statistics and moves its running
averages: the figures are noisy and the evaluation changes the model. (Or `F.dropout(h, p)`
in `forward`, whose `training=True` default ignores `model.eval()`.) Read from the torch
adapter's `dropout` and `batch_norm` nodes, whose `training` argument says the mode; in a
Keras model, from `model(x, training=True)` copied from the training step into the
evaluation: a Dropout layer's keep mask (`dropout_mask`), a BatchNormalization layer that
normalised by the batch (it reads no `moving_variance`) or moved its moving averages.
The reverse, training steps whose dropout ran in inference mode (`model(x)` in a Keras
training step, `model.eval()` left on in torch), is said too, and a Keras batch norm layer
that trained in inference mode on moving averages never moved from their start (mean 0,
variance 1): a pretrained base kept in inference mode on purpose has learnt ones.
"""
from __future__ import annotations

import re
from operator import attrgetter

import numpy as np

from ..variable import VariableRead
from .findings import Finding
from ..nonfinite import engine_of
from .activations import layer_in_code
from .numerics import _where
from .variable_names import model_in_code

_RANDOM = frozenset({"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                     "feature_alpha_dropout"})
_BATCH_STATISTICS = frozenset({"batch_norm"})
_op_names = attrgetter("op.name")
_scopes = attrgetter("scope")
# what a dropout runs: torch's (training or not), a Keras Dropout's mask, or its identity
_DROPOUT_OPS = _RANDOM | {"dropout_mask", "identity"}
# F.dropout(h, p) written in forward: training=True unless given, whatever model.eval() set
_FUNCTIONAL = re.compile(r"\b(?:F|functional|torch)\.\w*dropout\w*\s*\(")
_KERAS_FIX = ("evaluate with training=False: model(x) (its default) or model(x, training=False); "
              "training=True is for the training step")


def _functional(node) -> bool:
    """Whether `node`, a dropout, was called as a function, not by an nn.Dropout layer."""
    return node.source is not None and bool(_FUNCTIONAL.search(node.source.statement))


def training_mode_in_evaluation(steps) -> list:
    """A Finding when the last recorded step ran no backward pass after steps that trained
    (an evaluation) but ran dropout or batch norm in training mode. (A lone forward pass,
    recorded to look at the graph, is no evaluation.)"""
    if not steps or steps[-1].variable_gradients or \
            not any(step.variable_gradients for step in steps[:-1]):
        return []
    step = steps[-1]
    forward = [op.node for op in step.ops if op.node.phase == "forward"]
    training = [(node.op.name, node) for node in forward
                if node.op.name in _RANDOM | _BATCH_STATISTICS
                and node.params.get("training") is True]
    if training:
        return [_finding(step, training, _torch_fixes([node for _, node in training]))]
    keras = _keras_training(forward)
    return [_finding(step, keras, [_KERAS_FIX])] if keras else []


def _keras_training(forward) -> list:
    """[(kind, first node)] of each Keras Dropout and BatchNormalization layer among the
    `forward` nodes that ran in training mode: a dropout's keep mask, or a batch norm layer
    (by its scope) that read no moving variance to normalise with, or moved its averages."""
    found, batch_norms = [], {}
    for node in forward:
        layer = node.scope.rsplit("/", 1)[-1]
        if node.op.name == "dropout_mask" and layer.startswith("dropout"):
            found.append(("dropout", node))
        elif layer.startswith("batch_normalization"):
            batch_norms.setdefault(node.scope, []).append(node)
    for nodes in batch_norms.values():
        reads = [(node, tensor.variable.name) for node in nodes for tensor in node.inputs
                 if type(tensor) is VariableRead]
        moved = any(node.op.kind == "update" and "/moving_" in name for node, name in reads)
        if moved or not any("/moving_variance" in name for _, name in reads):
            found.append(("batch_norm", nodes[0]))
    return sorted(found, key=lambda pair: forward.index(pair[1]))


def _layer_named(node) -> str:
    """A torch layer as the user's code reaches it ('net.drop', `layer_in_code`); a Keras
    layer by its scope ('sequential/dropout')."""
    return layer_in_code(node) if engine_of(node.op) == "torch" else node.scope


def _torch_fixes(training) -> list:
    fixes, model = [], model_in_code(training[0].scope)
    if not all(map(_functional, training)):
        fixes.append(f"call {model}.eval() before evaluating (and {model}.train() before "
                     f"training again)")
    if any(map(_functional, training)):
        fixes.append(f"F.dropout ignores {model}.eval() (its training=True default): pass "
                     f"training=self.training, or use an nn.Dropout layer")
    return fixes


def _finding(step, training, fixes) -> Finding:
    """The finding for `training`, [(kind: dropout or batch_norm, a node of that layer)] in
    training mode, with the `fixes` in the engine's words."""
    names = sorted({kind for kind, _ in training})
    effects = []
    if _RANDOM & set(names):
        p = next(node.params.get("p", node.params.get("rate")) for kind, node in training
                 if kind in _RANDOM)
        effects.append("dropout still zeroes units at random"
                       + (f" ({p:.0%} of them)" if isinstance(p, float) else ""))
    if "batch_norm" in names:
        effects.append("batch_norm still normalises by each batch's own statistics and moves "
                       "its running averages (the evaluation changes the model)")
    kind, first = training[0]
    message = (f"step {step.number} computed no gradient (an evaluation) but ran "
               f"{' and '.join(names)} in training mode, {len(training)} "
               f"call{'s' if len(training) > 1 else ''}: "
               f"{'; '.join(effects)}, so its figures are noisy and not the model's; "
               f"{kind} at {_where(first.source)}"
               + (f" in layer {_layer_named(first)}" if first.scope else "")
               + "; fix: " + "; and ".join(fixes))
    return Finding("train_mode_in_evaluation", message, first)


def inference_mode_in_training(trained: list, count: int = 2) -> list:
    """A Finding when each of the last `count` steps that trained (computed gradients:
    `trained`, from `unapplied.last_trained`) ran its dropout in inference mode: a Keras
    Dropout layer that only passed its input on (`model(x)` in the training step: training
    defaults to False), or torch's dropout with training=False (`model.eval()` left on after
    an evaluation). The model then trains without the dropout it was given."""
    trained = trained[-count:]
    if len(trained) < count:
        return []
    found = []
    for step in reversed(trained):   # the last first: most programs stop there
        off = _dropout_off(step)
        if off is None:
            return []
        found.append(off)
    node, torch = found[0]
    step = trained[-1]
    model = model_in_code(node.scope)
    fix = (f"call {model}.train() before training ({model}.eval() is still on from an "
           f"evaluation)" if torch else "call the model with training=True in the training "
           "step: model(x, training=True) (model(x) runs Dropout in inference mode)")
    scope = f" in layer {_layer_named(node)}" if node.scope else ""
    message = (f"step {step.number} trained (it computed gradients), but its dropout{scope} "
               f"ran in inference mode, as in each of the last {count} training steps: it "
               f"passes its input on unchanged, so the model trains without the dropout it "
               f"was given (and overfits as if it had none); at {_where(node.source)}; fix: "
               f"{fix}")
    return [Finding("inference_mode_in_training", message, node)]


def _dropout_off(step):
    """(the first dropout node of `step` that ran in inference mode, whether torch's), when
    none ran in training mode; else None."""
    nodes = step.nodes
    if _DROPOUT_OPS.isdisjoint(map(_op_names, nodes)):
        return None   # no dropout ran (the scan runs in C)
    off = None
    for node in nodes:
        if node.phase != "forward":
            continue
        name, layer = node.op.name, node.scope.rsplit("/", 1)[-1]
        if name in _RANDOM and "training" in node.params:   # torch's
            if node.params["training"]:
                return None
            off = off or (node, True)
        elif layer.startswith("dropout"):   # a Keras Dropout layer's ops
            if name == "dropout_mask":
                return None
            if name == "identity":
                off = off or (node, False)
    return off


def batch_norm_unfitted_in_training(trained: list, count: int = 2) -> list:
    """A Finding when each of the last `count` steps that trained ran a Keras batch norm
    layer in inference mode (it normalised by its moving averages, which it did not move)
    while those averages are still their initial values: `model(x)` in the training step,
    so the layer never normalises by the data and never learns its statistics."""
    trained = trained[-count:]
    if len(trained) < count:
        return []
    found = []
    for step in reversed(trained):   # the last first: a correct program stops there
        found.append(_batch_norm_off(step))
        if found[-1] is None:
            return []
    node, step = found[0], trained[-1]
    torch = "training" in node.params
    model = model_in_code(node.scope)
    averages, fix = (("running averages", f"call {model}.train() before training "
                      f"({model}.eval() is still on)") if torch else
                     ("moving averages", "call the model with training=True in the training "
                      "step: model(x, training=True) (model(x) runs BatchNormalization in "
                      "inference mode)"))
    message = (f"step {step.number} trained (it computed gradients), but batch_norm in layer "
               f"{_layer_named(node)} ran in inference mode, as in each of the last {count} "
               f"training steps: it normalises by its {averages}, which have never moved from "
               f"their start (mean 0, variance 1), so it does not normalise at all and never "
               f"learns the data's statistics (evaluation later uses them); at "
               f"{_where(node.source)}; fix: {fix}")
    return [Finding("inference_mode_in_training", message, node)]


def _batch_norm_off(step):
    """The first node of a Keras batch norm layer of `step` that read its moving averages at
    their initial values and moved none, when every such layer did; else None."""
    nodes = step.nodes
    if "batch_norm" in map(_op_names, nodes):
        return _torch_batch_norm_off(nodes)
    if "batch_normalization" not in "\n".join(map(_scopes, nodes)):
        return None   # no batch norm layer ran (the scan runs in C)
    layers: dict = {}   # scope -> [its nodes]
    for node in nodes:
        if node.phase == "forward" and \
                node.scope.rsplit("/", 1)[-1].startswith("batch_normalization"):
            layers.setdefault(node.scope, []).append(node)
    first = None
    for nodes in layers.values():
        reads = {tensor.variable.name.rsplit("/", 1)[-1]: tensor for node in nodes
                 for tensor in node.inputs if type(tensor) is VariableRead}
        if any(node.op.kind == "update" for node in nodes):
            return None   # it moved its averages: training mode
        mean, variance = reads.get("moving_mean:0"), reads.get("moving_variance:0")
        if mean is None or variance is None or np.any(mean._value) or \
                not np.all(variance._value == 1):
            return None   # normalised by the batch, or by averages learnt before
        first = first or nodes[0]
    return first


def _torch_batch_norm_off(nodes):
    """The first torch batch_norm node of `nodes` that ran with training=False on running
    averages at their initial values (mean 0, variance 1), when every one did; else None."""
    first = None
    for node in nodes:
        if node.phase != "forward" or node.op.name != "batch_norm":
            continue
        mean, variance = (tuple(node.inputs[1:3]) + (None, None))[:2]
        if node.params.get("training", True) or mean is None or variance is None or \
                np.any(mean._value) or not np.all(variance._value == 1):
            return None   # normalised by the batch, or by averages learnt before
        first = first or node
    return first
