"""What one thread is doing: the tapes recording on it, forward or backward, its layer path,
and the backward pass it is running. Dispatch, tapes, the backward engine, the routes of
`events` and the debugger read it; nothing else keeps per-thread recording state.
"""
from __future__ import annotations

import threading
import weakref


class ThreadState:
    """One thread's recording state (a plain object with slots: a thread-local's attribute
    costs ~40 ns a read, a slot ~10, and dispatch reads several per op)."""

    __slots__ = ("tapes", "phase", "scope", "layer_listeners", "backward", "origin",
                 "source", "sink", "traced", "probing", "__weakref__")

    def __init__(self):
        self.tapes = []             # tapes recording on this thread now (a paused tape leaves)
        self.phase = "forward"      # "backward" while a backward pass runs its VJPs
        self.scope = ""             # the layer path ops run under, e.g. "sequential/conv2d_1"
        self.layer_listeners = ()   # who hears every op in that layer (events.set_scope)
        self.backward = None        # the Backward running a VJP on this thread, if any
        self.origin = None          # its user line, found once for all its VJPs' ops
        #                             (a sourceinfo.Origin; None in the forward phase)
        self.source = None          # the user line every op run now shares, when known
        #                             without a walk: set only while a registry VJP or an
        #                             optimizer's update runs tapeviz's own code alone
        #                             (None, the walk, is always right)
        self.sink = None            # a Recorder's list of this thread's ops, or None: dispatch
        #                             appends each op's record (node.RECORD_FIELDS), the
        #                             backward pass writes upstream gradients to its
        #                             `upstream` dict, or asks its `replays` whether the
        #                             Recorder keeps the pass as one record instead
        self.traced = False         # True while a tf.data function (map's, filter's) runs:
        #                             TF traces those into a graph, where x.numpy() fails
        self.probing = False        # True while tapeviz runs the user's code on examples of
        #                             its own (a functional layer's build on zeros): no one
        #                             hears those ops, as no tape records them


class _Local(threading.local):
    def __init__(self):
        self.state = ThreadState()
        _states.add(self.state)


_states: weakref.WeakSet = weakref.WeakSet()
local = _Local()  # dispatch reads `local.state` inline: a call per op would cost ~50 ns


def thread_state() -> ThreadState:
    """This thread's recording state."""
    return local.state


# told of every step that raises, on any thread: the Recorders fed events, not a sink here
# (threads="all", a second Recorder on a thread), each deciding whether the thread is its own
raised_listeners: list = []


def step_raised(error: BaseException) -> None:
    """A training step on this thread raised `error` out of its last recording tape (or an
    op, or its gradient call, with no tape recording): the Recorder whose sink is here, and
    those fed events, end the step there, so the next step does not take its ops."""
    state = local.state
    if state.tapes:
        return
    sink = state.sink
    if sink is not None and sink.raised is not None:
        sink.raised(error)
    for listener in raised_listeners:
        listener(error)


def all_thread_states() -> list:
    """The state of every live thread that has recorded or dispatched anything."""
    return list(_states)
