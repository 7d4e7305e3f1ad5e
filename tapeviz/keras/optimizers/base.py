"""The optimizer base class: (gradient, variable) pairs in, variable updates out.

`apply_gradients` checks the pairs, clips the gradients, creates slot variables on
first sight of a variable, and runs a subclass's update formula (`update.py`) for each
pair. Every update runs inside `dispatch.unrecorded()`: the debugger's subscribers see
the assign ops, under the optimizer's name scope, but no tape records them. A None
gradient is warned about at the user's line of the call, with why it is None when the
last `tape.gradient` call returned it (`why_none`'s words).
"""
from __future__ import annotations

import sys
import warnings
import weakref

import numpy as np

from ... import arguments, nest
from ...creation import convert_to_tensor
from ...debugger import breakpoint_listener, runner
from ...debugger.frozen import nothing_to_train_hint
from ...debugger.numerics import _where
from ...debugger.variable_names import shown_name, shown_names
from ...debugger.why_none import explain_missing_gradient
from ... import events
from ...dispatch import name_scope, unrecorded
from ...errors import (DTypeError, InvalidArgumentError, MisuseError, ShapeError, add_note,
                       bad_argument, describe)
from ...fpwarnings import warn_from_user_line
from ...pytorch_habits import add_habits
from ...ops.math import clip_by_value, maximum, sqrt, square
from ...ops.assign import cast
from ...ops.reduce import reduce_sum
from ...sourceinfo import runs_own_code_only, source_from, user_source
from ...tape import GradientTape
from ...tensor import Tensor
from ...variable import Variable
from ...threadstate import local

_UNGIVEN = object()   # minimize's var_list, when the caller gave none

# id -> each live optimizer's step count, so a recorded update can be told to be one
_STEP_COUNTS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def optimizer_made_at(variable):
    """The user's line that made the optimizer whose step count (`iterations`) `variable` is,
    where its learning rate was set (the count's own `made_at`); None for any other variable.
    """
    return variable.made_at if _STEP_COUNTS.get(id(variable)) is variable else None


_NOT_FROM_THE_LAST_CALL = (
    "it did not come from the last tape.gradient call; check that the loss depends on the "
    "variable and is computed inside the GradientTape block (with model.compile(), that a "
    "loss was given)")


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


def _learning_rate_number(optimizer: str, value) -> float:
    try:
        return arguments.number(optimizer, "learning_rate", value)
    except DTypeError:
        error = bad_argument(optimizer, "learning_rate", "a number (e.g. 0.01), a "
                             "LearningRateSchedule or a callable", value, DTypeError)
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Variable):
            error.with_hint(f"a Keras optimizer is not given the variables (PyTorch's "
                            f"optim.SGD(model.parameters(), lr=...)): {optimizer}(0.01), "
                            f"then optimizer.apply_gradients(zip(grads, "
                            f"model.trainable_variables))")
        raise error from None


_OWN_FORMULA: dict = {}   # optimizer class -> whether its update formula is tapeviz's own


def _own_class(cls) -> bool:
    """Whether every class `cls` is made of is tapeviz's (or a builtin)."""
    return all(c.__module__.partition(".")[0] in ("tapeviz", "builtins")
               for c in cls.__mro__)


def _cut_short(optimizer, variables: list, at) -> str:
    """What an apply_gradients that raised with nothing kept to restore (no breakpoint or
    Runner could stop it: a kernel interrupt, a listener's error) left in the variables."""
    shown = shown_names(variables)
    names = [shown[id(v)] for v in variables]
    where = next((i for i, v in enumerate(variables) if v is at), 0)
    done, rest = names[:where], names[where + 1:]
    return (f"{type(optimizer).__name__}.apply_gradients was cut short while updating "
            f"{names[where]}: {', '.join(done) or 'no variable'} took this step, "
            f"{names[where]} may hold part of it (a slot moved, the variable not), "
            f"{', '.join(rest) or 'no other'} did not; iterations stays "
            f"{int(optimizer.iterations)}; restore the variables (a checkpoint) before "
            f"training on")


