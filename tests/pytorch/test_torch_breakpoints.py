"""tvt.break_on: the debugger's breakpoints on torch ops, at the user's line, nowhere else."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, make_training
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import BreakpointError
from tapeviz.torch import values
from source_lines import lines_of


pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


_line_of = lines_of(__file__)


def _loss_with_a_log(model, images, labels):
    probabilities = F.softmax(model(images), dim=1)
    picked = probabilities[torch.arange(len(labels)), labels]
    return -torch.log(picked).mean()


def test_break_on_log_hits_at_the_users_line_and_never_elsewhere():
    torch.manual_seed(0)
    model, images, labels = DigitsCNN(), torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])
    bp = tvt.break_on(op="log", action="continue")
    for _ in range(2):
        loss = _loss_with_a_log(model, images, labels)
        loss.backward()
    assert [hit.node.op.name for hit in bp.hits] == ["log", "log"]
    hit = bp.hits[0]
    assert hit.phase == "forward" and hit.source.filename == __file__
    assert hit.source.lineno == _line_of("return -torch.log(picked).mean()")
    assert "log in the forward pass at" in hit.describe() and "torch.log(picked)" in hit.describe()
    assert hit.node.inputs[0].shape == (4,)


def test_a_hit_with_no_debugger_raises_naming_the_op_and_line_and_leaves_torch_clean():
    x = torch.tensor([0.5, 2.0])
    tvt.break_on(op="log")
    with pytest.raises(BreakpointError, match="log") as raised:
        torch.log(x)
    assert raised.value.hit.source.lineno == _line_of("torch.log(x)")
    tvt.clear_breakpoints()
    assert torch._C._len_torch_function_stack() == 0   # nobody listens: the mode is gone


def test_an_armed_breakpoint_on_log_copies_no_value_of_other_ops(monkeypatch):
    copies = []
    original = values.host_copy
    monkeypatch.setattr(values, "host_copy", lambda t: copies.append(t.shape) or original(t))
    _, _, train_step = make_training(seed=1)
    images, labels = torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))
    bp = tvt.break_on(op="log", action="continue")
    train_step(images, labels)   # conv2d, relu, mean, linear, cross_entropy, Adam: no log
    assert copies == [] and bp.hits == []
    torch.log(images.mean())
    assert len(bp.hits) == 1 and copies == [(), ()]   # log's input and output only


def test_a_nan_breakpoint_copies_nothing_of_finite_ops_and_stops_where_nan_is_made(monkeypatch):
    """Every op's output is tested first (a view of torch's memory): copies and a node only
    for the op that made NaN, with its layer and parameters named."""
    copies = []
    original = values.host_copy
    monkeypatch.setattr(values, "host_copy", lambda t: copies.append(t.shape) or original(t))
    model, _, train_step = make_training(seed=1)
    images, labels = torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))
    bp = tvt.break_on(nan=True, action="continue")
    train_step(images, labels)   # finite all through
    # none: the parameters and gradients before Adam's step (it writes over both) are one
    # copy joined on torch's side, read into numpy only for an update that makes NaN
    assert copies == []
    assert bp.hits == []
    copies.clear()
    with torch.no_grad():
        model.fc.bias[3] = float("nan")
    model(images)
    (hit,) = bp.hits
    assert (hit.node.op.name, hit.node.scope) == ("linear", "DigitsCNN/fc")
    assert hit.source.filename.endswith("digits_cnn.py") and "self.fc(x)" in hit.source.line
    names = [t.variable.name if hasattr(t, "variable") else None for t in hit.node.inputs]
    assert names == [None, "fc.weight", "fc.bias"]
    assert np.isnan(hit.node.output.numpy()[:, 3]).all()
    assert copies == [(8, 16), (10, 16), (10,), (8, 10)]   # the linear's inputs and output


def test_a_breakpoint_set_before_the_op_was_ever_seen_still_hits():
    bp = tvt.break_on(op="logaddexp2", action="continue")   # no torch op of that name yet
    torch.logaddexp2(torch.ones(2), torch.zeros(2))
    assert [hit.node.op.name for hit in bp.hits] == ["logaddexp2"]


def test_break_on_kind_and_layer_use_the_same_criteria():
    torch.manual_seed(2)
    model, images = DigitsCNN(), torch.rand(2, 1, 8, 8)
    by_kind = tvt.break_on(kind="conv", action="continue")
    by_layer = tvt.break_on(layer="fc", action="continue")
    model(images)
    assert [h.node.scope for h in by_kind.hits] == ["DigitsCNN/conv1", "DigitsCNN/conv2"]
    assert [(h.node.op.name, h.node.scope) for h in by_layer.hits] == [("linear", "DigitsCNN/fc")]


def test_break_on_a_file_line():
    x = torch.tensor([1.0, 4.0])
    bp = tvt.break_on(file=__file__, line=_line_of("y = torch.sqrt(x) + 1.0"), action="continue")
    y = torch.sqrt(x) + 1.0
    torch.exp(y)
    assert [hit.node.op.name for hit in bp.hits] == ["sqrt", "add"]


def test_a_vjp_breakpoint_with_nan_stops_at_the_backward_step_that_made_it():
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    bp = tvt.break_on(phase="vjp", nan=True, action="continue")
    y = torch.sqrt(x) * 2.0
    y.sum().backward()
    assert [(h.node.op.name, h.phase) for h in bp.hits] == [("sqrt", "vjp")]
    hit = bp.hits[0]
    assert hit.source.lineno == _line_of("y = torch.sqrt(x) * 2.0")
    assert "gradient has inf" in hit.reasons


def test_an_op_first_seen_inside_a_module_keeps_the_module_paths_of_the_ops_after_it():
    class FirstSight(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(torch.hypot(x, x)).relu()

    model = FirstSight()
    by_op = tvt.break_on(op="hypot", action="continue")   # breakpoints route again to it
    by_layer = tvt.break_on(layer="FirstSight/fc", action="continue")
    model(torch.ones(3, 2))
    assert [(h.node.op.name, h.node.scope) for h in by_op.hits + by_layer.hits] == [
        ("hypot", "FirstSight"), ("linear", "FirstSight/fc")]


def test_an_op_breakpoint_leaves_module_calls_on_torchs_fast_path_and_still_names_the_layer():
    from tapeviz.torch import modules
    torch.manual_seed(3)
    model = DigitsCNN()
    bp = tvt.break_on(op="linear", action="continue")
    assert not modules.installed()   # global module hooks would slow every module call
    model(torch.rand(2, 1, 8, 8))
    (hit,) = bp.hits
    assert hit.node.scope == "DigitsCNN/fc"
    names = [t.variable.name if hasattr(t, "variable") else None for t in hit.node.inputs]
    assert names == [None, "fc.weight", "fc.bias"]


def test_an_op_torch_has_not_run_yet_is_accepted_and_a_misspelt_one_refused():
    """torch's ops are made on first use, so break_on asks torch whether it has the name."""
    bp = tvt.break_on(op="log_softmax")     # a function of torch.nn.functional, not run yet
    bp.clear()
    with pytest.raises(ValueError, match=r"no op is called 'log_sofmax'"):
        tvt.break_on(op="log_sofmax")


