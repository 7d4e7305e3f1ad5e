"""`record()`: a tape of the torch ops run in a block, which the widget and debugger read."""
from __future__ import annotations

import torch

from ..debugger.given import add_note
from ..debugger.recorded_stepper import RecordedStepper
from . import activation, autograd, error_notes


class TorchTape:
    """The torch ops (as Nodes) a `record()` block ran on its thread, in execution order, and
    the backward steps of the passes run in it, in the order autograd ran them.

    The widget reads it as it reads a GradientTape (`nodes`, `stepper()`); the last output
    that requires grad is kept, so a pass that did not run inside the block can be run
    (and stepped) later.
    """

    label = "torch tape"   # the widget's title: 'torch tape: 7 ops'
    persistent = True      # nothing frees it
    freed = False
    raised = None          # the call that raised out of the block (error_notes.failed_call)
    caught = None          # the last call that raised in the block and did not leave it

    def __init__(self):
        self.nodes: list = []
        self.steps: list = []
        self._last_output = None   # the torch tensor of the last op that requires grad

    def record(self, node, output=None) -> bool:
        """Keep `node` (the mode calls this); `output`: its torch tensor, if it requires grad."""
        self.nodes.append(node)
        if output is not None:
            self._last_output = output
        return True

    def op_raised(self, failed) -> None:
        """A call raised while this tape recorded (`failed`, as error_notes.failed_call keeps
        it): `caught` once the block went on past it (the user's try/except caught it)."""
        self.caught = failed

    def __len__(self) -> int:
        return len(self.nodes)

    def __enter__(self) -> "TorchTape":
        activation.start_recording(self)
        return self

    def __exit__(self, exc_type, error, tb) -> None:
        activation.stop_recording(self)
        note = error_notes.refused_argument(error) if error is not None else None
        if note is not None:   # (torch refused the call before the mode saw it)
            add_note(error, note)
        # the call that raised out of the block, drawn failed after the ops (None: it ended well)
        self.raised = getattr(error, "tapeviz_failure", None)
        if self.raised is not None and self.raised is self.caught:   # it left the block
            self.caught = None

    # ---- the backward pass -----------------------------------------------------------------
    def stepper(self, target=None, sources=None) -> RecordedStepper:
        """A stepper over this tape's backward steps (running the pass first if none ran)."""
        if not self.steps:
            self.run_backward(target)
        return RecordedStepper(self.steps, self.nodes)

    def run_backward(self, target=None) -> list:
        """Run the backward pass from `target` (a torch tensor; default the last output that
        requires grad) with `torch.autograd.grad`, recording its steps here; parameters'
        `.grad` are left as they are. Returns the steps."""
        root = target if isinstance(target, torch.Tensor) else self._last_output
        if root is target and root.grad_fn is None:   # (autograd said: `inputs` ... empty)
            raise ValueError(f"TapeWidget: target must be a tensor this torch tape's ops "
                             f"made, which requires grad; got a {str(root.dtype)[6:]} tensor "
                             f"of shape {tuple(root.shape)} that no op made (compute the loss "
                             f"inside the `with tvt.record()` block and pass it: "
                             f"TapeWidget(tape, target=loss))")
        if root is None:
            raise ValueError("TapeWidget: nothing to step: no op on this torch tape made a "
                             "tensor that requires grad (were the parameters frozen, or did it "
                             "run under torch.no_grad()?)")
        leaves = autograd.leaves_of([root])
        seed = torch.ones_like(root)
        try:
            with self:
                torch.autograd.grad(root, leaves, seed, retain_graph=True, allow_unused=True)
        except RuntimeError as error:
            if "second time" not in str(error):
                raise
            raise ValueError("TapeWidget: the backward pass of this torch tape ran outside "
                             "record() and freed its graph: call loss.backward() inside the "
                             "`with tvt.record()` block to step it") from error
        return self.steps

    def __repr__(self) -> str:
        return f"<TorchTape {len(self.nodes)} ops, {len(self.steps)} backward steps>"


def record() -> TorchTape:
    """Record the torch ops run in a `with` block on this thread.

    >>> import torch, tapeviz.torch as tvt
    >>> w = torch.ones(2, requires_grad=True)
    >>> with tvt.record() as tape:
    ...     loss = (w * 3.0).sum()
    ...     loss.backward()
    >>> [node.op.name for node in tape.nodes], [step.node.op.name for step in tape.steps]
    (['mul', 'sum'], ['sum', 'mul'])
    """
    return TorchTape()
