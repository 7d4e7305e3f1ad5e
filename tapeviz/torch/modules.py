"""Layer paths from torch modules: `Net/conv1` while `model.conv1` runs.

Global module forward hooks (`register_module_forward_pre_hook` and `..._forward_hook`)
keep each thread's stack of running modules and set the thread's layer path through
`events.set_scope`, as a Keras layer call does: nodes carry it as `scope`, the widget
groups by it, `break_on(layer=...)` matches it. The root module is named by its class,
the others by their attribute in their parent (`Sequential/0`), as `named_modules()` names
them. The pre-hook is also where a thread that never subscribed gets the adapter's mode
pushed: torch's mode stack is per thread. Any global hook sends every module call down
torch's slow path (~10 us a conv layer), so they are installed only while every op is
heard (a tape, a Recorder, a layer breakpoint); otherwise the few ops heard (a breakpoint's)
find their modules on the Python stack (`frames_from_stack`).
"""
from __future__ import annotations

import threading
import weakref
from typing import Callable

import torch

from ..events import set_scope
from ..keras.backend import unique_object_name
from ..threadstate import local as _thread

_hooks: list = []          # the installed hooks' handles
_epoch = 0                 # counts installations: a stack from an older one is stale


class _Stack(threading.local):
    def __init__(self):
        self.frames = []   # (module, path) of the modules running on this thread, outermost first
        self.epoch = -1


_stack = _Stack()


def install(on_thread: Callable) -> None:
    """Install the global hooks; `on_thread()` runs at each module call (activation)."""
    global _epoch
    if _hooks:
        return
    _epoch += 1

    def before(module, args):
        on_thread()
        if not _hooks:   # on_thread removed them: nobody listens any more
            return
        frames = _frames()
        if frames:
            parent, parent_path = frames[-1]
            path = f"{parent_path}/{_child_name(parent, module)}"
        else:
            path = type(module).__name__
        frames.append((module, path))
        set_scope(_thread.state, path)

    def after(module, args, output):
        frames = _frames()
        while frames:   # down to this module's frame (a child that raised left its own)
            if frames.pop()[0] is module:
                break
        set_scope(_thread.state, frames[-1][1] if frames else "")

    _hooks.append(torch.nn.modules.module.register_module_forward_pre_hook(before))
    _hooks.append(torch.nn.modules.module.register_module_forward_hook(after, always_call=True))


def uninstall() -> None:
    """Remove the global hooks (nobody listens any more)."""
    while _hooks:
        _hooks.pop().remove()
    if _stack.frames:
        _stack.frames = []
        set_scope(_thread.state, "")


def installed() -> bool:
    return bool(_hooks)


def _frames() -> list:
    if _stack.epoch != _epoch:   # hooks reinstalled since this thread last ran a module
        _stack.frames, _stack.epoch = [], _epoch
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
            frames.append((module, type(module).__name__))
    return frames


def _child_name(parent, child) -> str:
    """`child`'s attribute name in `parent` ('conv1'), or its class name in lower case when
    the parent calls a module it does not hold."""
    for name, module in parent._modules.items():
        if module is child:
            return name
    return type(child).__name__.lower()


def parameter_name(leaf, frames=None) -> str | None:
    """`leaf`'s name as `model.named_parameters()` gives it ('conv1.weight'), when a module
    running on this thread (in `frames`, else the hooks' stack) holds it; else None. A
    layer called alone (no parent, no children) names its own as Keras would: two
    `nn.Linear`s give 'linear/weight' and 'linear_1/weight', not 'weight' twice."""
    for module, path in reversed(_stack.frames if frames is None else frames):
        for name, parameter in module._parameters.items():
            if parameter is leaf:
                inside = path.split("/")[1:]
                if not inside and not module._modules:
                    return f"{_layer_name(module)}/{name}"
                return ".".join(inside + [name])
    return None


_layer_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # layer alone -> name


def _layer_name(module) -> str:
    name = _layer_names.get(module)
    if name is None:
        name = _layer_names[module] = unique_object_name(type(module).__name__.lower())
    return name
