"""Stepping backward steps that were recorded as they ran, where the engine cannot run them
again: another engine's (tapeviz.torch: autograd frees its graph after `backward()`).

A `RecordedStepper` walks the steps in the order they ran, each with the upstream and input
gradients it had, and answers with the protocol of `BackwardStepper` that the widget and
the debugger read: `step`, `continue_`, `run_to`, `done`, `current`, `upstream`,
`input_grads`, `index`, `last_step`, `count`, `grads` (id of a node's output or of a
Variable -> the gradient so far), `flat_sources`, `gradient(source)`, `gradients`. It runs
no VJP: it needs no engine, and imports none.
"""
from __future__ import annotations

from ..tensor import Tensor, wrap
from . import breakpoint_listener
from .stepper import StepViews


class RecordedStepper(StepViews):
    """Replays `steps` (BackwardSteps, in the order they ran) of the forward `nodes`.

    >>> import tapeviz as tf
    >>> w = tf.Variable(3.0)
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     y = w * w + w
    >>> steps = list(tape.backward(y, [w]))   # as they ran: the BackwardSteps
    >>> stepper = RecordedStepper(steps, tape.nodes)
    >>> stepper.step().node.op.name, float(stepper.run().gradient(w))
    ('add', 7.0)
    """

    def __init__(self, steps, nodes):
        self._steps = list(steps)
        self._nodes = list(nodes)
        self._produced = {id(node.output) for node in self._nodes}
        sources = {}
        for node in self._nodes:
            for tensor in node.inputs:
                variable = getattr(tensor, "variable", None)
                if variable is not None:
                    sources.setdefault(id(variable), variable)
        self._flat_sources = list(sources.values())
        self.grads: dict = {}
        self.count = 0     # steps applied so far
        self._last = None

    # ---- moving ---------------------------------------------------------------------------
    def step(self):
        """Apply the next recorded step; returns its BackwardStep, or None at the end."""
        if self.done:
            return None
        step = self._last = self._steps[self.count]
        self.count += 1
        node, grads = step.node, self.grads
        if step.upstream is not None:
            grads[node.output_id] = step.upstream
        for tensor, key, grad in zip(node.inputs, node.input_ids, step.input_grads):
            if grad is None or id(tensor) in self._produced:
                continue   # a produced input shows its producer's upstream, when it comes
            earlier = grads.get(key)
            grads[key] = grad if earlier is None else wrap(earlier._value + grad._value)
        return step

    def continue_(self):
        """Step to the end, or past the next step a phase="vjp" breakpoint matches."""
        return self._until(lambda step: False)

    run_until_break = continue_

    def run(self) -> "RecordedStepper":
        while self.step() is not None:
            pass
        return self

    def run_to(self, node_or_index):
        """Step until the recorded step of `node_or_index` (a Node, the tensor it made, or
        its position in `nodes`) has been applied, or a phase="vjp" breakpoint matches."""
        node = self._node_of(node_or_index)
        ahead = [step.node for step in self._steps[self.count:]]
        if not any(n is node for n in ahead):
            raise ValueError(f"run_to: no recorded backward step of {node.op.name} is ahead "
                             f"(it is behind the stepper, or no gradient reached it)")
        return self._until(lambda step: step.node is node)

    def _until(self, stop):
        while (step := self.step()) is not None:
            if stop(step) or _breaks_at(step):
                break
        return self._last

    def _node_of(self, node_or_index):
        nodes = self._nodes
        if isinstance(node_or_index, int):
            if not 0 <= node_or_index < len(nodes):
                raise IndexError(f"run_to: there is no op at index {node_or_index}: the "
                                 f"recording has {len(nodes)} ops, at indices 0 to "
                                 f"{len(nodes) - 1}")
            return nodes[node_or_index]
        is_tensor = isinstance(node_or_index, Tensor)
        for node in nodes:
            if (node.output is node_or_index) if is_tensor else (node is node_or_index):
                return node
        raise ValueError(f"run_to: {node_or_index!r} is not an op of this recording")

    # ---- what is known now ----------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.count == len(self._steps)

    def gradient(self, source):
        return self.grads.get(id(source))

    @property
    def gradients(self) -> dict:
        return {source.ref(): self.gradient(source) for source in self._flat_sources}

    def __repr__(self) -> str:
        where = "done" if self.done else (
            "not started" if self._last is None else f"at {self._last.node.op.name}")
        return f"<RecordedStepper {self.count} of {len(self._steps)} steps, {where}>"


def _breaks_at(step) -> bool:
    return any(bp.enabled and bp.phase == "vjp" and bp.match(step.node, "vjp", step.input_grads)
               is not None for bp in breakpoint_listener.armed())
