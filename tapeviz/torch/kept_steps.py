"""A Recorder's torch step kept as what cannot be computed again, run again when someone looks.

Recording every op of a torch step (a node, numpy copies of each activation, a hook on each
autograd node and a copy of each gradient) cost a training loop ~1.5x; the step is the same
program step after step. So, for a Recorder alone on the thread (no tape, no breakpoint, no
stepper), a segment (the calls from the end of one training step to the end of the next:
the step's `GradientComputed`) recorded fully is learned as a program: each call's function,
user line, layer, other arguments and each tensor's producer (an earlier call, a parameter,
outside), and each plain `loss.backward()`. A later segment that follows it is checked call
by call by one key and keeps only the values from outside (the batch, the labels, the
parameters' values as read: copies the full recording makes too, the parameters' shared
with the updates that wrote them) and each call's duration: no node, no activation copy,
no backward hook. At its end one record stands for it in the Recorder's step
(`debugger/kept_forward.py`); a look runs the calls again on those values under autograd
(`step_again.py`): the same ops, values and gradients bitwise, lines, layers, durations;
a random call (dropout) draws again from torch's generator state kept before it (5 KB).
A call given a list of tensors (`torch.cat`, clip_grad_norm_'s parameters) keeps each
one's producer; a call that returns pieces (`x.split(4)`, `chunk`: micro-batches) is each
piece's producer, by its place (`PIECE`); clip_grad_norm_ and clip_grad_value_ write only
`.grad`, so a look runs them again on its own leaves after the passes run again have written
theirs.
A call that cannot be run again the same (an in-place write, a write to an input such as
batch norm's running statistics, a tensor read or made that is not a plain CPU one of a
numpy dtype (a look runs again on the CPU alone, from numpy copies), autocast,
an evaluation under no_grad reading a parameter inside the segment, a GradScaler's scaling,
any other backward call) leaves it: the
calls so far are recorded fully (if a backward ran already, those up to it are kept to run
again) and the rest of the segment as it runs. A call that differs from the program follows
another program learned with the same calls so far (steps alternating between two
programs: a branch taken every other step, teacher forcing on and off), else leaves it as
above and learns a new program from there, its calls so far the first. An evaluation under
no_grad before a segment's first call (a model run on held-out data after a step) is
recorded fully and is no part of the segment, which may then follow a program. An
optimizer stepped inside the training step, another after it (a GAN's critic), is an entry
of the program: the calls before it are put in the sink as a part of the segment's record
before its updates, the rest at the end; a look runs the segment again once for both.
"""
from __future__ import annotations

import threading
from time import perf_counter

import torch

from .. import events
from ..debugger.kept_forward import forward_record
from ..tensor import Tensor
from ..threadstate import local as _thread
from . import autograd, mode, modules, values   # (mode imports this module: no import-time use)
from .call_arguments import arguments
from .call_keys import how, key_of
from .nodes import make_node, other_outputs
from .step_again import BACKWARD_CALL, PIECE, STEP_CALL, KeptSegment

ON = True   # the switch (tests compare with it off: a step recorded fully)
UNFOLLOWED = object()   # a call this module did not take: the mode's general path records it
MAX_CALLS = PIECE       # calls a segment learns or follows at most (a loop with no step's end)
MAX_PROGRAMS = 8        # programs learned per Recorder (steps whose calls differ each time)
RANDOM = frozenset({"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                    "feature_alpha_dropout", "rrelu", "bernoulli", "multinomial", "normal",
                    "poisson", "rand_like", "randn_like", "randint_like", "gumbel_softmax",
                    "lstm", "gru", "rnn_tanh", "rnn_relu"})   # (dropout between RNN layers)
_LEARN, _FOLLOW, _LEFT = range(3)


