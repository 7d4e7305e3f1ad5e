"""THE instrumentation point: every op, forward and backward, runs through `dispatch`.

It converts and checks the inputs (errors name the user's line), runs the numpy
forward, records a `Node` on every active tape that watches an input, and emits an
`OpExecuted` event to subscribers. With no tape active and nobody listening for this op
it takes a fast path: convert, forward, wrap. Listeners choose what they hear (see
`events.subscribe`): some ops, the ops run at some lines, backward steps only; and
`watch_scopes` tells a listener when a thread enters or leaves a layer, so it can
listen inside that layer alone.
"""
from __future__ import annotations

import contextlib
import sys
import threading
from time import perf_counter

import numpy as np

from . import events
from .convert import ALL, input_arrays, input_tensors
from .errors import DTypeError, InvalidArgumentError, OpError, ShapeError
from .events import OpExecuted
from .sourceinfo import UNKNOWN, source_from
from .tensor import Tensor

_new = object.__new__
_getframe = sys._getframe


class _ThreadState:
    """One thread's recording state. A plain object that a thread-local holds: reading a
    slot costs ~10 ns, an attribute of a thread-local ~40, and dispatch reads several."""

    __slots__ = ("tapes", "phase", "scope", "known_source")

    def __init__(self):
        self.tapes = []          # tapes recording on this thread now (a paused tape leaves it)
        self.phase = "forward"   # "backward" while a VJP runs
        self.scope = ""          # the layer path ops run under, e.g. "sequential/conv2d_1"
        # [code, SourceInfo] while the backward engine runs: the user line that drives it,
        # found once per step instead of once per VJP op (see sourceinfo.source_from)
        self.known_source = None


class _Local(threading.local):
    def __init__(self):
        self.state = _ThreadState()


_local = _Local()


def thread_state() -> _ThreadState:
    """This thread's recording tapes and phase (tapes and the backward engine use it)."""
    return _local.state


class Node:
    """One executed op: what ran, on what, what came out, and where in user code."""

    __slots__ = ("op", "inputs", "output", "params", "input_ids", "output_id", "phase", "scope",
                 "source", "__weakref__")

    def __init__(self, op, inputs, output, params, input_ids, source, state):
        self.op = op
        self.inputs = inputs          # tuple of Tensors, the values the op saw
        self.output = output          # the Tensor it made
        self.params = params          # static attributes (axis, perm, strides, ...)
        self.input_ids = input_ids    # id() of each argument as passed (a Variable's own id)
        self.output_id = id(output)   # what tapes and the backward pass track the output by
        self.phase = state.phase      # "forward" or "backward"
        self.scope = state.scope      # the layer path (name scope) it ran under, or ""
        self.source = source          # the user's SourceInfo (file, line, function), or None

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.inputs)
        source = self.source
        where = f" at {source.filename.rsplit('/', 1)[-1]}:{source.lineno}" if source else ""
        return f"<Node {self.op.name}({shapes}) -> {self.output.shape}{where}>"


@contextlib.contextmanager
def name_scope(name: str):
    """Ops in this block record `name` as the next segment of their scope path.

    >>> import tapeviz as tf
    >>> seen = tf.subscribe(lambda event: print(event.node.scope))
    >>> with tf.name_scope("block"):
    ...     with tf.name_scope("dense"):
    ...         _ = tf.constant(1.0) + 1.0
    block/dense
    >>> tf.unsubscribe(seen)
    """
    state = _local.state
    outer = state.scope
    scope = f"{outer}/{name}" if outer else name
    set_scope(state, scope)
    try:
        yield scope
    finally:
        set_scope(state, outer)


_scope_watchers: tuple = ()  # called as watcher(scope) on the thread whose layer path changed


def set_scope(state: _ThreadState, scope: str) -> None:
    """Make `scope` the layer path of `state`'s thread and tell the scope watchers."""
    state.scope = scope
    for watcher in _scope_watchers:
        watcher(scope)


def watch_scopes(watcher) -> None:
    """Call `watcher(scope)` whenever a thread's layer path changes, on that thread: how a
    layer breakpoint hears ops only inside its layer (changes are rare, ops are not)."""
    global _scope_watchers
    if watcher not in _scope_watchers:
        _scope_watchers = _scope_watchers + (watcher,)


def unwatch_scopes(watcher) -> None:
    global _scope_watchers
    _scope_watchers = tuple(w for w in _scope_watchers if w != watcher)


