"""A backward pass the Recorder kept as one record, its ops made again when someone looks.

Recording each op of each VJP was most of what a Recorder cost a training loop: every one
through dispatch's traced path, then sorted, packed and counted with its step. Run again
over the same taped nodes, from the same targets to the same sources, a pass runs the very
VJPs on the very values in the very order (tensors are immutable; `Backward._replayable`
and `own_vjps` say which passes qualify: whole, unseeded, under no other tape, registry VJPs
alone, which a learned program the pass follows vouches for), so
the Recorder keeps such a pass as one record in its place among the step's records (its op
`KEPT_PASS`, its inputs the targets then the sources), and `ops_again` makes its ops and
upstream gradients when the step is first looked at: the same ops, values, phases, scopes
and line; only their durations are those of the look. A look while the pass still runs (a
breakpoint inside a VJP) makes its ops up to the one heard then, and the Recorder records
the rest as they run.
"""
from __future__ import annotations

import contextlib
import sys

import numpy as np

from ..backward import Backward
from ..dispatch import _dispatch_deferred, _dispatch_traced
from ..node import INPUTS, OP, PARAMS, PHASE, RECORD_WIDTH, SCOPE, SOURCE, TAPED, VALUE, node_of
from ..tape import GradientTape
from ..tensor import Tensor
from ..threadstate import thread_state



class KeptPass:
    """The op of a kept pass's record (named like an op: the Recorder's sorting reads it)."""

    __slots__ = ()
    name = "backward pass"
    kind = "kept pass"


KEPT_PASS = KeptPass()
# dispatch's frames that call an op's listeners, its node a local there
_HEARING = (_dispatch_traced.__code__, _dispatch_deferred.__code__)
_FAILED = "failed"   # in a kept pass's params: it raised, so its ops are those up to the error


def pass_record(targets, sources, source, scope) -> tuple:
    """The record (`node.RECORD_FIELDS`) of a pass from `targets` to `sources` that ran at
    `source` (the user's line) in layer path `scope`."""
    inputs = (*targets, *sources)
    output = Tensor()
    output._value = len(targets)
    return (None, False, 0.0, KEPT_PASS, len(targets), id(output), tuple(map(id, inputs)), {},
            "backward", scope, source, inputs, output)


def mark_failed(records: list) -> None:
    """The last kept pass of `records` raised: its ops are made again up to the error."""
    at = len(records) - RECORD_WIDTH
    while records[at + OP] is not KEPT_PASS:
        at -= RECORD_WIDTH
    records[at + PARAMS] = {_FAILED: True}


class _Capture(list):
    """A sink that takes every op dispatch runs on its thread, heard or not (`every_op`),
    following no program (`at`: see recorder.Sink)."""

    __slots__ = ("upstream", "check_at", "full", "keeps", "failed", "raised", "every_op", "at")

    def __init__(self):
        super().__init__()
        self.upstream: dict = {}
        self.check_at = float("inf")
        self.full = self.keeps = self.failed = self.raised = None
        self.every_op = True
        self.at = None


def ops_again(flat: list, at: int, in_flight=None) -> tuple:
    """(the records of the ops of the pass kept at op `at` of a step's records `flat`, the
    upstream gradients it wrote by output id): the pass run again over the step's taped
    forward ops before it, silently (no listener hears it, no tape records it).
    `in_flight`: (the pass's Backward, still running, and the node of its being heard now
    or None): its ops up to that node alone (what had run when someone looked)."""
    start = at * RECORD_WIDTH
    fields = flat[start:start + RECORD_WIDTH]
    count, inputs = fields[VALUE], fields[INPUTS]
    nodes = [node_of(flat[i:i + RECORD_WIDTH]) for i in range(0, start, RECORD_WIDTH)
             if flat[i + TAPED] and flat[i + PHASE] == "forward"]
    sources = list(inputs[count:])
    tape = GradientTape.from_nodes(nodes, sources)
    capture = _Capture()
    state = thread_state()
    saved = state.sink, state.tapes, state.layer_listeners, state.scope
    # an idle tape (it tracks nothing) keeps every op off dispatch's fast path, into `capture`
    state.sink, state.tapes, state.layer_listeners = capture, [GradientTape()], ()
    state.scope = fields[SCOPE]
    starts = []   # where each step's ops begin in `capture`
    failed = fields[PARAMS].get(_FAILED)
    try:
        replay = Backward(tape, list(inputs[:count]), None, sources, keep_intermediate=False)
        # numpy warned of its NaN/Inf when the pass ran; said again from the line that looks,
        # the warning would blame that line (and the data) for what an earlier op made (a
        # pass that failed, perhaps on such a warning made an error, fails again as it did)
        with np.errstate(all="ignore") if not failed else contextlib.nullcontext():
            if in_flight is None:
                replay.run_unheard(fields[SOURCE])
            else:
                replay.run_unheard(fields[SOURCE], in_flight[0].position,
                                   lambda: starts.append(len(capture)))
    except Exception:
        if not failed:
            raise
    finally:
        state.sink, state.tapes, state.layer_listeners, state.scope = saved
    if in_flight is not None and in_flight[1] is not None:
        del capture[_through(capture, starts[-1], in_flight[1]):]
    return list(capture), capture.upstream


def _through(records: list, start: int, heard) -> int:
    """The end of the record of `heard` (a node of the VJP in flight) among `records` from
    `start` on: the first of its op with its very output value (a VJP runs the same ops on
    the same values again); all of them if none is."""
    value = heard.output._value
    for at in range(start, len(records), RECORD_WIDTH):
        if records[at + OP] is heard.op and identical(records[at + VALUE], value):
            return at + RECORD_WIDTH
    return len(records)


def identical(one, other) -> bool:
    """Whether two values are the same bitwise: dtype, shape and bytes."""
    one, other = np.asarray(one), np.asarray(other)
    return one.dtype == other.dtype and one.shape == other.shape and \
        one.tobytes() == other.tobytes()


def node_heard_now(thread: int):
    """The node tapeviz's dispatch is telling its listeners of on thread `thread` (the
    innermost such call on its stack), or None: where a pass in flight was looked at."""
    frame = sys._current_frames().get(thread)
    while frame is not None:
        if frame.f_code in _HEARING:
            return frame.f_locals.get("node")
        frame = frame.f_back
    return None
