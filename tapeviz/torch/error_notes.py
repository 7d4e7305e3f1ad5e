"""What torch's errors do not say, added to them as notes (`add_note`: their type and message
stay, so the user's `except` clauses still catch them): the op that failed, its layer path,
the tensors it was given and the user's line; for autograd's complaint that a value saved for
the backward pass was changed in place ('output 0 of Sigmoid, is at version 1'), the
recorded op that wrote it, or the parameter an optimizer step updated, and where; for its
refusal of a loss that does not require grad, the user's line that cut it off the graph
(graph_cut.py) or, nothing cut, that made it from data alone, the prediction left unread
(wrong_tensor.py), and of a graph already freed, the line that made what the loss reuses
(freed_graph.py), and of a loss of more than one number, its shape, line and fix
(not_scalar.py); for a loss refused its target or input, a hint when their values say what
they are (one-hot rows, class indices, logits).
"""
from __future__ import annotations

import math
import re
import sys

import torch

from ..debugger.variable_names import torch_layer_in_code
from ..errors import OpError
from ..sourceinfo import SourceInfo, source_from, user_frame
from . import freed_graph, graph_cut, inplace_writes, not_scalar, values, wrong_tensor


def failed_op(op, names, tensors, scope: str, source) -> str:
    """The note of an error torch raised in a traced op: 'linear in layer model.fc2 was given
    input float32[2, 8], weight float32[1, 7] ...', then the user's line."""
    given = ", ".join(f"{name} {_described(tensor)}" for name, tensor in zip(names, tensors)) \
        or "no tensor"   # a factory (torch.ones(-1))
    layer = f" in layer {torch_layer_in_code(op.name, scope)}" if scope else ""
    note = f"tapeviz: {op.name}{layer} was given {given}"
    if source is not None:
        note += source.placed()
    given = dict(zip(names, tensors))
    hint = _loss_hint(op.name, given) or _device_hint(op.name, given) \
        or _conv_layout_hint(op.name, given) or _dtype_hint(op.name, given) \
        or _feature_axis_hint(op.name, given)
    return note + (f"\n  hint: {hint}" if hint else "")


def failed_call(error, op, tensors, source) -> OpError:
    """The torch call that raised `error` as the widget draws a numpy op that failed
    (viz/failure.py): an OpError (not raised) holding the op's name, torch's message, the
    user's line and numpy copies of the tensors it was given."""
    failed = OpError(op.name, str(error).split("\n", 1)[0], source=source)
    try:   # (copies: the inputs may be changed in place after the error; an input a node
        # recorded is that node's very copy, which wires it to its producer in the widget)
        failed.input_values = [values.snapshot(tensor)._value for tensor in tensors]
    except Exception:   # a meta tensor: drawn without them
        failed.input_values = []
    return failed


_WEIGHTED = ("linear", "conv1d", "conv2d", "conv3d")   # (embedding's ids are integers)


def _device_hint(op: str, given: dict) -> str | None:
    """An input on another device than the layer's weight: a batch left on the CPU for a
    model moved to the GPU (or the other way)."""
    data, weight = given.get("input"), given.get("weight")
    if op not in _WEIGHTED + ("embedding",) or not isinstance(data, torch.Tensor) \
            or not isinstance(weight, torch.Tensor) or data.device == weight.device:
        return None
    return (f"the input is on {data.device} and the weight on {weight.device}: move each "
            f"batch where the model is, x.to(device) with the device model.to(device) was "
            f"given (or next(model.parameters()).device)")


def _dtype_hint(op: str, given: dict) -> str | None:
    """An input of another dtype than the layer's weight: numpy's float64 kept by
    `torch.from_numpy`, or integer data, met float32 parameters."""
    data, weight = given.get("input"), given.get("weight")
    if op not in _WEIGHTED or not isinstance(data, torch.Tensor) \
            or not isinstance(weight, torch.Tensor) \
            or data.dtype == weight.dtype or not weight.is_floating_point():
        return None
    why = " (numpy's default, which torch.from_numpy keeps)" \
        if data.dtype == torch.float64 else ""
    to = str(weight.dtype)[6:]
    return (f"the input is {str(data.dtype)[6:]}{why} and the weight {to}: convert the "
            f"batch, x.to(torch.{to})")


