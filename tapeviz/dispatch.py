"""THE instrumentation point: every op, forward and backward, runs through `dispatch`.

`dispatch(op, *args)` is every op's `__call__`. It converts and checks the inputs, runs the
op's numpy forward, and then, only if someone records or listens:

1. looks up the user's line (the one place it is looked up),
2. builds a `Node` and offers it to every tape recording on this thread
   (`GradientTape.record` keeps it when the tape watches an input),
3. adds its record to the thread's sink if a Recorder keeps one there (`ThreadState.sink`:
   no call into the Recorder, and no node for an op that only the Recorder hears: such an
   op, a VJP's or an update's, takes `dispatch_sunk`, which does that alone; so does every
   op while a Recorder makes a backward pass's ops again, into a sink that takes them all,
   `every_op`, heard by no one else), and tells
   the op's listeners (`op.route`, built by `events` when subscriptions change, plus those
   that hear every op of the layer this thread is in): the node itself to those that take
   it (`route.on_node`), one `OpExecuted` to the others. An op that only those taking the
   node hear, with no tape or Recorder on the thread, takes `_dispatch_deferred`: its
   node finds its inputs and the user's line only if one of them reads them.

An op only tapes record takes dispatch's taped path, in its own body: its node and the
tapes, nothing asked (so does one heard only at lines none of whose listeners accepts its
own); one that tapes and node forms of every node alone hear (a bare condition's)
`_dispatch_taped_forms`. While
a Recorder's segment follows its learned program, an op only it hears is checked against
the program (dispatch_followed.py: `dispatch_sunk`, `dispatch_followed` with tapes).

With no tape recording and nobody listening it takes the fast path: convert, forward, wrap.
Errors numpy raises about the user's input become errors that name the op and the user's
line; anything else is a bug of ours and surfaces as itself. numpy's floating-point
warnings are said from the user's line by `fpwarnings`, at no cost here.
"""
from __future__ import annotations

import contextlib
import sys
from itertools import compress
from time import perf_counter

from . import events, fpwarnings
from .dispatch_inputs import input_arrays, input_tensors
from .dispatch_followed import (dispatch_followed, dispatch_sunk, follow_branch, producers_of,
                                same_params)
from .events import OpExecuted, set_scope
from .node import Node, deferred_node
from .op_failure import FORWARD_ERRORS, raise_forward_failure
from .sourceinfo import refused, source_from
from .tensor import Tensor
from .threadstate import local, thread_state

_getframe = sys._getframe
_getrefcount = sys.getrefcount


