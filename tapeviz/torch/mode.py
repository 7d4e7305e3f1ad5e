"""The adapter's instrumentation point: a `TorchFunctionMode` that turns torch calls into Nodes.

Why a TorchFunctionMode and not a TorchDispatchMode: it sees the calls the user wrote
(`F.cross_entropy`, `x + y`, `model.conv1`'s `conv2d`) under their public names and from
Python, where the user's line is on the stack; a dispatch mode sees aten ops after
decomposition (`aten.addmm`, `aten._log_softmax`) and runs below autograd. Inside its
handler torch pops the mode, so the ops a torch function calls are not seen twice.

The mode is on a thread's stack only while someone listens (any subscriber of
`tapeviz.events`) or a `record()` tape records there: a change of subscriptions puts it on
or takes it off the thread that made it (`events.watch_routing`: a Runner's training thread
subscribes, so it gets it), and while every op is heard the global module hooks put it on
any other thread that runs a module. It goes under the user's own modes and comes off
exactly itself, so a user's `with` block opened before or after keeps its own. Torch's mode
stack is per thread and only its thread can change it: when the last listener leaves on
another thread (a Runner's ends), an idle thread's mode stays, inert, until that thread
settles (`events.settle_thread`: a Runner's join, the next notebook cell), runs a module or
changes subscriptions. `optimizer.step()` runs without it (its hooks take it off and put
it back; after a step that raised, the thread's next module call does): whoever hears its
update op hears one per parameter (updates.py). So does `zero_grad()` (an optimizer's or a
module's) with its default `set_to_none=True`: it runs no op, only a `.grad` read and write
a parameter and a profiler range, which torch would send through the mode one by one. Per call
it asks what dispatch asks: the op's route, the thread's layer listeners, the tapes
recording here; an op nobody hears costs the handler call and those checks, and copies
nothing. A heard op gets the user's line, copies of its values and a `Node`, offered to
the tapes and sent to its hearers as an `OpExecuted`.
"""
from __future__ import annotations

import inspect
import sys
import threading
import weakref
from time import perf_counter

import torch
from torch.optim.optimizer import (register_optimizer_step_post_hook,
                                   register_optimizer_step_pre_hook)
from torch.overrides import TorchFunctionMode

from .. import events
from ..debugger import breakpoint_listener
from ..debugger.given import add_note
from ..sourceinfo import exclude_package, source_from
from ..threadstate import local as _thread
from . import autograd, error_notes, masks, modules, ops, stand_ins, updates, values
from .nodes import make_node, other_outputs
from .ops import BACKWARD, BY_FUNC, DATA_OF, MARKS_PARAMETER, op_for

_getframe = sys._getframe
_compiling = torch.compiler.is_compiling   # True while dynamo traces (it reads it so)

exclude_package(torch.__path__[0])   # torch's frames are not the user's line


class _Local(threading.local):
    def __init__(self):
        self.mode = None     # the adapter's mode while it is on this thread's stack
        self.tapes = ()      # record() tapes recording on this thread
        self.step = None     # the frame of the optimizer.step() running without the mode


_local = _Local()
_active = False              # someone listens (any subscriber of tapeviz.events)
_lock = threading.RLock()


