"""The optimizer base class: (gradient, variable) pairs in, variable updates out.

`apply_gradients` checks the pairs (`pairs.py`: a None gradient warned about at the
user's line of the call, with why it is None), clips the gradients (`clipping.py`),
creates slot variables on first sight of a variable (`slots.py`), decays the weights
(`weight_decay.py`, Keras 3's `weight_decay=`) and runs a subclass's update formula
(`update.py`) for each pair. Every update runs inside `dispatch.unrecorded()`: the
debugger's subscribers see the assign ops, under the optimizer's name scope, but no tape
records them (`listening.py`: who hears them, decided once per change of subscriptions).
`minimize` (`minimize.py`) computes the gradients first.
"""
from __future__ import annotations

import warnings

import numpy as np

from ... import arguments, events
from ...debugger.runner_gate import whole_update
from ...dispatch import name_scope, unrecorded
from ...errors import (DTypeError, InvalidArgumentError, MisuseError, add_note,
                       bad_argument, describe)
from ...fpwarnings import warn_from_user_line
from ...pytorch_habits import add_habits
from ...ops.assign import assign_add, cast
from ...tensor import Tensor
from ...variable import Variable
from ...threadstate import local
from ..keywords import OPTIMIZER_WORDS, refuse_unknown_keywords
from .accumulation import GradientAccumulation
from . import interrupts
from .clipping import Clipping
from .listening import UpdateListening, _cut_short
from .minimize import Minimizing
from .moving_average import MovingAverage
from .pairs import PairChecks
from .settings import Settings, setting
from .slots import Slots
# (the debugger reads optimizer_class_of and optimizer_made_at from here)
from .step_counts import counts, optimizer_class_of, optimizer_made_at  # noqa: F401
from .weight_decay import DECAY_OPS, WeightDecay

_ONE_STEP = np.int64(1)   # the step count's delta, in its dtype


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