def dispatch(op, *args, **params):
    """Run `op` on `args` with static `params`; record and announce it if anyone listens.

    This is also every op's `__call__`: `tf.exp(x)` is `dispatch(tf.exp, x)`."""
    if params and ("name" in params or not params.keys().isdisjoint(op.input_names)):
        args, params = op.bind(args, params)
    state = local.state
    route = op.route
    if state.tapes or state.layer_listeners:   # a tape may record it, a layer's listener hear it
        sink = state.sink
        if sink is None and not state.layer_listeners:
            if route.ops:   # heard at every line
                if route.deferred:   # tapes, and node forms that take every node
                    return _dispatch_taped_forms(op, args, params, state, route)
                return _dispatch_traced(op, args, params, state, route)
            source = state.source or source_from(_getframe(1), state.origin)
            if route.heard and (source is None or source.unheard is not route.lines.mark):
                return _dispatch_traced(op, args, params, state, route)   # heard at its line
            # tapes alone record it (no one hears it, or not at this line): its node and the
            # tapes, nothing asked; here, not in a function of its own (a frame an op less)
            arrays, tensors, ids, reads_variable = input_tensors(op, args)
            try:
                ans = Tensor()
                ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
            except FORWARD_ERRORS as exc:
                raise_forward_failure(op, arrays, params, args, exc)
            node = Node()   # (as _dispatch_traced makes it)
            node.op = op
            node.inputs = tensors
            node.output = ans
            node.params = params
            node.input_ids = ids
            node.output_id = id(ans)
            node.phase = state.phase
            node.scope = state.scope
            node.source = source
            for tape in state.tapes:
                if reads_variable:
                    tape.watch_read(args)
                tape.record(node)
            return ans
        if sink is not None:
            if sink.every_op:
                return dispatch_sunk(op, args, params, state, sink)
            if sink.at is not None and route.sunk_only and not state.layer_listeners:
                return dispatch_followed(op, args, params, state, route, sink)
        return _dispatch_traced(op, args, params, state, route)
    # an op heard only at some lines keeps the fast path while the line its thread shares
    # (a VJP's, an optimizer update's) is one none of them accepts (marked so: no call), or
    # else while its own line surely is (sourceinfo.refused: its code's lines, its site's mark)
    if route.heard and not state.probing and (route.ops or (
            not refused(_getframe(1), route.lines) if (shared := state.source) is None
            else shared.unheard is not route.lines.mark)):
        sink = state.sink
        if sink is not None and (sink.every_op or route.sunk_only):
            return dispatch_sunk(op, args, params, state, sink)
        if sink is None and route.deferred:   # node forms alone hear it: no call between
            return _dispatch_deferred(op, args, params, state, route, state.source, 2)
        if sink is not None or not route.sunk_only:
            return _dispatch_traced(op, args, params, state, route)
        # heard by a Recorder alone, whose sink is away: a backward pass it runs again when
        # someone looks (backward.py), or another thread than the one it records
    arrays = input_arrays(op, args)
    try:
        ans = Tensor()  # wrap(), inlined: this is the hottest line of the library
        # an empty **params costs ~60 ns a call: most ops have no params
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
        return ans
    except FORWARD_ERRORS as exc:
        raise_forward_failure(op, arrays, params, args, exc)


def _dispatch_taped_forms(op, args, params, state, route):
    """`dispatch`'s taped path (an op only tapes record), then the node forms of `route`,
    which take every node and hear no event (a bare condition's): `_dispatch_traced`
    without its hearer, line, sink and deferred-node checks."""
    arrays, tensors, ids, reads_variable = input_tensors(op, args)
    source = state.source or source_from(_getframe(2), state.origin)
    started = perf_counter() if route.timed else 0.0
    try:
        ans = Tensor()
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except FORWARD_ERRORS as exc:
        raise_forward_failure(op, arrays, params, args, exc)
    duration = perf_counter() - started if started else 0.0
    node = Node()   # (as _dispatch_traced makes it)
    node.op = op
    node.inputs = tensors
    node.output = ans
    node.params = params
    node.input_ids = ids
    node.output_id = id(ans)
    node.phase = state.phase
    node.scope = state.scope
    node.source = source
    taped = False
    for tape in state.tapes:
        if reads_variable:
            tape.watch_read(args)
        if tape.record(node):
            taped = True
    known = state.source
    if known is not None:   # a listener's own ops (a condition's) walk
        state.source = None
    listener = None
    try:
        for listener in route.on_node:
            listener(node, taped, duration)
    except Exception as error:
        events.note_listener_error(error, listener, node)
        raise
    if known is not None:
        state.source = known
    return ans