class AdapterMode(TorchFunctionMode):
    """Turns each torch call someone hears into a Node (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self.thread = threading.current_thread()   # whose stack it is on

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if _compiling():   # dynamo tracing a function compiled after listening began (the
            #                stance could not be set): its graph is torch's calls, unheard
            return func(*args, **kwargs) if kwargs else func(*args)
        try:
            op = BY_FUNC[func]
        except (KeyError, TypeError):
            op = op_for(func)
        if op is not None:
            if op is BACKWARD:
                return autograd.run(func, args, kwargs or {}, _local.tapes)
            if op is MARKS_PARAMETER:
                return _marked(func, args, kwargs or {})
            tapes = _local.tapes
            route = op.route
            if tapes or route.heard or route.steps or _thread.state.layer_listeners:
                return _traced(op, func, args, kwargs or {}, route, tapes)
        # not an op, or nobody hears it: torch's call as it is (most calls have no keywords)
        return func(*args, **kwargs) if kwargs else func(*args)


def _traced(op, func, args, kwargs, route, tapes):
    """A call that a tape may record or someone may hear: the Node and its OpExecuted (an
    op whose backward steps alone are heard gets its Node, for them, and no event)."""
    state = _thread.state
    caller = _getframe(1)
    result = _NOT_RUN
    if not tapes and not route.steps and route.lines is None and not state.layer_listeners:
        test = _output_test(route, route.ops)
        if test is not None and _writes_no_input(op, args, kwargs):
            # heard only by node forms that want some outputs (a nan breakpoint's): the
            # output is tested before the line, the arguments or any value is read
            started = perf_counter()
            result = _called(op, func, args, kwargs, state, caller)
            duration = perf_counter() - started
            output = _first_tensor(result)
            if output is not None and not (output.requires_grad and output.is_leaf) \
                    and not test(values.host_view(output)):
                return result
    source = source_from(caller)
    hearers = _hearers(route, state, source)
    if not tapes and not hearers and not route.steps:   # heard only at other lines
        return func(*args, **kwargs) if result is _NOT_RUN else result
    # heard only by node forms that want some outputs: the output is tested before any
    # copy or node is made, as dispatch does
    test = None if tapes or route.steps else _output_test(route, hearers)
    names, tensors, params = _arguments(func, args, kwargs)
    # the inputs change (relu_, out=, F.relu(x, inplace=True)): take them before
    early = op.inplace or "out" in kwargs or params.get("inplace") is True
    made = op.inplace and tensors and values.unseen(tensors[0])   # an initialiser's write
    scope, name_of = _layer(state, caller) if early or test is None else (None, None)
    inputs = _inputs(tensors, name_of) if early else None
    keys = autograd.input_keys(tensors) if early else None   # (relu_'s input: autograd's
    #                                                           node for it before relu_)
    if result is _NOT_RUN:
        started = perf_counter()
        result = _called(op, func, args, kwargs, state, caller)
        duration = perf_counter() - started
    output = _first_tensor(result)
    if output is None:   # a query (torch.is_complex): never an op, never traced again
        BY_FUNC[func] = None
        return result
    if not tensors:      # a factory: no op on tensors
        if output.requires_grad:   # a parameter made here: where diagnose says it was made
            values.made_here(output, source, op.name)
        elif test is not None and test(values.host_view(output)):   # torch.full(.., -inf):
            masks.written_on_purpose(output, tensors, params)   # a mask the ops after carry
        return result
    if made:
        values.made_here(tensors[0], source)
    if test is not None:   # (an attention mask's -inf stops no nan breakpoint: masks.py)
        if not test(values.host_view(output)) or masks.written_on_purpose(output, tensors,
                                                                          params):
            return result
        if name_of is None:
            scope, name_of = _layer(state, caller)
    if inputs is None:
        inputs = _inputs(tensors, name_of)
    if len(names) > len(op.input_names):   # (a first call given a number names fewer)
        op.input_names = names
    node = make_node(op, inputs, values.snapshot(output, name_of), params, scope, source)
    if values.fresh:   # a parameter made before anyone listened, read for the first time
        values.name_by_reader(node)
    taped = output.grad_fn is not None   # autograd recorded it; optimizer.step()'s updates: no
    if taped:
        autograd.remember(node, output, keys or autograd.input_keys(tensors),
                          () if result is output else result)
        if op is _MUL and caller.f_back.f_code is _SCALE_LOSS:   # scaler.scale(loss)
            autograd.scaled_by(output, *args)
    made = (node,) if result is output else (node, *other_outputs(node, result, name_of))
    for tape in tapes:
        tape.record(node, output if taped else None)
        for other in made[1:]:
            tape.record(other)
    if hearers:
        for one in made:
            event = events.OpExecuted(one, taped, duration)
            for callback in hearers:
                callback(event)
    return result


_NOT_RUN = object()   # the call has not run yet


def _called(op, func, args, kwargs, state, caller):
    """`func`'s result; an error torch raises, kept as it is, says where it was too."""
    try:
        return func(*args, **kwargs)
    except Exception as error:
        names, tensors, _ = _arguments(func, args, kwargs)
        add_note(error, error_notes.failed_op(op, names, tensors, _layer(state, caller)[0],
                                              source_from(caller)))
        raise


def _writes_no_input(op, args, kwargs) -> bool:
    """Whether a call surely writes none of its inputs: not an in-place op, no `out=`, no
    `inplace=True` (by name, or any positional True: `F.relu(x, True)`)."""
    if op.inplace or "out" in kwargs or kwargs.get("inplace") is True:
        return False
    for arg in args:
        if arg is True:
            return False
    return True


