"""Layer paths from torch modules: `Net/conv1` while `model.conv1` runs.

Global module forward hooks (`register_module_forward_pre_hook` and `..._forward_hook`)
keep each thread's stack of running modules and set the thread's layer path through
`events.set_scope`, as a Keras layer call does: nodes carry it as `scope`, the widget
groups by it, `break_on(layer=...)` matches it. The root module is named by its class
(a second root of that class while one recording runs, a GAN's discriminator or a DQN's
target network, by its class and a number: `Sequential_1`, so two models' layers and
parameters never share a name),
the others by their attribute in their parent (`Sequential/0`), as `named_modules()` names
them. The pre-hook is also where a thread that never subscribed gets the adapter's mode
pushed: torch's mode stack is per thread. Any global hook sends every module call down
torch's slow path (~10 us a conv layer), so they are installed only while every op is
heard, and keep layer paths only for those that read every op's scope (a tape, a Recorder,
a listener of every op, a layer breakpoint); a nan breakpoint or a bare condition, which
hears every op on every thread but reads a scope only at a stop or when asked, gets the
pre-hook alone (~1.3 us a module call against ~3.2 for both, hot), and that only once a
second thread has started (activation.py waits for one), and like the few ops a
breakpoint names finds its modules on the Python stack (`frames_from_stack`). The same
pre-hook, alone, also stands by for a thread whose next module call must do something
(`at_next_call`: the mode's return after an `optimizer.step()` that raised).
"""
from __future__ import annotations

import sys
import threading
import weakref
from typing import Callable

import torch

from .. import model_calls
from ..events import set_scope
from ..keras.backend import unique_object_name
from ..sourceinfo import source_from, user_frame
from ..threadstate import local as _thread

_pre_hook = None           # the one global module pre-hook's handle, while anyone needs it
_post_hook = None          # the global forward hook's, while layer paths are kept
_on_thread: Callable | None = None   # called at each module call while the hooks are on
_paths = False             # whether they keep layer paths (else the pre-hook only calls it)
_next_call: dict = {}      # thread ident -> called once, at that thread's next module call
_epoch = 0                 # counts installations: a stack from an older one is stale
_handles_lock = threading.Lock()


class _Stack(threading.local):
    def __init__(self):
        self.frames = []   # (module, path) of the modules running on this thread, outermost first
        self.epoch = -1
        self.owners = 0    # how many of the first frames are modules whose forward was
        #                    called directly (no hook pops them: the last child's does)


_stack = _Stack()


def _before(module, args) -> None:
    if _next_call:
        waiting = _next_call.pop(threading.get_ident(), None)
        if waiting is not None:
            _sync_pre_hook()
            waiting()
    on_thread = _on_thread
    if on_thread is None:
        return
    on_thread()
    if not _paths or _on_thread is None:   # (None: on_thread removed the hooks, nobody
        return                             #  listens any more)
    frames = _frames()
    if not frames:
        owners = _owners_calling(module, sys._getframe(1))
        if owners:   # `model.forward(x)` called directly: its layers named as in model(x)
            _stack.owners = len(owners)
            frames += _paths_of(owners)
    if frames:
        parent, parent_path = frames[-1]
        path = f"{parent_path}/{_child_name(parent, module)}"
    else:
        path = root_name(module)
        model_calls.note(path, source_from(sys._getframe(1)),   # (torch's frames walked past)
                         args[0] if args else None, bound_name(module))
    frames.append((module, path))
    set_scope(_thread.state, path)


def _after(module, args, output) -> None:
    frames = _frames()
    while frames:   # down to this module's frame (a child that raised left its own)
        if frames.pop()[0] is module:
            break
    if len(frames) == _stack.owners:   # the owners whose forward was called directly
        del frames[:]
        _stack.owners = 0
    set_scope(_thread.state, frames[-1][1] if frames else "")


_MODULE_FILE = torch.nn.Module._call_impl.__code__.co_filename   # torch's nn/modules/module.py


def _owners_calling(module, frame) -> list:
    """The modules whose `forward` the user called directly (`model.forward(x)`: no hook
    saw it) and that called `module`, outermost first: each calling frame's `self` that
    holds the module called from it; [] for a module called from anything else (a loop's
    `model(x)`: a function, not a method, so its locals are never read)."""
    owners = []
    while True:
        while frame is not None and frame.f_code.co_filename == _MODULE_FILE:
            frame = frame.f_back
        code = frame.f_code if frame is not None else None
        if code is None or not code.co_argcount or code.co_varnames[0] != "self":
            return owners[::-1]
        owner = frame.f_locals.get("self")
        if not isinstance(owner, torch.nn.Module) or owner is module or not any(
                held is module for held in owner.modules()):
            return owners[::-1]
        owners.append(owner)
        module, frame = owner, frame.f_back


