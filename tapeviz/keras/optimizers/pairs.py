"""What `apply_gradients` is given: (gradient, variable) pairs, checked before any update.

`Optimizer` inherits these checks. A pair must be (tensor or None, Variable); a None
gradient is warned about at the user's line with why it is None (why_none's reason for
the last `tape.gradient` call, one sentence per cause), all None refused; a variable the
optimizer's first update did not have is refused as Keras 3 refuses it, saying when it
was made again inside the training step; a gradient of another shape is refused, one of
another dtype cast, as Keras 3 casts it; a variable given twice is refused.
"""
from __future__ import annotations

from ...creation import convert_to_tensor
from ...debugger.frozen import nothing_to_train_hint
from ...debugger.numerics import _where
from ...debugger.variable_names import shown_name, shown_names
from ...debugger.why_none import explain_missing_gradient
from ...dispatch import unrecorded
from ...errors import (DTypeError, InvalidArgumentError, OpError, ShapeError, describe,
                       in_tf_words)
from ...fpwarnings import warn_from_user_line
from ...ops.assign import cast
from ...sourceinfo import user_source
from ...tensor import Tensor
from ...variable import Variable

_NOT_FROM_THE_LAST_CALL = (
    "it did not come from the last tape.gradient call; check that the loss depends on the "
    "variable and is computed inside the GradientTape block (with model.compile(), that a "
    "loss was given)")

_USUAL_CAUSES = (
    "the usual causes: the loss computed after the `with tf.GradientTape() as tape:` block "
    "ends (compute it inside); a variable the loss does not use (a layer left out of call(), "
    "a model built again after its optimizer); a value taken out of the tape with .numpy(), "
    "float() or numpy math (np.clip, np.mean) and used again (keep it in tf ops); "
    "tape.gradient given other variables than these")


def _why_missing(var: Variable) -> str:
    """why_none's reason when the last tape.gradient call gave None for `var`; else a guess."""
    return _reasons_by_cause([var])[0][1]


def _reasons_by_cause(variables) -> list:
    """[(variables, reason)]: why each of `variables` got None, one reason per cause, so four
    variables cut off by one argmax read as one sentence, not four that differ by a name."""
    grouped = {}
    for var in variables:
        finding = explain_missing_gradient(var)
        if finding is None:
            key, reason = _NOT_FROM_THE_LAST_CALL, _NOT_FROM_THE_LAST_CALL
        else:
            where, op = finding.source, getattr(finding.node, "op", None)   # what cut it
            key = (finding.kind, getattr(op, "name", None), where.filename, where.lineno) \
                if where is not None else finding.message
            reason = finding.message
        grouped.setdefault(key, ([], reason))[0].append(var)
    return [(group, reason) for group, reason in grouped.values()]


def _made_again(unknown: list, known: list, given: list, names: dict) -> str:
    """What to add when an unknown variable was made at the line, with the shape, of a known
    one this call was not `given`: a tf.Variable made inside the training step, a new
    variable each step in place of the last (whose updates are lost). `names`: id -> the
    name each is said by."""
    given = {id(var) for var in given}
    lines = {(v.made_at.filename, v.made_at.lineno, tuple(v.shape)): v for v in known
             if v.made_at is not None and id(v) not in given}
    for var in unknown:
        made = var.made_at
        first = (lines.get((made.filename, made.lineno, tuple(var.shape)))
                 if made is not None else None)
        if first is not None:
            return (f"; {names[id(var)]!r} was made at {made.location}: {made.line}, the "
                    f"line that made {names[id(first)]!r} before: a tf.Variable made inside the "
                    f"training step is a new variable each step, starting again from its "
                    f"initial value (every update is lost)")
    return ""


