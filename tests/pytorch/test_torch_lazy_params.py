"""A bare condition's node reads an op's params (stride, padding, dim) from its call only when
asked: a condition that reads them sees what a recording's node holds, a node kept past the
call has them, and the op's input names are still learnt from its first call."""
import pytest
import torch
import torch.nn.functional as F

import tapeviz.torch as tvt
from tapeviz.torch import ops

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

X, W = torch.randn(2, 3, 8, 8), torch.randn(4, 3, 3, 3)


def conv_and_mean():
    F.conv2d(X, W, None, 2, padding=1).mean(dim=(2, 3), keepdim=True)


def test_a_condition_reads_the_params_a_recording_keeps():
    seen = []
    tvt.break_on(condition=lambda node: seen.append((node.op.name, node.params)) or False)
    conv_and_mean()
    tvt.clear_breakpoints()
    with tvt.record() as tape:
        conv_and_mean()
    assert seen == [(node.op.name, node.params) for node in tape.nodes]
    assert seen[0][1]["stride"] == 2 and seen[0][1]["padding"] == 1
    assert seen[1][1] == {"dim": (2, 3), "keepdim": True}


def test_a_node_kept_unread_has_its_params():
    kept = []
    tvt.break_on(condition=lambda node: kept.append(node) or False)
    conv_and_mean()
    tvt.clear_breakpoints()
    conv, mean = kept
    assert conv.params["stride"] == 2 and conv.params["bias"] is None
    assert mean.params == {"dim": (2, 3), "keepdim": True}


def test_the_input_names_come_from_the_first_call_a_condition_hears():
    op = ops.op_named("conv_transpose2d")   # no test before this one calls it
    op.input_names = ()
    tvt.break_on(condition=lambda node: False)
    F.conv_transpose2d(torch.randn(1, 4, 5, 5), torch.randn(4, 2, 3, 3), torch.randn(2))
    tvt.clear_breakpoints()
    assert op.input_names == ("input", "weight", "bias")
