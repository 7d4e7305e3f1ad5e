"""The in-place writes of values autograd's graph holds, kept where no op is remembered.

Under the Recorder or a `record()` tape, autograd's refusal of a value saved for the backward
pass and written in place since ('output 0 of Add, is at version 1') is explained from the
recorded ops (error_notes.overwritten). A Runner alone or a breakpoint alone remembers no
op, so the mode notes here each in-place write of a tensor in the graph (rare in a training
loop: an optimizer's updates run without the mode), a few per thread, and the note names
the writer, its line and whose output it wrote over from them and the error alone.
"""
from __future__ import annotations

import re
import threading
from collections import deque

import torch

from ..sourceinfo import source_from

KEPT = 16   # the last writes kept on a thread: a failed pass is refused at the step's end


class _Local(threading.local):
    def __init__(self):
        # (writer's op name, its line, its autograd node's name, the name of the autograd
        #  node of the value it wrote over, shape, version after the write)
        self.writes = deque(maxlen=KEPT)


_local = _Local()


def wrote(op_name: str, result, caller) -> None:
    """Op `op_name`, called from `caller`, wrote `result` (its output, the tensor it wrote)
    in place: kept if autograd's graph holds it."""
    output = result if isinstance(result, torch.Tensor) else None
    grad_fn = output.grad_fn if output is not None else None
    if grad_fn is None:   # data written (a batch, a mask): no saved value can be refused
        return
    edges = grad_fn.next_functions   # the in-place node's first edge: the value before
    before = edges[0][0] if edges else None
    _local.writes.append((op_name, source_from(caller), grad_fn.name(),
                          None if before is None else before.name(), tuple(output.shape),
                          output._version))


def note(found: re.Match) -> str | None:
    """The note of autograd's error `found` (error_notes' pattern: shape, output slot, the
    autograd node's name, version, expected version) from the writes kept on this thread:
    the first write after the value was saved, or None when none matches."""
    shape = tuple(int(n) for n in found[1].split(",") if n.strip())
    node, version, expected = found[3] + "Backward", int(found[4]), int(found[5])
    matching = [write for write in reversed(_local.writes)
                if write[4] == shape and expected < write[5] <= version
                and (write[2].startswith(node) or (write[3] or "").startswith(node))]
    if not matching:
        return None
    writer, source, _, maker, _, _ = min(matching, key=lambda write: write[5])
    written = f"{_op_of(maker)}'s output" if maker is not None else "a tensor"
    where = f" (at {source})" if source is not None else ""
    return (f"tapeviz: {written}, {list(shape)}, was written in place by {writer}{where} "
            f"after an op had saved it for the backward pass, which needs it as it was: write "
            f"that line out of place (x = x + out, not x += out; no inplace=True); "
            f"tvt.record() or a Recorder around the step names the ops that saved it")


def _op_of(node_name: str) -> str:
    """The op an autograd node's name says ('ReluBackward0': relu)."""
    return re.sub(r"Backward\d*$", "", node_name).lower()
