"""GradientTape, as TensorFlow documents it, over the dispatch point and the backward iterator.

A tape is on this thread's list of recording tapes while its `with` block runs (and is
not paused). Dispatch offers it every op run meanwhile (`record`), and it keeps those with
an input it tracks: tensors it watches, trainable variables it sees read (`watch_read`),
and the outputs it recorded, all tracked by `id()`, which is safe because the tape keeps
every one of them alive. The backward engine reads it through `nodes`, `tracks`,
`watched_tensors`, `pause` and `resume`; a debugger rebuilds one with `from_nodes`.

For `why_none` a tape also notes, while it records, where a tracked value left tapeviz
(`value_left`, called by `Tensor.numpy`/`__array__`/`__float__`) and the integer tensors
`watch` refused; when `gradient` returns a None and frees a non-persistent tape's nodes,
it keeps their `Skeleton` (tape_skeleton.py: no values; a call with every gradient found
keeps none, so a correct loop pays nothing for it). The last `gradient` call that
returned a None is remembered (`last_missing_gradient`) so the optimizer can say why.
"""
from __future__ import annotations

import contextlib
import copy
import types
import warnings
import weakref

import numpy as np

from . import events, nest
from .backward import Backward
from .convert import FLOAT_SCALAR_TYPES
from .errors import DTypeError, MisuseError, describe
from .fpwarnings import warn_from_user_line
from .sourceinfo import user_source
from .tape_index import ScopeRuns
from .tape_exits import ExitNotes
from .tape_jacobian import Jacobians, UnconnectedGradients, _unconnected
from .tape_skeleton import RefusedWatch, Skeleton
from .tensor import Tensor, wrap
from .variable import Variable
from .threadstate import local  # `local.state`, not thread_state(): a call less per tape and step

_NOTHING_REFUSED = types.MappingProxyType({})
_UNINDEXED = object()   # a tape's `_scope` when its nodes were not recorded by it


def _warn_unwatched_source(source: Tensor) -> None:
    """A plain Tensor among the sources that this tape never watched: its gradient is None,
    which TF returns silently and the next line (`w - lr * g`) fails on, far from the cause."""
    warn_from_user_line(
        f"GradientTape.gradient: a source is a plain Tensor ({describe(source)}), not a "
        f"Variable, and this tape did not watch it, so its gradient is None. Call "
        f"tape.watch(x) inside the with block; or, for a weight rebound by `w = w - lr * g` "
        f"(which makes w a Tensor), keep it a Variable and update it with w.assign_sub(lr * g).")


