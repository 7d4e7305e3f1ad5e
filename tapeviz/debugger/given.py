"""What a debugger function that reads recorded ops was given, checked before it reads them.

`find_nan_origin` and `diagnose` read a tape's nodes, a recorded step's ops or a list of
nodes. The student who reaches for them is already confused, and the commonest slips
return a wrong answer rather than fail: a tape that `gradient` freed holds no ops (so "no
NaN here"), the loss is a value that remembers no ops. Each is refused naming the call,
what it expected, what came and the user's line, with the call that works as the hint.
"""
from __future__ import annotations

from ..errors import DTypeError, MisuseError, describe
from ..tensor import Tensor
from .recorder import Recorder

RECORD_IT = "with tapeviz.debugger.Recorder() as rec: ...; then {call}"


def check_recorded_ops(call: str, source, expected: str, on_recording: str) -> None:
    """Refuse `source` unless `call` can read recorded ops from it: a tape that still holds
    them, anything with `.nodes` or `.ops`, or a list of nodes (`expected` says what the
    call takes, `on_recording` how it reads a Recorder's)."""
    if getattr(source, "freed", False):
        raise MisuseError(call, "this GradientTape was consumed by gradient() and freed its "
                                "ops, so there is nothing left to search",
                          hint=f"call {call}(tape) before tape.gradient, use "
                               f"tf.GradientTape(persistent=True), or record the step: "
                               f"{RECORD_IT.format(call=on_recording)}")
    if isinstance(source, (list, tuple)):
        stray = next((item for item in source if not _node_like(item)), None)
        if stray is None:
            return
        raise DTypeError(call, f"expected {expected}; got a list holding "
                               f"{describe(stray)}", hint=_hint(call, stray, on_recording))
    if hasattr(source, "nodes") or hasattr(source, "ops"):
        return
    raise DTypeError(call, f"expected {expected}; got {describe(source)}",
                     hint=_hint(call, source, on_recording))


def _node_like(item) -> bool:
    node = getattr(item, "node", item)   # a RecordedOp holds its node
    return all(hasattr(node, name) for name in ("op", "inputs", "output"))


def _hint(call: str, value, on_recording: str) -> str | None:
    if isinstance(value, Tensor):
        return (f"a tensor is a value and does not remember the ops that made it: pass the "
                f"GradientTape that recorded them, {call}(tape), or "
                f"{RECORD_IT.format(call=on_recording)}")
    if isinstance(value, Recorder):
        return (f"a Recorder holds steps: {call}(rec.last_step) reads one, and diagnose(rec) "
                f"finds the step where NaN/Inf was born")
    return None
