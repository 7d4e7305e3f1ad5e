"""The backward pass as an iterator of steps, one VJP each.

A tape is recorded in execution order, so it is already topologically sorted: the
iterator walks it in reverse, running the VJP of each node whose output has a gradient
and that leads back to a source. `tape.gradient` drains it; a debugger pulls one step
at a time. Both give identical gradients because they are the same loop. While a VJP
runs, the thread's state names this engine (`state.backward`), whose `in_flight` says
which node and upstream gradient: that is how a debugger stopped inside a VJP knows
where the backward pass is.
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter
from sys import _getframe

import numpy as np

from .convert import to_array
from .dispatch_inputs import FLOAT_SCALAR_TYPES
from .errors import DTypeError, ShapeError, add_note
from .events import VJPApplied, set_scope, tell
from . import lazy
from .ops.math import add_v2 as add   # the op itself: tf.add's checks are for user input
from .ops.shape import unbroadcast
from .op_place import op_place
from .sourceinfo import Origin, runs_own_code_only
from .tensor import Tensor, wrap
from .threadstate import local, thread_state


class BackwardStep:
    """One VJP: the node, the gradient that reached its output, the gradients it made."""

    __slots__ = ("node", "upstream", "input_grads", "index")

    def __init__(self, node, upstream, input_grads, index):
        self.node = node
        self.upstream = upstream          # gradient of the target w.r.t. node.output
        self.input_grads = input_grads    # one per node input (None where none flows)
        self.index = index                # the node's position on the tape

    def __repr__(self) -> str:
        """'<BackwardStep through abs (op 6 of the tape)>', as the widget's strip says it."""
        return f"<BackwardStep through {stepped_through(self)}>"


def stepped_through(step) -> str:
    """'abs (op 6 of the tape)': the op a backward step ran the VJP of, as the widget's
    stepping strip says it; the op alone for a step of no known place (a torch step)."""
    name = step.node.op.name
    return name if step.index is None else f"{name} ({op_place(step.index)})"


