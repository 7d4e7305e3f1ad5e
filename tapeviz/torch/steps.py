"""Where a torch training step ends: at the user's optimizer step, not at each backward pass.

The numpy engine's Recorder, Runner and Dashboard count one training step per
`GradientComputed` (a gradient call, its update filed after it). A torch loop may run several
backward passes for one update: gradient accumulation (k passes, one `optimizer.step()`), a
critic's two passes (real and fake), a GAN's two optimizers stepped in one iteration. So a
backward pass whose frame (or a caller's) goes on to call an optimizer's or a GradScaler's
`.step` before its loop comes round again is held; each optimizer step settles what the passes
held (their losses, the `.grad` it is about to use, copied) and, when no other optimizer steps
later in that iteration, sends the one `GradientComputed` that ends the training step (the
update ops that follow are filed into it). A pass with no step to come (a hand-written
update, a `record()` block) ends its step at once, as before. A GradScaler's pass whose
gradients overflowed is a step the scaler skips (it calls no `optimizer.step()`): it ends
at once, with no gradients (the optimizer used none), so nothing calls its overflow a NaN
bug; at a scale of 1 or below the scaler is no longer what overflowed, and its gradients go.

What counts as "a step to come" is read from the code's shape, never guessed from timing:
a `.step()` call later in the iteration, on a receiver the code names (`opt`, `self.opt_g`,
`opts[0]`: a name, attributes and constant indices) that is an optimizer or a GradScaler
now, in the frame that ran the pass or stepped or in one of its callers (`_FRAMES_UP`), or
inside a function such a frame calls later in the same iteration of its loop
(`train_d(); train_g()`, each stepping its own optimizer: one training step). A step the
code cannot name so (`o.step()` in `for o in opts`, an optimizer passed through a container
built at run time, a call made through a variable holding a function) is not foreseen: that
iteration is then one Recorder step per optimizer step.
"""
from __future__ import annotations

import dis
import sys
import threading

import numpy as np
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

from .. import events
from ..sourceinfo import user_frame
from ..tensor import wrap
from . import gradient_computed, kept_steps, modules, values   # (gradient_computed calls
#                                                               this module: no import-time use)

MAX_HELD = 1024   # passes held for a step that never came (a `.step` the loop skipped)
_STEPPERS = (torch.optim.Optimizer, torch.amp.GradScaler)   # what a user's `.step()` updates by
_FRAMES_UP = 3    # user frames looked at for a step to come (a helper that runs backward)


class _Local(threading.local):
    def __init__(self):
        self.passes = []    # held passes: (tape, targets, leaves() -> torch leaves)
        # optimizer steps settled: (tape, targets, leaves, ids of those it steps, sources, grads)
        self.settled = []
        self.generation = _generation   # what it holds was held while gradients were heard


_generation = 0   # one more each time nobody hears gradients: what a thread held goes
_hook = None      # the optimizer pre-hook's handle while gradients are heard (kept: registering
_lock = threading.Lock()   # one a step cost ~2 us)
_local = _Local()


def _current() -> _Local:
    """This thread's held passes, emptied if held before nobody heard gradients."""
    local = _local
    if local.generation != _generation:
        local.passes, local.settled, local.generation = [], [], _generation
    return local


def step_raised() -> None:
    """The training step raised (a loop that catches it goes on): the passes it held for an
    optimizer step that will not come are forgotten, so the next step's loss is its own."""
    local = _current()
    local.passes, local.settled = [], []


def pass_ended(tape, targets: list, leaves, announce) -> None:
    """A backward pass ended (`leaves()`: the leaves it reached): hold it for the optimizer
    step to come, or send its GradientComputed now (`announce()` sends it) with what was held."""
    global _hook
    if _step_to_come(sys._getframe(1)) and len(_current().passes) < MAX_HELD:
        _local.passes.append((tape, targets, leaves))
        if _hook is None:
            with _lock:
                if _hook is None:
                    _hook = register_optimizer_step_pre_hook(_optimizer_steps)
        return
    local = _current()
    if local.passes or local.settled:
        local.passes.append((tape, targets, leaves))
        _settle()
        _send()
    else:
        kept_steps.step_ends()
        announce()


