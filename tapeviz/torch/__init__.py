"""`tapeviz.torch`: the tapeviz debugger on PyTorch programs.

    import tapeviz.torch as tvt
    with tvt.record() as tape:          # every torch op run in the block, on this thread
        loss = F.cross_entropy(model(x), y)
        loss.backward()                 # its backward steps too, in autograd's order
    TapeWidget(tape)                    # the same widget: graph by module, inspector, Step

The adapter produces the engine-neutral model the widget and debugger read (DESIGN.md
decision 14): each torch call someone hears becomes a `tapeviz.node.Node` (op: a
`TorchOp` with torch's short name, `conv2d`, `relu`, `linear`, `cross_entropy`, `log`,
`add`; inputs and output: numpy copies as tapeviz Tensors, parameters as `VariableRead`s
of Variables named like `named_parameters()`; params: the non-tensor arguments; scope: the
module path, `Net/conv1`; source: the user's line) sent as an `events.OpExecuted`; each
backward pass becomes `events.VJPApplied` steps and one `events.GradientComputed`.

It is active whenever anyone subscribes to tapeviz events (a Recorder, a breakpoint, a
Runner's gate) or a `record()` block records, on an unmodified loop, and removes itself
when nobody listens. Importing it needs torch: `pip install "tapeviz[torch]"`.

API, with the numpy engine's names and meanings:

- `record()` -> `TorchTape`: `.nodes` (Nodes), `.steps` (BackwardSteps, autograd's order),
  `.stepper()` (a `TorchStepper`, the BackwardStepper's reading protocol); a context manager.
- `break_on(op="log", ...)`, `breakpoints()`, `clear_breakpoints()`: `tapeviz.debugger`'s
  own (torch ops route through the same events; `phase="vjp"` breaks on backward steps).
- `find_nan_origin(fn_or_tape, *args)`: the torch op and user line where NaN/Inf was born.
- `TorchOp`: what a node's `op` is (`name`, `label`, `kind`, `input_names`, `route`).
"""
try:
    import torch  # noqa: F401
except ImportError as error:   # torch is an optional extra
    raise ImportError('tapeviz.torch needs PyTorch: pip install "tapeviz[torch]"') from error

from ..debugger.breakpoint import break_on, breakpoints, clear_breakpoints
from .nan import find_nan_origin
from .ops import TorchOp
from .stepper import TorchStepper
from .tape import TorchTape, record

__all__ = ["TorchOp", "TorchStepper", "TorchTape", "break_on", "breakpoints",
           "clear_breakpoints", "find_nan_origin", "record"]
