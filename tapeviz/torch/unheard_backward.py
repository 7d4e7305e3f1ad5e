"""`loss.backward()` run without the adapter's mode when nobody hears the pass.

While only breakpoints listen (no tape records, no op waits for its backward steps, nobody
hears a GradientComputed) the mode's handler runs a `Tensor.backward` call as it is: all
it costs is torch's way to the handler, a Python `handle_torch_function` with a generator
context around it (~44 k instructions, more than a conv2d's whole way to the mode). The
stand-in for `Tensor.backward` (on the class while anyone listens, activation._sync_hooks)
takes the mode off for such a pass and puts it back, as torch does around the handler,
so the pass runs as it did and no op in it is heard either way; a pass someone may hear,
a tensor subclass's, or one under another mode goes to the handler as before, with torch's
own `Tensor.backward` as the function every mode sees.
"""
from __future__ import annotations

import functools

import torch
import torch.compiler as _compiler
from torch.overrides import handle_torch_function, has_torch_function_unary

from ..debugger.given import add_note
from . import autograd, error_notes
from .mode import local
from .ops import BACKWARD, BY_FUNC

_OWN = torch.Tensor.backward   # torch's (ops.BY_FUNC knows it as a backward call)
_stack_length = torch._C._len_torch_function_stack
_pop, _push = torch._C._pop_torch_function_stack, torch._C._push_on_torch_function_stack


@functools.wraps(_OWN)
def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Torch's `Tensor.backward`, its body as it is, but with the mode lifted first for a
    pass nobody hears (see the module docstring)."""
    mode = local.mode
    if mode is not None and type(self) is torch.Tensor and _stack_length() == 1 \
            and not _compiler._is_compiling_flag and not autograd.heard(local.tapes):
        _pop()   # (the only mode on this thread's stack: the adapter's)
        try:
            torch.autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)
        except RuntimeError as error:
            note = error_notes.pass_refused(error, [self])
            if note is not None:
                add_note(error, note)
            raise
        finally:
            _push(mode)
        return None
    if has_torch_function_unary(self):
        return handle_torch_function(_OWN, (self,), self, gradient=gradient,
                                     retain_graph=retain_graph, create_graph=create_graph,
                                     inputs=inputs)
    torch.autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)
    return None


# torch's own body, run by a user's mode above the adapter's, names `Tensor.backward` (this
# stand-in, while it is on the class) to the adapter's handler: a backward call too
BY_FUNC[backward] = BACKWARD


def install(on: bool) -> None:
    """Put the stand-in on `torch.Tensor` (`on`), or torch's own back (unless the user's code
    has put another there since: theirs stays)."""
    if on and torch.Tensor.backward is _OWN:
        torch.Tensor.backward = backward
    elif not on and torch.Tensor.backward is backward:
        torch.Tensor.backward = _OWN