class Backward:
    """Iterator over the backward steps of `tape` from `targets` (summed) to `sources`.

    `grads` maps id(tensor or variable) to the gradient accumulated so far. With
    `sources` given, only nodes on a path from a source are visited; with
    `keep_intermediate=False`, a node's upstream gradient is freed once used.
    """

    __slots__ = ("tape", "_nodes", "_position", "_keep", "_upstream", "_sources", "_reachable",
                 "grads", "_state", "_targets", "_given", "_seeded")

    def __init__(self, tape, targets, output_gradients=None, sources=None,
                 keep_intermediate: bool = True):
        self.tape = tape
        self._nodes = tuple(tape._nodes)   # (`tape.nodes`, without the property's call)
        self._position = len(self._nodes)
        self._keep = keep_intermediate
        self._upstream = None  # the gradient reaching the node whose VJP runs now
        self._targets, self._given = targets, sources
        self._seeded = output_gradients is not None
        # a source the tape never tracked (an unwatched constant, an unwatched variable)
        # gets no gradient, as in TF, even where an op read it next to a watched input
        self._sources = found = set()  # a loop, not a comprehension: no frame per pass
        tracked, floats = tape._ids, FLOAT_SCALAR_TYPES   # (`tape.tracks`, inlined)
        for s in tape.watched_tensors() if sources is None else sources:
            value = s._value
            if (key := id(s)) in tracked and (type(value) in floats or value.dtype.kind == "f"):
                found.add(key)
        self._reachable = self._reachable_from(self._sources)
        self.grads: dict[int, object] = {}
        if output_gradients is None and len(targets) == 1:  # the usual scalar loss
            self.grads[id(targets[0])] = _ones_like(targets[0])
            return
        if output_gradients is None:
            output_gradients = [None] * len(targets)
        elif len(output_gradients) != len(targets):   # (zip would drop the extra silently)
            raise DTypeError("output_gradients", f"expected one gradient for each of the "
                                                 f"{len(targets)} targets; got "
                                                 f"{len(output_gradients)}")
        for target, seed in zip(targets, output_gradients):
            seed = _ones_like(target) if seed is None else _as_gradient(seed, target)
            self._accumulate(id(target), seed)

    def _reachable_from(self, source_ids: set) -> set:
        """Ids of the float tensors that depend on a source: the only ones that get gradients."""
        reachable = set(source_ids)
        if lazy.pending:   # a fused pass's values not computed (lazy.py): none computed here
            return lazy.float_outputs(self._nodes, reachable)
        # bound once: this runs per node (a scalar's type says it is float: no `.dtype`)
        independent, mark, floats = reachable.isdisjoint, reachable.add, FLOAT_SCALAR_TYPES
        for node in self._nodes:
            if not independent(node.input_ids):
                value = node.output._value
                if type(value) in floats or value.dtype.kind == "f":
                    mark(node.output_id)
        return reachable

    @property
    def done(self) -> bool:
        return self._position == 0

    @property
    def position(self) -> int:
        """Index of the next node the iterator will look at, plus one."""
        return self._position

    @property
    def reachable(self) -> set:
        """Ids of the float tensors that depend on a source: the only ones that get gradients."""
        return self._reachable

    def gradient_of(self, tensor):
        return self.grads.get(id(tensor))

    @property
    def in_flight(self) -> tuple | None:
        """(node, upstream gradient) of the VJP running now, or None between steps."""
        if self._upstream is None:
            return None
        return self._nodes[self._position], self._upstream

    def __iter__(self):
        return self

    def __next__(self) -> BackwardStep:
        saved = self._enter_backward_phase()
        try:
            found = self._advance(True)
            if found is None:
                raise StopIteration
            return self._announce(found)
        finally:
            self._leave_backward_phase(saved)

    def run(self) -> "Backward":
        """Run every remaining step; returns self. Only steps someone hears become
        `BackwardStep`s (`_advance` returns at those alone).

        A Recorder's sink on the thread may keep a whole pass as one record (`sink.keeps`)
        and make its ops again when someone looks: its VJPs' ops then take dispatch's fast
        path, unrecorded."""
        saved = self._enter_backward_phase()
        state = self._state
        sink = state.sink
        kept = sink is not None and self._replayable(state) and sink.keeps(self, _getframe(1))
        if kept:
            state.sink = None
        try:
            while (found := self._advance(False)) is not None:
                self._announce(found)
        except BaseException as error:
            if kept:   # its ops as they ran, up to the error, recorded after all
                state.sink = sink
                kept = False
                sink.failed(self)
            if self._upstream is not None and isinstance(error, (Exception, KeyboardInterrupt)):
                node = self._nodes[self._position]
                where = f", recorded at {node.source}" if node.source is not None else ""
                add_note(error, f"raised inside the gradient (VJP) of {node.op.name}, "
                                f"{op_place(self._position)}{where}; the tape is unchanged: "
                                f"gradient() can be called again")
            raise
        finally:
            if kept:
                state.sink = sink
            self._leave_backward_phase(saved)
        return self

    def _replayable(self, state) -> bool:
        """Whether running this pass again gives its very ops, if its VJPs are registry rows'
        (`own_vjps`, asked by the Recorder of a pass no program it learned vouches for): a
        whole pass from one differentiation's sources, unseeded, of distinct targets, under
        no recording tape or layer listener."""
        if state.tapes or state.layer_listeners or self._seeded or self._given is None \
                or self._position != len(self._nodes):
            return False
        targets = self._targets
        return len(targets) == 1 or len(set(map(id, targets))) == len(targets)

    def own_vjps(self) -> bool:
        """Whether every VJP of this pass is a registry row's (tapeviz's code alone), so that
        its ops share the pass's line and run again alike."""
        ops = set(map(_op_of, self._nodes))
        if ops <= _RUN_AGAIN:   # (a loop's passes: one C subset test, no loop over the ops)
            return True
        own = _OWN_VJP.get
        for op in ops:
            if not op.nondiff:
                found = own(op)
                if found is None:
                    found = _OWN_VJP[op] = runs_own_code_only(op.input_grads)
                if not found:
                    return False
            _RUN_AGAIN.add(op)
        return True

    @property
    def replay_facts(self) -> tuple:
        """(the tape's nodes, the targets, the sources that get gradients) of this pass: what
        running it again as it ran takes."""
        given, found = self._given, self._sources
        if len(found) == len(given):   # (the usual: every source, each once, gets one)
            return self._nodes, self._targets, given
        # (C loops: a comprehension's frame costs a kept pass's every step more)
        return self._nodes, self._targets, list(compress(given, map(found.__contains__,
                                                                    map(id, given))))

    def run_unheard(self, source, through: int | None = None, before_step=None) -> None:
        """Run every step telling no one (no step announced), every op at `source`, the
        line that ran the pass: how a Recorder makes the ops of a pass it kept again.
        `through`: stop after the step of the tape's node at that index (a pass looked at
        in flight), calling `before_step()` before each step."""
        saved = self._enter_backward_phase()
        origin = self._state.origin
        origin.source, origin.found = source, True
        try:
            if through is None:
                while self._advance(False) is not None:
                    pass
            else:
                before_step()
                while self._advance(True) is not None and self._position > through:
                    before_step()
        finally:
            self._leave_backward_phase(saved)

    def _announce(self, found) -> BackwardStep:
        node, upstream, input_grads = found
        step = BackwardStep(node, upstream, tuple(input_grads), self._position)
        listeners = node.op.route.stepped
        if listeners:
            tell(listeners, VJPApplied(step))
        return step

    def _enter_backward_phase(self):
        """VJP ops are not recorded on the tape being differentiated, unless it is persistent
        and still recording (`gradient` inside its `with` block), where TF records them, so
        a gradient computed there can be differentiated again; outer tapes see them.

        Every VJP op until `_leave_backward_phase` has the same user line (the one that
        called `gradient` or stepped the iterator): dispatch looks for it once, if at all."""
        state = self._state = local.state
        tape = self.tape
        # usually done recording already
        recording = not tape._persistent and tape in state.tapes and tape.pause()
        saved = recording, state.phase, state.origin, state.scope, state.backward, state.source
        state.phase, state.origin, state.backward = "backward", Origin(_ADVANCE), self
        state.source = None
        return saved

    def _leave_backward_phase(self, saved):
        was_recording, phase, origin, scope, backward, source = saved
        state = self._state
        state.phase, state.origin, state.backward = phase, origin, backward
        state.source = source
        self._upstream = None
        if scope is not state.scope:
            set_scope(state, scope)
        if was_recording:
            self.tape.resume()

    def _advance(self, every_step: bool):
        """Apply VJPs up to the next step to return: (node, upstream, input grads), or None
        at the end. With `every_step` False it returns only at steps someone hears
        (`op.route.stepped`) and runs the others in this one loop: `run`'s fast path. A
        Recorder's sink on the thread gets each step's upstream gradient by its output's id,
        with no step made for it.

        While a VJP runs, `self._position` is its node's index on the tape and
        `self._upstream` its upstream gradient (see `in_flight`)."""
        nodes, grads, reachable = self._nodes, self.grads, self._reachable
        is_reachable = reachable.__contains__
        frees = None if self._keep else self._sources  # outputs whose gradient is dropped once used
        state = self._state
        origin = state.origin
        position = self._position
        while position:
            position -= 1
            node = nodes[position]
            output_id = node.output_id
            if output_id not in reachable:
                continue
            op = node.op
            if op.nondiff:
                continue
            if frees is not None and output_id not in frees:
                g = grads.pop(output_id, None)
            else:
                g = grads.get(output_id)
            if g is None:
                continue
            sink = state.sink   # (read each step: a look at a kept pass in flight sets it)
            if sink is not None:
                sink.upstream[output_id] = g
            self._position, self._upstream = position, g
            keys, inputs = node.input_ids, node.inputs
            if node.scope is not state.scope:  # a VJP's ops run in its node's layer, as in TF
                set_scope(state, node.scope)
            if origin.found:   # the pass's line, known: a registry VJP's ops need no walk
                own = _OWN_VJP.get(op)
                if own is None:
                    own = _OWN_VJP[op] = runs_own_code_only(op.input_grads)
                state.source = origin.source if own else None   # a user's VJP: its lines
            pair = op.rule_pair   # (op.input_grads's own work, here: a frame a step less)
            if pair is not None and not node.params:
                x, y = inputs
                ans = node.output
                # each rule run for an input that leads back to a source (no `needed` made)
                input_grads = [pair[0](g, ans, x, y) if keys[0] in reachable else None,
                               pair[1](g, ans, x, y) if keys[1] in reachable else None]
            elif (whole := op.vjp_whole) is not None and not node.params:
                input_grads = whole(g, node.output, inputs[0]) if len(inputs) == 1 \
                    else whole(g, node.output, *inputs)   # (one argument: no tuple's call)
            else:
                # None: every input needs its gradient (the common case); else one flag each
                # (map, not a comprehension: no Python frame per step)
                needed = None if reachable.issuperset(keys) else tuple(map(is_reachable, keys))
                input_grads = op.input_grads(g, node.output, inputs, node.params, needed)
            # a numpy scalar out of an elementwise op had inputs of shape () alone: no gradient
            # to unbroadcast, and no input's type read (a lazy output, lazy.py, is not read)
            out = node.output
            broadcasting = op.broadcasting and (type(out) is not Tensor
                                                or type(out._value) is _NDARRAY)
            i = 0
            for grad in input_grads:
                key = keys[i]
                if grad is not None and key in reachable:
                    # two numpy scalars have one shape, (): no `.shape` read for them
                    if broadcasting and (type(grad._value) is _NDARRAY
                                         or type(inputs[i]._value) is _NDARRAY) \
                            and grad._value.shape != inputs[i]._value.shape:
                        input_grads = list(input_grads)
                        grad = input_grads[i] = unbroadcast(grad, inputs[i]._value.shape)
                    existing = grads.get(key)
                    grads[key] = grad if existing is None else add(existing, grad)
                i += 1
            if every_step or op.route.stepped:
                state.source = None   # a step's listeners are not the VJP: their ops walk
                return node, g, input_grads
        self._position, self._upstream = 0, None
        return None

    def _accumulate(self, key: int, grad) -> None:
        existing = self.grads.get(key)
        self.grads[key] = grad if existing is None else add(existing, grad)