def skipped(tape, targets: list, leaves, scale: float) -> None:
    """A GradScaler's pass whose gradients are not finite: the scaler skips its optimizer
    step, so the training step ends here. Above a scale of 1 the scale overflowed them: the
    step has the loss and no gradients (the optimizer used none); at 1 or below it did not,
    and the gradients (unscaled) go with it."""
    _current().passes.append((tape, targets, leaves if scale <= 1.0 else list))
    _settle(scale=scale)
    _send()


def _optimizer_steps(optimizer, args, kwargs) -> None:
    """An optimizer is about to step: settle the held passes with the gradients it will use;
    the training step ends here unless another optimizer steps later in this iteration (the
    last of several stepping what one pass computed, `sparse.step(); dense.step()`, ends it)."""
    local = _current()
    if not local.passes:
        if local.settled and not _step_to_come(sys._getframe(1)):
            _send()
        return
    _settle({id(p) for group in optimizer.param_groups for p in group["params"]})
    if _step_to_come(sys._getframe(1)):
        kept_steps.optimizer_steps()   # (its updates come inside the training step)
        _copy_settled()
    else:
        _send()


def _settle(stepped=None, scale: float = 1.0) -> None:
    """What the held passes computed, as one optimizer step (the ids of the leaves it steps:
    `stepped`; None: all of them): their summed loss, the leaves they reached and the `.grad`
    those hold then (found and copied when first read, as a single pass's are)."""
    passes, _local.passes = _local.passes, []
    losses = [targets[0] for _, targets, _ in passes if len(targets) == 1]
    targets = losses if len(losses) < 2 or len(losses) != len(passes) else \
        [wrap(np.sum([loss.numpy() for loss in losses], axis=0))]

    def used() -> list:
        found = {}
        for _, _, leaves in passes:
            for leaf in leaves():
                found.setdefault(id(leaf), leaf)
        return list(found.values())
    later = gradient_computed.Later
    leaves = later(used)
    sources = later(lambda: [values.variable_of(leaf, None, modules.parameter_name)
                             for leaf in leaves])
    grads = later(lambda: gradient_computed.HostCopies([leaf.grad for leaf in leaves], scale))
    _local.settled.append((passes[-1][0], targets, leaves, stepped, sources, grads))


def _copy_settled() -> None:
    """Read the last settled step's gradients now: a later pass of the same iteration may
    write them (a GAN's generator pass reaches the critic)."""
    _, _, _, _, sources, grads = _local.settled[-1]
    list(sources)
    list(grads)


def _send() -> None:
    """One GradientComputed for the optimizer steps settled: the training step ends."""
    kept_steps.step_ends()
    settled, _local.settled = _local.settled, []
    tape, targets, _, _, sources, grads = settled[-1]
    if len(settled) > 1:
        targets = [t for _, targets, *_ in settled for t in targets]
        sources, grads = _merged(settled)
    events.emit(events.GradientComputed(tape, targets, sources, grads))


def _merged(settled: list) -> tuple:
    """(sources, grads) of several optimizer steps: a leaf two of them reached (a GAN's critic,
    which the generator's pass reaches too) with the gradient of the one that stepped it."""
    chosen = {}   # id(leaf) -> (its Variable, its gradient, whether that step stepped it)
    for _, _, leaves, stepped, sources, grads in settled:
        for leaf, source, grad in zip(leaves, sources, grads):
            mine = stepped is None or id(leaf) in stepped
            if id(leaf) not in chosen or (mine and not chosen[id(leaf)][2]):
                chosen[id(leaf)] = (source, grad, mine)
    return [c[0] for c in chosen.values()], [c[1] for c in chosen.values()]


