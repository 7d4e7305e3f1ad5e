"""Step the backward pass of a recorded training step again, long after its tape was freed.

A non-persistent tape drops its nodes when `gradient` returns (ARCHITECTURE.md: memory is
bounded), but the Recorder keeps every taped node of a step, and nodes are immutable.
`replay_tape(step)` puts the step's taped forward nodes on a fresh persistent tape that
watches what the step's gradient call differentiated for (else the trainable variables its
ops read), and finds the loss that call started from; a `BackwardStepper` over it then
walks the very VJPs that ran, one at a time."""
from __future__ import annotations

from typing import NamedTuple

from ..tape import GradientTape
from ..variable import VariableRead


class Replay(NamedTuple):
    """A persistent tape holding a recorded step's forward, its loss and its variables."""

    tape: GradientTape
    target: object        # the loss tensor of the step's gradient call (of its very value)
    sources: list         # the gradient call's sources (else the variables read), in order


def replay_tape(step) -> Replay:
    """The taped forward ops of `step` (a RecordedStep) as a tape you can step backward.

    >>> import tapeviz as tf
    >>> from tapeviz.debugger import BackwardStepper, Recorder
    >>> w = tf.Variable(3.0)
    >>> with Recorder() as rec:
    ...     with tf.GradientTape() as tape:
    ...         loss = w * w + w
    ...     grad = tape.gradient(loss, w)
    >>> replay = replay_tape(rec.last_step)
    >>> [node.op.name for node in replay.tape.nodes], replay.target._value is loss._value
    (['multiply', 'add'], True)
    >>> float(BackwardStepper(*replay).run().gradient(w))
    7.0
    """
    nodes = [rop.node for rop in step.ops if rop.taped and rop.node.phase == "forward"]
    if not nodes:
        raise ValueError(f"replay_tape: step {step.number} recorded no taped forward ops "
                         f"(was the step's work done under a GradientTape?)")
    foreign = next((node.op for node in nodes if not hasattr(node.op, "input_grads")), None)
    if foreign is not None:   # a torch op: autograd ran its backward once, and freed it
        raise ValueError(f"replay_tape: step {step.number} holds {foreign.name}, an op of "
                         f"another engine ({type(foreign).__name__}) whose backward cannot be "
                         f"run again from the recording; step the backward steps the recorder "
                         f"kept as they ran (step.backward_steps: run backward() while the "
                         f"Recorder records) with debugger.recorded_stepper.RecordedStepper")
    target = _loss_tensor(step, nodes)
    variables: dict = {}
    for node in nodes:
        for tensor, key in zip(node.inputs, node.input_ids):
            variable = getattr(tensor, "variable", None)
            if type(tensor) is VariableRead and key == id(variable) and variable.trainable \
                    and tensor._value.dtype.kind == "f":
                variables.setdefault(key, variable)
    # the gradient call's own sources, when recorded: watched tensors too (tape.watch(x))
    sources = [s for s in step.gradient_sources if s._value.dtype.kind == "f"] \
        or list(variables.values())
    return Replay(GradientTape.from_nodes(nodes, sources), target, sources)


def _loss_tensor(step, nodes):
    """The tensor whose value the step's gradient call differentiated, else the last output."""
    loss = step._loss
    if loss is not None:
        for node in reversed(nodes):
            if node.output._value is loss:
                return node.output
    for node in reversed(nodes):
        if node.output._value.dtype.kind == "f":
            return node.output
    raise ValueError(f"replay_tape: step {step.number} has no float output to differentiate")