_MUL = ops.op_named("mul")
_SCALE_LOSS = torch.amp.GradScaler.scale.__code__   # loss * scale, for float16's backward


def _output_test(route, hearers):
    """The test an op's output must pass for its node to be made, when each of `hearers` is
    a node form that wants only some outputs (a nan breakpoint's); else None."""
    if route.every_node or route.evented or hearers is not route.ops:
        return None
    return route.wants


def _layer(state, caller) -> tuple:
    """(the layer path an op called from `caller` runs in, how its parameters are named)."""
    if modules.installed():
        return state.scope, modules.parameter_name
    running = modules.frames_from_stack(caller)   # an op heard alone: its modules on the stack

    def name_of(leaf):
        return modules.parameter_name(leaf, running)
    return (running[-1][1] if running else ""), name_of


def _marked(func, args, kwargs):
    """`w.requires_grad_()` or `w.requires_grad = True` made data a parameter: its line is
    where `diagnose` says it was made (as a factory's given requires_grad=True). `w.data`
    gives a parameter's memory as data: what writes it updates `w`."""
    tensor = args[0]
    if func == DATA_OF:
        data = func(*args)
        if tensor.requires_grad and tensor.is_leaf:
            values.alias(data, tensor)
        return data
    was = tensor.requires_grad
    result = func(*args, **kwargs)
    if not was and tensor.requires_grad:   # (only a leaf can be marked)
        # marked by torch's own code (torch.func.grad marks its inputs): the user's
        # statement does not name it, the module holding it does
        by_torch = _getframe(2).f_code.co_filename.startswith(_TORCH_DIRECTORY)
        values.made_here(tensor, source_from(_getframe(1)), None if by_torch else "leaf")
    return result


_TORCH_DIRECTORY = torch.__path__[0]


def _hearers(route, state, source) -> tuple:
    """Who hears an op at `source` on this thread: its route's listeners, those of the
    thread's layer, those that accept the line."""
    hearers = route.ops
    if state.layer_listeners:
        hearers = events.merged(hearers, state.layer_listeners)
    if route.lines is not None:
        hearers = route.lines.add(source, hearers)
    return hearers


def _inputs(tensors, name_of) -> tuple:
    return tuple(values.snapshot(tensor, name_of) for tensor in tensors)


def _arguments(func, args, kwargs) -> tuple:
    """(names, tensors, params): the tensors passed, in order (a list argument's each), their
    argument names, and the other arguments by name (stride, padding, dim, reduction)."""
    signature = _argument_names(func)
    names, tensors, params = [], [], {}
    given = [(signature[i] if i < len(signature) else f"input {i}", arg)
             for i, arg in enumerate(args)]
    for name, arg in given + [item for item in kwargs.items() if item[0] != "out"]:
        if isinstance(arg, torch.Tensor):
            names.append(name)
            tensors.append(arg)
        elif isinstance(arg, (list, tuple)) and any(isinstance(a, torch.Tensor) for a in arg):
            for j, item in enumerate(arg):
                if isinstance(item, torch.Tensor):
                    names.append(f"{name}[{j}]")
                    tensors.append(item)
        else:
            params[name] = arg
    return tuple(names), tensors, params


def _first_tensor(result):
    if isinstance(result, torch.Tensor):
        return result
    if isinstance(result, (list, tuple)):
        return next((r for r in result if isinstance(r, torch.Tensor)), None)
    return None


_names: dict = {}        # torch function -> its positional argument names
_overrides = None        # torch's table of every overridable function's signature


def _argument_names(func) -> tuple:
    names = _names.get(func)
    if names is None:
        names = _names[func] = _signature_names(func)
    return names