def _drop_unheard() -> None:
    """Nobody hears gradients any more (the Recorder stopped, on any thread): let go of what
    was held, and of the optimizer hook (events.watch_routing calls this at each change of
    subscriptions)."""
    global _generation, _hook
    if not events.listeners(events.GradientComputed):
        with _lock:
            _generation += 1   # every thread's held passes go (at its next look)
            if _hook is not None:
                _hook.remove()
                _hook = None


events.watch_routing(_drop_unheard)


def _step_to_come(frame) -> bool:
    """Whether the user's code that ran the pass (or one of its callers) calls an optimizer's
    `.step` later in its loop's iteration."""
    frame = user_frame(frame)
    for _ in range(_FRAMES_UP):
        if frame is None:
            return False
        if _steps_later(frame):
            return True
        frame = user_frame(frame.f_back)
    return False


def _steps_later(frame) -> bool:
    """Whether `frame`'s code calls `.step` on an optimizer or a GradScaler it can name, later
    in the iterations of the loops it is in (or after them), not inside a loop yet to begin."""
    if frame is None:
        return False
    receivers, calls = _later_steps(frame.f_code, frame.f_lasti)
    if any(isinstance(_resolve(frame, receiver), _STEPPERS) for receiver in receivers):
        return True
    return any(_function_steps(_resolve(frame, called)) for called in calls)


def _function_steps(function) -> bool:
    """Whether `function` (a plain Python function or a bound method) calls `.step` on an
    optimizer or a GradScaler it names through its globals, its closure or `self`."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    if code is None:
        return False
    receivers, _ = _later_steps(code, None)
    if not receivers:
        return False
    func = getattr(function, "__func__", function)
    names = dict(func.__globals__)
    names.update(_closure(func))
    if code.co_argcount and hasattr(function, "__self__"):
        names[code.co_varnames[0]] = function.__self__
    return any(isinstance(_lookup(names, receiver), _STEPPERS) for receiver in receivers)


def _closure(func) -> dict:
    """{free variable: its value} of `func`'s closure, but for those not yet assigned."""
    found = {}
    for name, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
        try:
            found[name] = cell.cell_contents
        except ValueError:   # not yet assigned
            pass
    return found


_later: dict = {}   # (id(code), offset) -> (code, (the receivers of the `.step` calls after
#                    it, the functions called after it))


def _later_steps(code, offset) -> tuple:
    key = (id(code), offset)   # (a code object's own hash reads its bytecode: ~1 us)
    found = _later.get(key)
    if found is None or found[0] is not code:
        found = _later[key] = (code, _scan(code, offset))
    return found[1]


_LOADS = frozenset({"LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF"})


def _scan(code, offset) -> tuple:
    """(the receivers (a name, then attributes and constant indices: `self.opt_g`, `opts[0]`)
    of the `.step` calls in `code` after `offset` but in no loop that begins after it (a
    later training loop's own steps: they end its steps, not this one's), the functions (named
    so) it calls after `offset` in the same iteration of the innermost loop around it); for
    `offset` None, every `.step` call's receiver in `code` and no calls (a function's body)."""
    instructions = list(dis.get_instructions(code))
    back_jumps = [(jump.argval, jump.offset) for jump in instructions
                  if "JUMP" in jump.opname and isinstance(jump.argval, int)
                  and jump.argval < jump.offset]
    steps = [(i, instruction) for i, instruction in enumerate(instructions)
             if instruction.argval == "step" and _loads_a_method_to_call(instruction)]
    if offset is None:
        later_loops, around, iteration_end, offset = [], [], -1, -1
    else:
        later_loops = [(start, end) for start, end in back_jumps if offset < start]
        around = [(start, end) for start, end in back_jumps if start <= offset < end]
        iteration_end = min((end for _, end in around), default=-1)
    stepping_loops = [(start, end) for start, end in around
                      if any(start <= step.offset < end for _, step in steps)]
    receivers, calls = [], []
    for i, instruction in enumerate(instructions):
        if instruction.offset <= offset:
            continue
        if instruction.argval == "step" and _loads_a_method_to_call(instruction):
            receiver = _receiver(instructions, i)
            if receiver is not None and not any(start <= instruction.offset < end
                                                for start, end in later_loops) \
                    and _in_this_iteration(instruction.offset, around, stepping_loops):
                receivers.append(receiver)
        elif instruction.opname == "CALL" and instruction.offset < iteration_end:
            called = _receiver(instructions, _callee(instructions, i) + 1)
            if called is not None and called not in calls:
                calls.append(called)
    return tuple(receivers), tuple(calls)


