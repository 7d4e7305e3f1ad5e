"""Backward passes under the adapter: which recorded ops a pass of autograd runs.

Forward, each traced op whose output requires grad is remembered by its output's autograd
node (`grad_fn`, by sequence number: no reference keeps torch's graph alive; an op's other
outputs' nodes too, where autograd made them apart: a GRU's last hidden state) and how each
input reaches autograd (its own `grad_fn` and output slot, or the leaf; an in-place op's
input as it was before the op), until a pass differentiates it or its autograd node goes. When
`loss.backward()`, `torch.autograd.backward` or `torch.autograd.grad` runs under the mode,
the graph is walked from the roots once: each remembered op owns its output's autograd node
and the nodes between it and its inputs (`linear` owns `AddmmBackward0` and the
`TBackward0` of its weight; `cross_entropy` owns `NllLossBackward0` and
`LogSoftmaxBackward0`). Their hooks make the pass's BackwardSteps (`backward_pass.py`), and
its end the `GradientComputed` (`gradient_computed.py`). A pass nobody hears the steps of
gets none.
"""
from __future__ import annotations

import threading
import weakref

import torch

from .. import events
from ..debugger.given import add_note
from . import error_notes, gradient_computed
from .backward_pass import BackwardPass, OpSteps

MAX_PENDING = 4096   # ops remembered for a backward that never came (a forward-only loop)


class _Local(threading.local):
    def __init__(self):
        # sequence number of an op's output grad_fn -> (its name, node, output slot, input keys)
        self.pending = {}


_local = _Local()