def _feature_axis_hint(op: str, given: dict) -> str | None:
    """An input of another number of features than a `linear` layer takes: a 1-D batch of one
    feature each (read as one example of that many), images not flattened, or a layer made
    for another width."""
    data, weight = given.get("input"), given.get("weight")
    if op != "linear" or not isinstance(data, torch.Tensor) or data.ndim == 0 \
            or not isinstance(weight, torch.Tensor) or weight.ndim != 2:
        return None
    units, takes = weight.shape
    if data.ndim == 1 and takes == 1:
        return (f"the input ({data.shape[0]},) is 1-D: linear reads it as one example of "
                f"{data.shape[0]} features, and the layer takes 1; give each example its "
                f"feature axis: x.unsqueeze(1), shape ({data.shape[0]}, 1)")
    features = data.shape[-1]
    if features == takes:
        return None
    said = (f"the layer takes {takes} input features, nn.Linear({takes}, {units}), and the "
            f"input's last axis has {features}")
    flat = math.prod(data.shape[1:]) if data.ndim > 2 else None
    if flat == takes:   # images or feature maps not flattened
        return (f"{said}: flatten each example first, x.flatten(1) or nn.Flatten() before the "
                f"layer, shape ({data.shape[0]}, {takes})")
    return f"{said}: make it nn.Linear({features}, {units}), or give it {takes} features"


def _conv_layout_hint(op: str, given: dict) -> str | None:
    """What a conv2d's refused input is, when its shape says: a batch of one-channel images
    without their channel axis (N, H, W), or images channels-last (N, H, W, C), as Keras
    and numpy loaders give them; torch's conv2d takes (N, C, H, W)."""
    image, weight = given.get("input"), given.get("weight")
    if op != "conv2d" or not isinstance(image, torch.Tensor) \
            or not isinstance(weight, torch.Tensor) or weight.ndim != 4:
        return None
    channels = weight.shape[1]
    if image.ndim == 3 and image.shape[0] != channels and channels == 1:
        return (f"conv2d takes a batch as (N, C, H, W): this 3-D input {tuple(image.shape)} "
                f"reads as one image of {image.shape[0]} channels; give a batch of "
                f"one-channel images its channel axis: x.unsqueeze(1)")
    if image.ndim == 4 and image.shape[1] != channels and image.shape[3] == channels:
        return (f"the input {tuple(image.shape)} is channels-last (N, H, W, C), as Keras and "
                f"numpy loaders give images; torch's conv2d takes (N, C, H, W): "
                f"x.permute(0, 3, 1, 2)")
    return None


_CLASSIFIER_LOSSES = ("cross_entropy", "nll_loss")
_VALUE_LOSSES = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits")


