"""Backward passes under the adapter: autograd's own work, as the debugger's BackwardSteps.

Forward, each traced op whose output requires grad is remembered by its output's autograd
node (`grad_fn`, by sequence number: no reference keeps torch's graph alive; an op's other
outputs' nodes too, where autograd made them apart: a GRU's last hidden state) and how each
input reaches autograd (its own `grad_fn` and output slot, or the leaf; an in-place op's
input as it was before the op), until a pass differentiates it or its autograd node goes. When
`loss.backward()`, `torch.autograd.backward` or `torch.autograd.grad` runs under the mode,
the graph is walked from the roots once: each remembered op owns its output's autograd node
and the nodes between it and its inputs (`linear` owns `AddmmBackward0` and the
`TBackward0` of its weight; `cross_entropy` owns `NllLossBackward0` and
`LogSoftmaxBackward0`). A post-hook on each of those nodes catches what flows out to each
input (the head's also the gradient that reached the op's output), and when the last of an op's
autograd nodes has run, one `BackwardStep` (the forward Node, its upstream gradient, one
input gradient per input, aligned with `node.inputs`) goes to the op's step listeners as a
`VJPApplied` and to the tapes recording here: in the order autograd ran them. The pass's
`GradientComputed` (the Recorder ends a training step there) goes when its training step
ends (`steps.py`: at the optimizer step that follows, with the passes before it) with the
`.grad` of the leaves it reached, copied when read (a `torch.amp.GradScaler`'s pass: the
loss and gradients unscaled; a step the scaler skips: none). A pass's hooks fall silent
when it ends; they are removed where its graph stays (retain_graph, create_graph, an
error), and go with the graph autograd freed otherwise (removing ~17 a step cost more than
the CNN's forward hooks). A pass nobody hears the steps of gets none.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence

import torch

from .. import events
from ..backward import BackwardStep
from ..debugger.given import add_note
from ..tensor import wrap
from . import error_notes, modules, steps, values

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


class _OpSteps:
    """One remembered op during a pass: its autograd nodes, the gradients caught so far."""

    __slots__ = ("node", "slot", "head", "heads", "inputs", "where", "seen", "owned", "ran",
                 "upstream", "input_grads")

    def __init__(self, node, inputs):
        self.node = node
        self.slot = None              # which output of its head autograd node it is
        self.head = None              # the autograd node of its output, when the pass reaches it
        self.heads = []               # the sequence numbers of the autograd nodes of its outputs
        self.inputs = inputs          # input keys, as _input_key made them
        self.where = {}               # input key -> the inputs it is (x * x: one tensor, two)
        for i, key in enumerate(inputs):
            if key is not None:
                self.where.setdefault(key, []).append(i)
        self.seen = set()             # ids of the autograd nodes owned
        self.owned = []               # its autograd nodes: (node, {edge index: input index})
        self.ran = 0
        self.upstream = None
        self.input_grads = [None] * len(inputs)


def run(func, args, kwargs, tapes):
    """Run the backward call `func(*args, **kwargs)`, announcing its steps and gradients."""
    pending = _local.pending
    hear_gradients = bool(events.listeners(events.GradientComputed))
    if not pending and not hear_gradients and not tapes:
        return func(*args, **kwargs)
    roots = _roots(func, args, kwargs)
    ops, leaves = _walk(roots, pending) if pending else ([], None)   # leaves: found if read
    announced = [op for op in ops if tapes or op.node.op.route.steps]
    pass_ = _Pass(announced, tapes)
    retained = kwargs.get("retain_graph") or kwargs.get("create_graph")
    try:
        result = func(*args, **kwargs)
    except BaseException as error:
        note = error_notes.overwritten(error, ops)   # (before the pass's end lets go of ops)
        pass_.end(remove_hooks=True)
        if note is not None:
            add_note(error, note)
        raise
    # a freed graph cannot run again: its inert hooks go with it, unremoved (~3 us each)
    pass_.end(remove_hooks=bool(retained), flush=True)
    if not retained:   # a freed graph is never differentiated again
        for op in ops:
            for sequence in op.heads:
                pending.pop(sequence, None)
    if hear_gradients:
        _announce_gradients(func, args, kwargs, roots, result, leaves, tapes)
    return result


def _roots(func, args, kwargs) -> list:
    """The tensors the pass starts from."""
    if func is torch.Tensor.backward:
        return [args[0]]
    first = args[0] if args else kwargs.get("outputs", kwargs.get("tensors"))
    return [first] if isinstance(first, torch.Tensor) else list(first)


def _walk(roots, pending):
    """The remembered ops the graph from `roots` reaches (each with the autograd nodes it
    owns), and the leaves that require grad it reaches (by id)."""
    ops, leaves, seen = {}, {}, set()   # ops: id(forward node) -> its _OpSteps
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
                op = ops[id(node)] = _OpSteps(node, entry[3])
            _own(op, fn, entry[2], pending)
        stack.extend(next_fn for next_fn, _ in fn.next_functions if next_fn is not None)
    return list(ops.values()), leaves


def leaves_of(roots) -> list:
    """The leaves that require grad which the autograd graph of `roots` reaches."""
    return list(_walk(roots, {})[1].values())


def _own(op: _OpSteps, head, slot, pending) -> None:
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


class _Pass:
    """The hooks of one backward pass, and the steps they complete."""

    def __init__(self, ops, tapes):
        self.tapes = tapes
        self.handles = []
        self.ops = ops
        self.pending_steps = list(ops)
        self.index = _indices(tapes)
        self.live = True   # False once the pass ended: a hook left on the graph does nothing
        for op in ops:
            for fn, edges in op.owned:
                self.handles.append(fn.register_hook(self._ran_hook(op, edges, fn is op.head)))

    def _ran_hook(self, op, edges, head: bool):
        """The hook of one of `op`'s autograd nodes: what flowed to its inputs and, at its
        head, the upstream gradient (a post-hook's grad_outputs: no pre-hook needed)."""
        def ran(grad_inputs, grad_outputs):
            if not self.live:
                return
            if head:
                op.upstream = grad_outputs[op.slot]
            for k, i in edges.items():
                grad = grad_inputs[k]
                if grad is not None:
                    earlier = op.input_grads[i]
                    op.input_grads[i] = grad if earlier is None else earlier + grad
            op.ran += 1
            if op.ran == len(op.owned):
                self._announce(op)
        return ran

    def _announce(self, op) -> None:
        self.pending_steps.remove(op)
        node = op.node
        step = BackwardStep(node, _tensor(op.upstream), tuple(map(_tensor, op.input_grads)),
                            self.index.get(id(node)))
        # torch's gradients go now, not with the graph at the pass's end (its hooks hold
        # `op`): autograd frees or reuses them as it would unwatched, and AccumulateGrad takes
        # a parameter's gradient as its .grad instead of cloning one we still hold
        op.upstream = op.input_grads = None
        for tape in self.tapes:
            tape.steps.append(step)
        listeners = node.op.route.steps
        if listeners:
            event = events.VJPApplied(step)
            for callback in listeners:
                callback(event)

    def end(self, remove_hooks: bool, flush: bool = False) -> None:
        """Silence the hooks (removed, or left on a freed graph) and, with `flush`, announce
        the ops autograd ran only in part (a pass that stopped early)."""
        self.live = False
        if remove_hooks:
            while self.handles:
                self.handles.pop().remove()
        else:
            self.handles = []
        try:
            for op in list(self.pending_steps) if flush else ():
                if op.ran:
                    self._announce(op)
        finally:
            # a hook left on an autograd node holds this pass, and the pass that node: a cycle
            # through C++ the collector cannot see, which kept every tape recording here (and
            # the graph of its last output) alive after its block, for the rest of the process
            for op in self.ops:
                op.owned = op.head = None
            self.tapes = self.ops = self.pending_steps = ()


def _indices(tapes) -> dict:
    """id(node) -> its position on the first tape recording here (a step's `index`)."""
    return {id(node): i for i, node in enumerate(tapes[0].nodes)} if tapes else {}


def _tensor(grad):
    """A gradient's copy: one per tensor and version, so an op's upstream gradient is the
    very copy its consumer's step made of the same tensor (kept and counted once)."""
    return None if grad is None else values.snapshot(grad)


def _announce_gradients(func, args, kwargs, roots, result, leaves, tapes) -> None:
    """The GradientComputed that ends the pass, or the training step it is part of
    (`steps.py`): the roots, the leaves it reached with the `.grad` they hold when the step
    ends (what `optimizer.step()` reads), or `autograd.grad`'s inputs with its results. The
    leaves are found and the gradients copied to numpy when first read (a Runner counting
    steps reads neither). `autograd.grad(create_graph=True)` (a gradient penalty, an inner
    loop) is part of the step a later pass differentiates: it sends none, as a gradient
    call inside an outer tape ends no numpy-engine step."""
    name_of = modules.parameter_name
    tape = tapes[0] if tapes else None
    if func is torch.autograd.grad:
        if kwargs.get("create_graph"):
            return
        inputs = args[1] if len(args) > 1 else kwargs["inputs"]
        inputs = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        sources = [values.variable_of(leaf, None, name_of) for leaf in inputs]
        targets = [values.snapshot(root, name_of) for root in roots]
        events.emit(events.GradientComputed(tape, targets, sources, HostCopies(list(result))))
        return

    def reached() -> list:   # walked only if read (after the pass: the graph's nodes and
        nonlocal leaves      # edges outlive the tensors it freed)
        if leaves is None:
            leaves = _walk(roots, {})[1]
        return list(leaves.values())
    scale, loss, scaling = _scale_of(roots)
    if loss is None:
        targets = [values.snapshot(root, name_of) for root in roots]
    else:   # scaler.scale(loss).backward(): the loss, and the gradients unscaled, as
        targets = [values.snapshot(loss)]   # optimizer.step() uses them after unscale_
        if not all(leaf.grad is None or bool(leaf.grad.isfinite().all()) for leaf in reached()):
            if scale > 1.0 and scaling is not None:   # what the inspector shows of the mul
                scaling.params["skipped"] = SKIPPED.format(scale=scale)
            steps.skipped(tape, targets, reached, scale)   # the scaler skips this step
            return

    def announce() -> None:
        sources = Later(lambda: [values.variable_of(leaf, None, name_of) for leaf in reached()])
        grads = Later(lambda: HostCopies([leaf.grad for leaf in reached()], scale))
        events.emit(events.GradientComputed(tape, targets, sources, grads))
    steps.pass_ended(tape, targets, reached, announce)


_scaled: dict = {}   # id(a loss times a GradScaler's scale) -> (weakref to it, loss, scale, node)


def scaled_by(output, loss, scale) -> None:
    """`output` is `loss` times `scale`, by `torch.amp.GradScaler.scale` (float16's backward
    starts from it, so that small gradients do not underflow; `unscale_` divides them); the
    mode has just remembered the node of that multiplication."""
    key = id(output)
    entry = _local.pending.get(output.grad_fn._sequence_nr())
    _scaled[key] = (weakref.ref(output, lambda _, key=key: _scaled.pop(key, None)), loss,
                    scale, None if entry is None else entry[1])


def _scale_of(roots) -> tuple:
    """(the GradScaler's scale the pass's root was multiplied by, the loss it multiplied, the
    node of that multiplication), or (1.0, None, None)."""
    entry = _scaled.get(id(roots[0])) if _scaled and len(roots) == 1 else None
    if entry is None or entry[0]() is not roots[0]:
        return 1.0, None, None
    return float(entry[2]), entry[1], entry[3]


SKIPPED = ("GradScaler: the gradients of loss x {scale:.3g} overflowed, so scaler.step() skips "
           "this step's optimizer.step() and scaler.update() lowers the scale, as AMP does "
           "(the first steps often): not a bug in the program")


class Later(Sequence):
    """A list made when first read."""

    def __init__(self, make):
        self._make = make
        self._items = None

    def _list(self) -> list:
        if self._items is None:
            self._items = self._make()
        return self._items

    def __len__(self) -> int:
        return len(self._list())

    def __getitem__(self, i):
        return self._list()[i]


class HostCopies(Sequence):
    """Torch tensors read as tapeviz Tensors of their values, each copied on first read."""

    def __init__(self, tensors, scale: float = 1.0):
        self._tensors = tensors
        self._copies = [None] * len(tensors)
        self._scale = scale   # what the gradients are divided by (a GradScaler's)

    def __len__(self) -> int:
        return len(self._tensors)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        copy = self._copies[i]
        if copy is None and self._tensors[i] is not None:   # the copy an update op's input shares
            copy = values.snapshot(self._tensors[i])
            if self._scale != 1.0:
                copy = wrap(copy._value / self._scale)
            self._copies[i] = copy
        return copy