def _paths_of(owners: list) -> list:
    """[(module, path)] of `owners` (outermost first) as the hooks would have kept them."""
    frames = [(owners[0], root_name(owners[0]))]
    for owner in owners[1:]:
        frames.append((owner, f"{frames[-1][1]}/{_child_name(frames[-1][0], owner)}"))
    return frames


def _sync_pre_hook() -> None:
    """The pre-hook is registered while layer paths are kept or a thread waits for a call."""
    global _pre_hook
    with _handles_lock:
        wanted = _on_thread is not None or bool(_next_call)
        if wanted and _pre_hook is None:
            _pre_hook = torch.nn.modules.module.register_module_forward_pre_hook(_before)
        elif not wanted and _pre_hook is not None:
            _pre_hook.remove()
            _pre_hook = None


def install(on_thread: Callable, paths: bool = True) -> None:
    """`on_thread()` runs at each module call (activation: the global pre-hook); with
    `paths`, layer paths are kept too (the forward hook as well)."""
    global _epoch, _on_thread, _post_hook, _paths
    if _on_thread is not None:
        if _paths is paths:
            return
        uninstall()
    _epoch += 1
    _root_names.clear()   # numbered anew each time: a model freed late never shifts them
    if paths:
        _post_hook = torch.nn.modules.module.register_module_forward_hook(_after,
                                                                          always_call=True)
    _paths = paths
    _on_thread = on_thread
    _sync_pre_hook()


def uninstall() -> None:
    """Stop keeping layer paths (nobody listens any more)."""
    global _on_thread, _post_hook
    if _on_thread is None:
        return
    _on_thread = None
    if _post_hook is not None:
        _post_hook.remove()
        _post_hook = None
    _sync_pre_hook()
    if _stack.frames:
        _stack.frames = []
        set_scope(_thread.state, "")


def installed() -> bool:
    """Whether each module call runs `on_thread` (the hooks are on, paths kept or not)."""
    return _on_thread is not None


def keeps_paths() -> bool:
    """Whether the thread's layer path is kept by the hooks (else read off the stack)."""
    return _on_thread is not None and _paths


def at_next_call(callback: Callable) -> None:
    """Call `callback()` once, at this thread's next module call (on the global pre-hook: one
    registration, ~2 us, when layer paths are not kept). Forgotten if the thread ends first
    (a training thread whose step raised): its wait would keep the pre-hook on for good."""
    ident = threading.get_ident()
    _next_call[ident] = callback
    if _ending.token is None:   # once a thread: its thread-local token goes when it ends
        token = _ending.token = _ThreadEnd()
        weakref.finalize(token, _thread_ended, ident).atexit = False
    _sync_pre_hook()


class _ThreadEnd:
    __slots__ = ("__weakref__",)


class _Ending(threading.local):
    def __init__(self):
        self.token = None   # a _ThreadEnd, freed with the thread's locals when it ends


_ending = _Ending()


def _thread_ended(ident: int) -> None:
    if _next_call.pop(ident, None) is not None:
        _sync_pre_hook()


def forget_next_call(every_thread: bool = False) -> None:
    """Cancel this thread's `at_next_call` (every thread's with `every_thread`)."""
    if every_thread:
        _next_call.clear()
    elif _next_call.pop(threading.get_ident(), None) is None:
        return
    _sync_pre_hook()


def _frames() -> list:
    if _stack.epoch != _epoch:   # hooks reinstalled since this thread last ran a module
        _stack.frames, _stack.epoch, _stack.owners = [], _epoch, 0
    return _stack.frames


_CALL = torch.nn.Module._call_impl.__code__   # the frame of a module call: its `self`


def frames_from_stack(frame) -> list:
    """[(module, path)] of the modules running at `frame`, outermost first, read off the
    Python stack (for an op heard while the hooks are not installed)."""
    running = []
    while frame is not None:
        if frame.f_code is _CALL:
            running.append(frame.f_locals.get("self"))
        frame = frame.f_back
    frames = []
    for module in reversed(running):
        if frames:
            parent, parent_path = frames[-1]
            frames.append((module, f"{parent_path}/{_child_name(parent, module)}"))
        else:
            frames.append((module, root_name(module)))
    return frames


def bind_root(caller) -> None:
    """The name the user's code binds the model running at `caller` to, kept for its root's
    layer path as a root's call keeps it while paths are kept: an op that raised while no
    hook kept paths is named from this model, not from an earlier one of that root path."""
    running = frames_from_stack(caller)
    if running:
        module, root = running[0]
        model_calls.bind(root, bound_name(module))


