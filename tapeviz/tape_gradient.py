"""A tape's gradients: `backward`, `gradient`, and what a used tape frees and keeps.

`GradientTape` (tape.py, which records) inherits `Gradients`. `gradient` runs one
`Backward` pass over the tape's nodes and packs each source's gradient in the structure
of `sources`; a non-persistent tape then frees its nodes (`_consume`), keeping their
`Skeleton` (tape_skeleton.py) only when a gradient came back None, and the last call that
returned a None is remembered (`last_missing_gradient`, `_remains`: no values kept) so
the optimizer that gets the None can say why.
"""
from __future__ import annotations

import copy
import sys
import weakref
from threading import get_ident

import numpy as np

from . import events, nest
from .backward import Backward
from .dispatch_inputs import FLOAT_SCALAR_TYPES
from .errors import DTypeError, MisuseError, describe
from .fpwarnings import warn_from_user_line
from .sourceinfo import call_site_source, source_from
from .tape_jacobian import UnconnectedGradients, _unconnected
from .tape_skeleton import NOTHING_REFUSED, Skeleton
from .tensor import Tensor, wrap
from .threadstate import local, step_raised
from .variable import Variable


def _warn_unwatched_source(source: Tensor) -> None:
    """A plain Tensor among the sources that this tape never watched: its gradient is None,
    which TF returns silently and the next line (`w - lr * g`) fails on, far from the cause."""
    warn_from_user_line(
        f"GradientTape.gradient: a source is a plain Tensor ({describe(source)}), not a "
        f"Variable, and this tape did not watch it, so its gradient is None. Call "
        f"tape.watch(x) inside the with block; or, for a weight rebound by `w = w - lr * g` "
        f"(which makes w a Tensor), keep it a Variable and update it with w.assign_sub(lr * g).")


def _warn_target_unrecorded() -> None:
    """Every gradient None, from a target that reads nothing the tape recorded (a loss
    written after the `with` block): TF returns the Nones silently and the update line
    fails far from the cause, on `lr * None`. The line that made the target is read from the
    source (`debugger.target_line`: dispatch's fast path noted none), only on this path."""
    from .debugger.target_line import target_made_at
    made = target_made_at(source_from(sys._getframe(2)))
    at = f" (made at {made[0]}: {made[0].statement})" if len(made) == 1 else ""
    warn_from_user_line(
        f"GradientTape.gradient: every gradient is None: the target{at} reads nothing this "
        f"tape recorded, so it depends on none of the sources. Compute it inside the "
        f"`with tf.GradientTape() as tape:` block (a loss written after the block, "
        f"unindented, is not recorded), from the model's output.")


def _warn_gradient_inside_persistent_context() -> None:
    """TF 2.21 logs this (once a process); here the gradient's ops join the tape's drawing."""
    warn_from_user_line(
        "GradientTape.gradient: calling gradient on a persistent tape inside its context is "
        "significantly less efficient than calling it outside the context (it causes the "
        "gradient ops to be recorded on the tape, leading to increased CPU and memory usage). "
        "Only call GradientTape.gradient inside the context if you actually want to trace the "
        "gradient in order to compute higher order derivatives.")


counting_calls: set = set()   # code of the gradient calls that count themselves (below)


def counts_its_steps(function):
    """Mark `function` as a gradient call that tells GradientComputed's listeners and then
    counts itself on a Runner's thread (`count_step`), so the Runner's listener, once it has
    heard the first step, leaves the counting to it. Returns `function` (a decorator)."""
    counting_calls.add(function.__code__)
    return function


