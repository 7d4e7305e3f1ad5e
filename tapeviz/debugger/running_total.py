"""A loss tensor summed into a running total, a `diagnose` finding on the torch adapter's
recordings: `running_loss += loss` (not `loss.item()`) makes the total a tensor with autograd
history, which holds every step's loss and its graph's nodes, so the process's memory grows
with each step (torch's FAQ, "Don't accumulate history across your training loop"), and
printing it shows a `grad_fn`. Nothing fails.

Read from the recorded ops: at one line, an op reads the loss of the step before (the
gradient call's target) and the total that op made at the same line in the step before, or
its own output is read so in the next step: a chain of at least MIN_LINKS. (The numpy
engine's tensors keep no history outside a tape: the same line there is no bug.)
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _op_name, _where

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
