"""Where a paused `Runner` waits: the op or VJP step its gate stopped the training thread
after, read by the caller (the Dashboard's status line, `runner.paused_at`) while it waits,
and said in one wording by its repr, Python's exit and the Dashboard."""
from __future__ import annotations

from ..backward import vjp_in_flight
from ..nonfinite import in_pass
from .breakpoint_listener import op_in_pass
from .op_inputs import input_names
from .variable_names import shown_name
from .vjp_input import gradient_input


class PausePoint:
    """Where a paused runner waits: just after an op ran ("op") or after a VJP step ("vjp")."""

    __slots__ = ("kind", "node", "step", "op_count", "vjp_of", "gradient_of")

    def __init__(self, kind: str, node, step=None, op_count: int = 0, vjp_of=None,
                 gradient_of: int | None = None):
        self.kind = kind            # "op" or "vjp"
        self.node = node            # the op's Node (for "vjp": the node whose VJP ran)
        self.step = step            # the BackwardStep for "vjp", else None
        self.op_count = op_count    # ops the gate had heard when it paused (from the first pause)
        self.vjp_of = vjp_of        # an op inside a VJP: the node whose VJP was running
        self.gradient_of = gradient_of   # ... and the input of it whose gradient it computes

    @classmethod
    def after_op(cls, node, op_count: int) -> "PausePoint":
        """A pause just after `node` ran on this thread: inside a VJP, the node whose VJP
        runs and the input whose gradient it computes (`gradient_input`), read now, from
        the training thread's own stack."""
        in_flight = vjp_in_flight() if node.phase == "backward" else None
        vjp_of = in_flight[0] if in_flight is not None else None
        return cls("op", node, None, op_count, vjp_of,
                   None if vjp_of is None else gradient_input(vjp_of))

    @property
    def forward_node(self):
        """The node of the forward pass the pause is at: the op's own node, or for an op run
        inside a VJP (and a VJP step) the node whose VJP it was."""
        return self.vjp_of if self.vjp_of is not None else self.node

    @property
    def op_name(self) -> str:
        return self.node.op.name

    @property
    def phase(self) -> str:
        """ "forward" or "backward": a VJP step is backward even though its node was not."""
        return "backward" if self.kind == "vjp" else self.node.phase

    @property
    def source(self):
        """The user's line that ran the op (file, line, function), or None."""
        return self.node.source

    @property
    def said(self) -> str:
        """Where the loop waits, said alike by `__repr__`, Python's exit and the Dashboard's
        status line: 'after the gradient through exp in the backward pass at train.py:7'."""
        return self.saying()

    def saying(self, name_of=shown_name) -> str:
        """`said`, an optimizer's update told by the variable it wrote, named by
        `name_of(variable)` ('adam_step' is a name no line of the user's has; the Dashboard
        names it as its legend does)."""
        source = self.source
        where = f" at {source.location}" if source else ""
        if self.kind == "op" and getattr(self.node.op, "kind", "") == "update":
            variable = getattr(self.node.inputs[0], "variable", self.node.inputs[0])
            return f"after the optimizer's update of {name_of(variable)}{where}"
        if self.kind == "op" and self.vjp_of is not None:
            return f"after {self._in_gradient()}{where}"
        phase = "vjp" if self.kind == "vjp" else self.phase   # op_in_pass: a step is "vjp"
        return f"after {op_in_pass(self.op_name, phase)}{where}"

    def _in_gradient(self) -> str:
        """An op run inside a VJP in the tape's words: the forward op the tape draws and the
        input whose gradient the op computes, when known, the op itself in brackets:
        "conv2d's gradient for its filters (conv2d_backprop_filter) in the backward pass";
        its own name alone is an op no line of the user's calls and no box of the tape draws."""
        forward = self.vjp_of
        which = "" if self.gradient_of is None else \
            f" for its {input_names(forward.op, len(forward.inputs))[self.gradient_of]}"
        return f"{forward.op.name}'s gradient{which} ({self.op_name}) {in_pass('backward')}"

    def __repr__(self) -> str:
        return f"<PausePoint {self.said}>"

