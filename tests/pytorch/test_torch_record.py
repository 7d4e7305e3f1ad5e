"""record(): torch ops as Nodes, with torch's names, shapes, module paths and the user's line."""
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN
from torch import nn

import tapeviz as tf
import tapeviz.torch as tvt
from tapeviz.torch.ops import op_named
from tapeviz.variable import VariableRead
from tapeviz.threadstate import thread_state
from source_lines import lines_of


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        return self.fc2(h)


_line_of = lines_of(__file__)


def test_mlp_ops_have_torch_names_shapes_scopes_and_the_callers_lines():
    torch.manual_seed(0)
    model, x, y = MLP(), torch.randn(5, 4), torch.tensor([0, 2, 1, 1, 0])
    with tvt.record() as tape:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
    assert [n.op.name for n in tape.nodes] == ["linear", "tanh", "linear", "cross_entropy"]
    assert [n.scope for n in tape.nodes] == ["MLP/fc1", "MLP", "MLP/fc2", ""]
    assert [tuple(n.output.shape) for n in tape.nodes] == [(5, 8), (5, 8), (5, 3), ()]
    lines = [n.source.lineno for n in tape.nodes]
    assert lines == [_line_of("h = torch.tanh(self.fc1(x))")] * 2 + [
        _line_of("return self.fc2(h)"), _line_of("loss = F.cross_entropy(logits, y)")]
    assert all(n.source.filename == __file__ for n in tape.nodes)
    assert np.allclose(tape.nodes[-1].output.numpy(), loss.item())


def test_parameters_are_variables_named_as_named_parameters_and_ops_link_by_value():
    model, x = MLP(), torch.randn(2, 4)
    with tvt.record() as tape:
        model(x)
    first, tanh, second = tape.nodes
    weight = first.inputs[1]
    assert type(weight) is VariableRead and weight.variable.name == "fc1.weight"
    assert [t.variable.name for t in second.inputs[1:]] == ["fc2.weight", "fc2.bias"]
    assert np.array_equal(weight.numpy(), model.fc1.weight.detach().numpy())
    # the tensor an op made is the very Tensor its consumer took: the graph links them
    assert tanh.inputs[0] is first.output and second.inputs[0] is tanh.output
    assert first.op.input_names == ("input", "weight", "bias")


def test_guide_cnn_ops_grouped_by_module_at_the_model_files_lines():
    torch.manual_seed(0)
    model = DigitsCNN()
    images, labels = torch.rand(4, 1, 8, 8), torch.tensor([1, 2, 3, 4])
    with tvt.record() as tape:
        loss = F.cross_entropy(model(images), labels)
    names = [n.op.name for n in tape.nodes]
    assert names == ["conv2d", "relu", "conv2d", "relu", "mean", "linear", "cross_entropy"]
    assert [n.scope for n in tape.nodes] == ["DigitsCNN/conv1", "DigitsCNN", "DigitsCNN/conv2",
                                             "DigitsCNN", "DigitsCNN", "DigitsCNN/fc", ""]
    conv = tape.nodes[0]
    assert conv.output.shape == (4, 16, 6, 6) and conv.params["stride"] == (1, 1)
    assert conv.source.line == "x = F.relu(self.conv1(x))"
    assert tape.nodes[4].params["dim"] == (2, 3)
    assert tape.nodes[-1].source.lineno == _line_of("loss = F.cross_entropy(model(images), labels)")
    assert tape.nodes[-1].params["reduction"] == "mean"
    assert np.isclose(float(tape.nodes[-1].output.numpy()), loss.item())


def test_operators_and_methods_are_named_as_torch_names_them():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with tvt.record() as tape:
        y = (x + 1) * x - 2 / x
        z = y.sum().log()
        _ = z.item(), y.shape, len(y)   # not ops
    assert [n.op.name for n in tape.nodes] == ["add", "mul", "rdiv", "sub", "sum", "log"]
    assert [n.op.label for n in tape.nodes][:2] == ["+", "×"]
    assert tape.nodes[0].params == {"other": 1}


def test_in_place_ops_and_optimizer_step_leave_recorded_values_as_they_were():
    model = MLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    x = torch.randn(3, 4)
    before = model.fc1.weight.detach().numpy().copy()
    with tvt.record() as tape:
        h = model.fc1(x)
        h.mul_(0.0)                 # in place: h's earlier value stays on the tape
        model(x).sum().backward()
        optimizer.step()
    linear, mul_ = tape.nodes[:2]
    assert mul_.op.name == "mul_" and mul_.op.kind == "update"
    assert np.abs(linear.output.numpy()).sum() > 0
    assert np.array_equal(mul_.inputs[0].numpy(), linear.output.numpy())
    assert not mul_.output.numpy().any()
    assert np.array_equal(linear.inputs[1].numpy(), before)
    assert not np.array_equal(model.fc1.weight.detach().numpy(), before)   # it did train