class GradientTape(ExitNotes, Jacobians):
    """Records ops on watched tensors so that gradients can be computed.

    >>> import tapeviz as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x
    >>> print(tape.gradient(y, x))
    tapeviz.Tensor(6.0, shape=(), dtype=float32)
    """

    # what why_none needs, as class defaults: a tape made every step sets none of them
    _watches_tensors = False   # whether a plain tensor (not a variable) is watched
    _exits: tuple = ()         # the ValueExits noted while recording (replaced, not appended)
    _refused = _NOTHING_REFUSED  # id -> RefusedWatch: integer tensors watch() refused
    _skeleton = None           # what a freed tape keeps after a None gradient (no values)
    _missing = None            # (target id, {id: weakref to each source given None})

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._nodes: list = []
        self._ids: set = set()
        # the scope runs `record` notes (tape_index.py) after the first, the root scope's
        # from node 0: (start, scope number, ...), and the last run's scope object
        self._runs, self._scope = (), ""
        self._watched: list = []
        self._used = False

    # ---- recording -----------------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        local.state.tapes.append(self)
        return self

    def __exit__(self, *exc_info) -> None:
        self.pause()

    @classmethod
    def from_nodes(cls, nodes, sources, persistent: bool = True) -> "GradientTape":
        """A tape that holds `nodes` (recorded elsewhere, in execution order) and watches
        `sources`, as if it had recorded them: how a debugger replays a past step."""
        tape = cls(persistent=persistent)
        for source in sources:
            tape._track(source)
        for node in nodes:
            tape._nodes.append(node)
            tape._ids.add(node.output_id)
        tape._scope = _UNINDEXED   # no scope runs noted: the widget reads the nodes' scopes
        return tape

    # ---- the recording protocol: dispatch and the backward engine use these ---------------
    def record(self, node) -> bool:
        """Keep `node` if it read something this tape tracks; returns whether it did."""
        ids = self._ids
        if ids.isdisjoint(node.input_ids):
            return False
        nodes = self._nodes
        if node.scope is not self._scope:
            self._new_run(len(nodes), node.scope)
        nodes.append(node)
        ids.add(node.output_id)
        return True

    def _new_run(self, at: int, scope: str) -> None:
        """Node `at` runs in another scope (object) than the node before it: a new run."""
        if self._scope is _UNINDEXED:
            return
        runs = self._runs
        if type(runs) is tuple:   # the first: made here, not by every tape
            runs = self._runs = ScopeRuns()
        runs.add(at, scope)
        self._scope = scope

    def _await_readers(self, awaiting: bool) -> None:
        """While an exit or a refused tensor awaits the op that reads it, this tape's
        `record` looks at every op's untracked inputs first; otherwise it is the plain
        method (an instance attribute shadows it: no flag to test on every op)."""
        if awaiting:
            self.record = self._record_watching
        else:
            self.__dict__.pop("record", None)

    def _record_watching(self, node) -> bool:
        self._look_for_returns(node)
        return GradientTape.record(self, node)

    def watch_read(self, args) -> None:
        """An op read the variables among `args`: trainable ones get watched (when the tape
        watches accessed variables), integer ones too, as in TF: `watched_variables()` lists
        them, and the backward pass gives them no gradient (`Backward` takes float sources)."""
        if not self._watch_accessed_variables:
            return
        for arg in args:
            if type(arg) is Variable and id(arg) not in self._ids and arg.trainable:
                self._track(arg)

    def tracks(self, tensor) -> bool:
        """Whether gradients can flow to `tensor` on this tape (watched, or recorded output)."""
        return id(tensor) in self._ids

    def watched_tensors(self) -> tuple:
        """Every tensor and variable this tape watches, in the order it began to (after a
        non-persistent tape freed its record: those still alive)."""
        if self._watches_tensors and self.freed:  # tensors are held by weak references
            alive = (item() if type(item) is weakref.ref else item for item in self._watched)
            return tuple(item for item in alive if item is not None)
        return tuple(self._watched)

    def pause(self) -> bool:
        """Stop recording on this thread; returns whether it was recording."""
        tapes = local.state.tapes
        if tapes and tapes[-1] is self:  # the usual case: the innermost tape leaves
            del tapes[-1]
            return True
        for i in range(len(tapes) - 1, -1, -1):
            if tapes[i] is self:
                del tapes[i]
                return True
        return False

    def resume(self) -> None:
        """Record on this thread again, after `pause`."""
        local.state.tapes.append(self)

    def watch(self, tensor) -> None:
        """Track `tensor` (or a nested structure of them) so gradients can flow to it."""
        for item in nest.flatten(tensor):
            if not isinstance(item, Tensor):
                raise DTypeError("GradientTape.watch", f"expected a tensor or variable; got "
                                 f"{describe(item)}", hint="make it a tensor first: "
                                 "x = tf.constant(x), or a tf.Variable, which is watched "
                                 "without asking")
            if item._value.dtype.kind != "f":
                self._refused = {**self._refused, id(item): RefusedWatch(item, user_source())}
                self._await_readers(True)
                warnings.warn(f"GradientTape.watch: the dtype of the watched tensor must be "
                              f"floating (e.g. tf.float32), got {item.dtype.name}; it is not "
                              f"watched", stacklevel=2)
                continue
            self._track(item)

    def _track(self, item) -> None:
        if id(item) not in self._ids:
            self._ids.add(id(item))
            self._watched.append(item)
            if type(item) is not Variable:
                self._watches_tensors = True

    def watched_variables(self) -> tuple:
        """The variables this tape watches, in order of construction (as TF returns them)."""
        variables = [item for item in self.watched_tensors() if isinstance(item, Variable)]
        return tuple(sorted(variables, key=lambda v: v._unique_id))

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops in this block are not recorded on this tape."""
        was_recording = self.pause()
        try:
            yield
        finally:
            if was_recording:
                self.resume()

    def reset(self) -> None:
        """Forget everything recorded and watched so far; the tape keeps recording."""
        self._nodes = []
        self._ids = set()
        self._runs, self._scope = (), ""
        self._watched, self._watches_tensors = [], False
        self._used = False
        self._exits, self._refused = (), _NOTHING_REFUSED
        self._await_readers(False)
        self._skeleton, self._missing = None, None

    @property
    def persistent(self) -> bool:
        """Whether the tape keeps its record after `gradient` (TF's `persistent=`)."""
        return self._persistent

    @property
    def watches_accessed_variables(self) -> bool:
        """Whether trainable variables are watched when an op reads them (TF's
        `watch_accessed_variables=`)."""
        return self._watch_accessed_variables

    @property
    def freed(self) -> bool:
        """Whether this non-persistent tape computed its gradient and dropped its record."""
        return self._used and not self._persistent

    @property
    def nodes(self) -> tuple:
        """The recorded nodes in execution order (each has op, inputs, output, source)."""
        return tuple(self._nodes)

    def scope_codes(self):
        """(the recorded nodes, (each one's scope number, the scope paths by number) as
        `record` noted them: tape_index.py), or (the nodes, None) for a tape filled by
        `from_nodes`."""
        nodes = tuple(self._nodes)
        if self._scope is _UNINDEXED:
            return nodes, None
        runs = self._runs
        return nodes, (runs if type(runs) is ScopeRuns else ScopeRuns()).of(len(nodes))

    def scope_runs(self):
        """(the recorded nodes, where each run of ops in one scope starts, its scope number,
        the scope paths by number, each path's name stem by number, whether a path nests) as
        `record` noted them (tape_index.py: `ScopeRuns.runs`), or None for a tape filled by
        `from_nodes`."""
        if self._scope is _UNINDEXED:
            return None
        nodes = tuple(self._nodes)
        runs = self._runs
        return (nodes, *(runs if type(runs) is ScopeRuns else ScopeRuns()).runs(len(nodes)))

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        kind = "persistent " if self._persistent else ""
        return f"<tapeviz.GradientTape {kind}with {len(self._nodes)} ops>"

    # ---- differentiation -----------------------------------------------------------------
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

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source, in the structure of `sources`.

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
        if type(unconnected_gradients) is not UnconnectedGradients:
            unconnected_gradients = _unconnected(unconnected_gradients)
        flat_sources = self._checked_sources(sources)
        if isinstance(target, Tensor):  # the usual loss: no structure to flatten
            targets = [target]
        else:
            targets = nest.flatten(target)
            for t in targets:
                if not isinstance(t, Tensor):
                    raise DTypeError("GradientTape.gradient", f"the target must be a tensor "
                                     f"or a nested structure of tensors; got {describe(t)}")
        seeds = None if output_gradients is None else nest.flatten(output_gradients)
        backward = Backward(self, targets, seeds, flat_sources, keep_intermediate=False).run()
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
        if missing is not None:  # remembered for the optimizer that gets these Nones
            self._missing = (id(targets[0]), missing)
        self._consume(backward.reachable, keep_skeleton=missing is not None)
        if missing is not None:
            _last_missing = self._remains(backward.reachable)
        elif _last_missing is not None:
            _last_missing = None
        hearers = events.gradient_listeners
        if hearers:
            events.tell(hearers, events.GradientComputed(self, targets, flat_sources, result))
        for source in unwatched:   # after the tape is consumed: a warning raised as an error
            _warn_unwatched_source(source)   # (-W error) leaves it as a returned call would
        if isinstance(sources, Tensor):
            return result[0]
        if flat_sources is sources:  # a flat list, [w, b]: nothing to pack
            return result
        return nest.pack_sequence_as(sources, result)

    # ---- helpers -------------------------------------------------------------------------
    def _check_usable(self, what: str) -> None:
        if self._used and not self._persistent:
            raise MisuseError(f"GradientTape.{what}", "A non-persistent GradientTape can only "
                              "be used to compute one set of gradients (or jacobians); this "
                              f"call to {what} is the second",
                              hint="in a training loop, open a new `with tf.GradientTape() "
                              "as tape:` inside the loop, around each step's forward pass (a "
                              "tape kept across steps holds only the ops it recorded first); "
                              "to differentiate one recording more than once, use "
                              "GradientTape(persistent=True) (and `del tape` when done)")

    def _consume(self, floats=None, keep_skeleton: bool = True) -> None:
        """A non-persistent tape frees its nodes, keeping their `Skeleton` for why_none when
        asked (`floats`: the backward pass's ids of float outputs that depend on a source).
        Watched variables stay; watched tensors are kept by weak reference."""
        if not self._persistent:
            self._used = True
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
                self._exits, self._refused = (), _NOTHING_REFUSED
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
            remains._exits, remains._refused = (), _NOTHING_REFUSED   # (the outline has them)
            remains.__dict__.pop("record", None)   # bound to this tape: it would keep it
        remains._watches_tensors = True   # every watched item held weakly, read back alive
        remains._watched = [item if type(item) is weakref.ref else weakref.ref(item)
                            for item in self._watched]
        return remains

    @staticmethod
    def _checked_sources(sources) -> list:
        if isinstance(sources, Tensor):
            return [sources]
        if type(sources) is list:  # the usual [w, b], returned as is when flat
            for s in sources:
                if not isinstance(s, Tensor):
                    break
            else:
                return sources
        flat = nest.flatten(sources)
        for s in flat:
            if not isinstance(s, Tensor):
                raise DTypeError("GradientTape.gradient", f"sources must be tensors or "
                                 f"variables; got {describe(s)}",
                                 hint="ask for its variables: "
                                      "tape.gradient(loss, model.trainable_variables)"
                                 if hasattr(s, "trainable_variables") else None)
        return flat

    @staticmethod
    def _unconnected_result(source, unconnected):
        """What `gradient` returns for a source no gradient reached (None for a non-float one)."""
        if source._value.dtype.kind != "f":
            return None
        if unconnected is UnconnectedGradients.ZERO:
            return wrap(np.zeros_like(source._value))
        return None


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