# the settings every Keras 3 optimizer's get_config() lists, set or not
_KERAS3_SETTINGS = ("weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                    "gradient_accumulation_steps")


class Optimizer(PairChecks, Slots, Minimizing, Clipping, WeightDecay, MovingAverage,
                GradientAccumulation, UpdateListening):
    """Base class of the Keras optimizers; subclasses define `_slot_names` and `_apply_dense`."""

    _slot_names: tuple = ()
    _hyper_names: tuple = ()       # constructor arguments get_config reports
    _warn_missing_gradients = True  # Keras warns about None gradients; TF1 skips them quietly
    _keeps_first_variables = True   # Keras 3 refuses variables its first update did not have

    def __init__(self, learning_rate=0.001, name: str = "Optimizer", clipnorm=None,
                 clipvalue=None, global_clipnorm=None, decay: float = 0.0, weight_decay=None,
                 loss_scale_factor=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, gradient_accumulation_steps=None, **kwargs):
        if "lr" in kwargs:  # Keras 2 still took lr=, with a deprecation warning
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if kwargs:
            refuse_unknown_keywords(type(self), kwargs, tf_words=OPTIMIZER_WORDS)
        self._settings = Settings()
        self._set_moving_average(use_ema, ema_momentum, ema_overwrite_frequency)
        self._set_accumulation(gradient_accumulation_steps)
        self._set_clipping(clipnorm, clipvalue, global_clipnorm)
        self._set_weight_decay(weight_decay)
        self._settings.loss_scale_factor = None if loss_scale_factor is None else \
            arguments.number(type(self).__name__, "loss_scale_factor", loss_scale_factor)
        self._settings_changed()
        self.name = name
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
        counts(self)

    # ---- hyperparameters --------------------------------------------------------------------
    loss_scale_factor = setting("loss_scale_factor", "What `scale_loss` multiplies the loss by "
                                                     "and the gradients are divided by again.")

    def _settings_changed(self) -> None:
        """Decide again whether an apply is plain, and which ops an unheard one skips."""
        self._plain = self._settings.plain()
        self._unheard_verdict = (-1, False)

    def _update_ops(self) -> tuple:
        """The ops `_unheard_update` computes off dispatch: the formula's, the weight decay's
        beside them; none where averages or accumulated gradients run ops around them."""
        settings = self._settings
        if not self.UPDATE_OPS or settings.use_ema or settings.gradient_accumulation_steps:
            return ()
        return self.UPDATE_OPS + (DECAY_OPS if settings.weight_decay is not None else ())

    @property
    def learning_rate(self):
        """A non-trainable float32 Variable (assign to change it), or, under a schedule, the
        schedule's rate at this step, a tensor in the schedule's dtype (as Keras 3 reads it)."""
        lr = self._learning_rate
        if isinstance(lr, Tensor):
            return lr
        with unrecorded():
            rate = lr(self._iterations)
            return rate if isinstance(rate, Tensor) else cast(rate, "float32")

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
        if value < 0:
            warn_from_user_line(
                f"{type(self).__name__}: learning_rate={value:g} is negative: the optimizer "
                f"subtracts learning_rate * gradient, so each update climbs the loss "
                f"(gradient ascent); pass learning_rate={-value:g}")
        if isinstance(self._learning_rate, Variable):
            with unrecorded():
                self._learning_rate.assign(value)
        else:
            self._learning_rate = Variable(np.float32(value), trainable=False,
                                           name=f"{self.name}/learning_rate")

    lr = learning_rate

    @property
    def iterations(self):
        """How many times `apply_gradients` ran: a non-trainable int64 Variable; under
        gradient_accumulation_steps, how many updates (the calls // n, a tensor), as in
        Keras 3."""
        steps = self._settings.gradient_accumulation_steps
        if steps:
            with unrecorded():
                return self._iterations // steps
        return self._iterations

    def scale_loss(self, loss):
        """`loss` times `loss_scale_factor` (unchanged without one), as Keras 3's fit scales
        it before the gradient; `apply_gradients` divides the gradients by it again.

        >>> import tapeviz as tf
        >>> float(tf.keras.optimizers.SGD(loss_scale_factor=128.0).scale_loss(tf.constant(0.5)))
        64.0
        """
        factor = self._settings.loss_scale_factor
        return loss if factor is None else loss * factor

    def _current_learning_rate(self) -> float:
        """The learning rate for this step: scheduled, then Keras 2's `decay` applied."""
        lr = self._learning_rate
        lr = float(lr(self._iterations)) if not isinstance(lr, Tensor) else float(lr)
        if self.decay:
            lr = lr / (1.0 + self.decay * int(self._iterations))
        return lr

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
        if self._updates_unheard() or not interrupts.may_hold():
            self._apply(pairs)
        else:   # a kernel interrupt lands after the apply, not in it (interrupts.py)
            with interrupts.held():
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

    @whole_update   # (a Runner's stop lets it return: no variable half-stepped)
    def _apply(self, pairs: list) -> None:
        """Unscale (`loss_scale_factor`) and clip the gradients, then for each pair the
        weight decay and the update formula; never taped.

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
        plain = self._plain
        if not plain and self._settings.use_ema:   # Keras 3 averages every variable it has
            self._ensure_average_slots()
        with unrecorded(), name_scope(self.name):
            grads = [grad for grad, _ in pairs]
            step = int(self._iterations) + 1
            accumulating = only_adds = decaying = averaging = False
            if not plain:
                settings = self._settings
                if settings.loss_scale_factor is not None:   # scale_loss's factor taken out
                    grads = [grad / settings.loss_scale_factor for grad in grads]
                # under gradient_accumulation_steps a call that only adds its gradients up,
                # or the round's last, which applies their mean
                if settings.gradient_accumulation_steps:
                    accumulating, only_adds = True, self._accumulates_only()
                    step = (step - 1) // settings.gradient_accumulation_steps + 1
                    if not only_adds:
                        grads = self._mean_gradients(grads, pairs)
                if not only_adds:
                    grads = self._clip(grads)
                decaying = settings.weight_decay is not None
                averaging = settings.use_ema
            lr = self._current_learning_rate()
            if self._updates_unheard():   # nobody hears an update op: no op need run
                updated = self._unheard_update(grads, pairs, lr, step)
                if updated is not None:
                    # its assign_add unheard too (`_updates_unheard`): its forward alone,
                    # not a dispatch converting the 1 (~13 us an apply)
                    counter = self._iterations
                    interrupts.set_whole(updated, counter,
                                         assign_add.forward(counter._value, _ONE_STEP))
                    return
            # (variable or slot, its value), put back if a listener raises midway (a breakpoint,
            # a debugger quit; a Runner's stop lets the apply return); held only while one
            # that can may hear an update: held, the old values cannot be recycled
            # (ops/recycler.py): +4% instructions an Adam apply, ~3k a step of
            # bench_debugger's regression loop
            before = [] if self._may_be_cut_short(known) else None
            if before is not None and averaging:
                before += self._undo_averages()
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
                        if known is not None:
                            outer, state.source = state.source, known
                        try:
                            if only_adds:
                                self._slots_of[id(var)]["gradient_accumulator"].assign_add(grad)
                                continue
                            if decaying and self._decays(var):   # Keras 3: before the update
                                self._decay(var, lr)
                            self._apply_dense(grad, var, lr, step)
                            if accumulating:   # the round is applied: start the next
                                accumulator = self._slots_of[id(var)]["gradient_accumulator"]
                                accumulator.assign(np.zeros_like(accumulator._value))
                        finally:
                            if known is not None:
                                state.source = outer
                if averaging:
                    self._update_averages(step)
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

    def _apply_dense(self, grad: Tensor, var: Variable, lr: float, step: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _apply_dense")

    UPDATE_OPS: tuple = ()   # the ops `_unheard_update` computes by their forwards

    def _unheard_update(self, grads: list, pairs: list, lr: float, step: int):
        """[(variable or slot, its new value), ...] for this step, computed without the
        update ops (each formula's numbers, the same bits), or None where a subclass has no
        such path or cannot take it: `_apply` then runs the update ops."""
        return None

    # ---- configuration ----------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        config = {"name": self.name,
                  # float32's shortest repr, so 0.01 reads back as 0.01
                  "learning_rate": float(str(lr.numpy())) if isinstance(lr, Tensor) else lr}
        if self.decay:   # Keras 2's, kept (Keras 3 has no such key)
            config["decay"] = self.decay
        config.update({key: getattr(self, key) for key in _KERAS3_SETTINGS})   # None if unset
        config.update({key: getattr(self, key) for key in self._hyper_names})
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Optimizer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate=" \
               f"{self._current_learning_rate():g} iterations={int(self._iterations)}>"


add_habits(Optimizer, "Optimizer")   # optimizer.zero_grad(), .step(): the TF way said
