"""One backward pass's hooks and the BackwardSteps they complete (autograd.py finds the ops).

A post-hook on each autograd node a recorded op owns catches what flows out to each input
(the head's also the gradient that reached the op's output), and when the last of an op's
autograd nodes has run, one `BackwardStep` (the forward Node, its upstream gradient, one
input gradient per input, aligned with `node.inputs`) goes to the op's step listeners as a
`VJPApplied` and to the tapes recording here: in the order autograd ran them (a Recorder
that alone hears them, through its sink on this thread, gets the pass's steps in one call as
it ends: one settle, not an event, a lock and a settle a step). A pass's hooks
fall silent when it ends; they are removed where its graph stays (retain_graph,
create_graph, an error), and go with the graph autograd freed otherwise (removing ~17 a step
cost more than the CNN's forward hooks). A large gradient is kept as a view of torch's memory
until the pass ends, then copied only if something else holds it (`values.settle_views`);
one that flows to a leaf is copied at once (AccumulateGrad takes it as the leaf's `.grad`
only when nothing else holds it, else clones it).
"""
from __future__ import annotations

from .. import events
from ..backward import BackwardStep
from ..threadstate import local as _thread
from . import values


class OpSteps:
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


class BackwardPass:
    """The hooks of one backward pass, and the steps they complete."""

    def __init__(self, ops, tapes, heard: bool = True):
        """`heard` False: a pass run again on a look (kept_steps.py), its steps given to
        `tapes` alone (no listener, no Recorder's sink hears a pass that ran before)."""
        self.tapes = tapes
        self.heard = heard
        self.handles = []
        self.ops = ops
        self.pending_steps = list(ops)
        self.index = _indices(tapes)
        self.live = True   # False once the pass ended: a hook left on the graph does nothing
        self.views = []    # (gradient, version, Tensor) of the gradients kept as views
        # the steps for the Recorder whose sink is on this thread, when no one else hears
        # them (no breakpoint or stepper can stop inside the pass): given to it at the end
        sink = _thread.state.sink if heard else None
        self.sink = sink if sink is not None and not any(
            [op.node.op.route.stepped for op in ops]) else None
        self.sunk = []
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
        views = self.views
        step = BackwardStep(node, _tensor(op.upstream, views),
                            tuple([_tensor(grad, None if key is not None and key[0] == "leaf"
                                           else views)
                                   for grad, key in zip(op.input_grads, op.inputs)]),
                            self.index.get(id(node)))
        # torch's gradients go now, not with the graph at the pass's end (its hooks hold
        # `op`): autograd frees or reuses them as it would unwatched, and AccumulateGrad takes
        # a parameter's gradient as its .grad instead of cloning one we still hold
        op.upstream = op.input_grads = None
        for tape in self.tapes:
            tape.steps.append(step)
        if self.sink is not None:   # (its step listeners: sunk Recorders alone)
            self.sunk.append(step)
            return
        listeners = node.op.route.steps if self.heard else ()
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
            values.settle_views(self.views)
            # a hook left on an autograd node holds this pass, and the pass that node: a cycle
            # through C++ the collector cannot see, which kept every tape recording here (and
            # the graph of its last output) alive after its block, for the rest of the process
            for op in self.ops:
                op.owned = op.head = None
            self.tapes = self.ops = self.pending_steps = ()
            sink, sunk, self.sink, self.sunk = self.sink, self.sunk, None, []
            if sunk and sink.stepped is not None:   # (None: its Recorder stopped meanwhile)
                sink.stepped(sunk)


def _indices(tapes) -> dict:
    """id(node) -> its position on the first tape recording here (a step's `index`)."""
    return {id(node): i for i, node in enumerate(tapes[0].nodes)} if tapes else {}


def _tensor(grad, views: list | None):
    """A gradient's copy (or view, listed in `views`): one per tensor and version, so an op's
    upstream gradient is the very one its consumer's step made of the same tensor (kept and
    counted once); `views` None: a gradient that flows to a leaf, copied."""
    if grad is None:
        return None
    return values.snapshot(grad) if views is None else values.gradient_snapshot(grad, views)
