"""What a debugger function was given, checked before it is used.

`find_nan_origin` and `diagnose` read a tape's nodes, a recorded step's ops or a list of
nodes; `break_on` takes a line to stop at and a condition; a `Runner` takes a training
function and its arguments; a `BackwardStepper` a tape, its loss and the variables. The
student who reaches for them is already confused, and the commonest slips gave a wrong
answer rather than fail: a tape that `gradient` freed holds no ops (so "no NaN here"), the
loss is a value that remembers no ops, a breakpoint on a blank line never stops, a
condition that raises fails every op after it, a training function called with the wrong
arguments fails in a thread the student does not see. Each is refused naming the call,
what it expected, what came and the user's line, with the call that works as the hint.
"""
from __future__ import annotations

import difflib
import inspect
import linecache
import math
import numbers
import os
import re
import sys

from .. import nest
from ..errors import (DTypeError, InvalidArgumentError, MisuseError, MissingStepError,
                      add_note, bad_argument, describe)
from ..fpwarnings import warn_from_user_line
from ..tensor import Tensor
from .breakpoint_listener import op_in_pass
from .op_lines import lines_that_can_run_ops, nearest
from .result_given import call_that_ran

RECORD_IT = "with tapeviz.debugger.Recorder() as rec: ...; then {call}"


def check_recorded_ops(call: str, source, expected: str, on_recording: str,
                       target=None) -> None:
    """Refuse `source` unless `call` can read recorded ops from it: a tape that still holds
    them, anything with `.nodes` or `.ops`, or a list of nodes (`expected` says what the
    call takes, `on_recording` how it reads a Recorder's; `target`, the argument after it,
    tells the two swapped)."""
    if getattr(source, "freed", False):
        raise MisuseError(call, "this GradientTape was consumed by gradient() and freed its "
                                "ops, so there is nothing left to search",
                          hint=f"call {call}(tape) before tape.gradient, use "
                               f"tf.GradientTape(persistent=True), or record the step: "
                               f"{RECORD_IT.format(call=on_recording)}")
    if isinstance(source, (list, tuple)):
        stray = next((item for item in source if not _node_like(item)), None)
        if stray is None:
            return
        raise DTypeError(call, f"expected {expected}; got a list holding "
                               f"{describe(stray)}", hint=_hint(call, stray, on_recording))
    if hasattr(source, "nodes") or hasattr(source, "ops"):
        return
    raise not_recorded_ops(call, source, expected, on_recording, target)


def not_recorded_ops(call: str, source, expected: str, on_recording: str,
                     target=None) -> DTypeError:
    """The error for `source`, given to `call` where recorded ops were `expected`: the loss
    for the tape, the two swapped, a Recorder where a step was meant."""
    swapped = isinstance(source, Tensor) and hasattr(target, "nodes")
    return DTypeError(call, f"expected {expected}; got {describe(source)}",
                      hint=f"the tape comes first, then the loss: {call}(tape, loss)"
                      if swapped else _hint(call, source, on_recording))


def check_node(call: str, node) -> None:
    """Refuse what is no recorded op's node (a tensor, a tape, None), said before any of its
    fields is read (a bare AttributeError was)."""
    if _node_like(node):
        return
    hint = ("a tape holds many: [check_node_gradient(node) for node in tape.nodes]"
            if hasattr(node, "nodes") else
            "a tensor is a value and does not remember the op that made it: check the nodes "
            "of the tape that recorded it, [check_node_gradient(node) for node in tape.nodes]"
            if isinstance(node, Tensor) else "check_node_gradient(tape.nodes[0])")
    raise DTypeError(call, f"expected a recorded op (a node of tape.nodes, or a recorded "
                           f"step's op); got {describe(node)}", hint=hint)


def _node_like(item) -> bool:
    node = getattr(item, "node", item)   # a RecordedOp holds its node
    return all(hasattr(node, name) for name in ("op", "inputs", "output"))


def _hint(call: str, value, on_recording: str) -> str | None:
    if value is None:   # (a Recorder's last_step before its first step is recorded)
        return (f"a Recorder's last_step is None until it has recorded a step: start it "
                f"before the training loop, rec = Recorder().start(), then "
                f"{on_recording}")
    if isinstance(value, Tensor):
        return (f"a tensor is a value and does not remember the ops that made it: pass the "
                f"GradientTape that recorded them, {call}(tape), or "
                f"{RECORD_IT.format(call=on_recording)}")
    from ..keras.layers import Layer   # (the debugger is imported before Keras)
    from .recorder import Recorder   # it imports this module
    if isinstance(value, Recorder):
        return (f"a Recorder holds steps: {call}(rec.last_step) reads one, and diagnose(rec) "
                f"finds the step where NaN/Inf was born")
    torch = _torch_kind(value)   # (torch is optional: its classes told by name)
    if torch == "Tensor":
        return (f"a tensor is a value and does not remember the ops that made it: record "
                f"them, `with tapeviz.torch.record() as tape: ...`, then {call}(tape)")
    if torch == "Module" or isinstance(value, Layer):
        recorded = ("with tapeviz.torch.record() as tape: loss = loss_fn(model(x), y)"
                    if torch else "with tf.GradientTape() as tape: loss = loss_fn(y, model(x))")
        return (f"a model is not a record of what it ran: record a step of it, `{recorded}`, "
                f"then {call}(tape)")
    return None