def test_break_on_an_optimizers_update_hits_each_parameter_at_the_step_line():
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    bp = tvt.break_on(op="sgd_step", action="continue")
    F.mse_loss(model(torch.ones(4, 3)), torch.zeros(4, 2)).backward()
    optimizer.step()
    assert [hit.node.op.name for hit in bp.hits] == ["sgd_step", "sgd_step"]
    assert {hit.source.lineno for hit in bp.hits} == {_line_of("optimizer.step()")}
    assert [hit.node.inputs[0].shape for hit in bp.hits] == [(2, 3), (2,)]
    with pytest.raises(ValueError, match="sgd_stpe"):
        tvt.break_on(op="sgd_stpe")   # a misspelt name is refused, as any op name


class _DivergedSGD(torch.optim.SGD):
    """An optimizer whose step raises, as one that checks its update might."""

    def step(self, closure=None):
        raise FloatingPointError("the update diverged")


def test_a_step_that_raised_leaves_the_breakpoint_armed_for_the_next_forward_pass():
    """optimizer.step() runs without the mode, and torch runs no hook of ours on the way out
    of a step that raised: the next forward pass puts the mode back, and the hook that
    stood by goes with it."""
    model = nn.Linear(3, 2)
    optimizer = _DivergedSGD(model.parameters(), lr=0.1)
    bp = tvt.break_on(op="log", action="continue")
    for _ in range(2):
        torch.log(model(torch.ones(4, 3)).exp()).sum().backward()
        with pytest.raises(FloatingPointError):
            optimizer.step()  # it raises
    assert len(bp.hits) == 2
    model(torch.ones(1, 3))
    assert not torch.nn.modules.module._global_forward_pre_hooks   # nothing stands by now
    assert len(bp.hits) == 2