class _Segment:
    """The calls since the last step's end on this thread: learned, followed or left."""

    __slots__ = ("sink", "state", "program", "at", "made", "keys", "calls", "kept",
                 "held", "durations", "backwards", "seeds", "parameters", "outputs",
                 "evaluated", "whole", "shown")

    def __init__(self, sink, follower):
        self.sink = sink
        self.seeds = follower.seeds       # id(parameter) -> its code (-2, -3, ...)
        self.parameters = follower.parameters   # those parameters (held: ids stay theirs)
        self.made = dict(self.seeds)      # id(output) -> index of the call that made it
        self.state, self.program, self.at = _LEARN, None, 0
        self.keys, self.calls = [], []   # learning: each call's key and how to call it again
        self.kept, self.held, self.durations = [], [], []   # following
        self.backwards = 0    # the held entries up to the last backward run (following)
        self.outputs = []     # the calls' outputs, held while the segment runs (ids unique)
        self.evaluated = set()   # ids of what an evaluation before its first call made
        self.whole, self.shown = None, 0   # its KeptSegment, the entries put in the sink


class _Follower(threading.local):
    def __init__(self):
        self.segment = None
        self.sink = None
        self.programs = []    # (keys, calls) of each program learned
        self.seeds = {}       # id(parameter) -> code, for the parameters programs read
        self.parameters = []  # those parameters (held: their ids stay theirs)


_local = _Follower()


def _segment(sink) -> _Segment:
    """This thread's segment in progress (a new Recorder's sink forgets the programs)."""
    follower = _local
    if follower.sink is not sink:
        follower.sink, follower.programs, follower.seeds, follower.parameters = sink, [], {}, []
        follower.segment = None
    segment = follower.segment
    if segment is None:
        segment = follower.segment = _Segment(sink, follower)
    return segment


def traced(op, func, args, kwargs, state, source, caller, scaling: bool):
    """A call a Recorder alone hears on this thread (from frame `caller`): followed (run, its
    values from outside kept; returns its result), or UNFOLLOWED (the mode records it
    fully), learned as it is."""
    segment = _segment(state.sink)
    if segment.state == _LEFT:
        return UNFOLLOWED
    key, tensors, outside = key_of(op, func, args, kwargs, state.scope, source, segment,
                                   scaling)
    if key == ():   # no op on tensors
        return UNFOLLOWED
    if segment.state == _FOLLOW:
        keys = segment.program[0]
        if (key is None or segment.at >= len(keys) or keys[segment.at] != key) \
                and not _parted(segment, key) and segment.state == _LEFT:
            return UNFOLLOWED
    if segment.state == _LEARN:
        if key is None or len(segment.keys) >= MAX_CALLS:
            segment.state = _LEFT
        elif not segment.keys:
            if not key[6] and _evaluates_before(key, tensors, segment):
                return _evaluated(op, func, args, kwargs, state, source, caller, segment)
            segment.program = next((program for program in _local.programs
                                    if program[0][0] == key), None)
            if segment.program is not None:
                segment.state = _FOLLOW
                segment.sink.follows = leave   # (a look on this thread records it so far)
        if segment.state == _LEFT:
            return UNFOLLOWED
        if segment.state == _LEARN:
            segment.keys.append(key)
            segment.calls.append(how(func, args, kwargs, source, state.scope, tensors, key[3],
                                     op.name in RANDOM))
            return _recorded(op, func, args, kwargs, state, source, caller, segment)
    versions = [tensor._version for tensor in tensors]
    if op.name in RANDOM:   # (its draws: torch's generator as the call found it)
        segment.kept.append(_state(torch.get_rng_state()))
    started = perf_counter()
    try:
        result = mode._called(op, func, args, kwargs, caller)   # (an error's note)
    except Exception:
        leave()
        raise
    duration = perf_counter() - started
    if (_unfit_pieces(result, key, segment, segment.program[1][segment.at][8])
            if type(result) is not torch.Tensor else
            result.is_leaf and result.requires_grad or not result.is_cpu
            or result.grad_fn is None and _evaluates(key, segment)) \
            or versions != [tensor._version for tensor in tensors]:
        leave()   # (it ran: recorded as the mode records it)
        _record(op, func, args, kwargs, result, duration, source, state.scope, state.sink)
        return result
    name_of = modules.parameter_name
    segment.kept += [values.snapshot(tensor, name_of) for tensor in outside]
    segment.durations.append(duration)
    segment.held.append((op, func, args, kwargs, result, duration, source, state.scope))
    if type(result) is torch.Tensor:
        segment.made[id(result)] = segment.at
    else:
        _note_pieces(segment, result, segment.at)
    segment.outputs.append(result)
    segment.at += 1
    return result


