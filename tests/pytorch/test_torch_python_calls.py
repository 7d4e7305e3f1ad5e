"""torch's Python functions (F.relu, F.cross_entropy) reach the adapter's mode by the short way
(python_calls.py) while it is alone on the stack, and torch's own way otherwise: each is
heard, stops at the user's line and gives torch's result either way. Was: every such call
went through torch's `handle_torch_function` (its generator context around the handler,
~34 k instructions a call against ~15 k)."""
import sys

import torch
import torch.nn.functional as F
from torch import overrides
from torch.overrides import TorchFunctionMode

import tapeviz.torch as tvt
from programs import line_of

OWN_WAY = overrides.handle_torch_function.__code__


def _took_torchs_way(call) -> bool:
    """Whether `call()` ran torch's own handle_torch_function."""
    entered = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is OWN_WAY:
            entered.append(frame)
    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return bool(entered)


def test_a_functional_call_under_a_breakpoint_alone_takes_the_short_way(no_debugger):
    h, labels = torch.randn(4, 3), torch.tensor([0, 2, 1, 0])
    bp = tvt.break_on(op="relu", action="continue")
    expected = torch.nn.functional.cross_entropy(h, labels)
    assert not _took_torchs_way(lambda: F.relu(h))
    assert not _took_torchs_way(lambda: F.cross_entropy(h, labels))
    assert torch.equal(F.cross_entropy(h, labels), expected)
    relu = F.relu(h)   # the relu line
    assert torch.equal(relu, h.clamp(min=0))
    hit = bp.hits[-1]
    assert hit.node.op.name == "relu"
    assert hit.node.source.lineno == line_of(__file__, "# the relu line")
    bp.clear()
    assert F.handle_torch_function is overrides.handle_torch_function   # put back


def test_a_users_mode_above_and_a_tensor_subclass_take_torchs_way(no_debugger):
    class Seen(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.funcs = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.funcs.append(func)
            return func(*args, **(kwargs or {}))

    class Marked(torch.Tensor):
        seen = 0

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            cls.seen += func is F.relu
            return super().__torch_function__(func, types, args, kwargs or {})

    bp = tvt.break_on(op="relu", action="continue")
    try:
        with Seen() as user:
            assert _took_torchs_way(lambda: F.relu(torch.randn(3)))
        assert F.relu in user.funcs and len(bp.hits) == 1   # both modes heard it
        marked = torch.randn(3).as_subclass(Marked)
        assert _took_torchs_way(lambda: F.relu(marked))
        assert Marked.seen == 1 and len(bp.hits) == 2
    finally:
        bp.clear()
