"""`why_none` for torch tensors: why autograd gives a tensor no gradient, in torch's terms.

The numpy engine's reasons speak of tapes and `tape.watch`; a torch program has neither:
a tensor gets a gradient when it requires grad and the loss's autograd graph reaches it.
Read from that graph alone (`grad_fn.next_functions` down to each leaf's
`AccumulateGrad`), which stays walkable after `backward()` freed its buffers; nothing is
run. Registered with `debugger.why_none` when the adapter is imported (nothing in the
debugger imports torch)."""
from __future__ import annotations

import sys

import torch

from ..debugger.why_none import OTHER_ENGINES
from ..debugger.findings import Finding
from ..sourceinfo import user_frame
from . import graph_cut


def explain(target, source, names: tuple, target_names: tuple) -> Finding:
    """Why `source`'s gradient of `target` (torch tensors) is None, or that it is not."""
    name = names[0] if names else "the tensor"
    shown = f"{name} ({str(source.dtype).removeprefix('torch.')}, shape " \
            f"{tuple(source.shape)})"
    loss = target_names[0] if target_names else "the loss"
    if not source.is_floating_point() and not source.is_complex():
        return Finding("integer_dtype", f"{shown} holds integers: autograd gives gradients "
                       f"only to floating-point tensors; make it one first: "
                       f"{name}.float() (then {name}.requires_grad_())")
    if not source.requires_grad:
        return Finding("not_watched", f"{shown} does not require grad, so autograd tracks "
                       f"nothing it feeds: make it with requires_grad=True, or call "
                       f"{name}.requires_grad_() before the forward pass reads it (an "
                       f"nn.Module's parameters require grad by themselves)")
    if not target.requires_grad:
        frame = user_frame(sys._getframe(1))
        cut = graph_cut.cut_of(frame, loss) if frame is not None and target_names else None
        if cut is not None:
            why, at = cut
            return Finding("target_not_recorded", f"{loss} does not require grad, so autograd "
                           f"gives nothing a gradient through it: {why}; at {at.location}"
                           + (f": {at.statement}" if at.statement else ""), source=at)
        return Finding("target_not_recorded", f"{loss} does not require grad: autograd "
                       f"recorded nothing of it, as under torch.no_grad() or "
                       f"torch.inference_mode(), or when it was made from values that left "
                       f"the graph (.detach(), .item(), .numpy(), .data); compute it from "
                       f"{name} outside those")
    if not _reaches(target.grad_fn, source):
        return Finding("unused", f"{loss}'s autograd graph does not reach {shown}: no op "
                       f"on the way to it read {name} (or it read a .detach()ed copy of it); "
                       f"use it in the loss, or leave it out of what the optimizer trains")
    if source.grad_fn is not None and not source.retains_grad:
        return Finding("not_leaf", f"{shown} is connected to {loss}, but an op made it "
                       f"({type(source.grad_fn).__name__}): backward() fills .grad only for "
                       f"leaves; call {name}.retain_grad() before backward(), or ask "
                       f"torch.autograd.grad({loss}, {name})")
    return Finding("connected", f"{shown} is connected to {loss}: its gradient is not None "
                   f"(its .grad is filled by {loss}.backward())")


def _reaches(grad_fn, source) -> bool:
    """Whether the graph from `grad_fn` reaches `source`: its AccumulateGrad (a leaf) or its
    own grad_fn (a tensor an op made)."""
    seen, todo = set(), [grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if node is source.grad_fn or getattr(node, "variable", None) is source:
            return True
        todo.extend(next_node for next_node, _ in node.next_functions)
    return False


OTHER_ENGINES[torch.Tensor] = explain