def _evaluates(key, segment) -> bool:
    """Whether an untaped call is an evaluation (it reads a parameter before the segment's
    first backward: the Recorder makes it a step of its own); after a backward it is the
    step's own (clip_grad_norm_'s total norm)."""
    return any(code < -1 for code in key[3]) and not (
        segment.backwards if segment.state == _FOLLOW else
        any(call[0] is BACKWARD_CALL for call in segment.calls))


def _evaluates_before(key, tensors, segment) -> bool:
    """Whether a call under no_grad before the segment's first is an evaluation's (it reads
    a parameter, or what an evaluation's call made): a model run on held-out data after the
    step before."""
    evaluated = segment.evaluated
    return any(code < -1 for code in key[3]) or bool(evaluated) and any(
        id(tensor) in evaluated for tensor in tensors)


def _evaluated(op, func, args, kwargs, state, source, caller, segment):
    """An evaluation's call before the segment's first: recorded fully, as the mode records
    it (the Recorder makes the evaluation a step of its own), no part of the segment, which
    begins at the training's first call and may follow a program (was: the step after each
    evaluation left its program, recorded fully)."""
    started = perf_counter()
    result = mode._called(op, func, args, kwargs, caller)
    _record(op, func, args, kwargs, result, perf_counter() - started, source, state.scope,
            segment.sink)
    segment.evaluated.update(map(id, (result,) if isinstance(result, torch.Tensor) else
                                 result if type(result) in (tuple, list) else ()))
    segment.outputs.append(result)   # (their ids stay theirs)
    return result


def _unfit_pieces(result, key, segment, count: int) -> bool:
    """Whether a call's result that is not one tensor cannot be made again as `count` pieces
    (split's, chunk's: a list or tuple of plain CPU tensors, none a leaf that requires grad)."""
    return type(result) not in (tuple, list) or len(result) != count or any(
        type(piece) is not torch.Tensor or piece.is_leaf and piece.requires_grad
        or not piece.is_cpu or piece.grad_fn is None and _evaluates(key, segment)
        for piece in result)


def _note_pieces(segment, result, index: int) -> None:
    """Each piece of call `index`'s result is made by it, at its place (its producer code)."""
    for position, piece in enumerate(result):
        segment.made[id(piece)] = index + PIECE * (position + 1)


def _recorded(op, func, args, kwargs, state, source, caller, segment):
    """A call of a segment learned: run and recorded as the mode records it (its output's id
    noted, for the producers of the calls after it)."""
    started = perf_counter()
    result = mode._called(op, func, args, kwargs, caller)
    duration = perf_counter() - started
    _record(op, func, args, kwargs, result, duration, source, state.scope, segment.sink)
    if segment.state == _LEARN:
        index = len(segment.keys) - 1
        if type(result) is not torch.Tensor:
            count = len(result) if type(result) in (tuple, list) else 0
            if not count or _unfit_pieces(result, segment.keys[-1], segment, count):
                segment.state = _LEFT
            else:
                segment.calls[-1] = (*segment.calls[-1][:8], count)
                _note_pieces(segment, result, index)
                segment.outputs.append(result)
        elif result.is_leaf and result.requires_grad or not result.is_cpu \
                or result.grad_fn is None and _evaluates(segment.keys[-1], segment):
            segment.state = _LEFT
        else:
            segment.made[id(result)] = index
            segment.outputs.append(result)
    return result