class Gradients:
    """`GradientTape`'s differentiation; it reads the tape's `_nodes`, `_ids`, `_watched`,
    `_exits`, `_refused` and `_await_readers`, which tape.py's recording keeps."""

    def backward(self, target, sources=None, output_gradients=None) -> Backward:
        """The backward pass from `target` as an iterator of steps, one VJP each.

        Stepping it by hand gives the same gradients as `gradient`; it does not
        consume a non-persistent tape.
        """
        self._check_usable("backward")
        targets = nest.flatten(target)
        seeds = None if output_gradients is None else nest.flatten(output_gradients)
        flat_sources = None if sources is None else nest.flatten(sources)
        return Backward(self, targets, seeds, flat_sources)

    @counts_its_steps
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source, in the structure of `sources`.

        A tape that is not `persistent=True` gives one set of gradients, then lets go of
        what it recorded: read `tape.nodes` (or draw it) before this call.

        >>> import tapeviz as tf
        >>> w = tf.Variable([[1.0], [2.0]])
        >>> with tf.GradientTape() as tape:
        ...     loss = tf.reduce_sum(w * w)
        >>> tape.gradient(loss, [w])[0].numpy().tolist()
        [[2.0], [4.0]]
        """
        global _last_missing
        if self._used:  # (guarded here: a call less on every training step)
            self._check_usable("gradient")
        if self._persistent and self in local.state.tapes:
            _warn_gradient_inside_persistent_context()
        if type(unconnected_gradients) is not UnconnectedGradients:
            unconnected_gradients = _unconnected(unconnected_gradients,
                                                 "GradientTape.gradient")
        try:
            # the usual [w, b], returned as is when flat (a C loop: `_checked_sources`' call less)
            flat_sources = sources if type(sources) is list and all(map(_is_tensor, sources)) \
                else self._checked_sources(sources)
            if isinstance(target, Tensor):  # the usual loss: no structure to flatten
                targets = [target]
            else:
                targets = nest.flatten(target)
                for t in targets:
                    if not isinstance(t, Tensor):
                        raise DTypeError("GradientTape.gradient", f"the target must be a "
                                         f"tensor or a nested structure of tensors; got "
                                         f"{describe(t)}")
            seeds = None if output_gradients is None else nest.flatten(output_gradients)
            backward = Backward(self, targets, seeds, flat_sources,
                                keep_intermediate=False).run()
        except BaseException as error:   # (a training step abandoned: a Recorder ends it)
            step_raised(error)
            raise
        grads = backward.grads
        result, missing, unwatched = [], None, ()  # a loop: cheaper for one or few sources
        for s in flat_sources:
            grad = grads.get(id(s))
            if grad is None or type(s._value) not in FLOAT_SCALAR_TYPES \
                    and s._value.dtype.kind != "f":
                grad = self._unconnected_result(s, unconnected_gradients)
                if grad is None:
                    missing = missing or {}
                    missing[id(s)] = weakref.ref(s)
                    if type(s) is not Variable and id(s) not in self._ids \
                            and np.asarray(s._value).dtype.kind == "f":
                        unwatched += (s,)
            result.append(grad)
        unrecorded = missing is not None and len(missing) == len(flat_sources) and \
            len(targets) == 1 and id(targets[0]) not in self._ids
        if missing is not None:  # remembered for the optimizer that gets these Nones
            self._missing = (id(targets[0]), missing)
        self._consume(None if missing is None else backward.reachable, missing is not None)
        if missing is not None:
            _last_missing = self._remains(backward.reachable)
        elif _last_missing is not None:
            _last_missing = None
        hearers = events.gradient_listeners
        if hearers:
            events.tell(hearers, events.GradientComputed(self, targets, flat_sources, result))
        if counted_threads:   # a Runner's loop: its step counted here, no listener called
            count_step(targets, flat_sources)
        for source in unwatched:   # after the tape is consumed: a warning raised as an error
            _warn_unwatched_source(source)   # (-W error) leaves it as a returned call would
        if unrecorded and not unwatched:
            _warn_target_unrecorded()
        if isinstance(sources, Tensor):
            return result[0]
        if flat_sources is sources:  # a flat list, [w, b]: nothing to pack
            return result
        return nest.pack_sequence_as(sources, result)

    # ---- helpers -------------------------------------------------------------------------
    def _check_usable(self, what: str) -> None:
        if self._used and not self._persistent:
            site = getattr(self, "_first_call", None)   # (a copy `_remains` made has none)
            first = call_site_source(site) if site is not None else None
            if first is None:
                at = ""
            elif first == source_from(sys._getframe(1)):
                at = " (the first ran at this same line, on an earlier pass through it)"
            else:
                at = f" (the first ran at {first}: {first.statement})"
            raise MisuseError(f"GradientTape.{what}", "A non-persistent GradientTape can only "
                              "be used to compute one set of gradients (or jacobians); this "
                              f"call to {what} is the second{at}",
                              hint="in a training loop, open a new `with tf.GradientTape() "
                              "as tape:` inside the loop, around each step's forward pass (a "
                              "tape kept across steps holds only the ops it recorded first); "
                              "to differentiate one recording more than once, use "
                              "GradientTape(persistent=True) (and `del tape` when done)")

    def _consume(self, floats=None, keep_skeleton: bool = True) -> None:
        """A non-persistent tape frees its nodes, keeping their `Skeleton` for why_none when
        asked (`floats`: the backward pass's ids of float outputs that depend on a source).
        Watched variables stay; watched tensors are kept by weak reference."""
        if self._persistent:
            self._taken = True   # (entered again after it, a loop's steps pile up: tape.py)
            return
        self._used = True
        caller = sys._getframe(2)   # the gradient (jacobian) call: its line said if asked
        self._first_call = (caller.f_code, caller.f_lasti)   # again (_check_usable)
        if self._watches_tensors:
            self._watched = [item if type(item) is Variable else weakref.ref(item)
                             for item in self._watched]
        if keep_skeleton:
            self._skeleton = Skeleton(self._nodes, self._exits, self._refused, floats)
        self._nodes, self._ids = [], set()
        self._runs, self._scope = (), ""
        if self._exits or self._refused:
            for exit_ in self._exits:
                exit_.value = None
            self._exits, self._refused = (), NOTHING_REFUSED
            self._await_readers(False)

    def _remains(self, floats):
        """What `last_missing_gradient` keeps of this tape after a None: a copy of it freed,
        its value-free outline (`Skeleton`; a persistent tape's, made here from `floats` as
        `_consume` makes a freed one's), what it watched held by weak reference. Not the
        tape: a persistent one holds every value it recorded, any the variables it watched."""
        remains = copy.copy(self)
        if self._persistent:   # it records on, and may be dropped before the optimizer asks
            exits = tuple(map(copy.copy, self._exits))
            for exit_ in exits:
                exit_.value = None
            remains._persistent, remains._used = False, True
            remains._skeleton = Skeleton(self._nodes, exits, self._refused, floats)
            remains._nodes, remains._ids = [], set()
            remains._runs, remains._scope = (), ""
            remains._exits, remains._refused = (), NOTHING_REFUSED   # (the outline has them)
            remains.__dict__.pop("record", None)   # bound to this tape: it would keep it
        remains._watches_tensors = True   # every watched item held weakly, read back alive
        remains._watched = [item if type(item) is weakref.ref else weakref.ref(item)
                            for item in self._watched]
        return remains

    @staticmethod
    def _checked_sources(sources, call: str = "GradientTape.gradient") -> list:
        if isinstance(sources, Tensor):
            return [sources]
        flat = nest.flatten(sources)
        for s in flat:
            if not isinstance(s, Tensor):
                raise DTypeError(call, f"sources must be tensors or "
                                 f"variables; got {describe(s)}",
                                 hint="ask for its variables: "
                                      "tape.gradient(loss, model.trainable_variables)"
                                 if hasattr(s, "trainable_variables") else None)
        return flat

    @staticmethod
    def _unconnected_result(source, unconnected):
        """What `gradient` returns for a source no gradient reached (a non-float one too:
        TF 2.21 gives an int32 variable's zero under unconnected_gradients='zero')."""
        if unconnected is UnconnectedGradients.ZERO:
            return wrap(np.zeros_like(source._value))
        return None


class GradientCalls:
    """A thread's gradient calls as a Runner reads them (runner_gate.py): how many, and the
    last one's targets, sources and their values' ids then. The tape counts those of the
    threads in `counted_threads` itself, so a Runner running freely calls no listener a step
    (a listener call costs the loop's thread ~2x its instructions in cache and branch misses:
    bench_debugger's Runner rounds)."""

    __slots__ = ("count", "targets", "sources", "value_ids")

    def __init__(self):
        self.count = 0
        self.targets = self.sources = ()
        self.value_ids = None   # None: sources not a list of variables (torch's, made later)

    def took(self, targets, sources) -> None:
        """One more gradient call, of `targets` by `sources`: the ids, not the values (a value
        held could not be recycled, ops/recycler.py; a write rebinds the variable's value)."""
        self.count += 1
        self.targets, self.sources = targets, sources
        self.value_ids = [id(source._value) for source in sources] \
            if type(sources) is list else None


def count_step(targets, sources) -> None:
    """One more gradient call on the calling thread, if a Runner's (`counted_threads`):
    `gradient`'s, or a BackwardStepper's pass ended."""
    calls = counted_threads.get(get_ident())
    if calls is not None:
        calls.took(targets, sources)


counted_threads: dict = {}   # thread ident -> its GradientCalls, counted by `gradient` (a
#                              Runner's thread while it runs; read only when not empty)
_is_tensor = Tensor.__instancecheck__   # (type's own: isinstance(item, Tensor) as a C callable)
_last_missing = None  # _remains() of the tape whose last gradient call returned a None (not
#                       the tape: it would keep a persistent tape's values and the variables
#                       it watched alive); replaced by the next gradient call


def last_missing_gradient(source):
    """(tape, target id) of the last `gradient` call, when it returned None for `source`
    (the tape as `GradientTape._remains` keeps it: freed, its outline kept)."""
    tape = _last_missing
    if tape is None:
        return None
    target_id, missing = tape._missing
    ref = missing.get(id(source))
    return (tape, target_id) if ref is not None and ref() is source else None