def remember(node, output, inputs: tuple, others=()) -> None:
    """Keep what maps `output`'s autograd node back to `node` and its `inputs` (as
    `input_keys` gave them), for the next backward pass; and the autograd nodes of the op's
    `others` outputs, where autograd made them apart (a GRU's last hidden state beside its
    output sequence: a classifier reads only that)."""
    grad_fn = output.grad_fn
    if grad_fn is None:   # a leaf that requires grad (an in-place op on a parameter)
        return
    pending = _local.pending
    sequence = grad_fn._sequence_nr()
    if sequence in pending:   # an op that returned its input as it was (h.float() of a float
        return                # h): autograd made no node for it, the step is h's maker's
    if len(pending) >= MAX_PENDING:
        for key in list(pending)[:MAX_PENDING // 2]:
            del pending[key]
    pending[sequence] = (grad_fn.name(), node, output.output_nr, inputs)
    grad_fn.metadata[_LET_GO] = _LetGo(pending, sequence)
    for other in others:
        grad_fn = getattr(other, "grad_fn", None)   # (a tensor)
        if grad_fn is not None and grad_fn._sequence_nr() not in pending:
            sequence = grad_fn._sequence_nr()
            pending[sequence] = (grad_fn.name(), node, None, inputs)   # slot None: not the
            grad_fn.metadata[_LET_GO] = _LetGo(pending, sequence)     # node's output


_LET_GO = "tapeviz"   # the key of a _LetGo in an autograd node's metadata (torch keeps it)


class _LetGo:
    """Kept in an op's autograd node's metadata, so it goes with the node: then no pass can
    reach the op, and what was remembered of it is let go (an evaluation run without
    no_grad, once its output is dropped). An op a later pass reaches stays until then: a
    GAN's generator, whose forward ran before the critic's own pass."""

    __slots__ = ("pending", "sequence")

    def __init__(self, pending: dict, sequence: int):
        self.pending = pending
        self.sequence = sequence

    def __del__(self):
        self.pending.pop(self.sequence, None)


def input_keys(tensors) -> tuple:
    """How autograd reaches each of `tensors` now (taken before an in-place op, which gives
    its input a new autograd node)."""
    return tuple(map(_input_key, tensors))


def _input_key(tensor):
    """How autograd reaches `tensor`: (its grad_fn's sequence number, output slot), or
    ("leaf", id) for a leaf that requires grad, or None when no gradient flows to it."""
    grad_fn = tensor.grad_fn
    if grad_fn is not None:
        return grad_fn._sequence_nr(), tensor.output_nr
    return ("leaf", id(tensor)) if tensor.requires_grad else None


def _edge_key(fn, slot):
    variable = getattr(fn, "variable", None)   # an AccumulateGrad: the leaf it fills
    if variable is not None:
        return "leaf", id(variable)
    return fn._sequence_nr(), slot


def heard(tapes) -> bool:
    """Whether a backward pass run now on this thread may be heard: `tapes` record, an op
    here waits for its backward steps, or someone hears a GradientComputed."""
    return bool(tapes or _local.pending or events.listeners(events.GradientComputed))


def run(func, args, kwargs, tapes):
    """Run the backward call `func(*args, **kwargs)`, announcing its steps and gradients."""
    if not heard(tapes):
        return func(*args, **kwargs)
    pending = _local.pending
    hear_gradients = bool(events.listeners(events.GradientComputed))
    roots = _roots(func, args, kwargs)
    ops, leaves = walk(roots, pending) if pending else ([], None)   # leaves: found if read
    announced = [op for op in ops if tapes or op.node.op.route.steps]
    pass_ = BackwardPass(announced, tapes)
    retained = kwargs.get("retain_graph") or kwargs.get("create_graph")
    try:
        result = func(*args, **kwargs)
    except BaseException as error:
        # (the overwritten note before the pass's end lets go of ops)
        note = error_notes.overwritten(error, ops) or error_notes.pass_refused(error, roots, ops)
        pass_.end(remove_hooks=True)
        if note is not None:
            add_note(error, note)
        if error_notes.saved_value_changed(error):   # that graph never runs again, and torch
            _let_go(ops, pending)                    # keeps it alive: nothing waits for it
        raise
    # a freed graph cannot run again: its inert hooks go with it, unremoved (~3 us each)
    pass_.end(remove_hooks=bool(retained), flush=True)
    if not retained:   # a freed graph is never differentiated again
        _let_go(ops, pending)
    if hear_gradients:
        gradient_computed.announce(func, args, kwargs, roots, result, leaves, tapes)
    return result


def _let_go(ops, pending) -> None:
    """Forget `ops`: no later backward pass reaches them."""
    for op in ops:
        for sequence in op.heads:
            pending.pop(sequence, None)


def _roots(func, args, kwargs) -> list:
    """The tensors the pass starts from."""
    if func is not torch.autograd.backward and func is not torch.autograd.grad:
        return [args[0]]   # Tensor.backward (torch's, or unheard_backward's stand-in)
    first = args[0] if args else kwargs.get("outputs", kwargs.get("tensors"))
    return [first] if isinstance(first, torch.Tensor) else list(first)


def walk(roots, pending):
    """The remembered ops the graph from `roots` reaches (each with the autograd nodes it
    owns), and the leaves that require grad it reaches (by id)."""
    ops, leaves, seen = {}, {}, set()   # ops: id(forward node) -> its OpSteps
    stack = [root.grad_fn for root in roots if root.grad_fn is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        variable = getattr(fn, "variable", None)
        if variable is not None:
            leaves[id(variable)] = variable
            continue
        entry = pending.get(fn._sequence_nr())
        if entry is not None and entry[0] == fn.name():
            node = entry[1]
            op = ops.get(id(node))
            if op is None:
                op = ops[id(node)] = OpSteps(node, entry[3])
            _own(op, fn, entry[2], pending)
        stack.extend(next_fn for next_fn, _ in fn.next_functions if next_fn is not None)
    return list(ops.values()), leaves


def leaves_of(roots) -> list:
    """The leaves that require grad which the autograd graph of `roots` reaches."""
    return list(walk(roots, {})[1].values())


def _own(op: OpSteps, head, slot, pending) -> None:
    """`op` owns the autograd nodes from `head`, the autograd node of one of its outputs
    (its `node.output`'s at `slot`; slot None: another output's), down to its inputs' edges
    (but those another of its heads owns already)."""
    op.heads.append(head._sequence_nr())
    if slot is not None:
        op.head, op.slot = head, slot
    where, seen = op.where, op.seen
    if id(head) in seen:
        return
    seen.add(id(head))
    stack = [head]
    while stack:
        fn = stack.pop()
        edges = {}
        for k, (next_fn, next_slot) in enumerate(fn.next_functions):
            if next_fn is None:
                continue
            key = _edge_key(next_fn, next_slot)
            if key in where:   # a tensor passed twice: its edges in argument order
                indices = where[key]
                edges[k] = indices.pop(0) if len(indices) > 1 else indices[0]
            elif key[0] != "leaf" and key[0] not in pending and id(next_fn) not in seen:
                seen.add(id(next_fn))   # made inside the op (TBackward0 of linear's weight)
                stack.append(next_fn)
        op.owned.append((fn, edges))


_scaled: dict = {}   # id(a loss times a GradScaler's scale) -> (weakref to it, loss, scale, node)


def scaled_by(output, loss, scale) -> None:
    """`output` is `loss` times `scale`, by `torch.amp.GradScaler.scale` (float16's backward
    starts from it, so that small gradients do not underflow; `unscale_` divides them); the
    mode has just remembered the node of that multiplication."""
    key = id(output)
    entry = _local.pending.get(output.grad_fn._sequence_nr())
    _scaled[key] = (weakref.ref(output, lambda _, key=key: _scaled.pop(key, None)), loss,
                    scale, None if entry is None else entry[1])


def scale_of(roots) -> tuple:
    """(the GradScaler's scale the pass's root was multiplied by, the loss it multiplied, the
    node of that multiplication), or (1.0, None, None)."""
    entry = _scaled.get(id(roots[0])) if _scaled and len(roots) == 1 else None
    if entry is None or entry[0]() is not roots[0]:
        return 1.0, None, None
    return float(entry[2]), entry[1], entry[3]
