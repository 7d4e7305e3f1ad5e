"""When the adapter's mode is on: which threads' torch function mode stacks hold it, and the
global hooks the listeners need (the optimizer's, the modules', the stand-ins).

The mode is on a thread's stack only while someone listens (any subscriber of
`tapeviz.events`) or a `record()` tape records there: a change of subscriptions puts it on
or takes it off the thread that made it (`events.watch_routing`: a Runner's training thread
subscribes, so it gets it), and while every op is heard the global module hooks put it on
any other thread that runs a module (for breakpoints alone, once a second thread has
started: `_every_thread_hears`). It goes under the user's own modes and comes off
exactly itself, so a user's `with` block opened before or after keeps its own. Torch's mode
stack is per thread and only its thread can change it: when the last listener leaves on
another thread (a Runner's ends), an idle thread's mode stays, inert, until that thread
settles (`events.settle_thread`: a Runner's join, the next notebook cell), runs a module or
changes subscriptions. `optimizer.step()` runs without it (its hooks take it off and put
it back; after a step that raised, the thread's next module call does; from an optimizer
class's second step on, a stand-in for its `step` does both around torch's wrapper, so the
profiler range that wrapper opens and closes is not sent through the mode): whoever hears its
update op hears one per parameter (updates.py). So does `zero_grad()` (an optimizer's or a
module's) with its default `set_to_none=True` (stand_ins.py).
"""
from __future__ import annotations

import functools
import sys
import threading
import weakref

import torch
from torch.optim.optimizer import (register_optimizer_step_post_hook,
                                   register_optimizer_step_pre_hook)

from .. import events
from ..debugger import breakpoint_listener
from ..sourceinfo import source_from
from ..threadstate import local as _thread
from . import (masks, modules, ops, python_calls, stand_ins, unheard_backward, updates,
               values)
from .mode import AdapterMode, by_form, hearers_of, local, output_test

_getframe = sys._getframe
_active = False              # someone listens (any subscriber of tapeviz.events)
_lock = threading.RLock()


def _wanted_here() -> bool:
    return _active or bool(local.tapes)


def sync_thread(lifted: AdapterMode | None = None) -> None:
    """Put the mode on this thread's stack when wanted and absent (`lifted`, the one taken off
    it for a step, if given: no new mode each step); take it off when unwanted, and then the
    global hooks too once no thread holds one."""
    mode = local.mode
    modules.forget_next_call()   # this thread's mode is as wanted from here on
    if _wanted_here():
        if mode is None:
            mode = local.mode = lifted or AdapterMode()
            _push_under_users(mode)
            _modes.add(mode)
    elif mode is not None and _remove(mode):
        local.mode = None
        _modes.discard(mode)
        with _lock:
            _sync_hooks()


_length, _at = torch._C._len_torch_function_stack, torch._C._get_function_stack_at


def _stack() -> list:
    return [_at(i) for i in range(_length())]


def _rebuild(stack: list) -> None:
    """This thread's torch function mode stack becomes `stack`, bottom first."""
    for _ in range(torch._C._len_torch_function_stack()):
        torch._C._pop_torch_function_stack()
    for mode in stack:
        torch._C._push_on_torch_function_stack(mode)


def _push_under_users(mode) -> None:
    """Ours goes under the user's own modes: a `with` exit (a TorchFunctionMode's, a
    `torch.device` block's) pops the top mode, which is then always theirs, even when ours
    came on inside their block. Only `torch.set_default_device`'s DeviceContext stays under
    ours: it keeps itself at the bottom, and its exit expects to find itself there."""
    if not _length():   # (the usual case, each optimizer step's: no stack to rebuild)
        torch._C._push_on_torch_function_stack(mode)
        return
    stack = _stack()
    default = getattr(torch._GLOBAL_DEVICE_CONTEXT, "device_context", None)
    at = 1 if stack and stack[0] is default else 0
    _rebuild(stack[:at] + [mode] + stack[at:])


def _remove(mode) -> bool:
    """Take exactly `mode` off this thread's stack, the others keeping their order; False
    when it is not there (its own handler runs: torch has lifted it until the call returns)."""
    if _length() == 1 and _at(0) is mode:   # alone (the usual case): no stack to rebuild
        torch._C._pop_torch_function_stack()
        return True
    stack = _stack()
    if not any(m is mode for m in stack):
        return False
    _rebuild([m for m in stack if m is not mode])
    return True


_modes: weakref.WeakSet = weakref.WeakSet()   # the modes on threads' stacks (an ended
#                                               thread's goes with its thread-local state)