def vjp_in_flight() -> tuple | None:
    """(node, upstream, Backward) of the VJP running on this thread now, or None."""
    backward = thread_state().backward
    found = None if backward is None else backward.in_flight
    return None if found is None else (*found, backward)


_op_of = attrgetter("op")
_ADVANCE = Backward._advance.__code__  # the frame above every VJP op (see sourceinfo.Origin)
# op -> whether its VJP runs tapeviz's code alone (a registry row), so its ops share the
# pass's line; an op defined outside tapeviz (a user's defop) keeps its VJP's own lines
_OWN_VJP: dict = {}
# the ops a pass may run again for a Recorder (`own_vjps`): nondifferentiable, or their VJP
# tapeviz's own
_RUN_AGAIN: set = set()


_ONE: dict = {}  # numpy scalar type -> its 1, the seed of a scalar loss
_NDARRAY = np.ndarray


def _ones_like(target):
    value = target._value
    seed = Tensor()   # (wrap, inlined: a call less a pass)
    if isinstance(value, np.ndarray):
        seed._value = np.ones_like(value)
        return seed
    kind = type(value)
    one = _ONE.get(kind)
    if one is None:
        one = _ONE[kind] = kind(1)
    seed._value = one
    return seed


def _as_gradient(seed, target):
    """`seed`, a tensor of `target`'s shape and dtype (else refused here: the first VJP's
    reshape, broadcast or multiply said it, naming its own op)."""
    if not isinstance(seed, Tensor):
        seed = wrap(to_array(seed, target._value.dtype, "gradient"))
    if np.shape(seed._value) != np.shape(target._value):
        raise ShapeError("output_gradients", f"each must have its target's shape "
                                             f"{tuple(np.shape(target._value))}; got shape "
                                             f"{tuple(np.shape(seed._value))}",
                         hint="the gradient of the loss with respect to each target, d(loss)/"
                              "d(target): tf.ones_like(target) is the default")
    if seed._value.dtype != target._value.dtype:   # (else the first VJP refuses it, as TF's)
        wanted = target.dtype.name
        raise DTypeError("output_gradients", f"each must have its target's dtype {wanted}; got "
                                             f"{seed.dtype.name}",
                         hint=f"cast it, tf.cast(g, tf.{wanted}), or make it like the target: "
                              f"tf.ones_like(target)")
    return seed