def test_record_sees_only_its_own_thread():
    x = torch.ones(3)
    ready = threading.Event()

    def other():
        torch.exp(x)
        ready.set()

    with tvt.record() as tape:
        torch.sin(x)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert ready.is_set() and [n.op.name for n in tape.nodes] == ["sin"]


def test_nobody_listening_leaves_torch_untouched():
    import tapeviz.torch   # noqa: F401  (imported: still no mode, no hooks)
    assert torch._C._len_torch_function_stack() == 0
    assert not torch.nn.modules.module._global_forward_pre_hooks
    assert not torch.nn.modules.module._global_forward_hooks


def test_an_error_in_a_module_leaves_the_mode_hooks_and_layer_path_clean():
    class Broken(nn.Module):
        def forward(self, x):
            return x @ torch.ones(5, 5)    # (2, 3) @ (5, 5)

    with pytest.raises(RuntimeError):
        with tvt.record() as tape:
            torch.relu(torch.ones(2, 3))
            Broken()(torch.ones(2, 3))
    assert [n.op.name for n in tape.nodes] == ["relu"]
    assert thread_state().scope == ""
    assert torch._C._len_torch_function_stack() == 0


def test_subscribing_activates_the_adapter_and_unsubscribing_removes_it():
    seen, model, x = [], MLP(), torch.randn(2, 4)
    tf.subscribe(seen.append, kinds=(tf.events.OpExecuted,))
    try:
        assert torch._C._len_torch_function_stack() == 1
        model(x)   # an unmodified forward pass
    finally:
        tf.unsubscribe(seen.append)
    assert [e.node.op.name for e in seen] == ["linear", "tanh", "linear"]
    assert all(e.taped for e in seen)
    assert torch._C._len_torch_function_stack() == 0


def test_optimizer_step_is_heard_as_one_update_op_per_parameter_and_not_taped():
    model = MLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(3, 4)
    with tvt.record() as tape:
        model(x).sum().backward()
        optimizer.step()    # as a GradientTape does not record optimizer updates
        model(x)            # the mode is back after the step
    assert [n.op.name for n in tape.nodes] == ["linear", "tanh", "linear", "sum",
                                               "linear", "tanh", "linear"]
    before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    seen = []
    tf.subscribe(seen.append, kinds=(tf.events.OpExecuted,))
    try:
        optimizer.step()
    finally:
        tf.unsubscribe(seen.append)
    assert [e.node.op.name for e in seen] == ["sgd_step"] * 4   # not SGD's add_ calls
    assert all(n.op.kind == "update" and not e.taped for e, n in ((e, e.node) for e in seen))
    params = dict(model.named_parameters())
    for node in (e.node for e in seen):
        name = node.inputs[0].variable.name
        np.testing.assert_array_equal(node.inputs[0].numpy(), before[name])
        np.testing.assert_array_equal(node.inputs[1].numpy(), params[name].grad.numpy())
        np.testing.assert_array_equal(node.output.numpy(), params[name].detach().numpy())
        assert node.output.variable is node.inputs[0].variable
        assert node.params["lr"] == 0.1 and node.op.input_names == ("param", "grad")
        assert node.source.line.strip() == "optimizer.step()"
    assert [n.inputs[0].variable.name for n in (e.node for e in seen)] == list(params)


def test_a_step_with_a_closure_keeps_its_forward_and_backward_ops():
    model = MLP()
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=1)
    x = torch.randn(3, 4)

    def closure():
        optimizer.zero_grad()
        loss = model(x).pow(2).sum()
        loss.backward()
        return loss

    seen = []   # (LBFGS's own calls, torch.cat of the gradients, are heard too: not here)
    tf.subscribe(seen.append, ops=[op_named(name) for name in ("linear", "tanh", "pow", "sum")])
    try:
        optimizer.step(closure)
    finally:
        tf.unsubscribe(seen.append)
    assert [e.node.op.name for e in seen][:5] == ["linear", "tanh", "linear", "pow", "sum"]


def test_a_thread_that_never_subscribed_is_heard_from_its_first_module_call():
    """torch's mode stack is per thread: the global module hook pushes the adapter's mode
    on a training thread (a Runner's) when someone listens, at its first module call."""
    model, x = MLP(), torch.randn(2, 4)
    seen, threads = [], []

    def hear(event):
        seen.append(event.node.op.name)
        threads.append(threading.get_ident())

    def train():
        model(x).sum()

    tf.subscribe(hear, kinds=(tf.events.OpExecuted,))
    try:
        thread = threading.Thread(target=train)
        thread.start()
        thread.join()
    finally:
        tf.unsubscribe(hear)
    assert seen == ["linear", "tanh", "linear", "sum"]
    assert set(threads) == {thread.ident}


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)


