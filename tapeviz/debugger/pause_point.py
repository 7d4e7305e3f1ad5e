"""Where a paused `Runner` waits: the op or VJP step its gate stopped the training thread
after, read by the caller (the Dashboard's status line, `runner.paused_at`) while it waits."""
from __future__ import annotations

from .breakpoint_listener import op_in_pass
from .variable_names import shown_name


class PausePoint:
    """Where a paused runner waits: just after an op ran ("op") or after a VJP step ("vjp")."""

    __slots__ = ("kind", "node", "step", "op_count", "vjp_of")

    def __init__(self, kind: str, node, step=None, op_count: int = 0, vjp_of=None):
        self.kind = kind            # "op" or "vjp"
        self.node = node            # the op's Node (for "vjp": the node whose VJP ran)
        self.step = step            # the BackwardStep for "vjp", else None
        self.op_count = op_count    # ops the gate had heard when it paused (from the first pause)
        self.vjp_of = vjp_of        # an op inside a VJP: the node whose VJP was running

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
        phase = "vjp" if self.kind == "vjp" else self.phase   # op_in_pass: a step is "vjp"
        return f"after {op_in_pass(self.op_name, phase)}{where}"

    def __repr__(self) -> str:
        return f"<PausePoint {self.said}>"