def _record(op, func, args, kwargs, result, duration, source, scope, sink) -> None:
    """What the mode's general path keeps of a call a Recorder alone hears: its node (copies
    of its values), its autograd node remembered for the backward pass's hooks, its record
    in the sink."""
    output = result if isinstance(result, torch.Tensor) else next(
        (item for item in result if isinstance(item, torch.Tensor)), None) \
        if isinstance(result, (list, tuple)) else None
    names, tensors, params = arguments(func, args, kwargs)
    if output is None or not tensors:
        return
    if len(names) > len(op.input_names):
        op.input_names = names
    name_of = modules.parameter_name
    node = make_node(op, mode._inputs(tensors, name_of), values.snapshot(output, name_of), params,
                     scope, source)
    if values.fresh:
        values.name_by_reader(node)
    taped = output.grad_fn is not None
    if taped:
        autograd.remember(node, output, autograd.input_keys(tensors),
                          () if result is output else result)
    mode._sink(sink, (node,) if result is output else (node, *other_outputs(node, result, name_of)),
          taped, duration)


def backward(func, args, kwargs) -> None:
    """A backward call is about to run on a thread whose segment a Recorder alone hears: a
    plain `loss.backward()` of one of its outputs is learned or followed as one entry, any
    other leaves the program."""
    segment = _local.segment
    if segment is None or segment.state == _LEFT or _local.sink is None:
        return
    root = args[0] if args else None
    code = segment.made.get(id(root), -1) if isinstance(root, torch.Tensor) else -1
    plain = func is not torch.autograd.backward and func is not torch.autograd.grad \
        and len(args) == 1 and code >= 0 \
        and root.numel() == 1 and all(kwargs.get(name) in (None, False) for name in kwargs)
    key = (BACKWARD_CALL, code)
    if segment.state == _FOLLOW:
        keys = segment.program[0]
        if plain and segment.at < len(keys) and keys[segment.at] == key \
                or _parted(segment, key if plain else None):
            segment.held.append(None)
            segment.durations.append(0.0)
            segment.at += 1
            segment.backwards = segment.at
            return
    if segment.state == _LEARN:   # (or learning from where it left its program)
        if plain and len(segment.keys) < MAX_CALLS:
            segment.keys.append(key)
            segment.calls.append(key)
        else:
            segment.state = _LEFT


_STEP_KEY = (STEP_CALL,)


def optimizer_steps() -> None:
    """An optimizer steps inside the training step, another to step after it (a GAN's
    critic): its updates go in the sink as they run, so the calls followed so far go there
    first, as a part of the segment's record; learned as an entry of the program (was: the
    segment left its program, every such step recorded fully)."""
    segment = _local.segment
    if segment is None or segment.state == _LEFT or _local.sink is None:
        return
    if segment.state == _FOLLOW:
        keys = segment.program[0]
        if segment.at < len(keys) and keys[segment.at] == _STEP_KEY \
                or _parted(segment, _STEP_KEY):
            _keep(segment, segment.at)
            segment.held.append(None)
            segment.durations.append(0.0)
            segment.at += 1
            return
    if segment.state == _LEARN and len(segment.keys) < MAX_CALLS:
        segment.keys.append(_STEP_KEY)
        segment.calls.append(_STEP_KEY)
    else:
        segment.state = _LEFT


def _parted(segment, key) -> bool:
    """The segment's call `key` (None: one that cannot run again) is not its program's next:
    True where another program learned shares the calls so far and goes on with it (the
    segment follows that one: steps alternating between two programs); else the segment
    leaves its program and, unless `key` is None, learns a new one from here, the calls so
    far its first (their keys and how to call them are the program's)."""
    keys, at = segment.program[0], segment.at
    if key is not None:
        for program in _local.programs:
            if len(program[0]) > at and program[0][at] == key and program[0][:at] == keys[:at]:
                segment.program = program
                return True
    calls = segment.program[1]
    leave()
    if key is not None:
        segment.state, segment.keys, segment.calls = _LEARN, list(keys[:at]), list(calls[:at])
    return False