def test_tapeviz_and_its_viz_never_import_torch():
    done = _run_python("import sys, tapeviz, tapeviz.viz, tapeviz.debugger\n"
                       "print('torch' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_importing_the_adapter_without_torch_says_how_to_install_it():
    done = _run_python("import sys\nsys.modules['torch'] = None\nimport tapeviz.torch")
    assert done.returncode != 0
    assert 'ImportError: tapeviz.torch needs PyTorch: pip install "tapeviz[torch]"' in done.stderr


def test_values_are_host_copies_whatever_the_dtype_or_view():
    half = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    conj = torch.tensor([1 + 2j]).conj()
    with tvt.record() as tape:
        half * 2
        conj + 0
    assert tape.nodes[0].inputs[0].numpy().dtype == np.float32     # numpy has no bfloat16
    np.testing.assert_array_equal(tape.nodes[0].output.numpy(), [3.0, -4.0])
    np.testing.assert_array_equal(tape.nodes[1].inputs[0].numpy(), [1 - 2j])


def test_a_mode_left_on_a_thread_by_a_listener_that_left_elsewhere_goes_at_its_next_module_call():
    """A Runner's listener subscribed here and unsubscribed on its training thread: this
    thread's mode cannot be popped from there; it leaves at this thread's next module call,
    and the hooks with it."""
    from tapeviz.torch import activation, modules
    seen, model, x = [], MLP(), torch.randn(2, 4)
    tf.subscribe(seen.append, kinds=(tf.events.OpExecuted,))
    assert torch._C._len_torch_function_stack() == 1
    other = threading.Thread(target=tf.unsubscribe, args=(seen.append,))
    other.start()
    other.join()
    assert torch._C._len_torch_function_stack() == 1 and modules.installed()
    model(x)
    assert torch._C._len_torch_function_stack() == 0 and not modules.installed()
    assert not activation._modes and seen == []


def test_tensors_in_lists_and_keywords_are_inputs_and_the_rest_params():
    a, b = torch.ones(2), torch.arange(2.0)
    out = torch.empty(2)
    with tvt.record() as tape:
        torch.cat(tensors=[a, b], dim=0)
        torch.stack((a, b), 1)
        torch.add(a, b, out=out)    # writes into `out`: a's and b's values copied before
    cat, stack, add = tape.nodes
    assert [len(n.inputs) for n in tape.nodes] == [2, 2, 2]
    assert cat.op.input_names == ("tensors[0]", "tensors[1]") and cat.params == {"dim": 0}
    assert stack.params == {"dim": 1} and stack.output.shape == (2, 2)
    np.testing.assert_array_equal(add.output.numpy(), [1.0, 2.0])
    assert "out" not in add.params


def test_layers_called_alone_name_their_parameters_apart_as_keras_names_layers():
    first, second = nn.Linear(3, 2), nn.Linear(2, 1)   # no parent module holds them
    with tvt.record() as tape:
        second(first(torch.ones(4, 3))).sum().backward()
    names = [[x.variable.name for x in n.inputs[1:]] for n in tape.nodes if n.op.name == "linear"]
    (weight, bias), (weight_1, bias_1) = names
    assert weight.endswith("/weight") and bias == weight.replace("weight", "bias")
    assert weight_1.endswith("/weight") and bias_1 == weight_1.replace("weight", "bias")
    assert weight != weight_1 and weight.startswith("linear") and weight_1.startswith("linear_")
    with tvt.record() as again:   # a layer keeps its name
        first(torch.ones(1, 3))
    assert again.nodes[0].inputs[1].variable.name == weight


def test_a_step_that_raised_leaves_no_update_for_the_next_step_to_send():
    model = MLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(3, 4)).sum().backward()
    seen = []
    tf.subscribe(seen.append, kinds=(tf.events.OpExecuted,))
    try:
        with tvt.record():   # the mode on this thread, as a Recorder's would be
            def fails(optimizer, args, kwargs):
                raise RuntimeError("a user's hook failed")
            handle = optimizer.register_step_pre_hook(fails)   # after the adapter's
            with pytest.raises(RuntimeError):
                optimizer.step()
            handle.remove()
            tf.unsubscribe(seen.append)
            optimizer.step()       # nobody hears its updates now: none is sent
    finally:
        tf.unsubscribe(seen.append)
    assert [e.node.op.name for e in seen] == []


def test_an_op_given_inplace_true_keeps_its_input_as_it_was_and_linked_to_its_maker():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True))
    torch.manual_seed(0)
    with tvt.record() as tape:
        model(torch.randn(5, 3))
    linear, relu = tape.nodes
    assert relu.op.name == "relu" and relu.params == {"inplace": True}
    assert (linear.output.numpy() < 0).any()
    assert relu.inputs[0] is linear.output          # the widget draws linear -> relu
    assert not (relu.output.numpy() < 0).any()
