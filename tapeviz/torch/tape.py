"""`record()`: a tape of the torch ops run in a block, which the widget and debugger read."""
from __future__ import annotations

from . import mode


class TorchTape:
    """The torch ops (as Nodes) a `record()` block ran on its thread, in execution order, and
    the backward steps of the backward passes run in it, in the order autograd ran them."""

    persistent = True   # nothing frees it
    freed = False

    def __init__(self):
        self.nodes: list = []
        self.steps: list = []

    def record(self, node) -> bool:
        self.nodes.append(node)
        return True

    def __len__(self) -> int:
        return len(self.nodes)

    def __enter__(self) -> "TorchTape":
        mode.start_recording(self)
        return self

    def __exit__(self, *exc_info) -> None:
        mode.stop_recording(self)

    def __repr__(self) -> str:
        return f"<TorchTape {len(self.nodes)} ops, {len(self.steps)} backward steps>"


def record() -> TorchTape:
    """Record the torch ops run in a `with` block on this thread: `with record() as tape:`."""
    return TorchTape()