def _loss_hint(loss: str, given: dict) -> str | None:
    """What a loss's refused input or target is, when its values say: the two swapped (the
    target requires grad, the input does not), logits given to binary_cross_entropy,
    one-hot rows given to a loss that takes class indices, class indices out of range (from
    1, or too many for the outputs), class indices given as floats, integer targets given to
    a binary cross-entropy,
    or class indices given to a loss that compares values (a classifier's (N, C) output
    against (N,) labels)."""
    scores, target = given.get("input"), given.get("target")
    if isinstance(scores, torch.Tensor) and isinstance(target, torch.Tensor) \
            and target.requires_grad and not scores.requires_grad \
            and loss in _CLASSIFIER_LOSSES + _VALUE_LOSSES:
        return (f"the target is what the model made (it requires grad) and the input does "
                f"not: the arguments look swapped; {loss} takes the model's output first: "
                f"{loss}(output, labels)")
    if loss == "binary_cross_entropy" and isinstance(scores, torch.Tensor) and scores.numel() \
            and not bool(torch.all((scores >= 0) & (scores <= 1))):
        return ("the input holds logits (values outside [0, 1], from "
                f"{float(scores.min()):.3g} to {float(scores.max()):.3g}), and "
                "binary_cross_entropy takes probabilities: give the logits to "
                "F.binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss), which applies the "
                "sigmoid itself, stably")
    if loss.startswith("binary_cross_entropy") and isinstance(target, torch.Tensor) \
            and not target.is_floating_point():   # (torch: 'result type Float can't be cast')
        return (f"the target holds integers ({str(target.dtype)[6:]}): {loss} takes float "
                f"targets, each the probability of the positive class: pass target.float()")
    if not isinstance(scores, torch.Tensor) or not isinstance(target, torch.Tensor) \
            or scores.ndim != 2 or target.numel() == 0:
        return None
    classes = scores.shape[1]
    values = target.detach()
    whole = bool(torch.all(values == values.round()))
    if loss in _CLASSIFIER_LOSSES and target.shape == scores.shape and whole \
            and bool(torch.all((values == 0) | (values == 1))) \
            and bool(torch.all(values.sum(dim=1) == 1)):
        also = (" (or give them as probabilities: target.float())"
                if loss == "cross_entropy" else "")
        return (f"the target is one-hot (each row a single 1, shape {tuple(target.shape)}): "
                f"{loss} takes class indices, shape ({target.shape[0]},): pass "
                f"target.argmax(dim=1){also}")
    if loss in _CLASSIFIER_LOSSES and target.ndim == 1 and not target.is_floating_point() \
            and bool(torch.all(values >= 0)) and int(values.max()) >= classes:
        return _out_of_range_hint(int(values.min()), int(values.max()), classes)
    if target.ndim != 1 or target.shape[0] != scores.shape[0] or not whole \
            or not bool(torch.all((values >= 0) & (values < classes))):
        return None
    if loss in _CLASSIFIER_LOSSES and target.is_floating_point():
        return (f"the target holds class indices as floats ({str(target.dtype)[6:]}): "
                f"{loss} takes them as integers: pass target.long()")
    if loss in _VALUE_LOSSES and classes > 1:
        return (f"the target holds class indices (0..{int(values.max())}) for {classes} "
                f"outputs: {loss} compares values, (N, {classes}) against (N,); a "
                f"classifier's loss is F.cross_entropy(logits, target.long()) (or compare "
                f"one-hot rows: F.one_hot(target.long(), {classes}).float())")
    return None


def _out_of_range_hint(low: int, top: int, classes: int) -> str:
    """Class indices `low`..`top` for `classes` outputs, some out of range (torch: 'Target 10
    is out of bounds'): counted from 1, or a last layer with too few outputs."""
    if classes > 1 and low >= 1 and top == classes:
        return f"the labels look 1-based (1 to {classes}): subtract 1, target - 1"
    return (f"the model gives {classes} classes: labels up to {top} need a last layer of "
            f"{top + 1} outputs, nn.Linear(..., {top + 1})")


# torch's argument parser, which refuses a call before any mode sees it: no op noted it
_NOT_A_TENSOR = re.compile(r"(\w+)\(\): argument '(\w+)' \(position \d+\) must be Tensor, "
                           r"not ([\w.]+)$")   # (a numpy array: 'not numpy.ndarray')