def _torch_kind(value) -> str | None:
    """'Tensor' or 'Module' for a torch tensor or module (a subclass too), else None."""
    for cls in type(value).__mro__:
        if (cls.__module__, cls.__name__) in (("torch", "Tensor"),
                                              ("torch.nn.modules.module", "Module")):
            return cls.__name__
    return None


def condition_failed(bp, node, error: Exception) -> None:
    """A breakpoint's condition raised `error` when asked about `node`: the error stays the
    condition's own (the user's to catch), with a note naming the breakpoint, the op and the
    fix; the breakpoint is disabled, so the student's next op runs."""
    bp.disable()
    where = f" set at {bp.set_at.location}" if bp.set_at is not None else ""
    ran = f" at {node.source.location}" if node.source is not None else ""
    add_note(error, f"break_on: raised by the condition of the breakpoint{where}, asked "
                     f"about {op_in_pass(node.op.name, node.phase)}{ran}; the breakpoint is "
                     f"disabled\n"
                     f"  hint: a condition is given the node: node.op.name, node.inputs, "
                     f"node.output (a Tensor), node.scope, node.source; set it again with the "
                     f"condition fixed, e.g. break_on(op=..., condition=lambda node: "
                     f"float(tf.reduce_max(node.output)) > 10)")


def condition_returned_none(bp, node) -> None:
    """A breakpoint's condition returned None, as a `def` without `return` does for every
    node: None counts as False, so the breakpoint would never stop and never say why."""
    where = f" set at {bp.set_at.location}" if bp.set_at is not None else ""
    warn_from_user_line(f"break_on: the condition of the breakpoint{where} returned None when "
                        f"asked about {op_in_pass(node.op.name, node.phase)}; None counts as "
                        f"False, so "
                        f"the breakpoint does not stop there. Does the condition lack "
                        f"`return`? e.g. def condition(node): return node.op.name == 'exp' "
                        f"(said once a breakpoint)")


DEBUGGERS = ("pdb", "ipython", "debugpy", "none")


def forced_debugger(call: str) -> str:
    """TAPEVIZ_DEBUGGER lower-cased ('' when unset), refused when it names no debugger: said
    by break_on at the student's line, not first at a hit, inside an op, every hit after."""
    forced = os.environ.get("TAPEVIZ_DEBUGGER", "").strip().lower()
    if forced and forced not in DEBUGGERS:
        close = difflib.get_close_matches(forced, DEBUGGERS, n=1)
        raise InvalidArgumentError(call, f"the environment variable TAPEVIZ_DEBUGGER must be "
                                         f"one of {DEBUGGERS} or unset; got {forced!r}",
                                   hint=f"did you mean {close[0]!r}?" if close else
                                   "unset it to let tapeviz choose: "
                                   "del os.environ['TAPEVIZ_DEBUGGER']")
    return forced


def check_source_line(file, line) -> None:
    """Refuse a breakpoint's `line` (with `file`, when given) that no op can run at: not a
    positive int, or a blank or comment line or past the end of a file that can be read.
    A file no path names yet may be imported later: said as a warning."""
    if line is not None and (not isinstance(line, numbers.Integral) or isinstance(line, bool)
                             or line < 1):
        error = bad_argument("break_on", "line", "a line number (a positive int)", line)
        hint = _two_arguments(line)
        raise error.with_hint(hint) if hint is not None else error
    if file is None:
        return
    if not isinstance(file, (str, os.PathLike)):
        raise bad_argument("break_on", "file", "a file name or path (a str)", file)
    path = _readable(os.fspath(file))
    hint = _two_arguments(file) if path is None and line is None else None
    if hint is not None:
        raise InvalidArgumentError("break_on", f"file must name a file; got {file!r}, a file "
                                               f"and a line", hint=hint)
    if path is None:
        warn_from_user_line(f"break_on: no file loaded so far is {os.fspath(file)!r} (a path, "
                            f"or the end of one): the breakpoint stops only when a file of "
                            f"that name runs")
        return
    if line is None:
        return
    lines = linecache.getlines(path)
    if line <= len(lines) and _is_code(lines[line - 1]):
        return _warn_if_no_op(path, line, lines)
    near = [n for n in range(max(1, line - 3), min(len(lines), line + 3) + 1)
            if _is_code(lines[n - 1])]
    what = (f"the file has {len(lines)} lines" if line > len(lines)
            else f"line {line} is {'a comment' if lines[line - 1].strip() else 'blank'}")
    raise InvalidArgumentError("break_on", f"no op can run at {os.path.basename(path)}:"
                                           f"{line}: {what}",
                               hint=f"lines with code nearby: {', '.join(map(str, near))}"
                               if near else None)