def test_a_step_that_raised_and_a_cleared_breakpoint_leave_no_hook():
    model = nn.Linear(3, 2)
    optimizer = _DivergedSGD(model.parameters(), lr=0.1)
    bp = tvt.break_on(op="log", action="continue")
    model(torch.ones(4, 3)).sum().backward()
    with pytest.raises(FloatingPointError):
        optimizer.step()  # it raises, then
    bp.clear()
    assert not torch.nn.modules.module._global_forward_pre_hooks
    assert torch._C._len_torch_function_stack() == 0


def test_a_step_that_raised_in_a_notebook_cell_leaves_the_breakpoint_armed_for_the_next_cell(
        kernel_shell):
    """A loop of raw tensors calls no module after its failed step: the next cell puts the
    mode back (the extension's pre_run_cell), and nothing stands by at module calls."""
    shell = kernel_shell
    shell.run_line_magic("load_ext", "tapeviz")
    try:
        w = torch.ones(3, requires_grad=True)
        shell.user_ns.update(w=w, torch=torch, optimizer=_DivergedSGD([w], lr=0.1))
        bp = tvt.break_on(op="log", action="continue")
        failed = shell.run_cell("torch.log(w.exp()).sum().backward()\noptimizer.step()\n")
        assert isinstance(failed.error_in_exec, FloatingPointError)
        assert len(bp.hits) == 1
        assert shell.run_cell("loss = torch.log(w.exp()).sum()\n").success
        assert len(bp.hits) == 2
        assert not torch.nn.modules.module._global_forward_pre_hooks
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")


SPARSE_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
                 torch.complex128]   # and numpy has no dtype of these three:
NAN_DTYPES = SPARSE_DTYPES + [torch.complex32, torch.float8_e4m3fn, torch.float8_e5m2]


@pytest.mark.parametrize(("dtype", "sparse"), [(dtype, False) for dtype in NAN_DTYPES]
                         + [(dtype, True) for dtype in SPARSE_DTYPES], ids=str)
def test_a_nan_breakpoint_finds_nan_in_every_dtype_torch_can_hold_it(dtype, sparse):
    values_in = torch.tensor([1.0, float("nan"), 0.0]).to(dtype)
    finite = torch.ones(3).to(dtype)
    if sparse:
        values_in, finite = values_in.to_sparse(), finite.to_sparse()
    bp = tvt.break_on(nan=True, action="continue")
    try:
        torch.clone(finite)
        torch.clone(values_in)
    finally:
        bp.clear()
    (hit,) = bp.hits
    assert hit.node.op.name == "clone" and np.isnan(hit.node.output.numpy()[1])


def test_a_nan_breakpoint_lets_ops_on_the_meta_device_run():
    """A meta tensor has a shape and no values (a model built for its shapes): no NaN."""
    bp = tvt.break_on(nan=True, action="continue")
    try:
        made = torch.zeros(3, 4, device="meta") * 2
    finally:
        bp.clear()
    assert made.shape == (3, 4) and bp.hits == []


@pytest.mark.parametrize("call", [
    lambda x: F.threshold(x, 0.5, float("nan"), True),           # inplace given by position
    lambda x: F.threshold(x, 0.5, float("nan"), inplace=True),   # by name
    lambda x: x.masked_fill_(x <= 0.5, float("nan")),            # an in-place method
], ids=["positional", "keyword", "method"])
def test_a_nan_breakpoint_shows_an_in_place_ops_input_as_it_was_before_the_op(call):
    x = torch.tensor([0.25, 1.0, 2.0])
    bp = tvt.break_on(nan=True, action="continue")
    call(x)
    (hit,) = bp.hits
    np.testing.assert_array_equal(hit.node.inputs[0].numpy(), [0.25, 1.0, 2.0])
    assert np.isnan(hit.node.output.numpy()[0]) and np.isnan(x[0])