def _on_thread() -> None:
    """A module runs (the module pre-hook): this thread gets the mode if someone listens,
    or loses it if nobody does any more; the hooks go once no thread holds one."""
    if (local.mode is None) is _wanted_here():   # wanted and absent, or present and unwanted
        sync_thread()


def _optimizer_starts(optimizer, args, kwargs) -> None:
    """`optimizer.step()` runs without the mode, and whoever hears its update op hears one
    per parameter (updates.py): traced call by call, Adam's ~8 in-place calls a parameter
    would cost more than the forward pass. A step given a closure (LBFGS) keeps the mode:
    the forward and backward passes the closure runs are the user's."""
    if local.step is not None and _running(local.step):   # a step inside a step (a
        return   # subclass's step calling super().step()): the outer one's updates
    _forget_step()   # what a step that raised left
    _stand_in_step(type(optimizer))   # for its next step
    if local.lifted is None:   # (else the stand-in took the mode off, and puts it back)
        mode = local.mode
        if mode is None or _closure(args[1:], kwargs) is not None or not _remove(mode):
            return
        local.mode = None
        _modes.discard(mode)   # (off the stack: one an error's traceback holds is no thread's)
        if not modules.installed():   # (installed, their next module call puts it back)
            modules.at_next_call(_after_failed_step)
    local.step = _getframe(1)   # torch's step wrapper, which calls the hooks
    op = updates.op_of(optimizer)
    route = op.route
    state = _thread.state
    if route.heard or state.layer_listeners:
        source = source_from(_getframe(1))
        hearers = hearers_of(route, state, source)
        if hearers:
            test = output_test(route, hearers)
            lazy = test is None and not route.steps
            split = by_form(route) if lazy and hearers is route.ops else None
            forms, hearers = split or ((), hearers)   # node forms: told with no event
            updates.start(optimizer, op, hearers, source, test, lazy=lazy, forms=forms)


def _optimizer_ends(optimizer, args, kwargs) -> None:
    if local.step is not None and local.step is not _getframe(1):   # an inner step's end
        return
    local.step = None
    try:
        updates.finish(optimizer)
    finally:   # a hearer of the updates may raise (a Runner's stop): the mode comes back
        if local.lifted is None:   # (else the stand-in puts it back, after torch's range)
            sync_thread()


def _closure(args: tuple, kwargs: dict):
    """The closure a step was given (LBFGS): it keeps the mode, its passes are the user's."""
    return args[0] if args else kwargs.get("closure")


_stood_in: dict = {}   # optimizer class defining `step` -> its own (torch's wrapper)
_classes_seen: set = set()   # optimizer classes whose step was looked at (one lookup a step)


def _stand_in_step(cls) -> None:
    """Put `_step_without_mode` in place of the `step` that `cls` runs (torch's wrapper,
    which opens a profiler range around the hooks), once a class while anyone listens."""
    if cls in _classes_seen:
        return
    _classes_seen.add(cls)
    owner = next((c for c in cls.__mro__ if "step" in vars(c)), None)
    own = vars(owner).get("step") if owner is not None else None
    if owner in _stood_in or not getattr(own, "hooked", False):   # (torch's wrapper is
        return                                                   # put on at the first init)
    _stood_in[owner] = own

    @functools.wraps(own)   # (its `hooked` too: torch does not wrap it again)
    def step_without_mode(self, *args, **kwargs):
        return _step_without_mode(own, self, args, kwargs)
    owner.step = step_without_mode


def _step_without_mode(step, optimizer, args: tuple, kwargs: dict):
    """Torch's `step` wrapper run with this thread's mode off, put back after it: the range
    it opens and closes (`record_function`'s two profiler calls) no longer pass through
    the mode (~55 k instructions a step, more than the forward's relu and conv2d together);
    its hooks still hear the updates. A nested step, one given a closure, or a thread
    whose mode is not on runs it as it is."""
    mode = local.mode
    if mode is None or local.step is not None or local.lifted is not None \
            or _closure(args, kwargs) is not None or not _remove(mode):
        return step(optimizer, *args, **kwargs)
    local.mode = None
    _modes.discard(mode)
    local.lifted = mode
    try:
        return step(optimizer, *args, **kwargs)
    except BaseException:
        _forget_step()   # (torch ran no post-hook)
        raise
    finally:
        local.lifted = None
        sync_thread(mode)


def _unstand_steps() -> None:
    """Torch's own `step` back on each class (unless the user's code put another there)."""
    for owner, own in _stood_in.items():
        if getattr(vars(owner).get("step"), "__wrapped__", None) is own:
            owner.step = own
    _stood_in.clear()
    _classes_seen.clear()