def _signature_names(func) -> tuple:
    """The argument names of `func`: its signature, else the one torch's override tests
    give it (the built-ins have none), with a method's `self` called `input`."""
    global _overrides
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        if _overrides is None:
            _overrides = torch.overrides.get_testing_overrides()
        stand_in = _overrides.get(func)
        if stand_in is None:
            return ()
        signature = inspect.signature(stand_in)
    names = tuple(p.name for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    return tuple("input" if name == "self" else name for name in names)


# ---- activation ----------------------------------------------------------------------------
def _wanted_here() -> bool:
    return _active or bool(_local.tapes)


def sync_thread() -> None:
    """Put the mode on this thread's stack when wanted and absent; take it off when unwanted,
    and then the global hooks too once no thread holds one."""
    mode = _local.mode
    modules.forget_next_call()   # this thread's mode is as wanted from here on
    if _wanted_here():
        if mode is None:
            mode = _local.mode = AdapterMode()
            _push_under_users(mode)
            _modes.add(mode)
    elif mode is not None and _remove(mode):
        _local.mode = None
        _modes.discard(mode)
        with _lock:
            _sync_hooks()


def _stack() -> list:
    return [torch._C._get_function_stack_at(i)
            for i in range(torch._C._len_torch_function_stack())]


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
    stack = _stack()
    default = getattr(torch._GLOBAL_DEVICE_CONTEXT, "device_context", None)
    at = 1 if stack and stack[0] is default else 0
    _rebuild(stack[:at] + [mode] + stack[at:])


def _remove(mode) -> bool:
    """Take exactly `mode` off this thread's stack, the others keeping their order; False
    when it is not there (its own handler runs: torch has lifted it until the call returns)."""
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
    if (_local.mode is None) is _wanted_here():   # wanted and absent, or present and unwanted
        sync_thread()


def _optimizer_starts(optimizer, args, kwargs) -> None:
    """`optimizer.step()` runs without the mode, and whoever hears its update op hears one
    per parameter (updates.py): traced call by call, Adam's ~8 in-place calls a parameter
    would cost more than the forward pass. A step given a closure (LBFGS) keeps the mode:
    the forward and backward passes the closure runs are the user's."""
    if _local.step is not None and _running(_local.step):   # a step inside a step (a
        return   # subclass's step calling super().step()): the outer one's updates
    _forget_step()   # what a step that raised left
    mode = _local.mode
    closure = args[1] if len(args) > 1 else kwargs.get("closure")   # args[0]: the optimizer
    if mode is None or closure is not None or not _remove(mode):
        return
    _local.mode = None
    _local.step = _getframe(1)   # torch's step wrapper, which calls the hooks
    if not modules.installed():   # (installed, their next module call puts it back)
        modules.at_next_call(_after_failed_step)
    op = updates.op_of(optimizer)
    route = op.route
    state = _thread.state
    if route.heard or state.layer_listeners:
        source = source_from(_getframe(1))
        hearers = _hearers(route, state, source)
        if hearers:
            updates.start(optimizer, op, hearers, source, _output_test(route, hearers))


def _optimizer_ends(optimizer, args, kwargs) -> None:
    if _local.step is not None and _local.step is not _getframe(1):   # an inner step's end
        return
    _local.step = None
    try:
        updates.finish(optimizer)
    finally:   # a hearer of the updates may raise (a Runner's stop): the mode comes back
        sync_thread()


def _running(frame) -> bool:
    """Whether `frame` is on this thread's stack (below the optimizer hook asking)."""
    caller = _getframe(2)
    while caller is not None:
        if caller is frame:
            return True
        caller = caller.f_back
    return False


def _forget_step() -> None:
    _local.step = None
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
        stand_ins.install(False)
        modules.forget_next_call(every_thread=True)   # their modes are off already
        values.forget()
        masks.forget()
        if any(mode.thread.is_alive() for mode in _modes):
            modules.install(_on_thread)   # each other thread's leaves at its next module call
        else:
            modules.uninstall()
        return
    if not _optimizer_hooks:
        _optimizer_hooks.append(register_optimizer_step_pre_hook(_optimizer_starts))
        _optimizer_hooks.append(register_optimizer_step_post_hook(_optimizer_ends))
        stand_ins.install(True)
    if any_recording() or events.listeners(events.OpExecuted) or any(
            bp.enabled and bp.layer is not None for bp in breakpoint_listener.armed()):
        modules.install(_on_thread)
    else:
        modules.uninstall()


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
        _local.tapes = _local.tapes + (tape,)
        _recording_threads.add(threading.get_ident())
        sync_thread()
        _sync_hooks()


def stop_recording(tape) -> None:
    with _lock:
        _local.tapes = tuple(t for t in _local.tapes if t is not tape)
        if not _local.tapes:
            _recording_threads.discard(threading.get_ident())
        sync_thread()
        _sync_hooks()


events.watch_routing(routing_changed)
routing_changed()
