"""Frozen layers the program still trains, or that leave it nothing to train. Keras leaves a
frozen layer's weights (`layer.trainable = False`, or `trainable=False` at construction) out
of `model.trainable_variables`; a list of them read before the freeze and kept still holds
them, and `model.weights` (`model.variables`, a frozen layer's `layer.weights`) holds them
always, so tape.gradient and apply_gradients train the layer the user froze. A frozen base
under a trained head, fine-tuning's way, is not said: its weights get no update; nor are
frozen weights trained in steps of their own while other steps train other weights (a GAN's
discriminator, frozen for the combined model), nor when only their steps are recorded: frozen
weights trained alone are said only when given as every weight (`model.weights`), not as a
list read before the freeze, when the recording reads weights not frozen that it leaves
untrained (the rest of the model: a whole model frozen and trained through its `.weights` is a
GAN's discriminator trained in its own step) and none of them moved between its steps
(trained outside it). Read from
`keras.layers.base.frozen` (each frozen layer's weights: where the layer was frozen, and
their values then; an update rebinds a value, so a weight whose value is another has been
updated since).
"""
from __future__ import annotations

import ast

import numpy as np

from ..sourceinfo import SourceInfo
from ..variable import VariableRead
from .activations import _and, describe_variables
from .findings import Finding
from .label_source import bound_before, innermost_scope, own_nodes
from .numerics import _where
from ..statements import parse_source

# what an optimizer's call names its variables: (position, keyword) of its arguments
_VARIABLES_GIVEN = {"minimize": (1, "var_list"), "apply": (1, "trainable_variables")}
_ALL_WEIGHTS = ("weights", "variables")   # a model's or layer's list of every weight


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


def frozen_layers_trained(trained: list, steps) -> list:
    """A Finding per frozen layer whose weights one of the `trained` steps
    (`unapplied.last_trained`), the last that did, computed gradients for and updated, and
    which were updated since the layer was frozen, beside weights not frozen, or when no step
    of the recording (`steps`) trained any other weight (a step that trains frozen weights
    alone, between steps that train others, trains them on purpose: a model frozen for
    another's training, as a GAN's discriminator is for the combined model)."""
    weights = _frozen_weights()
    if not weights:
        return []
    names = {weight.name for weight, *_ in weights.values()}
    alone = not any(name not in names for step in steps for name in step.variable_gradients)
    if alone and _trained_on_purpose(steps, names):
        return []   # (only part of the program was recorded: a GAN's discriminator step)
    for step in reversed(trained):
        found = _trained_in(step, weights, alone)
        if found:
            return found
    return []


def _trained_on_purpose(steps, frozen_names: set) -> bool:
    """Whether the recorded `steps`, which train frozen weights alone, train a frozen model
    on purpose: they read no trainable weight but those (the whole model they run is frozen,
    a GAN's discriminator frozen for the combined model, trained in its own step through
    `discriminator.weights`), or one they read and never train holds another value in the
    last step than in the first (something outside the recording trains it: the generator
    whose fakes the recorded discriminator step makes). A frozen layer trained through
    `model.weights` while the model's other layers, read by the same steps, stay untrained
    is the mistake."""
    read = [step for step in steps if len(step)]
    if not read:
        return False
    trained = frozen_names | {name for step in steps for name in step.variable_gradients}
    first = _untrained_reads(read[0], trained)
    if not first:
        return True
    last = _untrained_reads(read[-1], trained) if len(read) > 1 else {}
    return any(name in last and last[name] is not value and
               not np.array_equal(last[name], value) for name, value in first.items())


def _untrained_reads(step, trained: set) -> dict:
    """{name: the value read} of the trainable variables `step`'s ops read, but `trained`."""
    return {tensor.variable.name: tensor._value for node in step.nodes for tensor in node.inputs
            if type(tensor) is VariableRead and tensor.variable.trainable
            and tensor.variable.name not in trained}


def _trained_in(step, weights: dict, alone: bool) -> list:
    """The findings of one step: frozen `weights` (`_frozen_weights`) it updated beside
    weights not frozen, or by themselves when they are `alone`, all the recording trains."""
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
    if not others and not alone:
        return []
    by_site: dict = {}   # the layers one line froze: one cause, one finding
    for (layer, site), pairs in trained.items():
        if others or _every_weight_given(pairs[0][1].source):
            by_site.setdefault(site, []).append((layer, pairs))
    return [_trained_finding([layer for layer, _ in held], site,
                             [w for _, pairs in held for w, _ in pairs], held[0][1][0][1],
                             step, alone) for site, held in by_site.items()]