def leave() -> None:
    """The segment leaves its program: the calls held since its last backward are recorded
    fully (their nodes, copies and autograd nodes for the hooks of the backward to come),
    those up to it kept to run again; the rest of the segment is recorded as it runs."""
    segment = _local.segment
    if segment is None or segment.state != _FOLLOW:
        if segment is not None:
            segment.state = _LEFT
        return
    segment.state = _LEFT
    segment.sink.follows = None
    name_of = modules.parameter_name
    # the outputs the calls kept made, as they ran: those recorded from here read these very
    # values, and a look shows them (the widget's edges join the two parts)
    kept = max(segment.backwards, segment.shown)   # (up to its last backward or step)
    _keep(segment, kept, tuple(
        None if held is None else values.snapshot(held[4], name_of)
        if type(held[4]) is torch.Tensor else tuple(values.snapshot(piece, name_of)
                                                    for piece in held[4])
        for held in segment.held[:kept]))
    for held in segment.held[kept:]:
        if held is not None:
            op, func, args, kwargs, result, duration, source, scope = held
            _record(op, func, args, kwargs, result, duration, source, scope, segment.sink)
    segment.held = []


def step_raised() -> None:
    """A call of the training step raised: the calls it followed so far are recorded fully,
    and its segment is forgotten (no program learned from a step cut short); the next call
    begins the next segment."""
    leave()
    _local.segment = None


def step_ends() -> None:
    """The training step ends (its GradientComputed is about to be sent): a followed segment
    puts its record in the sink, a segment recorded fully from its first call is learned;
    the next call begins the next segment."""
    segment = _local.segment
    if segment is None:
        return
    _local.segment = None
    if segment.state == _FOLLOW:
        segment.sink.follows = None
        _keep(segment, segment.at)
    elif segment.state == _LEARN and segment.keys and len(_local.programs) < MAX_PROGRAMS:
        keys = tuple(segment.keys)
        if not any(program[0] == keys for program in _local.programs):
            _local.programs.append((keys, tuple(segment.calls)))


def _keep(segment, count: int, outputs: tuple = ()) -> None:
    """Put in the sink the record standing for the segment's entries from the last kept to
    `count` (`outputs`: the copies of its outputs so far, given when calls recorded fully
    come after them); all its records run the segment again once, on the first look."""
    start, whole = segment.shown, segment.whole
    calls = segment.program[1][:count]
    if whole is None:
        whole = segment.whole = KeptSegment((), (), (), torch.get_num_threads())
    if outputs:
        whole.outputs = outputs
    if count <= start:
        return
    whole.calls, whole.durations = calls, tuple(segment.durations[:count])
    whole.kept = tuple(segment.kept[:sum(map(_outside_count, calls))])
    segment.shown = count
    part = [call for call in calls[start:] if call[0] is not BACKWARD_CALL
            and call[0] is not STEP_CALL]
    if not part:
        return
    first_kept = sum(map(_outside_count, calls[:start]))
    kept = whole.kept[first_kept:]
    sink = segment.sink
    sink += forward_record(whole.part(start, count, first_kept), sum(call[8] for call in part),
                           kept, part[0][3], part[0][4])
    if len(sink) >= sink.check_at:
        sink.full()


def _routing_changed() -> None:
    """Someone else listens now, or the Recorder stops (its sink still on the thread): the
    calls this thread's segment followed are recorded fully while the sink takes them; a
    thread whose Recorder has stopped (its sink gone: it settles the thread then) lets go of
    its programs and parameters."""
    segment = _local.segment
    if segment is not None and segment.state == _FOLLOW:
        leave()
    if _thread.state.sink is None and _local.sink is not None:
        _local.sink, _local.segment, _local.programs, _local.seeds, _local.parameters = \
            None, None, [], {}, []


events.watch_routing(_routing_changed)


def _outside_count(call) -> int:
    return 0 if call[0] is BACKWARD_CALL or call[0] is STEP_CALL else \
        sum(code < 0 for code in call[5]) + call[7]


def _state(generator_state: torch.Tensor) -> Tensor:
    """Torch's generator state (a fresh uint8 tensor) as a kept value."""
    kept = Tensor()
    kept._value = generator_state.numpy()
    return kept


__all__ = ["ON", "UNFOLLOWED", "traced", "backward", "leave", "step_ends"]