def _child_name(parent, child) -> str:
    """`child`'s attribute name in `parent` ('conv1'); for one held in a container the parent
    does not call (`for block in self.blocks: x = block(x)`) the container's and its index,
    'blocks/3', as `named_modules()` says 'blocks.3' (so each block is its own scope); or its
    class name in lower case when the parent calls a module it does not hold."""
    for name, module in parent._modules.items():
        if module is child:
            return name
    held = _held_in.get(child)
    if held is not None and held[0]() is parent:
        return held[1]
    for name, module in parent.named_modules(remove_duplicate=False):
        if module is child:
            _held_in[child] = (weakref.ref(parent), name.replace(".", "/"))
            return _held_in[child][1]
    return type(child).__name__.lower()


_held_in: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # module -> (its
#                                       caller, its path there) for one held in a container


def parameter_name(leaf, frames=None) -> str | None:
    """`leaf`'s name as `model.named_parameters()` gives it ('conv1.weight'), when a module
    running on this thread (in `frames`, else the hooks' stack) holds it; else None. A
    layer called alone (no parent, no children) names its own as Keras would: two
    `nn.Linear`s give 'linear/weight' and 'linear_1/weight', not 'weight' twice; a second
    live model of one class prefixes its root's name ('Net_1/conv1.weight'), a container's
    the name the user's code gives it ('encoder.0.weight': `_prefixed`)."""
    running = _stack.frames if frames is None else frames
    for module, path in reversed(running):
        for name, parameter in module._parameters.items():
            if parameter is leaf:
                root, *inside = path.split("/")
                if not inside and not module._modules:
                    return f"{_layer_name(module)}/{name}"
                return _prefixed(root, ".".join(inside + [name]), running)
    if running:   # held by a child the running module calls no forward of: MultiheadAttention
        module, path = running[-1]   # passes its out_proj's weight to F.multi_head_attention
        for name, parameter in module.named_parameters():
            if parameter is leaf:
                root, *inside = path.split("/")
                return _prefixed(root, ".".join(inside + [name]), running)
    return None


def name_among_roots(leaf) -> str | None:
    """`leaf`'s name as `parameter_name` gives it while its model runs, found when no module
    runs (an optimizer's update), so an update's parameter reads 'conv1.weight', the name
    the forward pass gives it, not 'leaf:0': among the root modules seen running since the
    hooks were installed, else (none ran since: a breakpoint armed between the forward pass
    and the step) the modules the calling frames hold, the outermost first (`model` in the
    training loop's, not the layer `model.apply(init)` gives `init`: 'fc.bias', not
    'linear/bias'); else None."""
    for root, path in list(_root_names.items()):
        name = parameter_name(leaf, [(root, path)])
        if name is not None:
            return name
    frames, frame = [], sys._getframe(1)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    for frame in reversed(frames):
        for value in list(frame.f_locals.values()):
            if isinstance(value, torch.nn.Module):
                name = parameter_name(leaf, [(value, _root_names.get(value,
                                                                     type(value).__name__))])
                if name is not None:
                    return name
    return None


def _prefixed(root: str, named: str, running: list) -> str:
    """`named` as the model's `named_parameters()` says it, after its root's name when that
    is not the class's own (a second model of one class: 'Net_1/conv1.weight'); a container
    model's ('0.weight' of an nn.Sequential: said alone it reads as a number) after the
    name the user's code binds it to, 'encoder.0.weight', else its root's, 'Sequential.0.weight'."""
    if named[0].isdigit():
        return f"{bound_name(running[0][0]) or root}.{named}"
    return named if root == type(running[0][0]).__name__ else f"{root}/{named}"


def bound_name(value) -> str | None:
    """The name the user's code binds `value` (a model, an optimizer) to, found once in the
    calling frames (the innermost that holds it, locals before globals; `self` is no name),
    else None."""
    name = _bound_names.get(value)
    if name is None:
        frame = user_frame(sys._getframe(1))
        while frame is not None and not name:
            name = next((key for namespace in (frame.f_locals, frame.f_globals)
                         for key, held in list(namespace.items())
                         if held is value and key != "self"), "")
            frame = user_frame(frame.f_back)
        _bound_names[value] = name   # ('' when no frame binds it: not looked for again)
    return name or None


_bound_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # model, optimizer -> name


_root_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # root -> its name


def root_name(module) -> str:
    """A root module's name in layer paths: its class's, or with the first number no other
    live root seen since the hooks were installed has (`Sequential_1`)."""
    name = _root_names.get(module)
    if name is None:
        base = type(module).__name__
        taken = set(_root_names.values())
        name, number = base, 0
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        _root_names[module] = name
    return name


_layer_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # layer alone -> name


def _layer_name(module) -> str:
    name = _layer_names.get(module)
    if name is None:
        name = _layer_names[module] = unique_object_name(type(module).__name__.lower())
    return name