def _in_this_iteration(offset: int, around: list, stepping_loops: list) -> bool:
    """Whether a `.step` at `offset`, after the pass, belongs to the pass's training step: it
    is in an iteration of a loop around the pass (a critic's inner loop, then the generator's
    step), or after loops around the pass that step nothing of their own (gradient
    accumulation, then one step); not after a loop that steps in each of its iterations (a
    training loop's steps are not merged into a step the code runs once after it)."""
    if any(start <= offset < end for start, end in around):
        return True
    return not stepping_loops


def _loads_a_method_to_call(instruction) -> bool:
    """Whether `instruction` loads an attribute to call it as a method (`opt.step()`), not to
    read it (`hasattr(self.optimizer.step, ...)`: an LR scheduler's check that steps nothing).
    3.10 and 3.11 have LOAD_METHOD for that; from 3.12 LOAD_ATTR's low bit says so."""
    if instruction.opname == "LOAD_METHOD":
        return True
    return instruction.opname == "LOAD_ATTR" and sys.version_info >= (3, 12) \
        and bool(instruction.arg & 1)


def _callee(instructions, i: int) -> int:
    """The index of the last instruction that loads the function the CALL at `i` calls: the
    one before its arguments (each argument a single load; else an index that names
    nothing)."""
    before = i - 1
    while before >= 0 and instructions[before].opname in ("PRECALL", "KW_NAMES"):
        before -= 1
    arguments = instructions[i].arg or 0
    if any(instruction.opname not in _LOADS | {"LOAD_CONST", "LOAD_SMALL_INT"}
           for instruction in instructions[before - arguments + 1:before + 1]):
        return -2
    return before - arguments


_SUBSCRIPTS = ("BINARY_SUBSCR", "BINARY_OP")   # (3.14: BINARY_OP's '[]')


def _receiver(instructions, i: int):
    """The expression read before `instructions[i]`, as (name, *attributes and ('[]', index)),
    when it is a plain name with attributes and constant indices; else None."""
    parts, position = [], i - 1
    while position >= 0:
        instruction = instructions[position]
        if instruction.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            parts.append(instruction.argval)
        elif instruction.opname in _SUBSCRIPTS and position > 0 and \
                (instruction.opname == "BINARY_SUBSCR" or instruction.argrepr == "[]") and \
                instructions[position - 1].opname in ("LOAD_CONST", "LOAD_SMALL_INT"):
            position -= 1
            parts.append(("[]", instructions[position].argval))
        elif instruction.opname in _LOADS:
            return (instruction.argval, *reversed(parts))
        else:
            return None
        position -= 1
    return None


def _resolve(frame, receiver):
    """The object `receiver` names in `frame` now, or None."""
    for space in (frame.f_locals, frame.f_globals, frame.f_builtins):
        if receiver[0] in space:
            return _lookup(space, receiver)
    return None


def _lookup(names: dict, receiver):
    """The object `receiver` names among `names`, or None."""
    name, *parts = receiver
    found = names.get(name)
    for part in parts:
        if isinstance(part, tuple):
            try:
                found = found[part[1]]
            except (TypeError, LookupError):
                return None
        else:
            found = getattr(found, part, None)
    return found
