"""A nan breakpoint or a bare condition hears every op on every thread, but reads a layer path
only at a stop or when asked: the global module pre-hook alone is installed for them (it puts
the adapter's mode on a thread that runs a module), no forward hook keeping paths, and the
layer and the parameters' names are read off the Python stack, the same as the hooks gave."""
import threading

import pytest
import torch
from digits_cnn import DigitsCNN
from source_lines import lines_of
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder
from tapeviz.torch import modules

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

_line_of = lines_of(__file__)
_module_hooks = torch.nn.modules.module


def _poisoned_model():
    torch.manual_seed(0)
    model = DigitsCNN()
    with torch.no_grad():
        model.conv2.weight[0, 0, 0, 0] = float("inf")   # conv2's output: Inf, then NaN
    return model


@pytest.fixture
def one_thread(monkeypatch):
    """The threads other tests left running are not counted (a thread alive when a breakpoint
    is armed keeps the pre-hook from the start): this test's own are."""
    others = set(threading.enumerate()) - {threading.current_thread()}
    monkeypatch.setattr(threading, "active_count",
                        lambda: sum(thread not in others for thread in threading.enumerate()))


@pytest.mark.parametrize("criteria", [dict(nan=True),
                                      dict(condition=lambda node: node.output.ndim > 4)])
def test_a_nan_breakpoint_or_a_condition_installs_the_pre_hook_alone_once_a_thread_starts(
        criteria, one_thread):
    """On one thread no module hook sends the model's calls down torch's slow path; a thread
    started brings the pre-hook back, which gives it the mode at its first module call."""
    bp = tvt.break_on(**criteria)
    assert not modules.installed()
    assert not _module_hooks._global_forward_pre_hooks and not _module_hooks._global_forward_hooks
    with Recorder():   # a Recorder reads every op's layer: the paths are kept then
        assert modules.keeps_paths() and _module_hooks._global_forward_hooks
    assert not modules.installed() and not _module_hooks._global_forward_hooks
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    assert modules.installed() and not modules.keeps_paths()
    assert _module_hooks._global_forward_pre_hooks and not _module_hooks._global_forward_hooks
    bp.clear()
    assert not modules.installed() and threading.getprofile() is None


def test_a_nan_stop_names_its_layer_and_parameters_read_off_the_stack():
    model = _poisoned_model()
    bp = tvt.break_on(nan=True, action="continue")
    model(torch.rand(2, 1, 8, 8))
    hit = bp.hits[0]
    assert (hit.node.op.name, hit.node.scope) == ("conv2d", "DigitsCNN/conv2")
    assert [x.variable.name if hasattr(x, "variable") else None
            for x in hit.node.inputs] == [None, "conv2.weight", "conv2.bias"]


def test_a_condition_reads_each_ops_layer_and_a_kept_node_keeps_it():
    torch.manual_seed(0)
    model, asked = DigitsCNN(), []

    def condition(node):
        asked.append((node.op.name, node.scope))
        return node.op.name == "linear"
    bp = tvt.break_on(condition=condition, action="continue")
    model(torch.rand(2, 1, 8, 8))
    assert asked == [("conv2d", "DigitsCNN/conv1"), ("relu", "DigitsCNN"),
                     ("conv2d", "DigitsCNN/conv2"), ("relu", "DigitsCNN"),
                     ("mean", "DigitsCNN"), ("linear", "DigitsCNN/fc")]
    (hit,) = bp.hits
    assert hit.node.scope == "DigitsCNN/fc"
    assert [x.variable.name for x in hit.node.inputs[1:]] == ["fc.weight", "fc.bias"]


def test_a_nan_born_on_another_thread_stops_there_at_its_layer_and_line():
    """The pre-hook puts the mode on a thread that never subscribed, at its first module
    call: the NaN born there is still found at the op that made it."""
    bp = tvt.break_on(nan=True, action="continue")

    def other():
        h = nn.Identity()(torch.rand(2, 1, 8, 8))   # a module call: the mode comes on
        torch.log(h - 2.0)   # log of negatives: NaN made here

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    (hit,) = bp.hits
    assert (hit.node.op.name, hit.source.lineno) == (
        "log", _line_of("torch.log(h - 2.0)   # log of negatives: NaN made here"))