def _two_arguments(written) -> str | None:
    """The hint for a file and line written as one string (pdb's `b train.py:12`), or None."""
    found = re.fullmatch(r"\s*(.+?):(\d+)\s*", written) if isinstance(written, str) else None
    return None if found is None else (f"the file and the line are two arguments: "
                                       f"break_on(file={found[1]!r}, line={found[2]})")


def _warn_if_no_op(path: str, line: int, lines: list) -> None:
    """Warn when code line `line` of `path` can run no op (op_lines.py): pdb takes such a
    line, but the breakpoint would never stop."""
    can = lines_that_can_run_ops("".join(lines))
    if can is None or line in can:
        return
    near = nearest(can, line)
    warn_from_user_line(f"break_on: no op can run at {os.path.basename(path)}:{line} "
                        f"({lines[line - 1].strip()}): the line calls nothing and applies no "
                        f"operator, index or attribute to anything but constants, so the "
                        f"breakpoint would never stop"
                        + (f"; lines nearby that can: {', '.join(map(str, near))}"
                           if near else ""))


def _readable(file: str) -> str | None:
    """The path of `file` as code runs it: itself, or a loaded module's file (or a notebook
    cell's) that ends with it; None when there is none."""
    if os.path.isfile(file) or linecache.getlines(file):
        return file
    suffix = os.sep + os.path.normpath(file)
    name = os.path.basename(suffix)
    for path in [*_loaded_files(name), *list(linecache.cache)]:
        if isinstance(path, str) and path.endswith(name) \
                and os.path.normpath(path).endswith(suffix):
            return path
    return None


_modules_seen: set = set()   # the names of the modules whose files _module_files holds
_module_files: dict = {}     # a loaded module's file's name -> the paths of that name


def _loaded_files(name: str) -> list:
    """The files named `name` of the modules loaded so far, each module's file read once: a
    torch process loads ~1,300 modules, and reading every one's `__file__` again (which
    runs the `__getattr__` of one without) cost ~2 ms a breakpoint set."""
    modules = sys.modules
    for module_name in modules.keys() - _modules_seen:
        _modules_seen.add(module_name)
        path = getattr(modules.get(module_name), "__file__", None)
        if isinstance(path, str):
            _module_files.setdefault(os.path.basename(path), []).append(path)
    return _module_files.get(name, [])