class _VariableList(list):
    """A list that can also be called: `opt.variables` (Keras 3) and `opt.variables()` (Keras 2)."""

    def __call__(self):
        return self


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


class Optimizer:
    """Base class of the Keras optimizers; subclasses define `_slot_names` and `_apply_dense`."""

    _slot_names: tuple = ()
    _hyper_names: tuple = ()       # constructor arguments get_config reports
    _warn_missing_gradients = True  # Keras warns about None gradients; TF1 skips them quietly
    _keeps_first_variables = True   # Keras 3 refuses variables its first update did not have

    def __init__(self, learning_rate=0.001, name: str = "Optimizer", clipnorm=None,
                 clipvalue=None, global_clipnorm=None, decay: float = 0.0, **kwargs):
        if "lr" in kwargs:  # Keras 2 still took lr=, with a deprecation warning
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("At most one of `clipnorm` and `global_clipnorm` can be set; "
                             f"got clipnorm={clipnorm}, global_clipnorm={global_clipnorm}")
        self.name = name
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.decay = float(decay)
        self._learning_rate = None
        self.learning_rate = learning_rate
        self._iterations = Variable(np.int64(0), trainable=False, name=f"{name}/iter")
        self._slots: dict = {}  # var.ref() -> {slot name: Variable}
        # id(var) -> the same dict: looked up on every apply without a Reference made and
        # hashed (var.ref(), its __init__, __hash__ and __eq__ are four Python calls, ~3k
        # instructions); `_slots` keeps each variable alive, so no id in it is reused
        self._slots_of: dict = {}
        self._first_variables: dict | None = None   # var.ref() -> the name it had then
        self._first_ids: frozenset = frozenset()    # their ids (kept alive by those keys)
        # (events.changes, update line, whether a listener may cut an update short then)
        self._cut_verdict = (-1, None, True)
        self._unheard_verdict = (-1, False)
        _STEP_COUNTS[id(self._iterations)] = self._iterations

    # ---- hyperparameters --------------------------------------------------------------------
    @property
    def learning_rate(self):
        """A non-trainable float32 Variable (assign to change it), or, under a schedule, the
        schedule's rate at this step as a float32 tensor (as Keras 3 reads it)."""
        lr = self._learning_rate
        if isinstance(lr, Tensor):
            return lr
        with unrecorded():
            return cast(lr(self._iterations), "float32")

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value) and not isinstance(value, Tensor):  # a LearningRateSchedule
            self._learning_rate = value
            return
        if self._learning_rate is not None and not isinstance(self._learning_rate, Tensor):
            raise DTypeError(type(self).__name__, f"learning_rate is a LearningRateSchedule, "
                             f"not settable; got {describe(value)}",
                             hint="create the optimizer with a float learning_rate to set "
                                  "the rate yourself")
        if type(value) is not float:   # "0.01" would otherwise train, silently, as 0.01
            value = _learning_rate_number(type(self).__name__, value)
        if isinstance(self._learning_rate, Variable):
            with unrecorded():
                self._learning_rate.assign(value)
        else:
            self._learning_rate = Variable(np.float32(value), trainable=False,
                                           name=f"{self.name}/learning_rate")

    lr = learning_rate

    @property
    def iterations(self) -> Variable:
        """How many times `apply_gradients` ran: a non-trainable int64 Variable."""
        return self._iterations

    def _current_learning_rate(self) -> float:
        """The learning rate for this step: scheduled, then Keras 2's `decay` applied."""
        lr = self._learning_rate
        lr = float(lr(self._iterations)) if not isinstance(lr, Tensor) else float(lr)
        if self.decay:
            lr = lr / (1.0 + self.decay * int(self._iterations))
        return lr

    # ---- slot variables ---------------------------------------------------------------------
    def add_slot(self, var: Variable, slot_name: str, initializer="zeros") -> Variable:
        """The `slot_name` slot of `var`, created on first use (zeros, ones, a number, or a
        callable of (shape, dtype))."""
        slots = self._slots_of.get(id(var))
        if slots is None:
            slots = self._slots_of[id(var)] = self._slots.setdefault(var.ref(), {})
        if slot_name not in slots:
            dtype = var._value.dtype
            shape = tuple(var.shape)
            if callable(initializer):
                value = initializer(shape, dtype)
            else:
                fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
                value = np.full(shape, fill, dtype=dtype)
            base = var.name[:-2] if var.name.endswith(":0") else var.name
            slots[slot_name] = Variable(value, trainable=False, dtype=dtype,
                                        name=f"{self.name}/{base}/{slot_name}")
        return slots[slot_name]

    def get_slot(self, var: Variable, slot_name: str) -> Variable:
        """The slot variable `slot_name` of `var` (after the first update of `var`)."""
        slots = self._slots_of.get(id(var), {})
        if slot_name not in slots:
            raise KeyError(f"{self.name}: no slot {slot_name!r} for variable "
                           f"{shown_name(var)!r}; "
                           f"slots: {sorted(slots) or 'none yet (apply gradients first)'}")
        return slots[slot_name]

    def get_slot_names(self) -> list:
        return list(self._slot_names)

    def _create_slots(self, var: Variable) -> None:
        for slot_name in self._slot_names:
            self.add_slot(var, slot_name)

    @property
    def variables(self) -> list:
        """The iteration count and every slot variable, in creation order."""
        found = [self._iterations]
        for slots in self._slots.values():
            found.extend(slots.values())
        return _VariableList(found)

    @property
    def weights(self) -> list:
        return list(self.variables)

    # ---- applying gradients -----------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, experimental_aggregate_gradients=True):
        """Update each variable from its gradient; returns `iterations` (incremented).

        >>> import tapeviz as tf
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.SGD(0.5).apply_gradients([(tf.constant(2.0), w)])
        >>> w.numpy()
        np.float32(0.0)
        """
        pairs = self._usable_pairs(grads_and_vars)
        self._apply(pairs)
        return self._iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """Keras 3's apply_gradients: the gradients and their variables as two lists, in one
        order (the variables of the first update when left out).

        >>> import tapeviz as tf
        >>> w = tf.Variable(1.0)
        >>> tf.keras.optimizers.SGD(0.5).apply([tf.constant(2.0)], [w])
        >>> w.numpy()
        np.float32(0.0)
        """
        for name, given in (("grads", grads), ("trainable_variables", trainable_variables)):
            if isinstance(given, Tensor):   # iterated, a tensor gives its rows
                raise bad_argument(f"{type(self).__name__}.apply", name,
                                   "a list (one entry per variable)", given)
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if self._first_variables is None:
                raise MisuseError(type(self).__name__, "apply(grads) without the variables "
                                                       "needs an optimizer that has updated "
                                                       "variables before",
                                  hint="give them: optimizer.apply(grads, "
                                       "model.trainable_variables)")
            trainable_variables = [ref.deref() for ref in self._first_variables]
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise InvalidArgumentError(type(self).__name__, f"apply: {len(grads)} gradients "
                                                            f"for {len(variables)} variables")
        self.apply_gradients(zip(grads, variables))

    def _apply(self, pairs: list) -> None:
        """Clip, then run the update formula for each pair; never taped.

        The update formula's ops share the user line that called `apply_gradients` (or
        `minimize`): when someone listens and the formula is tapeviz's own code, that
        line is found once here and set on the thread (`state.source`), so dispatch does
        not walk the optimizer's frames for each update op. (A listener that names its ops
        hears these only if it names them: their walks are left to dispatch.)"""
        state = known = None
        if events.hears_unnamed_ops():
            state = local.state
            known = self._update_line(pairs, state)
        for _, var in pairs:   # slots first, outside the optimizer's scope: add_slot names them
            self._ensure_slots(var)
        with unrecorded(), name_scope(self.name):
            grads = self._clip([grad for grad, _ in pairs])
            lr = self._current_learning_rate()
            step = int(self._iterations) + 1
            if self._updates_unheard():   # nobody hears an update op: no op need run
                updated = self._unheard_update(grads, pairs, lr, step)
                if updated is not None:
                    for variable, value in updated:
                        variable._value = value
                    self._iterations.assign_add(1)
                    return
            # (variable or slot, its value), put back if a listener raises midway (a breakpoint,
            # a debugger quit, a Runner's stop); held only while one that can may hear an
            # update: held, the old values cannot be recycled (ops/recycler.py): +4%
            # instructions an Adam apply, ~3k a step of bench_debugger's regression loop
            before = [] if self._may_be_cut_short(known) else None
            var = None
            try:
                for grad, (_, var) in zip(grads, pairs):
                    if before is not None:
                        before.append((var, var._value))
                        slots = self._slots_of[id(var)]
                        if slots:
                            before.extend((slot, slot._value) for slot in slots.values())
                    base = var.name[:-2] if var.name.endswith(":0") else var.name
                    with name_scope(base):
                        if known is None:
                            self._apply_dense(grad, var, lr, step)
                            continue
                        outer, state.source = state.source, known
                        try:
                            self._apply_dense(grad, var, lr, step)
                        finally:
                            state.source = outer
            except BaseException as error:
                # a breakpoint raising inside an update, a debugger quit, a kernel interrupt:
                # no variable keeps half a step (Adam's m and v moved, the weight not)
                for variable, value in before or ():
                    variable._value = value
                if before is None and isinstance(error, (Exception, KeyboardInterrupt)):
                    add_note(error, _cut_short(self, [v for _, v in pairs], var))
                raise
            if known is None or type(self._iterations) is not Variable:
                self._iterations.assign_add(1)
                return
            outer, state.source = state.source, known   # the step count's op: the same line
            try:
                self._iterations.assign_add(1)
            finally:
                state.source = outer

    def _may_be_cut_short(self, line) -> bool:
        """Whether a listener may raise inside an update whose ops run at user line `line`
        (None: not known): a Runner's gate that hears ops, or an enabled breakpoint that can
        match one. Decided once per change of subscriptions and line, so an apply pays a
        compare (deciding on every apply cost more than holding the values)."""
        seen, decided_at, verdict = self._cut_verdict
        if seen == events.changes and decided_at is line:
            return verdict
        seen = events.changes   # read first: a change meanwhile makes the next apply decide
        verdict = runner.any_gate_hearing() or breakpoint_listener.may_stop_updates_at(line)
        self._cut_verdict = (seen, line, verdict)
        return verdict

    def _updates_unheard(self) -> bool:
        """Whether no subscriber can hear an op of this optimizer's update
        (`_unheard_update`'s `UPDATE_OPS`): a breakpoint on other ops, a Runner's gate with
        nothing pending or a dashboard's gradient listener leave it off its ops. Decided
        once per change of subscriptions."""
        seen, verdict = self._unheard_verdict
        if seen == events.changes:
            return verdict
        seen = events.changes   # read first: a change meanwhile makes the next apply decide
        verdict = bool(self.UPDATE_OPS) and not events.hears_any(self.UPDATE_OPS)
        self._unheard_verdict = (seen, verdict)
        return verdict

    def _update_line(self, pairs: list, state):
        """The line a walk from an update op inside `_apply_dense` would find (the first
        frame above `_apply` that is not tapeviz's), or None where that walk could stop
        sooner: a formula, slot lookup, variable or gradient of the user's own class.
        `state`: this thread's (a walk inside a backward pass stops at its origin)."""
        kind = type(self)
        own = _OWN_FORMULA.get(kind)
        if own is None:
            own = _OWN_FORMULA[kind] = (runs_own_code_only(kind._apply_dense)
                                        and runs_own_code_only(kind.get_slot))
        # a formula set on this optimizer alone: asked of its bound methods (reading its
        # __dict__ would make every later read of its attributes a dict lookup)
        if not own or getattr(self._apply_dense, "__func__", None) is not kind._apply_dense \
                or getattr(self.get_slot, "__func__", None) is not kind.get_slot:
            return None
        for grad, var in pairs:
            if not (type(var) is Variable or _own_class(type(var))) \
                    or not (type(grad) is Tensor or _own_class(type(grad))):
                return None
        return source_from(sys._getframe(2), state.origin)   # from _apply's frame up

    def _apply_dense(self, grad: Tensor, var: Variable, lr: float, step: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _apply_dense")

    UPDATE_OPS: tuple = ()   # the ops `_unheard_update` computes by their forwards

    def _unheard_update(self, grads: list, pairs: list, lr: float, step: int):
        """[(variable or slot, its new value), ...] for this step, computed without the
        update ops (each formula's numbers, the same bits), or None where a subclass has no
        such path or cannot take it: `_apply` then runs the update ops."""
        return None

    def _usable_pairs(self, grads_and_vars) -> list:
        """The (gradient tensor, variable) pairs with a gradient; None ones warned about."""
        if grads_and_vars is None or isinstance(grads_and_vars, Tensor):   # (iterated: rows)
            raise DTypeError(f"{self.name}.apply_gradients", "expected (gradient, variable) "
                             "pairs, e.g. zip(grads, model.trainable_variables); got "
                             f"{describe(grads_and_vars)}")
        pairs = []
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
        if self._keeps_first_variables:
            self._check_variables_are_known([var for _, var in pairs])
        missing = [var for grad, var in pairs if grad is None]
        kept = [(self._checked_gradient(grad, var), var) for grad, var in pairs
                if grad is not None]
        if not pairs:
            raise InvalidArgumentError(f"{self.name}.apply_gradients", "expected (gradient, "
                                       "variable) pairs; got none (an empty list)",
                                       hint=nothing_to_train_hint() or "model.trainable_"
                                       "variables is empty until the model is built: call it "
                                       "on a batch first (or give it an Input)")
        if not kept:
            site = user_source()
            variables = [v for _, v in pairs]
            reasons = "; ".join(
                f"{', '.join(repr(shown_name(var, variables)) for var in group)}: {why}"
                + (f" (the same for the other {len(group) - 1})" if len(group) > 1 and
                   repr(shown_name(group[0], variables)) in why else "")
                for group, why in _reasons_by_cause(missing))
            raise ValueError(f"{self.name}.apply_gradients at {_where(site)}: no gradients "
                             f"provided for any variable (all are None): {reasons}")
        if missing and self._warn_missing_gradients:
            where = _where(user_source())
            variables = [var for _, var in pairs]
            for var in missing:   # as the code names it: 'w', not 'Variable_1:0' nor 'w:0'
                name = shown_name(var, variables)
                warn_from_user_line(f"{self.name}.apply_gradients at {where}: the gradient "
                                    f"for variable {name!r} is None, so it is not updated: "
                                    f"{_why_missing(var)}")
        return kept

    def build(self, var_list) -> None:
        """Make `var_list` the variables this optimizer updates and create their slots, as
        Keras 3's `build` does (its first `apply_gradients` does it otherwise); once built,
        a later call changes nothing, as in Keras 3."""
        if self._first_variables is not None:
            return
        variables = nest.flatten(var_list)
        self._check_variables_are_known(variables)
        for var in variables:
            self._ensure_slots(var)

    def _ensure_slots(self, var) -> None:
        """`var`'s slots (Adam's m and v...), made the first time it is seen."""
        if id(var) not in self._slots_of:
            self._slots_of[id(var)] = self._slots.setdefault(var.ref(), {})
            with unrecorded():
                self._create_slots(var)

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

    def _checked_gradient(self, grad, var: Variable) -> Tensor:
        if not isinstance(grad, Tensor):  # numpy or Python gradients take the variable's dtype
            grad = convert_to_tensor(grad, dtype=var.dtype)
        # the arrays' own shapes and dtypes: a TensorShape or DType made costs ~1 us each
        if grad._value.shape != var._value.shape:
            raise ShapeError(self.name, f"the gradient for variable {shown_name(var)!r} must "
                                        f"have its shape {tuple(var.shape)}; got "
                                        f"{tuple(grad.shape)}")
        # Keras 3 casts it (a float64 loss's gradient, say)
        if grad._value.dtype != var._value.dtype:
            with unrecorded():
                grad = cast(grad, var.dtype)
        return grad

    def _clip(self, grads: list) -> list:
        """Keras's clipvalue, clipnorm (each gradient) and global_clipnorm (all together)."""
        if self.clipvalue is not None:
            grads = [clip_by_value(g, -float(self.clipvalue), float(self.clipvalue))
                     for g in grads]
        if self.clipnorm is not None:
            c = float(self.clipnorm)
            grads = [g * c / maximum(sqrt(reduce_sum(square(g))), c) for g in grads]
        if self.global_clipnorm is not None:
            c = float(self.global_clipnorm)
            norm = float(np.sqrt(sum(float(reduce_sum(square(g))) for g in grads)))
            grads = [g * (c / max(norm, c)) for g in grads]
        return grads

    # ---- gradients from a loss --------------------------------------------------------------
    def minimize(self, loss, var_list=_UNGIVEN, grad_loss=None, name=None, tape=None):
        """Compute gradients of `loss` (a callable, or a tensor with its `tape`) and apply them.

        >>> import tapeviz as tf
        >>> w = tf.Variable(3.0)
        >>> _ = tf.keras.optimizers.SGD(0.25).minimize(lambda: w * w, [w])
        >>> w.numpy()
        np.float32(1.5)
        """
        if var_list is _UNGIVEN:   # (Python's own error would name neither it nor the line)
            raise DTypeError(f"{self.name}.minimize", "expected var_list, the variables to "
                             "train, as TF 2's minimize does; got none",
                             hint="minimize(loss_fn, model.trainable_variables), or a list "
                                  "of your variables: minimize(loss_fn, [w, b])")
        grads_and_vars = self._compute_gradients(loss, var_list, grad_loss, tape)
        return self.apply_gradients(grads_and_vars)

    def _compute_gradients(self, loss, var_list, grad_loss=None, tape=None) -> list:
        """[(gradient, variable), ...]; var_list None means every variable the loss read."""
        if not callable(loss) and tape is None:
            raise InvalidArgumentError(f"{self.name}.minimize", "`tape` is required when a "
                                       "`Tensor` loss is passed; got a loss tensor and no tape",
                                       hint="pass a callable loss (e.g. `lambda: "
                                       "loss_fn(model(x), y)`) or the GradientTape that "
                                       "recorded it: minimize(loss, var_list, tape=tape)")
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if var_list is not None and not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(tape.watched_variables()) if var_list is None else nest.flatten(var_list)
        grads = tape.gradient(loss, var_list, output_gradients=grad_loss)
        return list(zip(grads, var_list))

    # ---- configuration ----------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        config = {"name": self.name,
                  # float32's shortest repr, so 0.01 reads back as 0.01
                  "learning_rate": float(str(lr.numpy())) if isinstance(lr, Tensor) else lr,
                  "decay": self.decay}
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        config.update({key: getattr(self, key) for key in self._hyper_names})
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Optimizer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate=" \
               f"{self._current_learning_rate():g} iterations={int(self._iterations)}>"


add_habits(Optimizer, "Optimizer")   # optimizer.zero_grad(), .step(): the TF way said
