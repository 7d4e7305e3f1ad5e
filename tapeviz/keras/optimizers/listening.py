"""What the debugger's listeners may do to an optimizer's update, decided once per change.

`Optimizer` inherits these. `_apply` asks whether any subscriber can hear an update op
(none: the formula's numbers are computed without running its ops), whether one may stop
an update midway (a breakpoint: then the old values are held, to be put back; a Runner's
stop lets the apply return, `runner_gate.whole_update`), and the user's line the update
ops share (found once, not walked per op). Each is decided once per change of
subscriptions, so an apply pays a compare.
"""
from __future__ import annotations

import sys

from ... import events
from ...debugger import breakpoint_listener
from ...debugger.variable_names import shown_names
from ...call_site import site_of
from ...ops.assign import assign_add
from ...sourceinfo import runs_own_code_only, source_from
from ...tensor import Tensor
from ...variable import Variable

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


class UpdateListening:
    """`Optimizer`'s decisions about who hears its update ops."""

    # the frames of the last apply whose line was found and that line (call_site.site_of's,
    # and the line), () before the first, False where more of tapeviz's frames are between
    _update_site: tuple | bool = ()

    def _may_be_cut_short(self, line) -> bool:
        """Whether a listener may raise inside an update whose ops run at user line `line`
        (None: not known): an enabled breakpoint that can match one (a Runner's gate
        does not: its stop lets the apply return). Decided once per change of subscriptions
        and line, so an apply pays a compare (deciding on every apply cost more than holding
        the values)."""
        seen, decided_at, verdict = self._cut_verdict
        if seen == events.changes and decided_at is line:
            return verdict
        seen = events.changes   # read first: a change meanwhile makes the next apply decide
        verdict = breakpoint_listener.may_stop_updates_at(line)
        self._cut_verdict = (seen, line, verdict)
        return verdict

    def _updates_unheard(self) -> bool:
        """Whether no subscriber can hear an op of this optimizer's update
        (`_unheard_update`'s `UPDATE_OPS`, and the step count's assign_add): a breakpoint on
        other ops, a Runner's gate with nothing pending or a dashboard's gradient listener
        leave it off its ops. Decided once per change of subscriptions."""
        seen, verdict = self._unheard_verdict
        if seen == events.changes:
            return verdict
        seen = events.changes   # read first: a change meanwhile makes the next apply decide
        ops = self._update_ops()
        verdict = bool(ops) and not events.hears_any(ops + (assign_add,))
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
        frame = sys._getframe(2)   # _apply's caller (apply_gradients, minimize), tapeviz's
        if state.origin is not None:   # (a walk inside a backward pass stops at its origin)
            return source_from(frame, state.origin)
        # the same frames as the last apply's (the loop's one call): its line, no walk
        site = self._update_site
        if site and frame.f_code is site[0] and (user := frame.f_back).f_code is site[1] \
                and user.f_lasti == site[2]:
            return site[3]
        source = source_from(frame)
        if site is False:   # (called through more of tapeviz's frames: walked each apply)
            return source
        site = site_of(frame, source)
        self._update_site = site and (*site, source)
        return source
