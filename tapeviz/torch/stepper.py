"""Stepping a torch tape's backward pass one VJP at a time, as the widget's Step does.

The steps are autograd's own, recorded in the order it ran them (`TorchTape.steps`); when
the tape holds none (backward was not called inside `record()`), the tape runs the pass
first (`TorchTape.run_backward`, which leaves the user's `.grad` alone). The stepper then
replays them with the protocol of the numpy engine's `BackwardStepper` that the widget and
debugger read: `step`, `continue_`, `done`, `last_step`, `grads` (id of a node's output or
of a Variable -> the gradient so far), `flat_sources`, `gradient(source)`.
"""
from __future__ import annotations

from ..debugger import breakpoint_listener
from ..tensor import wrap


class TorchStepper:
    """Replays the recorded backward steps of a torch tape, one per `step()`."""

    def __init__(self, tape):
        self.tape = tape
        self._steps = list(tape.steps)
        self._produced = {id(node.output) for node in tape.nodes}
        sources = {}
        for node in tape.nodes:
            for tensor in node.inputs:
                variable = getattr(tensor, "variable", None)
                if variable is not None:
                    sources.setdefault(id(variable), variable)
        self._flat_sources = list(sources.values())
        self.grads: dict = {}
        self.count = 0
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
        while (step := self.step()) is not None:
            if _breaks_at(step):
                break
        return self._last

    run_until_break = continue_

    def run(self) -> "TorchStepper":
        while self.step() is not None:
            pass
        return self

    # ---- what is known now ----------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.count == len(self._steps)

    @property
    def last_step(self):
        return self._last

    @property
    def current(self):
        return None if self._last is None else self._last.node

    @property
    def upstream(self):
        return None if self._last is None else self._last.upstream

    @property
    def input_grads(self):
        return None if self._last is None else self._last.input_grads

    @property
    def index(self):
        return None if self._last is None else self._last.index

    @property
    def flat_sources(self) -> list:
        """The parameters (as Variables) the tape's ops read."""
        return list(self._flat_sources)

    def gradient(self, source):
        return self.grads.get(id(source))

    @property
    def gradients(self) -> dict:
        return {source.ref(): self.gradient(source) for source in self._flat_sources}

    def __repr__(self) -> str:
        where = "done" if self.done else (
            "not started" if self._last is None else f"at {self._last.node.op.name}")
        return f"<TorchStepper {self.count} of {len(self._steps)} steps, {where}>"


def _breaks_at(step) -> bool:
    return any(bp.enabled and bp.phase == "vjp" and bp.match(step.node, "vjp", step.input_grads)
               is not None for bp in breakpoint_listener.armed())
