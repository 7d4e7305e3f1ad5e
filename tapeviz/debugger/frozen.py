"""Frozen layers the program still trains, or that leave it nothing to train. Keras leaves a
frozen layer's weights (`layer.trainable = False`, or `trainable=False` at construction) out
of `model.trainable_variables`; a list of them read before the freeze and kept still holds
them, so tape.gradient and apply_gradients train the layer the user froze. A frozen base
under a trained head, fine-tuning's way, is not said: its weights get no update. Read from
`keras.layers.base.frozen` (each frozen layer's weights: where the layer was frozen, and
their values then; an update rebinds a value, so a weight whose value is another has been
updated since).
"""
from __future__ import annotations

from ..tensor import VariableRead
from .activations import describe_variables
from .findings import Finding
from .numerics import _where


def _frozen_weights() -> dict:
    """{id(weight): (the weight, its layer's name, the user's line that froze the layer, its
    value then or None)} of the live weights of frozen layers."""
    from ..keras.layers.base import frozen   # keras imports the debugger
    found = {}
    for key, (ref, *held) in list(frozen.items()):
        weight = ref()
        if weight is not None:
            found[key] = (weight, *held)
    return found


def frozen_layers_trained(trained: list) -> list:
    """A Finding per frozen layer whose weights one of the `trained` steps
    (`unapplied.last_trained`), the last that did, computed gradients for and updated, and
    which were updated since the layer was frozen, beside weights not frozen (a step that
    trains frozen weights alone trains them on purpose: a model frozen for another's
    training, as a GAN's discriminator is for the combined model, which the generator's
    steps, between the discriminator's, train)."""
    weights = _frozen_weights()
    if not weights:
        return []
    for step in reversed(trained):
        found = _trained_in(step, weights)
        if found:
            return found
    return []


def _trained_in(step, weights: dict) -> list:
    """The findings of one step: frozen `weights` (`_frozen_weights`) it updated beside
    weights not frozen."""
    trained: dict = {}   # (layer name, line) -> [(weight, its update)]
    others = False       # whether the step also trained a weight not frozen
    for rop in step.ops:
        node = rop.node
        if node.op.kind != "update" or not node.inputs or type(node.inputs[0]) is not VariableRead:
            continue
        variable = node.inputs[0].variable
        held = weights.get(id(variable))
        if held is None:
            others = others or variable.trainable and variable.name in step.variable_gradients
            continue
        weight, layer, site, then = held
        if weight.name in step.variable_gradients and then is not weight._value and \
                all(w is not weight for w, _ in trained.get((layer, site), ())):
            trained.setdefault((layer, site), []).append((weight, node))
    if not others:
        return []
    return [_trained_finding(layer, site, [w for w, _ in pairs], pairs[0][1], step)
            for (layer, site), pairs in trained.items()]


def _trained_finding(layer, site, trained: list, update, step) -> Finding:
    nodes = [rop.node for rop in step.ops if rop.phase == "forward"]
    message = (f"layer {layer} is frozen ({layer}.trainable = False at "
               f"{_where(site)}), yet {describe_variables(trained, nodes)} got gradients and "
               f"were updated after it was frozen (step {step.number}, {update.op.name} at "
               f"{_where(update.source)}): the variables given to tape.gradient and "
               f"apply_gradients were read before the freeze (a list of "
               f"model.trainable_variables kept from then still holds them); fix: read "
               f"model.trainable_variables in each step, after freezing (or unfreeze the "
               f"layer if it should train)")
    return Finding("frozen_layer_trained", message, update, related=site,
                   variables=[v.name for v in trained])


def nothing_to_train_hint() -> str | None:
    """For an optimizer given no variable: the frozen layers that left their weights out of
    model.trainable_variables, and where each was frozen; None when no built layer is."""
    layers = dict.fromkeys((layer, site) for _, layer, site, _ in _frozen_weights().values())
    if not layers:
        return None
    said = ", ".join(f"{layer} (trainable = False at {_where(site)})"
                     for layer, site in list(layers)[:4])
    return (f"frozen layers: {said}; a frozen layer's weights are not in "
            f"model.trainable_variables, so a model whose every layer is frozen has nothing "
            f"to train: unfreeze what should train (layer.trainable = True) or add a "
            f"trainable head (or, if the model is not built yet, call it on a batch first)")
