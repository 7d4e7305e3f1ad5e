"""Where a paused `Runner` waits: the op or VJP step its gate stopped the training thread
after, read by the caller (the Dashboard's status line, `runner.paused_at`) while it waits."""
from __future__ import annotations


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

    def __repr__(self) -> str:
        source = self.source
        where = f" at {source.location}" if source else ""
        what = "after the gradient through" if self.kind == "vjp" else "after"
        return f"<PausePoint {what} {self.op_name} ({self.phase}){where}>"
