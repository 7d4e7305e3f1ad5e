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
backward pass becomes `events.VJPApplied` steps, and each training step one
`events.GradientComputed` (at the user's optimizer step: the passes of gradient accumulation,
a GAN's iteration with both optimizers, a gradient penalty's inner `autograd.grad`, are one
step, as a Recorder step of the numpy engine is one gradient call and its update).

It is active whenever anyone subscribes to tapeviz events (a Recorder, a breakpoint, a
Runner's gate) or a `record()` block records, on an unmodified loop, and removes itself
when nobody listens. Importing it needs torch: `pip install "tapeviz[torch]"`.

Who hears what, and what it costs: a `TorchFunctionMode` on the listening thread (and on
a Runner's training thread, which subscribes; on any thread that runs a module while
every op is heard) calls a Python handler per torch call; an op nobody hears costs that
and copies nothing. `optimizer.step()` runs without it and is heard as one update op per
parameter (`adam_step`, `sgd_step`: the parameter before and its gradient in, the
parameter after out), as the numpy engine's Adam is one `adam_step` per variable (a tape
leaves updates out, as a GradientTape does; a step given a closure, LBFGS's, keeps the
mode for the closure's passes). Global module hooks (the
layer path) are installed only while every op is heard; an op heard alone finds its
modules on the stack. Values are numpy copies (on CUDA, copied to the host) made only for
ops heard or taped. Backward steps are autograd's, caught by hooks set only for the ops
whose steps someone hears. Not seen: ops inside autograd's C++ backward (a step is one
forward op's whole VJP), the ops inside a custom `autograd.Function` (it is one op, named
after its class), and ops on a thread that neither subscribed nor ran a module while every op
was heard. `x[mask] = 0` on a tensor autograd tracks is an op, `setitem`. A
`torch.compile`d model runs as written while anyone listens (compiler stance "force_eager"),
so its ops are heard; a meta tensor's values, or one example's inside `torch.vmap`, are
recorded as its shape and dtype with no values (`debugger.summary.NoValues`). A pass
started from `scaler.scale(loss)` (torch.amp.GradScaler) announces the loss and gradients
unscaled. An error torch raises in a heard op, or autograd's about a saved value written in
place, keeps its type and message and gets a note: the op, its layer, its inputs, the line.

API, with the numpy engine's names and meanings:

- `record()` -> `TorchTape`: `.nodes` (Nodes), `.steps` (BackwardSteps, autograd's order),
  `.stepper()` (a `debugger.recorded_stepper.RecordedStepper` over them: the
  BackwardStepper's reading protocol); a context manager.
- `break_on(op="log", ...)`, `breakpoints()`, `clear_breakpoints()`: `tapeviz.debugger`'s
  own (torch ops route through the same events; `phase="vjp"` breaks on backward steps).
- `find_nan_origin(fn_or_tape, *args)`: the torch op and user line where NaN/Inf was born.
- `TorchOp`: what a node's `op` is (`name`, `label`, `kind`, `input_names`, `route`,
  `layout` "NCHW"); a parameter is a `values.TorchParameter`, a tapeviz Variable.
- Parameters are named as `named_parameters()` names them (`conv1.weight`); those of an
  `nn.Sequential` model after the name the code gives it (`encoder.0.weight`, else
  `Sequential.0.weight`: '0.weight' alone reads as a number); those of a layer called alone
  as Keras names layers (`linear/weight`, `linear_1/weight`).
- Events: `OpExecuted(node, taped=output.requires_grad, duration)`, `VJPApplied(step)`,
  `GradientComputed(tape or None, [loss], parameters, their .grad)`.
"""
try:
    import torch  # noqa: F401
except ImportError as error:   # torch is an optional extra
    raise ImportError('tapeviz.torch needs PyTorch: pip install "tapeviz[torch]"') from error

import os

from ..debugger import live_runners
from ..debugger.breakpoint import break_on, breakpoints, clear_breakpoints
from .nan import find_nan_origin
from .ops import TorchOp
from .tape import TorchTape, record
from . import why_none  # noqa: F401  (debugger.why_none's reasons for torch tensors)

# a Runner's loop inside torch's C++ (or the mode's handler around it) when Python exits is
# waited for: a daemon thread waking there as the interpreter finalizes aborts the process
live_runners.wait_at_exit_inside(torch.__path__[0])
live_runners.wait_at_exit_inside(os.path.dirname(__file__))

__all__ = ["TorchOp", "TorchTape", "break_on", "breakpoints", "clear_breakpoints",
           "find_nan_origin", "record"]
