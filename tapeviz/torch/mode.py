"""The adapter's instrumentation point: a `TorchFunctionMode` that turns torch calls into Nodes.

Why a TorchFunctionMode and not a TorchDispatchMode: it sees the calls the user wrote
(`F.cross_entropy`, `x + y`, `model.conv1`'s `conv2d`) under their public names and from
Python, where the user's line is on the stack; a dispatch mode sees aten ops after
decomposition (`aten.addmm`, `aten._log_softmax`) and runs below autograd. Inside its
handler torch pops the mode, so the ops a torch function calls are not seen twice.

The mode is on a thread's stack only while someone listens or a `record()` tape records
there (activation.py puts it on and takes it off, and runs `optimizer.step()` and
`zero_grad()` without it). Per call it asks what dispatch asks: the op's route, the
thread's layer listeners, the tapes recording here; an op nobody hears costs the handler
call and those checks, and copies nothing. A heard op gets the user's line, copies of its
values and a `Node`, offered to the tapes and sent to its hearers as an `OpExecuted`.
"""
from __future__ import annotations

import os
import sys
import threading
from time import perf_counter

import torch
import torch.compiler as _compiler
from torch.overrides import TorchFunctionMode

from .. import events
from ..debugger.given import add_note
from ..fpwarnings import say_from_user_line
from ..node import record
from ..sourceinfo import exclude_package, source_from
from ..threadstate import local as _thread, raised_listeners, step_raised
from . import (autograd, error_notes, finite, inplace_writes, kept_steps, masks, modules, ops,
               steps, values)
from .call_arguments import arguments, first_tensor, tensors_of
from .nodes import LazyNode, make_node, other_outputs, tell
from .ops import BACKWARD, BY_FUNC, DATA_OF, MARKS_PARAMETER, op_for

_getframe = sys._getframe

exclude_package(torch.__path__[0])   # torch's frames are not the user's line
# torch warns from the frame that called it, the mode's handler (`float(loss)` pointed at
# this file, and "once per line" showed one warning a program): said from the user's line
say_from_user_line(os.path.dirname(__file__) + os.sep)


class _Local(threading.local):
    def __init__(self):
        self.mode = None     # the adapter's mode while it is on this thread's stack
        self.tapes = ()      # record() tapes recording on this thread
        self.step = None     # the frame of the optimizer.step() running without the mode
        self.lifted = None   # the mode a stand-in for optimizer.step() took off (activation)


local = _Local()