def _dispatch_traced(op, args, params, state, route):
    """`dispatch` for an op that a tape may record or someone may hear."""
    hearers = route.evented
    if state.layer_listeners:
        hearers = events.merged(hearers, state.layer_listeners)
    lines = route.lines
    if lines is not None:
        # known while a registry VJP or an optimizer's update runs; else dispatch's caller, up
        source = state.source or source_from(_getframe(2), state.origin)
        if source is None or source.unheard is not lines.mark:   # usually marked unheard
            hearers = lines.add(source, hearers)
    tapes = state.tapes
    nodeless = not tapes and not (route.every_node or hearers)
    branch = None   # the op of a Recorder's program this one follows, checked before it runs
    if nodeless:  # heard at other lines or for other outputs: no node yet
        arrays = input_arrays(op, args)
        started = 0.0
    elif not tapes and not hearers and state.sink is None:   # heard by node forms alone
        return _dispatch_deferred(op, args, params, state, route,
                                  source if lines is not None else state.source, 3)
    else:
        arrays, tensors, ids, reads_variable = input_tensors(op, args)
        if lines is None:
            source = state.source or source_from(_getframe(2), state.origin)
        sink = state.sink
        if sink is not None and (at := sink.at) is not None and not hearers \
                and not route.on_node:   # the step's program is known: the op checked, inline
            branch = at.only   # (as in dispatch_sunk)
            if branch is None or branch.op is not op or branch.source is not source \
                    or branch.phase is not state.phase or branch.scope is not state.scope:
                branch = at.get((op, id(source), state.phase, state.scope))
            if branch is not None and (branch.outside is None or (params or branch.params)
                                       and not same_params(params, branch)
                                       or branch.producers != producers_of(sink.producer_of,
                                                                           ids)):
                branch = None
        # (an op that follows is run again on a look, and timed then)
        started = perf_counter() if branch is None and (hearers or route.timed) else 0.0
    try:
        ans = Tensor()
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except FORWARD_ERRORS as exc:
        raise_forward_failure(op, arrays, params, args, exc)
    if nodeless:
        wants = route.wants
        if wants is None or not wants(ans._value):
            return ans
        # a node form wants this output (a nan breakpoint's, a NaN): the inputs as tensors
        # now (the forward changed none of them), and the node
        arrays, tensors, ids, reads_variable = input_tensors(op, args)
        if lines is None:
            source = state.source or source_from(_getframe(2), state.origin)
    duration = perf_counter() - started if started else 0.0
    sink = state.sink
    if sink is not None and not tapes and not hearers and not route.on_node:
        # only a Recorder hears it and no tape keeps it: its record, and no node (made only
        # if someone looks at the step: node.node_of)
        if branch is not None and not branch.taped:
            follow_branch(sink, branch, arrays, ans, id(ans))
            return ans
        if sink.at is not None:
            sink.leave()
        sink += (None, False, duration, op, ans._value, id(ans), ids, params, state.phase,
                 state.scope, source, tensors, ans)
        if len(sink) >= sink.check_at:
            sink.full()
        return ans
    node = Node()  # (Node has no __init__: a type call, no Python frame)
    node.op = op       # one store a line: a tuple assignment builds and unpacks a tuple
    node.inputs = tensors
    node.output = ans
    node.params = params
    node.input_ids = ids
    node.output_id = id(ans)
    node.phase = state.phase
    node.scope = state.scope
    node.source = source
    taped = False
    for tape in tapes:
        if reads_variable:
            tape.watch_read(args)
        if tape.record(node):
            taped = True
    if branch is not None and branch.taped is taped:   # (follow_branch, inlined)
        sink.made[node.output_id] = branch.depth - 1
        sink.outs.append(ans)
        if taped:   # (the taped ones' nodes, in order: Sink.leave, kept_pass_follows)
            sink.nodes.append(node)
        sink.at = branch
        if branch.outside:
            sink.outside.extend(arrays[branch.kept] if branch.kept is not None
                                else compress(arrays, branch.outside))
            if branch.keeps_output:
                sink.outside.append(ans._value)
        sink = None
    elif sink is not None and sink.at is not None:   # the step's program is known, and this
        sink.leave()   # op leaves it (or was taped otherwise, found after it ran untimed: 0.0)
    if sink is not None:   # a Recorder's list: its record (node.RECORD_FIELDS), no call
        sink += (node, taped, duration, op, ans._value, node.output_id, ids, params,
                 node.phase, node.scope, source, tensors, ans)
        if len(sink) >= sink.check_at:
            sink.full()
    on_node = route.on_node
    if on_node or hearers:
        known = state.source
        if known is not None:   # a listener's own ops (a condition, a debugger prompt) walk
            state.source = None
        listener = None
        try:
            for listener in on_node:   # those that take the node itself: no event to build
                listener(node, taped, duration)
            if hearers:
                event = OpExecuted(node, taped, duration)
                for listener in hearers:
                    listener(event)
        except Exception as error:   # (no cost on the path where none raises)
            events.note_listener_error(error, listener, node)
            raise
        if known is not None:   # (left None if a listener raised: the walk is always right)
            state.source = known
    return ans


