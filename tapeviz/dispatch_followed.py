"""Dispatch's paths for an op the thread's Recorder alone hears (its sink, threadstate.py):
`dispatch_sunk` for one no tape records (its record, no node), `dispatch_followed` for one
a tape may record while the Recorder's segment follows a learned program
(debugger/program.py). A followed op is checked against the program before it runs (one
key of op, line, phase and scope, its params, its inputs' producers), run untimed and
followed (its output held, its inputs from outside kept); one that leaves the program is
recorded fully into the sink. `dispatch` (dispatch.py) chooses them.
"""
from __future__ import annotations

import sys
from itertools import compress, repeat
from operator import is_
from time import perf_counter

from .call_site import learn_signature, site_of
from .dispatch_inputs import input_arrays, input_tensors
from .node import Node
from .op_failure import FORWARD_ERRORS, raise_forward_failure
from .sourceinfo import source_from
from .tensor import Tensor
from .variable import VariableRead

_getframe = sys._getframe
OUTSIDE = repeat(-1)   # (the index of an input no op of the segment made: see program.py)


def dispatch_sunk(op, args, params, state, sink):
    """`dispatch` for an op only a Recorder's sink hears and no tape records (a VJP's, an
    update's): its record, and nothing else (no node, no hearers or lines to look up)."""
    at = sink.at
    if at is not None:   # the step's program is known: the op checked against it, inline
        # no tensors made: a followed op keeps its inputs' values alone, and an input's id
        # is the one input_tensors tracks it by (a Python number's: none an op made) but a
        # variable's read's (its variable's)
        arrays = input_arrays(op, args)
        producer_of = sink.producer_of
        if len(args) == 2 and type(args[0]) is not VariableRead \
                and type(args[1]) is not VariableRead:   # (an update's two: no maps, no call)
            producers = producer_of(id(args[0]), -1), producer_of(id(args[1]), -1)
        else:
            ids = tuple(map(id, args)) if VariableRead not in map(type, args) else \
                input_tensors(op, args)[2]
            producers = producers_of(producer_of, ids)
        # the branch tried next (a loop's: the one after it), compared in one go: its op's
        # frames by identity, then one tuple of op, their instructions (its line), phase,
        # scope and producers (call_site.learn_signature); a line the thread shares (an
        # optimizer's update) is in the tuple, no frame read
        branch = at.last
        shared = state.source
        if shared is None:
            frame = _getframe(2)
            caller = frame.f_back or frame
            follows = branch is not None and branch.code is frame.f_code \
                and branch.caller_code is caller.f_code and branch.signature == (
                    op, frame.f_lasti, caller.f_lasti, state.phase, state.scope, None,
                    state.origin, producers)
        else:
            frame = None
            follows = branch is not None and branch.signature == (
                op, None, None, state.phase, state.scope, shared, state.origin, producers)
        if not follows or branch.taped \
                or (params or branch.params) and not same_params(params, branch):
            branch, source = _branch_of(op, params, state, at, frame, producers)
            if branch is None or branch.taped:
                sink.leave()
                branch = None
    else:
        branch = None
        source = state.source or source_from(_getframe(2), state.origin)
    if branch is None:   # (a followed op is run again on a look, and timed then)
        arrays, tensors, ids, _ = input_tensors(op, args)
        started = perf_counter()
    try:
        ans = Tensor()
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except FORWARD_ERRORS as exc:
        raise_forward_failure(op, arrays, params, args, exc)
    if branch is not None:   # follow_branch, inlined (its call is a third of its cost)
        sink.made[id(ans)] = branch.depth - 1   # (its index in `outs`: no len call)
        sink.outs.append(ans)
        sink.at = branch
        if branch.outside:   # (keep_outside's usual two cases inline: no call)
            if (one := branch.one) is not None:
                sink.outside.append(arrays[one])
            elif branch.pair:
                outside = sink.outside
                outside.append(arrays[0])
                outside.append(arrays[1])
            else:
                keep_outside(sink.outside, branch, arrays, ans)
        return ans
    sink += (None, False, perf_counter() - started, op, ans._value, id(ans), ids, params,
             state.phase, state.scope, source, tensors, ans)
    if len(sink) >= sink.check_at:
        sink.full()
    return ans


def _branch_of(op, params, state, at, frame, producers: tuple):
    """(the branch after `at` that an op follows, else None; its user line), for an op
    whose signature is not the branch's tried first (one of several after `at`, a site its
    signature cannot fix, one that leaves): its line by the site's frames or the walk, its
    branch by one key (op, line, phase, scope: program.key_of), its params and producers
    compared. `frame`: dispatch's caller (None from dispatch_sunk while the thread shares a
    line: the line is that one, no frame read)."""
    source = state.source
    if source is None:   # the line: by the frames of the branch's site if they are its own
        # (a Branch is a dict: an empty one, the segment's last op, is falsy)
        tried = at.last
        site = tried is not None and tried.site
        if site and frame.f_code is site[0] and (user := frame.f_back).f_code is site[1] \
                and user.f_lasti == site[2] and state.origin is None:
            source = tried.source
        else:
            source = source_from(frame, state.origin)
    branch = at.only   # (the usual: one op follows, compared by identity, no key made)
    if branch is None or branch.op is not op or branch.source is not source \
            or branch.phase is not state.phase or branch.scope is not state.scope:
        branch = at.get((op, id(source), state.phase, state.scope))   # (program.key_of)
    if branch is None or branch.outside is None \
            or (params or branch.params) and not same_params(params, branch) \
            or branch.producers != producers:
        return None, source
    at.last = branch   # (one of several after it: the one tried next)
    if branch.signature is None:   # its line's frames, learned as it is first found
        branch.site = state.source is None and state.origin is None and site_of(frame, source)
        learn_signature(branch, op, frame, source, state, producers)
    return branch, source