@contextlib.contextmanager
def unrecorded():
    """Ops in this block still go through dispatch (subscribers see them) but no tape
    records them: how optimizer updates run."""
    state = _local.state
    tapes = state.tapes
    state.tapes = []
    try:
        yield
    finally:
        state.tapes = tapes


def dispatch(op, *args, **params):
    """Run `op` on `args` with static `params`; record and announce it if anyone listens.

    This is also every op's `__call__`: `tf.exp(x)` is `dispatch(tf.exp, x)`."""
    if params and ("name" in params or not params.keys().isdisjoint(op.input_names)):
        args, params = op.bind(args, params)
    state = _local.state
    if state.tapes or op.watched:  # watched: someone listens (events._refresh sets it)
        return _dispatch_traced(op, args, params, state)
    arrays = input_arrays(op, args)
    try:
        ans = _new(Tensor)  # wrap(), inlined: this is the hottest line of the library
        # an empty **params costs ~60 ns a call: most ops have no params
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
        return ans
    except OpError:
        raise
    except Exception as exc:  # turned into an error that names the op and the user's line
        raise _explain_failure(op, arrays, params, exc) from None


def _dispatch_traced(op, args, params, state):
    subscribers = events._op_listeners
    if op.watched:  # someone listens for this op alone, or for the ops run at some lines
        subscribers = events._op_listeners_of.get(op, subscribers)
    if state.tapes or subscribers:
        arrays, tensors, ids, reads_variable = input_tensors(op, args)
    else:  # only listeners by line: the op's tensors are made if it ran at one of their lines
        arrays, tensors = input_arrays(op, args), None
    started = perf_counter() if subscribers else 0.0
    try:
        ans = _new(Tensor)
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except OpError:
        raise
    except Exception as exc:
        raise _explain_failure(op, arrays, params, exc) from None
    duration = perf_counter() - started if started else 0.0
    node = None
    for tape in state.tapes:  # the tape protocol: _ids (tracked), _nodes, _watch_read
        if reads_variable and tape._watch_accessed_variables:
            tape._watch_read(args)
        if not tape._ids.isdisjoint(ids):  # it watches an input: it records the op
            if node is None:
                source = source_from(_getframe(2), state.known_source)  # dispatch's caller up
                node = _node(op, tensors, ans, params, ids, state, source)
            tape._nodes.append(node)
            tape._ids.add(node.output_id)
    if not subscribers and not op.watched:
        return ans  # recorded, and nobody listens: the usual op under a tape
    taped = node is not None
    source = node.source if taped else UNKNOWN
    if op.watched and events._by_site:  # some listen by line: is this op at one of them?
        if source is UNKNOWN:
            source = source_from(_getframe(2), state.known_source)
        subscribers = events.listeners_at(source, subscribers)
    if subscribers:
        if tensors is None:
            _, tensors, ids, _ = input_tensors(op, args)
        if node is None:
            if source is UNKNOWN:
                source = source_from(_getframe(2), state.known_source)
            node = _node(op, tensors, ans, params, ids, state, source)
        event = _new(OpExecuted)  # OpExecuted(node, taped, duration), without the call
        event.node, event.taped, event.duration = node, taped, duration
        for callback in subscribers:
            callback(event)
    return ans


def _node(op, tensors, ans, params, ids, state, source) -> Node:
    """Node(op, tensors, ans, params, ids, source, state), without the __init__ call."""
    node = _new(Node)
    node.op, node.inputs, node.output, node.params, node.input_ids = op, tensors, ans, params, ids
    node.output_id, node.phase, node.scope, node.source = id(ans), state.phase, state.scope, source
    return node


def _explain_failure(op, arrays, params, exc) -> OpError:
    if op.explain is not None:
        explained = op.explain(*arrays, **params)
        if explained is not None:
            cls, message, hint = explained
            return cls(op.name, message, hint)
    got = ", ".join(_describe(a) for a in arrays)
    if op.broadcasting and "broadcast" in str(exc):
        return ShapeError(op.name, f"operand shapes must broadcast together; got {got}")
    cls = DTypeError if isinstance(exc, TypeError) else InvalidArgumentError
    return cls(op.name, f"{exc}; got {got}" if got else str(exc))


def _describe(array) -> str:
    return f"{np.asarray(array).dtype}{list(np.shape(array))}"


__all__ = ["dispatch", "Node", "thread_state", "name_scope", "unrecorded", "set_scope",
           "watch_scopes", "unwatch_scopes", "ALL"]