def _dispatch_deferred(op, args, params, state, route, source, depth: int):
    """`dispatch` for an op that only node forms hear (no tape, Recorder or event): its node
    finds its inputs and its line (`source`, when not known yet) only if one of them reads
    them (node.DeferredNode), or when one keeps it, before the op's caller moves on
    (`depth`: the op's caller's frame, counted from this one)."""
    arrays = input_arrays(op, args)
    started = perf_counter() if route.timed else 0.0
    try:
        ans = Tensor()
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except FORWARD_ERRORS as exc:
        raise_forward_failure(op, arrays, params, args, exc)
    duration = perf_counter() - started if started else 0.0
    node = deferred_node(op, args, ans, params, state, source,
                         _getframe(depth) if source is None else None)
    known = state.source
    if known is not None:   # a listener's own ops (a condition's) walk
        state.source = None
    held = _getrefcount(node)
    listener = None
    try:
        for listener in route.on_node:
            listener(node, False, duration)
    except Exception as error:
        events.note_listener_error(error, listener, node)
        raise
    finally:   # kept by a listener (or by a hit that raised): its fields found now, the op's
        if _getrefcount(node) > held:
            node.settle()
    if known is not None:
        state.source = known
    return ans


# the frames numpy's warnings come from: fpwarnings finds the op and its inputs there
TRACED_CODES = (dispatch.__code__, _dispatch_taped_forms.__code__,
                dispatch_followed.__code__, _dispatch_traced.__code__, dispatch_sunk.__code__,
                _dispatch_deferred.__code__)
fpwarnings.install()


class name_scope:
    """Ops in this block record `name` as the next segment of their scope path.

    >>> import tapeviz as tf
    >>> seen = tf.subscribe(lambda event: print(event.node.scope))
    >>> with tf.name_scope("block"):
    ...     with tf.name_scope("dense"):
    ...         _ = tf.constant(1.0) + 1.0
    block/dense
    >>> tf.unsubscribe(seen)

    A class, not a generator: every layer call and optimizer apply enters one (~14 a step of
    the guide's CNN), at ~0.4 of contextlib.contextmanager's cost (1.5 against 3.7 us, alternated,
    load ~20). As TF 2's own tf.name_scope, it is no decorator."""

    __slots__ = ("name", "_state", "_outer")

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> str:
        self._state = state = local.state
        self._outer = outer = state.scope
        scope = f"{outer}/{self.name}" if outer else self.name
        set_scope(state, scope)
        return scope

    def __exit__(self, *exc_info) -> None:
        set_scope(self._state, self._outer)


@contextlib.contextmanager
def probe():
    """Ops in this block are tapeviz's own runs of the user's code on examples it made (a
    functional layer built on zeros): no tape records them and no one hears them, so no
    breakpoint stops there and no Recorder or NaN search sees values the user never gave."""
    state = local.state
    saved = state.tapes, state.probing
    state.tapes, state.probing, state.layer_listeners = [], True, ()
    try:
        yield
    finally:
        state.tapes, state.probing = saved
        set_scope(state, state.scope)   # its layer's listeners, as subscribed now


@contextlib.contextmanager
def unrecorded():
    """Ops in this block still go through dispatch (subscribers see them) but no tape
    records them: how optimizer updates run."""
    state = local.state
    tapes = state.tapes
    state.tapes = []
    try:
        yield
    finally:
        state.tapes = tapes


__all__ = ["dispatch", "Node", "thread_state", "name_scope", "unrecorded", "probe"]
