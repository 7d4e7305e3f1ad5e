"""What a TapeWidget does to its selected node: a breakpoint on its op or its source line, the
breakpoints that match it cleared, and its gradient checked by finite differences at the
inputs it recorded. `NodeActions` is TapeWidget's base; the buttons call these methods
through the widget's messages, code calls them directly."""
from __future__ import annotations

from ..debugger import breakpoint as breakpoints
from ..debugger.gradcheck import check_node_gradient
from .panel import describe_breakpoint


class NodeActions:
    """The selected node's breakpoints and gradient check; each keeps the widget's
    `breakpoints` trait (or its inspector) in step."""

    def break_here(self, what: str = "op") -> None:
        """Set a breakpoint on the selected node's op (`what="op"`) or source line ("line")."""
        node = self._dispatch_node(self.selected)
        if node is None:
            raise ValueError("TapeWidget: select an op node first")
        if what == "op":
            breakpoints.break_on(op=node.op.name)
        elif node.source is not None:
            breakpoints.break_on(file=node.source.filename, line=node.source.lineno)
        else:
            raise ValueError(f"TapeWidget: {node.op.name} has no source line to break on")
        self._sync_breakpoints()

    def clear_breaks_here(self) -> None:
        """Clear every breakpoint that matches the selected node."""
        node = self._dispatch_node(self.selected)
        for bp in breakpoints.breakpoints():
            if node is not None and bp.match(node, node.phase) is not None:
                bp.clear()
        self._sync_breakpoints()

    def gradient_check(self) -> str:
        """Compare the selected op's gradient (its vector-Jacobian product) with finite
        differences at the inputs it was recorded with, as the Gradient check button does."""
        self.finish_checks()
        node = self._dispatch_node(self.selected)
        if node is None:
            raise ValueError("TapeWidget: select an op node first")
        text = str(check_node_gradient(node))
        self._gradcheck[self.selected] = text
        self._inspect()
        return text

    def _sync_breakpoints(self) -> None:
        self.breakpoints = [describe_breakpoint(bp) for bp in breakpoints.breakpoints()]