def _is_code(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


TRAIN_CALLS = "Runner(train, model), dashboard.train(train, model) or %tapeviz_train train model"


def check_training_function(call: str, fn, args: tuple, kwargs: dict) -> None:
    """Refuse a training function the background thread could only fail with: not a
    callable (its result, `train()`, given for it), a generator or coroutine function
    (calling it runs none of its code), or arguments its signature cannot take, said here,
    at the user's line, not in a thread the student does not see."""
    if not callable(fn):
        ran = call_that_ran(call)
        if ran is not None:
            raise DTypeError(call, f"expected a training function (a callable); got "
                                   f"{describe(fn)}, what {ran[0]} returned: that call ran "
                                   f"it here, before {call} could watch it",
                             hint=f"pass the function and its arguments apart: {ran[1]}")
        raise DTypeError(call, f"expected a training function (a callable); got "
                               f"{describe(fn)}",
                         hint="pass the function itself, not its result: train, not train()")
    name = getattr(fn, "__name__", "the training function")
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
        kind, run = (("generator", f"for _ in {name}(): pass")
                     if inspect.isgeneratorfunction(fn)
                     else ("coroutine", f"asyncio.run({name}())"))   # a for loop cannot run it
        raise DTypeError(call, f"expected a training function; got {name}, a {kind} "
                               f"function: calling it runs none of its code",
                         hint=f"wrap it in a plain function that runs it to the end, e.g. "
                              f"def run(): {run}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):   # a builtin without one: let the call say
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        given = ", ".join([*map(_short, args), *(f"{k}={_short(v)}" for k, v in
                                                 kwargs.items())]) or "nothing"
        raise DTypeError(call, f"{name}{signature} cannot be called with {given}: {error}",
                         hint=f"give its arguments after the function: {TRAIN_CALLS}") \
            from None


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def missing_step(recorder, index, steps: list) -> MissingStepError:
    """The error for `recorder[index]` past its kept `steps`: which it keeps (by the numbers
    the widget shows), how many it dropped, and how to reach one by its number."""
    first, last = (steps[0].number, steps[-1].number) if steps else (None, None)
    kept = f"{len(steps)} steps, numbered {first} to {last}" if steps else "no steps"
    dropped = recorder.dropped.steps
    older = (f"; {dropped} older steps were dropped to keep its max_bytes budget of "
             f"{recorder.max_bytes:,} bytes (raise it to keep more)" if dropped else "")
    hint = (f"rec[i] counts the kept steps from 0 (rec[-1] is the last); by the number the "
            f"widget shows: next(s for s in rec.steps if s.number == {last})"
            if steps else "record a step first: with rec: ...")
    return MissingStepError("Recorder", f"no kept step at index {index!r}: it keeps "
                                        f"{kept}{older}", hint=hint)


def entered_twice() -> MisuseError:
    """The error for `with rec:` inside `with rec:` (the inner end would stop the recording,
    and the rest of the outer block would go unrecorded)."""
    return MisuseError("Recorder", "this Recorder is already recording; entering it again "
                                   "would stop it at the inner block's end, and what runs "
                                   "after it in the outer block would go unrecorded",
                       hint="enter it once (`with rec:` around the whole loop), or record a "
                            "part apart with a second Recorder(); rec.mark_step(label) ends a "
                            "step where you choose")


def check_stepper_arguments(tape, target, sources) -> None:
    """Refuse what `BackwardStepper(tape, target, sources)` cannot step: a tape that is no
    tape (the two swapped, `BackwardStepper(loss, tape)`), a target or a source that is no
    tensor."""
    call = "BackwardStepper"
    if not hasattr(tape, "backward"):
        swapped = isinstance(tape, Tensor) and hasattr(target, "backward")
        raise DTypeError(call, f"tape must be the GradientTape that recorded the loss; got "
                               f"{describe(tape)}",
                         hint="the tape comes first, then the loss: BackwardStepper(tape, "
                              "loss)" if swapped else "BackwardStepper(tape, loss, [w, b])")
    check_target_and_sources(call, target, sources, "BackwardStepper(tape, loss, [w, b])")


def check_target_and_sources(call: str, target, sources, example: str) -> None:
    """Refuse a target or a source of `call` that is a name or a number (the loss named as
    a string, a number among the variables): it would fail deep in the backward pass, or
    find no variable to judge and say nothing. (Another engine's tensors pass.)"""
    for name, value in (("target", target), ("sources", sources)):
        stray = next((item for item in nest.flatten(value)
                      if isinstance(item, (str, bytes, numbers.Number))),
                     None) if value is not None else None
        if stray is not None:
            raise DTypeError(call, f"{name} must be tensors or variables; got "
                                   f"{describe(stray)}",
                             hint=f"{example}: the loss the tape recorded, and the variables "
                                  f"to differentiate it by")


def check_target_recorded(call: str, tape, target, example: str) -> None:
    """Refuse a target no op of `tape` made (a loss computed after the `with tape:` block, or
    under another tape): its backward pass reaches nothing, and a widget stepped it to 'none
    flows here' with no word of why."""
    for item in nest.flatten(target):
        if isinstance(item, Tensor) and not tape.tracks(item):
            raise InvalidArgumentError(call, f"target must be a tensor this tape recorded; got "
                                             f"{describe(item)}, which no op of the tape made",
                                       hint=f"compute the loss inside the `with tape:` block "
                                            f"and pass it: {example}")


def check_byte_budget(max_bytes) -> None:
    """Refuse a Recorder's `max_bytes` that is not a positive number of bytes ('1GB' failed
    in int() with no call named; -5 made a Recorder that dropped every step)."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Real) or \
            not 1 <= max_bytes < math.inf:   # (inf failed in int(): OverflowError)
        raise bad_argument("Recorder", "max_bytes", "a positive number of bytes, e.g. 2**30 "
                           "for 1 GiB", max_bytes)


def nothing_recorded_warning(call: str) -> None:
    """`call` was given a tape that recorded no op: its None would read as "no NaN", when
    the computation ran outside the tape or read nothing it watches."""
    warn_from_user_line(f"{call}: the tape recorded no op, so there was nothing to search: "
                        f"it records the ops of its `with` block that read a Variable or a "
                        f"watched tensor (tape.watch(x) for a constant)")


def unsearched_backward_warning() -> None:
    """find_nan_origin(tape) found no NaN/Inf in the forward pass and was given no loss: a
    gradient made NaN in the backward pass (sqrt at 0, log at 0) went unsearched, and its
    None would read as "no NaN anywhere"."""
    warn_from_user_line("find_nan_origin: no op of the forward pass made NaN/Inf, and without "
                        "the loss the backward pass was not searched: for a NaN gradient, "
                        "find_nan_origin(tape, loss)")