class AdapterMode(TorchFunctionMode):
    """Turns each torch call someone hears into a Node (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self.thread = threading.current_thread()   # whose stack it is on

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if _compiler._is_compiling_flag:   # dynamo tracing a function compiled after
            # listening began (the stance could not be set): its graph is torch's calls, unheard.
            # (`is_compiling()` reads this flag after asking `torch.jit.is_scripting()`: two
            # Python calls on every torch call; a mode is never scripted)
            return func(*args, **kwargs) if kwargs else func(*args)
        try:
            op = BY_FUNC[func]
        except (KeyError, TypeError):
            op = op_for(func)
        if op is not None:
            if op is BACKWARD:
                if kept_steps.ON:
                    kept_steps.backward(func, args, kwargs or {})
                try:
                    return autograd.run(func, args, kwargs or {}, local.tapes)
                except Exception as error:
                    _step_raised(error)
                    raise
            if op is MARKS_PARAMETER:
                return _marked(func, args, kwargs or {})
            tapes = local.tapes
            route = op.route
            if tapes or route.heard or route.steps or _thread.state.layer_listeners:
                return _traced(op, func, args, kwargs or {}, route, tapes)
            if op.inplace:
                return _written(op, func, args, kwargs or {}, _getframe(1))
        # not an op, or nobody hears it: torch's call as it is (most calls have no keywords)
        try:   # (free in CPython 3.11 until it raises)
            return func(*args, **kwargs) if kwargs else func(*args)
        except Exception as error:
            if op is not None:   # an op a Runner or a breakpoint on others let run: noted too
                _noted(error, op, func, args, kwargs or {}, _getframe(1))
            raise


def _traced(op, func, args, kwargs, route, tapes):
    """A call that a tape may record or someone may hear: the Node and its OpExecuted (an
    op whose backward steps alone are heard gets its Node, for them, and no event)."""
    state = _thread.state
    caller = _getframe(1)
    result = _NOT_RUN
    if func is _SETITEM:
        if not _written_in_graph(args):   # data written (a batch, a mask, a planted NaN)
            return func(*args, **kwargs)
        func = _assigned
    if not tapes and not route.steps and route.lines is None and not state.layer_listeners \
            and _writes_no_input(op, args, kwargs):
        # heard by its route's listeners alone, wherever it runs: the call runs first
        # (every op a nan breakpoint or a condition hears takes this path: `_called`,
        # `first_tensor` and `output_test` inlined, a Python call each an op saved)
        started = perf_counter()
        try:
            result = func(*args, **kwargs) if kwargs else func(*args)
        except Exception as error:
            _note_failure(error, op, func, args, kwargs, caller)
            raise
        duration = perf_counter() - started
        output = result if isinstance(result, torch.Tensor) else first_tensor(result)
        test = None if route.every_node or route.evented else route.wants   # output_test's
        if test is not None:
            # heard only by node forms that want some outputs (a nan breakpoint's): the
            # output is tested before the line, the arguments or any value is read
            if output is not None and not (output.requires_grad and output.is_leaf) \
                    and finite.passes(op, args, output, test):
                return result
        elif output is result and args and isinstance(args[0], torch.Tensor) \
                and _told(op, func, args, kwargs, route, state, caller, output, duration):
            return result
    source = source_from(caller)
    hearers = hearers_of(route, state, source)
    if kept_steps.ON and result is _NOT_RUN and state.sink is not None:
        if not tapes and hearers is route.ops and route.sunk_only:   # a Recorder alone
            result = kept_steps.traced(op, func, args, kwargs, state, source, caller,
                                       op is _MUL and caller.f_back is not None
                                       and caller.f_back.f_code is _SCALE_LOSS)
            if result is not kept_steps.UNFOLLOWED:
                return result
            result = _NOT_RUN
        else:
            kept_steps.leave()
    if not tapes and not hearers and not route.steps:   # heard only at other lines
        return func(*args, **kwargs) if result is _NOT_RUN else result
    # heard only by node forms that want some outputs: the output is tested before any
    # copy or node is made, as dispatch does
    test = None if tapes or route.steps else output_test(route, hearers)
    names, tensors, params = arguments(func, args, kwargs)
    # the inputs change (relu_, out=, F.relu(x, inplace=True)): take them before
    early = op.inplace or "out" in kwargs or params.get("inplace") is True
    # batch norm's running statistics, written with their version unmoved: taken before too
    statistics = values.statistics_written(op.name, names, tensors, params)
    made = op.inplace and tensors and values.unseen(tensors[0])   # an initialiser's write
    scope, name_of = _layer(state, caller) if early or statistics or test is None else (
        None, None)
    inputs = _inputs(tensors, name_of) if early or statistics else None
    if made and op.name in values.OVERWRITES:   # an initialiser: what it wrote over is no value
        inputs = (values.uninitialised(tensors[0], name_of, op.name), *inputs[1:])
    keys = autograd.input_keys(tensors) if early else None   # (relu_'s input: autograd's
    #                                                           node for it before relu_)
    if result is _NOT_RUN:
        started = perf_counter()
        result = _called(op, func, args, kwargs, caller)
        duration = perf_counter() - started
        if early and not tapes and state.sink is None:   # no op remembered explains a refusal
            inplace_writes.wrote(op.name, result, caller)
    if statistics:   # (their copies kept by version are the values before)
        values.written_unversioned(statistics)
    output = first_tensor(result)
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
    if len(names) > len(op.input_names):   # (a first call given a number names fewer)
        op.input_names = names
    taped = output.grad_fn is not None   # autograd recorded it; optimizer.step()'s updates: no
    scaling = taped and op is _MUL and caller.f_back.f_code is _SCALE_LOSS   # scaler.scale(loss)
    if not tapes and not route.steps and test is None and inputs is None and result is output:
        # heard by listeners alone, none of its backward steps: its values copied if read
        if scaling:
            autograd.scaled_by(output, *args)
        tell(LazyNode(op, (*tensors, output), params, scope, source, name_of), hearers, taped,
             duration)
        return result
    if inputs is None:
        inputs = _inputs(tensors, name_of)
    node = make_node(op, inputs, values.snapshot(output, name_of), params, scope, source)
    if values.fresh:   # a parameter made before anyone listened, read for the first time
        values.name_by_reader(node)
    if taped:
        autograd.remember(node, output, keys or autograd.input_keys(tensors),
                          () if result is output else result)
        if scaling:   # (after remember: the scaling's node is the one remembered)
            autograd.scaled_by(output, *args)
    made = (node,) if result is output else (node, *other_outputs(node, result, name_of))
    for tape in tapes:
        tape.record(node, output if taped else None)
        for other in made[1:]:
            tape.record(other)
    if hearers is route.ops and route.sunk_only and state.sink is not None:
        _sink(state.sink, made, taped, duration)   # a Recorder alone hears it: no event
    elif hearers:
        for one in made:
            event = events.OpExecuted(one, taped, duration)
            for callback in hearers:
                callback(event)
    return result


def _written(op, func, args, kwargs, caller):
    """An in-place call nobody hears: run, and kept by inplace_writes should autograd refuse
    a backward pass for it (a Runner or a breakpoint alone remembers no op)."""
    result = func(*args, **kwargs) if kwargs else func(*args)
    inplace_writes.wrote(op.name, result, caller)
    return result


def _sink(sink, made: tuple, taped: bool, duration: float) -> None:
    """Add the records of an op's nodes to the Recorder's list on this thread (`state.sink`,
    as dispatch does), which its OpExecuted would have added: no event, no call into it."""
    for node in made:
        sink += record(node, taped, duration)
    if len(sink) >= sink.check_at:
        sink.full()


_NOT_RUN = object()   # the call has not run yet


def _told(op, func, args, kwargs, route, state, caller, output, duration) -> bool:
    """An op on tensors that wrote none of them, heard by its route's listeners alone (a
    bare condition's): a LazyNode, its line found when read, told to their node forms with
    no event (as dispatch does) and to the others as an OpExecuted. False where the general
    path must make it (a GradScaler's scaling, a sunk listener)."""
    taped = output.grad_fn is not None
    split = by_form(route)
    if split is None or taped and op is _MUL and caller.f_back.f_code is _SCALE_LOSS:
        return False
    forms, evented = split
    tensors, params, call = tensors_of(args, kwargs), None, (func, args, kwargs)
    if len(tensors) > len(op.input_names):   # (a first call given a number names fewer)
        op.input_names, tensors, params = arguments(func, args, kwargs)
        call = None
    # the layer path as the hooks keep it, else read off the stack when first asked
    scope, name_of = (state.scope, modules.parameter_name) if modules.keeps_paths() else (
        None, None)
    tell(LazyNode(op, (*tensors, output), params, scope, None, name_of, caller=caller,
                  call=call), evented, taped, duration, forms)
    return True


def _called(op, func, args, kwargs, caller):
    """`func`'s result; an error torch raises, kept as it is, says where it was too."""
    try:
        return func(*args, **kwargs)
    except Exception as error:
        _note_failure(error, op, func, args, kwargs, caller)
        raise


def _noted(error, op, func, args, kwargs, caller) -> tuple:
    """Add to `error`, raised by torch's `func`, the op, its inputs, its layer and the line;
    (its tensors, the user's line)."""
    names, tensors, _ = arguments(func, args, kwargs)
    source = source_from(caller)
    if not modules.keeps_paths():   # (the hooks keep the name at each root's call)
        modules.bind_root(caller)
    add_note(error, error_notes.failed_op(op, names, tensors, _layer(_thread.state, caller)[0],
                                          source))
    return tensors, source


def _note_failure(error, op, func, args, kwargs, caller) -> None:
    """`_noted`, and the failure kept for the tapes recording here and the step that raised."""
    tensors, source = _noted(error, op, func, args, kwargs, caller)
    failed = error.tapeviz_failure = error_notes.failed_call(error, op, tensors, source)
    for tape in local.tapes:   # (drawn 'raised, caught' should the user's code catch it)
        tape.op_raised(failed)
    _step_raised(error)


def _step_raised(error) -> None:
    """A call of the training step raised `error`: the Recorder on this thread, if any, and
    those fed events (threads="all", a second one) end the step there (a loop that catches it
    goes on with a fresh step)."""
    sink = _thread.state.sink
    if sink is not None or raised_listeners:
        if sink is not None:
            kept_steps.step_raised()
        steps.step_raised()
        step_raised(error)


def _writes_no_input(op, args, kwargs) -> bool:
    """Whether a call surely writes none of its inputs: not an in-place op, no `out=`, no
    `inplace=True` (by name, or any positional True: `F.relu(x, True)`), no batch norm."""
    if op.inplace or "out" in kwargs or kwargs.get("inplace") is True \
            or op.name in values.STATISTICS_WRITERS:   # (batch norm's running statistics)
        return False
    for arg in args:
        if arg is True:
            return False
    return True


_SETITEM = torch.Tensor.__setitem__


def _assigned(input, indices, values):
    """`input[indices] = values` as an op: the tensor it wrote is its output (torch's
    __setitem__ returns None, and `x[mask] = 0` ignores what the mode returns)."""
    _SETITEM(input, indices, values)
    return input


def _written_in_graph(args) -> bool:
    """Whether autograd records `input[indices] = values`: an activation written (`g[g > 1]
    = 0`) is an op; a batch, a mask or a parameter written under no_grad is data."""
    return torch.is_grad_enabled() and any(
        isinstance(arg, torch.Tensor) and arg.requires_grad for arg in args)


_MUL = ops.op_named("mul")
_SCALE_LOSS = torch.amp.GradScaler.scale.__code__   # loss * scale, for float16's backward


def output_test(route, hearers):
    """The test an op's output must pass for its node to be made, when each of `hearers` is
    a node form that wants only some outputs (a nan breakpoint's); else None."""
    if route.every_node or route.evented or hearers is not route.ops:
        return None
    return route.wants


def _layer(state, caller) -> tuple:
    """(the layer path an op called from `caller` runs in, how its parameters are named)."""
    if modules.keeps_paths():
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


def by_form(route) -> tuple | None:
    """(the node forms of the route's listeners, the callbacks of the others), or None when
    one is sunk (a Recorder's, in neither: the general path sends it events)."""
    forms, evented = route.on_node, route.evented
    return (forms, evented) if len(forms) + len(evented) == len(route.ops) else None


def hearers_of(route, state, source) -> tuple:
    """Who hears an op at `source` on this thread: its route's listeners, those of the
    thread's layer, those that accept the line."""
    hearers = route.ops
    if state.layer_listeners:
        hearers = events.merged(hearers, state.layer_listeners)
    if route.lines is not None:
        hearers = route.lines.add(source, hearers)
    return hearers


def _inputs(tensors, name_of) -> tuple:
    return tuple([values.snapshot(tensor, name_of) for tensor in tensors])