def follow_branch(sink, branch, arrays: tuple, ans, output_id: int) -> None:
    """An op that followed the sink's program as `branch` (debugger/program.py): the sink
    steps on, holding its output `ans` (`made`: its index by `output_id`, its id) and
    keeping the values of its inputs from outside (and a random op's output): arrays, which
    the cycle collector does not track (a kept step's tensors would be walked at every
    collection of a long run)."""
    sink.made[output_id] = branch.depth - 1   # (its index in `outs`: the ops it follows)
    sink.outs.append(ans)
    sink.at = branch
    if branch.outside:
        keep_outside(sink.outside, branch, arrays, ans)


def keep_outside(outside: list, branch, arrays: tuple, ans) -> None:
    """Keep in `outside` the values of the inputs (`arrays`) from outside the segment of an
    op that followed `branch`, and a random op's output `ans`: one input or an op's two by
    appends (a loop's usual ops: no slice or list.extend, C code a plain loop never runs and
    a followed step's I-cache then holds), else the branch's slice or mask."""
    one = branch.one
    if one is not None:
        outside.append(arrays[one])
    elif branch.pair:
        outside.append(arrays[0])
        outside.append(arrays[1])
    else:
        outside.extend(arrays[branch.kept] if branch.kept is not None
                       else compress(arrays, branch.outside))
    if branch.keeps_output:
        outside.append(ans._value)


def producers_of(producer_of, ids: tuple) -> tuple:
    """Where each input (by `ids`) came from in the sink's segment (`Sink.producer_of`: the
    index of the op that made it, a variable's code, else -1), as a branch's `producers`
    lists them: one or two inputs (most ops) without a map and a tuple grown from it (a
    third of the cost)."""
    if len(ids) == 2:
        return producer_of(ids[0], -1), producer_of(ids[1], -1)
    if len(ids) == 1:
        return producer_of(ids[0], -1),
    return tuple(map(producer_of, ids, OUTSIDE))


def same_params(params: dict, branch) -> bool:
    """Whether an op's `params` are those its program's `branch` learned: the very values
    first (a call site passes the same constants), else compared as the branch compares."""
    learned = branch.params
    return params.keys() == learned.keys() and all(map(is_, params.values(),
                                                        learned.values())) \
        or branch.same_params(params)


def dispatch_followed(op, args, params, state, route, sink):
    """`dispatch` for an op a tape may record, heard by the thread's Recorder alone while
    its segment follows a learned program (debugger/program.py): checked against the
    program before it runs, untimed (run again on a look, timed then), its node offered to
    the tapes; one that leaves the program is recorded as `dispatch._dispatch_traced` records it."""
    arrays, tensors, ids, reads_variable = input_tensors(op, args)
    at = sink.at
    producer_of = sink.producer_of   # (two inputs, the usual: their producers inline, no call)
    producers = (producer_of(ids[0], -1), producer_of(ids[1], -1)) if len(ids) == 2 \
        else producers_of(producer_of, ids)
    frame = _getframe(2)   # (as in dispatch_sunk; a taped op seldom runs on a shared line:
    caller = frame.f_back or frame   # one that does is found by _branch_of)
    branch = at.last
    if branch is not None and branch.code is frame.f_code \
            and branch.caller_code is caller.f_code and branch.signature == (
                op, frame.f_lasti, caller.f_lasti, state.phase, state.scope, state.source,
                state.origin, producers) \
            and (not (params or branch.params) or same_params(params, branch)):
        source = branch.source
        started = 0.0   # (a followed op is run again on a look, and timed then)
    else:
        branch, source = _branch_of(op, params, state, at, frame, producers)
        if branch is None:
            sink.leave()
        started = perf_counter() if branch is None and route.timed else 0.0
    try:
        ans = Tensor()
        ans._value = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except FORWARD_ERRORS as exc:
        raise_forward_failure(op, arrays, params, args, exc)
    node = Node()   # (as dispatch._dispatch_traced makes it)
    node.op = op
    node.inputs = tensors
    node.output = ans
    node.params = params
    node.input_ids = ids
    node.output_id = output_id = id(ans)
    node.phase = state.phase
    node.scope = state.scope
    node.source = source
    taped = False
    for tape in state.tapes:
        if reads_variable:
            tape.watch_read(args)
        if tape.record(node):
            taped = True
    if branch is not None:
        if branch.taped is taped:   # (follow_branch, inlined)
            sink.made[output_id] = branch.depth - 1
            sink.outs.append(ans)
            if taped:   # (the taped ones' nodes, in order: Sink.leave, kept_pass_follows)
                sink.nodes.append(node)
            sink.at = branch
            if branch.outside:   # (as in dispatch_sunk)
                if (one := branch.one) is not None:
                    sink.outside.append(arrays[one])
                elif branch.pair:
                    outside = sink.outside
                    outside.append(arrays[0])
                    outside.append(arrays[1])
                else:
                    keep_outside(sink.outside, branch, arrays, ans)
            return ans
        sink.leave()   # taped otherwise than its program's op, found after it ran untimed: 0.0
    sink += (node, taped, perf_counter() - started if started else 0.0, op, ans._value,
             output_id, ids, params, node.phase, node.scope, source, tensors, ans)
    if len(sink) >= sink.check_at:
        sink.full()
    return ans


__all__ = ["dispatch_sunk", "dispatch_followed", "follow_branch", "keep_outside",
           "producers_of", "same_params", "OUTSIDE"]