class PairChecks:
    """`Optimizer`'s checks of the pairs `apply_gradients` is given."""

    def _usable_pairs(self, grads_and_vars) -> list:
        """The (gradient tensor, variable) pairs with a gradient; None ones warned about."""
        if grads_and_vars is None or isinstance(grads_and_vars, Tensor):   # (iterated: rows)
            raise DTypeError(f"{self.name}.apply_gradients", "expected (gradient, variable) "
                             "pairs, e.g. zip(grads, model.trainable_variables); got "
                             f"{describe(grads_and_vars)}")
        pairs, ids = [], set()   # ids: a variable given twice is refused
        for item in grads_and_vars:
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise DTypeError(f"{self.name}.apply_gradients", "expected (gradient, "
                                 "variable) pairs, e.g. zip(grads, model.trainable_variables)"
                                 f"; got {describe(item)}")
            grad, var = item
            if not isinstance(var, Variable):
                swapped = isinstance(grad, Variable)
                raise DTypeError(f"{self.name}.apply_gradients", "the second item of each "
                                 f"pair must be a Variable; got {describe(var)}",
                                 hint="the pairs look swapped: gradients come first, "
                                 "zip(grads, variables)" if swapped else None)
            pairs.append((grad, var))
            ids.add(id(var))
        if len(ids) != len(pairs):
            self._refuse_repeated(pairs)
        if self._keeps_first_variables:
            self._check_variables_are_known([var for _, var in pairs])
        missing = [var for grad, var in pairs if grad is None]
        kept = [(self._checked_gradient(grad, var, pairs), var) for grad, var in pairs
                if grad is not None]
        if not pairs:
            unbuilt = ("model.trainable_variables is empty until the model is built: call it "
                       "on a batch first (or give it an Input)")
            used_up = iter(grads_and_vars) is grads_and_vars   # a zip, read once
            raise InvalidArgumentError(
                f"{self.name}.apply_gradients", "expected (gradient, variable) pairs; got none "
                "(an empty list)",
                hint=nothing_to_train_hint() or (
                    f"a zip is read once: one already given to apply_gradients (or read by "
                    f"list()) is empty, so make zip(grads, variables) for each call; or "
                    f"{unbuilt}" if used_up else unbuilt))
        if not kept:
            raise self._no_gradients(missing)
        if missing and self._warn_missing_gradients:
            where = _where(user_source())
            variables = [var for _, var in pairs]
            for var in missing:   # as the code names it: 'w', not 'Variable_1:0' nor 'w:0'
                name = shown_name(var, variables)
                warn_from_user_line(f"{self.name}.apply_gradients at {where}: the gradient "
                                    f"for variable {name!r} is None, so it is not updated: "
                                    f"{_why_missing(var)}")
        return kept

    def _no_gradients(self, variables: list) -> InvalidArgumentError:
        """Every gradient None: which variables, why each (why_none's reasons, one a cause),
        the usual causes when no reason was found, at the user's line; nothing updated."""
        causes = _reasons_by_cause(variables)
        reasons = "; ".join(
            f"{', '.join(repr(shown_name(var, variables)) for var in group)}: {why}"
            + (f" (the same for the other {len(group) - 1})" if len(group) > 1 and
               repr(shown_name(group[0], variables)) in why else "")
            for group, why in causes)
        tf_names = [var.name for var in variables]
        return InvalidArgumentError(
            f"{self.name}.apply_gradients", f"no gradients provided for any variable (all are "
            f"None): {reasons}" + in_tf_words(f"No gradients provided for any variable: "
                                              f"({tf_names},)"),
            hint=_USUAL_CAUSES if any(why is _NOT_FROM_THE_LAST_CALL for _, why in causes)
            else None)

    def _refuse_repeated(self, pairs: list) -> None:
        """A variable given twice: refused before any update (Keras would update it twice,
        each from one gradient, at one step count: rarely what the code meant)."""
        variables = [var for _, var in pairs]
        seen = {}
        for position, var in enumerate(variables, 1):
            if id(var) in seen:
                raise InvalidArgumentError(
                    f"{self.name}.apply_gradients",
                    f"variable {shown_name(var, variables)!r} is given twice, in pairs "
                    f"{seen[id(var)]} and {position} of {len(pairs)}: each variable takes one "
                    f"gradient a step (no variable was updated)",
                    hint="for two losses, take one gradient of their sum: "
                         "tape.gradient(loss_a + loss_b, variables); or add the two gradients "
                         "first; a list of variables joined twice (model.trainable_variables "
                         "+ [w]) lists each once")
            seen[id(var)] = position

    def _check_variables_are_known(self, variables: list) -> None:
        """Keras 3's rule: an optimizer updates only the variables of its first
        `apply_gradients` (None gradients included); refused before anything changes."""
        if self._first_variables is None:
            if variables:
                self._first_variables = {var.ref(): var.name for var in variables}
                self._first_ids = frozenset(map(id, variables))
            return
        if self._first_ids.issuperset(map(id, variables)):   # (C loops: no Reference each)
            return
        unknown = [var for var in variables if var.ref() not in self._first_variables]
        if unknown:   # each as the code names it ('w', not 'Variable_2:0'), told apart
            first = [ref.deref() for ref in self._first_variables]
            names = shown_names(first + unknown)
            known = [names[id(var)] for var in first]
            shown = ", ".join(map(repr, known[:6])) + (f" and {len(known) - 6} more"
                                                        if len(known) > 6 else "")
            remade = _made_again(unknown, first, variables, names)
            raise InvalidArgumentError(
                f"{self.name}.apply_gradients",
                f"unknown variable{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(names[id(var)]) for var in unknown)}: this optimizer can only "
                f"update the variables it was first used with ({shown})" + remade,
                hint="create the variable once, before the training loop, and let the "
                     "optimizer update it" if remade else
                     f"make a new optimizer for a new set of variables (a new model, layers "
                     f"unfrozen after training), e.g. tf.keras.optimizers."
                     f"{type(self).__name__}(...), as Keras 3 requires; or give it every "
                     f"variable before its first step: optimizer.build(var_list)")

    def _checked_gradient(self, grad, var: Variable, pairs: list) -> Tensor:
        if not isinstance(grad, Tensor):  # numpy or Python gradients take the variable's dtype
            try:
                grad = convert_to_tensor(grad, dtype=var.dtype)
            except OpError as error:
                raise self._not_numbers(grad, var) from error
        # the arrays' own shapes and dtypes: a TensorShape or DType made costs ~1 us each
        if grad._value.shape != var._value.shape:
            fits = [other for _, other in pairs if other._value.shape == grad._value.shape]
            variables = [other for _, other in pairs]
            raise ShapeError(self.name, f"the gradient for variable {shown_name(var)!r} must "
                                        f"have its shape {tuple(var.shape)}; got "
                                        f"{tuple(grad.shape)}",
                             hint=f"it has the shape of {shown_name(fits[0], variables)!r}: the "
                                  f"gradients look out of the variables' order; take them for "
                                  f"one list, in its order: zip(tape.gradient(loss, variables), "
                                  f"variables)" if fits else None)
        # Keras 3 casts it (a float64 loss's gradient, say)
        if grad._value.dtype != var._value.dtype:
            if grad._value.dtype.kind not in "biuf":   # text: cast's error named only cast
                raise self._not_numbers(grad, var)
            with unrecorded():
                grad = cast(grad, var.dtype)
        return grad

    def _not_numbers(self, grad, var: Variable) -> DTypeError:
        got = f"a {grad.dtype.name} tensor of shape {tuple(grad.shape)}" \
            if isinstance(grad, Tensor) else describe(grad)
        return DTypeError(f"{self.name}.apply_gradients", f"the gradient for variable "
                                                          f"{shown_name(var)!r} must be numbers "
                                                          f"(a {var.dtype.name} tensor); got "
                                                          f"{got}")
