"""A loss tensor summed into a running total, a `diagnose` finding on the torch adapter's
recordings: `running_loss += loss` (not `loss.item()`) makes the total a tensor with autograd
history, which holds every step's loss and its graph's nodes, so the process's memory grows
with each step (torch's FAQ, "Don't accumulate history across your training loop"), and
printing it shows a `grad_fn`. Nothing fails.

Read from the recorded ops: at one line, an op reads the loss of the step before (the
gradient call's target) and the total that op made at the same line in the step before, or
its own output is read so in the next step: a chain of at least MIN_LINKS. (The numpy
engine's tensors keep no history outside a tape: the same line there is no bug.)

The same waste kept in a list, `losses.append(loss)`, runs no op; it shows when the list is
read, `sum(losses) / len(losses)` or `torch.stack(losses).mean()` at an epoch's end: ops
at one line of one step read the loss tensors of MIN_LINKS or more earlier steps, each
alive (and its graph with it) until then. The `append` line is read from the source.
"""
from __future__ import annotations

import ast
from itertools import chain

import numpy as np

from ..nonfinite import engine_of
from ..sourceinfo import SourceInfo
from .findings import Finding
from .label_source import innermost_scope, own_nodes
from .numerics import _op_name, _where
from ..statements import parse_source

MIN_LINKS = 2   # steps whose total took the loss of the step before


def running_loss_total(steps, nodes) -> list:
    """A Finding for the first line whose op, in the last MIN_LINKS steps, added the step
    before's loss tensor to what it made the step before (only the last steps are read: a
    kept step's ops may be made again to be read), on a torch recording (`nodes`: the shown
    step's)."""
    if not nodes or engine_of(nodes[0].op) != "torch":
        return []
    links, made = {}, {}   # line -> links so far; line -> the output id its op made last step
    previous_loss = None
    for step in list(steps)[-MIN_LINKS - 1:]:
        made_now = {}
        for node in step.nodes:
            if node.phase != "forward" or node.source is None:
                continue
            line = (node.source.filename, node.source.lineno)
            if previous_loss is not None and previous_loss in node.input_ids and (
                    made.get(line) in node.input_ids or line not in links):
                links[line] = links.get(line, 0) + 1
                if links[line] >= MIN_LINKS:
                    return [_finding(node)]
            made_now[line] = node.output_id
        made = made_now
        previous_loss = _loss_id(step)
    return losses_kept(steps)


def losses_kept(steps) -> list:
    """A Finding for the first line where one step's ops read the loss tensors of at least
    MIN_LINKS earlier steps (each checked by its value too: an id may be a freed loss's)."""
    losses = {}   # a step's loss output id -> (that step, its loss value)
    for step in steps:
        read = {}   # line -> (its first node that read one, the earlier steps read)
        nodes = step.nodes
        if losses.keys().isdisjoint(chain.from_iterable(node.input_ids for node in nodes)):
            nodes = ()   # (one pass in C over the step's input ids: none is a kept loss)
        for node in nodes:
            if node.phase != "forward" or node.source is None:
                continue
            for tensor_id, tensor in zip(node.input_ids, node.inputs):
                earlier = losses.get(tensor_id)
                if earlier is not None and np.size(tensor._value) == 1 and \
                        float(np.asarray(tensor._value).reshape(())) == earlier[1]:
                    line = (node.source.filename, node.source.lineno)
                    read.setdefault(line, (node, set()))[1].add(earlier[0].number)
        for node, numbers in read.values():
            if len(numbers) >= MIN_LINKS:
                return [_kept_finding(node, sorted(numbers))]
        loss_id = _loss_id(step)
        if loss_id is not None:
            losses[loss_id] = (step, step.loss)
    return []


def _loss_id(step):
    """The output id of the op that made `step`'s loss (its gradient call's target), or
    None: the last forward op whose output holds the loss's value."""
    loss = step.loss
    if loss is None:
        return None
    for node in reversed(step.nodes):
        if node.phase == "forward" and node.op.kind != "update":
            value = node.output._value
            if np.size(value) == 1 and float(np.asarray(value).reshape(())) == loss:
                return node.output_id
    return None


def _finding(node) -> Finding:
    message = (f"the loss tensor is summed into a running total at {_where(node.source)} "
               f"({_op_name(node)} of the step before's loss and the total so far): the "
               f"total keeps the autograd history of every step's loss, so memory grows "
               f"with each step and the total prints with a grad_fn; fix: add the loss's "
               f"number, loss.item() (running_loss += loss.item())")
    return Finding("loss_history_kept", message, node)


def _kept_finding(node, numbers: list) -> Finding:
    appended = _append_line(node.source)
    kept = f" in a list at {_where(appended)}," if appended is not None else ""
    steps = (f"{numbers[0]}-{numbers[-1]}" if numbers == list(range(numbers[0], numbers[-1] + 1))
             else ", ".join(map(str, numbers)))
    message = (f"the loss tensors of steps {steps} are kept{kept} and read together at "
               f"{_where(node.source)} ({_op_name(node)}): each kept loss holds its step's "
               f"autograd graph (its activations) alive until then, so memory grows with "
               f"every step; fix: keep the loss's number, loss.item() "
               f"(losses.append(loss.item()))")
    if appended is None:
        return Finding("loss_history_kept", message, node)
    return Finding("loss_history_kept", message, node, appended, related=node.source)


def _append_line(read_at) -> SourceInfo | None:
    """The line of `losses.append(loss)`, when the function that read the losses (or the
    module) calls `.append(name)` on a list the reading statement names, once, before it;
    else None."""
    _, scope = innermost_scope(read_at.filename, read_at.lineno)
    try:
        named = {node.id for node in ast.walk(parse_source(read_at.statement))
                 if isinstance(node, ast.Name)}
    except SyntaxError:
        return None
    calls = [] if scope is None else [
        node for node in own_nodes(scope) if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
        and isinstance(node.func.value, ast.Name) and node.func.value.id in named
        and len(node.args) == 1 and isinstance(node.args[0], ast.Name)
        and node.lineno < read_at.lineno]
    if len(calls) != 1:
        return None
    return SourceInfo(read_at.filename, calls[0].lineno, getattr(scope, "name", "<module>"))