def _running(frame) -> bool:
    """Whether `frame` is on this thread's stack (below the optimizer hook asking)."""
    caller = _getframe(2)
    while caller is not None:
        if caller is frame:
            return True
        caller = caller.f_back
    return False


def _forget_step() -> None:
    local.step = None
    updates.cancel()


def _after_failed_step() -> None:
    """A thread's `optimizer.step()` raised (torch runs no post-hook of ours on the way out of
    a failed step) and it calls a module again: the mode comes back and the step's pending
    updates are forgotten. Armed while a step runs without the mode (`modules.at_next_call`,
    one pre-hook registered and removed a step, ~2 us; kept armed, a global module hook
    would cost every module call more); a step that returns disarms it."""
    _forget_step()
    sync_thread()


_optimizer_hooks: list = []


def _sync_hooks() -> None:
    """The global hooks the listeners need: the optimizer's while anyone listens or records;
    the modules' while every op is heard (a tape records, someone hears every op, a
    breakpoint names a layer); none, and no kept copies, when nobody listens."""
    if not _active and not any_recording():
        while _optimizer_hooks:
            _optimizer_hooks.pop().remove()
        _unstand_steps()
        stand_ins.install(False)
        unheard_backward.install(False)
        python_calls.install(False)
        modules.forget_next_call(every_thread=True)   # their modes are off already
        values.forget()
        masks.forget()
        if any(mode.thread.is_alive() for mode in _modes):
            modules.install(_on_thread, paths=False)   # each other thread's leaves at its
            #                                            next module call
        else:
            modules.uninstall()
        _stop_watching_threads()
        return
    if not _optimizer_hooks:
        _optimizer_hooks.append(register_optimizer_step_pre_hook(_optimizer_starts))
        _optimizer_hooks.append(register_optimizer_step_post_hook(_optimizer_ends))
        stand_ins.install(True)
        unheard_backward.install(True)
        python_calls.install(True)
    every_op = events.listeners(events.OpExecuted)
    if any_recording() or any(bp.enabled and bp.layer is not None
                              for bp in breakpoint_listener.armed()) or any(
            callback.__module__ != _BREAKPOINTS for callback in every_op):
        modules.install(_on_thread)
    elif every_op:   # breakpoints alone (nan, a condition): every thread hears every op, and
        _every_thread_hears()   # a stop or a condition reads its scope off the stack
        return
    else:
        modules.uninstall()
    _stop_watching_threads()


def _every_thread_hears() -> None:
    """Breakpoints alone (nan, a condition) hear every op on every thread: another thread gets
    the mode at its first module call, by the global pre-hook, which sends every module call
    down torch's slow path. While this thread is the only one, the pre-hook waits for a second
    (`threading.setprofile`: a thread started calls `_thread_started` as it begins)."""
    if threading.active_count() == 1 and threading.getprofile() in (None, _thread_started):
        threading.setprofile(_thread_started)
        modules.uninstall()
    else:
        _stop_watching_threads()
        modules.install(_on_thread, paths=False)


def _thread_started(frame, event, arg) -> None:
    """A thread began while the pre-hook waited for one (`_every_thread_hears`): the hooks are
    made again, now with it."""
    sys.setprofile(None)
    with _lock:
        _stop_watching_threads()
        _sync_hooks()


def _stop_watching_threads() -> None:
    if threading.getprofile() is _thread_started:
        threading.setprofile(None)


_BREAKPOINTS = breakpoint_listener.__name__   # the module of the breakpoints' callbacks


def routing_changed() -> None:
    """Subscriptions changed (events calls this under its lock): activate or deactivate
    (not while breakpoints are routed again to a new op: they listen before and after, and a
    deactivation in between would lose the module path of the forward pass running)."""
    global _active
    if ops.resyncing:
        return
    with _lock:
        _active = bool(events.subscribers())
        sync_thread()
        _sync_hooks()


_recording_threads: set = set()   # threads with a record() tape open


def any_recording() -> bool:
    return bool(_recording_threads)


def start_recording(tape) -> None:
    with _lock:
        local.tapes = local.tapes + (tape,)
        _recording_threads.add(threading.get_ident())
        sync_thread()
        _sync_hooks()


def stop_recording(tape) -> None:
    with _lock:
        local.tapes = tuple(t for t in local.tapes if t is not tape)
        if not local.tapes:
            _recording_threads.discard(threading.get_ident())
        sync_thread()
        _sync_hooks()


events.watch_routing(routing_changed)
routing_changed()
