"""GradientTape, as TensorFlow documents it: what it records, over the dispatch point.

A tape is on this thread's list of recording tapes while its `with` block runs (and is
not paused). Dispatch offers it every op run meanwhile (`record`), and it keeps those with
an input it tracks: tensors it watches, trainable variables it sees read (`watch_read`),
and the outputs it recorded, all tracked by `id()`, which is safe because the tape keeps
every one of them alive. The backward engine reads its `_nodes` and `_ids` (what `nodes`
and `tracks` give, without their calls), `watched_tensors`, `pause` and `resume`; a
debugger rebuilds one with `from_nodes`.
What the tape differentiates and frees is inherited: `gradient` and `backward`
(tape_gradient.py), `jacobian` (tape_jacobian.py), and the notes `why_none` reads of
values that left tapeviz while it recorded (tape_exits.py).
"""
from __future__ import annotations

import contextlib
import warnings
import weakref

from . import nest
from .arguments import flag
from .errors import DTypeValueError, OpError, TapeStateError, describe
from .fpwarnings import warn_from_user_line
from .sourceinfo import user_source
from .tape_caught import CaughtNotes
from .tape_index import ScopeRuns
from .tape_exits import ExitNotes
from .tape_gradient import Gradients
from .tape_jacobian import Jacobians
from .tape_skeleton import NOTHING_REFUSED, RefusedWatch
from .tensor import Tensor
from .variable import Variable
# `local.state`, not thread_state(): a call less per tape and step
from .threadstate import local, step_raised

_UNINDEXED = object()   # a tape's `_scope` when its nodes were not recorded by it
_SHOWN = ("batch_jacobian", "gradient", "jacobian", "reset", "stop_recording", "watch",
          "watched_variables",   # TF 2.21's tape has these public names, no others
          "backward", "nodes")   # tapeviz's: the stepper's pass and what the widget draws


class GradientTape(Gradients, ExitNotes, CaughtNotes, Jacobians):
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
    _refused = NOTHING_REFUSED  # id -> RefusedWatch: integer tensors watch() refused
    _skeleton = None           # what a freed tape keeps after a None gradient (no values)
    _missing = None            # (target id, {id: weakref to each source given None})
    _paused_at = 0             # its place in the thread's stack of tapes when last paused
    _raised = None             # the OpError that left its block last (`raised`)
    _taken = False             # whether a persistent tape's gradient was taken
    _reuse_told = False        # whether entering it again after that was warned of

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        # (a string's truth would be True: persistent="no" made a persistent tape)
        if persistent is not False and persistent is not True:
            persistent = flag("GradientTape", "persistent", persistent, default=False)
        if watch_accessed_variables is not True and watch_accessed_variables is not False:
            watch_accessed_variables = flag("GradientTape", "watch_accessed_variables",
                                            watch_accessed_variables, default=True)
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
        tapes = local.state.tapes
        if self in tapes:   # (its exit would leave it recording: one pause for two entries)
            raise TapeStateError("GradientTape", "Tape is still recording, This can happen if "
                                 "you try to re-enter an already-active tape.",
                                 hint="use the tape's own block, or a new tf.GradientTape()")
        if self._taken and not self._reuse_told and self._nodes:
            self._reuse_told = True
            warn_from_user_line(
                f"GradientTape: a persistent tape entered again after its gradient was "
                f"taken records on top of the {len(self._nodes)} ops it holds, so every "
                f"step's ops stay in memory as a loop goes on. Make a new tape each step: "
                f"`with tf.GradientTape() as tape:` inside the loop.")
        tapes.append(self)
        return self

    def __exit__(self, exc_type, error, traceback) -> None:
        tapes = local.state.tapes
        if tapes and tapes[-1] is self:   # `pause`'s usual case, without its call (and its
            del tapes[-1]                 # `_paused_at`: a tape that left is not resumed)
        else:
            self.pause()
        if error is None:
            if self._raised is not None:   # (a tape entered again: its last block raised)
                self._raised = None
            return
        step_raised(error)   # (a training step abandoned: a Recorder ends it here)
        self._raised = error if isinstance(error, OpError) else None
        self._block_raised(error)   # (noted as it was built: it left the block instead)

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
        ids = self._ids
        for arg in args:   # (`_track` inlined: a variable, not yet tracked)
            if type(arg) is Variable and (key := id(arg)) not in ids and arg.trainable:
                ids.add(key)
                self._watched.append(arg)

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
            self._paused_at = len(tapes)
            return True
        for i in range(len(tapes) - 1, -1, -1):
            if tapes[i] is self:
                del tapes[i]
                self._paused_at = i
                return True
        return False

    def resume(self) -> None:
        """Record on this thread again, after `pause`, at the place in the stack of tapes it
        left: an outer tape paused under an inner one is outer again, as it entered."""
        local.state.tapes.insert(self._paused_at, self)

    def watch(self, tensor) -> None:
        """Track `tensor` (or a nested structure of them) so gradients can flow to it."""
        for item in nest.flatten(tensor):
            if not isinstance(item, Tensor):
                raise DTypeValueError("GradientTape.watch", f"expected a tensor or variable; "
                                      f"got {describe(item)}", hint="make it a tensor first: "
                                      "x = tf.constant(x), or a tf.Variable, which is watched "
                                      "without asking")
            if item._value.dtype.kind != "f":
                self._refused = {**self._refused, id(item): RefusedWatch(item, user_source())}
                self._await_readers(True)
                warnings.warn(f"GradientTape.watch: the dtype of the watched tensor must be "
                              f"floating (e.g. tf.float32), got tf.{item.dtype.name}; it is "
                              f"not watched", stacklevel=2)
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
        """Ops in this block are not recorded on this tape (which must be recording)."""
        if not self.pause():
            raise TapeStateError("GradientTape.stop_recording", "Tape is not recording.",
                                 hint="stop_recording() goes inside the tape's own `with` "
                                 "block, once: outside it (or in a second stop_recording) "
                                 "nothing is recorded anyway",
                                 source=user_source(3))   # past contextlib's __enter__
        try:
            yield
        finally:
            self.resume()

    def reset(self) -> None:
        """Forget everything recorded and watched so far; the tape keeps recording."""
        self._nodes = []
        self._ids = set()
        self._runs, self._scope = (), ""
        self._watched, self._watches_tensors = [], False
        self._used = False
        self._exits, self._refused = (), NOTHING_REFUSED
        self._await_readers(False)
        self._skeleton, self._missing = None, None
        self._raised = None
        self._forget_caught()

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
    def raised(self) -> OpError | None:
        """The op's error that left this tape's block, ending it (None when the block ended
        otherwise): the widget draws that op after the recorded ones."""
        return self._raised

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

    def __dir__(self) -> list:
        """What tab completion shows: TF's names and the two of tapeviz's a user calls; the
        protocol above (record, tracks, pause, ...) is the engine's and the debugger's."""
        return sorted({*_SHOWN, *(name for name in super().__dir__() if name[0] == "_")})

    def __repr__(self) -> str:
        if self.freed:   # ('with 0 ops' would say it recorded nothing)
            return ("<tapeviz.GradientTape used by gradient(), which let go of its ops "
                    "(persistent=True keeps them)>")
        kind = "persistent " if self._persistent else ""
        return f"<tapeviz.GradientTape {kind}with {len(self._nodes)} ops>"