def _every_weight_given(source) -> bool:
    """Whether the optimizer's call at `source` plainly gives every weight (`model.weights`,
    `layer.variables`): frozen weights trained alone so were frozen and trained by mistake;
    through a list read before the freeze, in steps of their own, on purpose (a GAN's
    discriminator, frozen for the combined model)."""
    given = variables_given(source)
    return given is not None and any(isinstance(node, ast.Attribute) and
                                     node.attr in _ALL_WEIGHTS for node in ast.walk(given[0]))


def _trained_finding(layers: list, site, trained: list, update, step, alone: bool) -> Finding:
    """The finding for the `layers` the line at `site` froze, whose `trained` weights
    `update` changed in `step`."""
    nodes = [rop.node for rop in step.ops if rop.phase == "forward"]
    given = variables_given(update.source)
    if _every_weight_given(update.source):
        expression, line = given
        why = (f"the variables given to tape.gradient and apply_gradients are "
               f"{ast.unparse(expression)} (at {_where(line)}), which holds every weight, a "
               f"frozen layer's too (only trainable_variables leaves them out); fix: give "
               f"model.trainable_variables, read after freezing")
    elif given is None:
        why = ("the variables given to tape.gradient and apply_gradients hold its weights: "
               "model.weights or layer.weights (every weight, frozen or not), or a list of "
               "model.trainable_variables read before the freeze; fix: give "
               "model.trainable_variables, read in each step after freezing")
    else:
        why = ("the variables given to tape.gradient and apply_gradients were read before "
               "the freeze (a list of model.trainable_variables kept from then still holds "
               "them); fix: read model.trainable_variables in each step, after freezing")
    only = (", and no step of the recording trains any other weight: the model trains only "
            "what was frozen" if alone else "")
    frozen = (f"layer {layers[0]} is frozen ({layers[0]}.trainable = False" if len(layers) == 1
              else f"layers {_and(layers)} are frozen (trainable = False")
    message = (f"{frozen} at {_where(site)}), yet {describe_variables(trained, nodes)} got "
               f"gradients and were updated after the freeze (step {step.number}, "
               f"{update.op.name} at {_where(update.source)}){only}: {why} (or unfreeze the "
               f"layer if it should train)")
    return Finding("frozen_layer_trained", message, update, related=site,
                   variables=[v.name for v in trained])


def variables_given(source) -> tuple | None:
    """(the expression an optimizer's call at `source` passes as its variables, `zip(grads,
    model.weights)`'s second, or the one assigned to the name passed there, once in its
    function; the SourceInfo of the line that holds it), or None when the text does not show
    it plainly."""
    if source is None:
        return None
    try:
        tree = parse_source(source.statement)
    except (SyntaxError, ValueError):
        return None
    calls = (node for node in ast.walk(tree) if isinstance(node, ast.Call))
    expression = next(filter(None, map(_variables_argument, calls)), None)
    if not isinstance(expression, ast.Name):
        return None if expression is None else (expression, source)
    _, scope = innermost_scope(source.filename, source.lineno)
    bound = bound_before(scope, expression.id, source.lineno) if scope is not None else None
    if not isinstance(bound, ast.Assign) or _assignments(scope, expression.id) > 1:
        return None   # (bound on branches, or again in a loop: which one ran is not known)
    return bound.value, SourceInfo(source.filename, bound.lineno, source.function)


def _assignments(scope, name: str) -> int:
    """How many statements of `scope` (not of a function inside it) assign `name`."""
    return sum(isinstance(node, ast.Assign) and any(
        isinstance(target, ast.Name) and target.id == name for target in node.targets)
        for node in own_nodes(scope))


def _variables_argument(call):
    """The variables argument of an optimizer's call (`apply_gradients(zip(grads, v))`'s `v`,
    `minimize(loss, v)`, `apply(grads, v)`), or None."""
    name = getattr(call.func, "attr", None)
    if name == "apply_gradients" and call.args and isinstance(call.args[0], ast.Call) and \
            getattr(call.args[0].func, "id", None) == "zip" and len(call.args[0].args) == 2:
        return call.args[0].args[1]
    if name in _VARIABLES_GIVEN:
        position, keyword = _VARIABLES_GIVEN[name]
        keywords = {k.arg: k.value for k in call.keywords}
        return call.args[position] if len(call.args) > position else keywords.get(keyword)
    return None


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
            f"trainable head (or, if the model is not built yet: model.trainable_variables "
            f"is empty until the model is built, so call it on a batch first)")