def refused_argument(error) -> str | None:
    """The note of torch's refusal of a call given no tensor for one (None, a Python list:
    'linear(): argument 'input' (position 1) must be Tensor, not NoneType'): the module whose
    forward made the call, and the user's line, read from the error's frames; else None."""
    found = _NOT_A_TENSOR.match(str(error)) if type(error) is TypeError else None
    if found is None or any(note.startswith("tapeviz:")
                            for note in getattr(error, "__notes__", ())):
        return None
    frames, source, tb = [], None, error.__traceback__
    while tb is not None:   # outermost first: the innermost frame of the user's code wins
        frame, code = tb.tb_frame, tb.tb_frame.f_code
        frames.append(frame)
        user = source_from(frame)   # (a frame still running is at the `with`: tb_lineno)
        if user is not None and user.filename == code.co_filename:
            source = SourceInfo(code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
    module = next((type(frame.f_locals["self"]).__name__ for frame in reversed(frames)
                   if frame.f_code.co_name == "forward"
                   and isinstance(frame.f_locals.get("self"), torch.nn.Module)), None)
    given = "None" if found[3] == "NoneType" else f"a {found[3]}"
    value = next((frame.f_locals[found[2]] for frame in reversed(frames)   # (the forward's
                  if found[2] in frame.f_locals), None)                   # argument, named)
    tensors = isinstance(value, (list, tuple)) and any(isinstance(item, torch.Tensor)
                                                       for item in value)
    fix = ("; join them first: torch.cat(xs, dim=1), or torch.stack(xs) for a new axis"
           if tensors else "; make it one first: torch.from_numpy(x) (float64 stays float64: "
           "add .float() for a float32 model)" if found[3] == "numpy.ndarray" else
           "; make it one first: torch.tensor(x)")
    note = (f"tapeviz: {found[1]} was given {given} as its {found[2]}, where a tensor goes"
            f"{f', in {module}.forward' if module else ''}{'' if given == 'None' else fix}")
    if source is not None:
        note += source.placed()
    return note


def _described(tensor: torch.Tensor) -> str:
    dtype = str(tensor.dtype).removeprefix("torch.")
    device = "" if tensor.device.type == "cpu" else f" on {tensor.device}"
    return f"{dtype}{list(tensor.shape)}{device}"


_SAVED = re.compile(r"modified by an inplace operation: \[[\w.]+ \[([\d, ]*)\]\], which is "
                    r"output (\d+) of (\w+), is at version (\d+); expected version (\d+)")


def saved_value_changed(error) -> bool:
    """Whether `error` is autograd's refusal of a saved value changed in place."""
    return isinstance(error, RuntimeError) and _SAVED.search(str(error)) is not None


def overwritten(error, ops) -> str | None:
    """The note of autograd's error about a saved value changed in place, from the recorded
    ops the failed pass reached (`ops`: backward_pass.OpSteps), or None when none explains it."""
    found = _SAVED.search(str(error)) if isinstance(error, RuntimeError) else None
    if found is None:
        return None
    shape = tuple(int(n) for n in found[1].split(",") if n.strip())
    notes = (_written_outputs(ops, int(found[2]), found[3] + "Backward")
             or _stepped_parameters(ops, shape, int(found[4]), int(found[5])))
    return "tapeviz: " + "; ".join(notes) if notes else None


def _written_outputs(ops, slot: int, backward: str) -> list:
    """An op's output its backward reads, written by a later in-place op (h += b)."""
    notes = []
    for maker in ops:
        if maker.head is None or not maker.head.name().startswith(backward):
            continue
        if maker.node.op.inplace:   # autograd names the writer itself (x += h: Add)
            notes += _written_input(maker, ops)
            continue
        key = (maker.head._sequence_nr(), slot)
        for writer in ops:
            if writer.node.op.inplace and writer.inputs and writer.inputs[0] == key:
                notes.append(f"{maker.node.op.name}'s output ({_where(maker.node)}) was written "
                             f"in place by {writer.node.op.name} ({_where(writer.node)}), and "
                             f"{maker.node.op.name}'s backward needs it as it was: write that "
                             f"line out of place (h = h + b, not h += b; no inplace=True)")
    return notes


def _written_input(writer, ops) -> list:
    """The value in-place `writer` wrote over, named by its maker and by the ops that saved it
    for their backward before the write (a residual `x += out` over the x a conv read)."""
    key = writer.inputs[0] if writer.inputs else None
    maker = next((op for op in ops if key is not None and key[0] in op.heads), None)
    readers = [op for op in ops if op is not writer and key in op.inputs]
    if maker is None or not readers:
        return []
    read_by = ", ".join(f"{op.node.op.name} ({_where(op.node)})" for op in readers)
    return [f"{maker.node.op.name}'s output ({_where(maker.node)}) was written in place by "
            f"{writer.node.op.name} ({_where(writer.node)}) after {read_by} read it, and "
            f"their backward needs it as it was: write that line out of place (x = x + out, "
            f"not x += out; no inplace=True)"]


def _stepped_parameters(ops, shape: tuple, version: int, expected: int) -> list:
    """A parameter the pass's ops read, changed since (an optimizer's step between a forward
    and its backward: a GAN's critic stepped before the generator's pass that reads it)."""
    notes, named = [], set()
    for op in ops:
        for tensor in op.node.inputs:
            variable = getattr(tensor, "variable", None)
            leaf = values.leaf_of(variable) if variable is not None else None
            if (leaf is None or variable.name in named or leaf._version != version
                    or tuple(leaf.shape) not in (shape, shape[::-1])):
                continue
            named.add(variable.name)
            notes.append(f"the parameter {variable.name}, read by {op.node.op.name} "
                         f"({_where(op.node)}), was changed in place after that (its version "
                         f"{expected} -> {version}: an optimizer.step() ran between this "
                         f"forward pass and its backward): call backward before stepping the "
                         f"parameters its graph read, or run the forward again after the step")
    return notes


_NO_GRAD_FN = re.compile(r"element \d+ of tensors does not require grad and does not have a "
                         r"grad_fn")


_FREED = re.compile(r"Trying to backward through the graph a second time")


_NOT_SCALAR = re.compile(r"grad can be implicitly created only for scalar outputs")


def pass_refused(error, roots: list, ops=()) -> str | None:
    """The note of autograd's refusal of a backward pass from `roots`, read from the frame
    that called backward: for roots that do not require grad, the line of the user's code
    that cut the loss off the graph (an argmax, a `.item()`, a `.detach()`...); for a graph
    already freed, the line that made, once before the loop, what the loss reuses; for a
    loss of more than one number, its shape, the line that made it and the fix; else None.
    `ops`: the recorded ops the pass reaches (backward_pass.OpSteps), which say the line
    that made the loss, when it was recorded. For a value saved for the backward pass and
    written in place since, which no recorded op explains, the write the mode kept
    (inplace_writes.py)."""
    if type(error) is not RuntimeError:
        return None
    message = str(error)
    if _NO_GRAD_FN.search(message):
        frame = user_frame(sys._getframe(1))
        return graph_cut.cut_note(frame, roots) or \
            wrong_tensor.unused_prediction_note(frame, roots)
    if _FREED.search(message):
        frame = user_frame(sys._getframe(1))
        return freed_graph.freed_note(frame, _made_at(roots, ops)) or _freed_before(frame)
    if _NOT_SCALAR.search(message):
        return not_scalar.not_scalar_note(user_frame(sys._getframe(1)), roots,
                                          _made_at(roots, ops))
    found = _SAVED.search(message)   # (no recorded op said it: a Runner or a breakpoint alone)
    return inplace_writes.note(found) if found is not None else None


def _freed_before(frame) -> str | None:
    """The note of a graph an earlier backward pass freed, when no loop shows what was
    reused (the same loss's backward() called twice)."""
    if frame is None:
        return None
    return ("tapeviz: an earlier backward pass freed this graph: backward() frees the graph "
            "it runs through, so a loss is differentiated once; fix: run the forward pass "
            "again for a new loss before the next backward() (retain_graph=True on the first "
            "only if the same graph is meant to be differentiated twice)"
            + source_from(frame).placed())


def _made_at(roots: list, ops) -> SourceInfo | None:
    """The line of the recorded op among `ops` that made the first of `roots`, or None."""
    grad_fn = getattr(roots[0], "grad_fn", None) if roots else None
    if grad_fn is None:
        return None
    sequence = grad_fn._sequence_nr()
    return next((op.node.source for op in ops if sequence in op.heads), None)


def _where(node) -> str:
    return f"at {node.source}" if node.source is not None else "where no user code ran"
