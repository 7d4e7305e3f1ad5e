"""What a Recorder that keeps less could rest on (issue 15: replay on a look, as the numpy
engine's Recorder runs a step again from what it kept): a recorded step of the guide's CNN,
its ops run again from what a step cannot compute again (the batch and labels, the
parameters' values at the step's start) under autograd, gives every value the Recorder
shows bitwise: each op's inputs and output, each backward step's upstream and input
gradients, each parameter's gradient, value before and after Adam's update (after: the
parameters now, what the step's updates wrote). So the values shown are the values that
ran, and a step kept as its inputs would show the same."""
import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
import torch.nn.functional as F  # noqa: E402
from torch.overrides import TorchFunctionMode  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402,F401  (the adapter: records torch ops)
from tapeviz.debugger import Recorder  # noqa: E402
from digits_cnn import digit_batches, make_training  # noqa: E402


class _Program(TorchFunctionMode):
    """The differentiable calls a step makes, in order: (function, args, kwargs), each tensor
    replaced by where it came from: ("op", i) the output of call i, ("parameter", j), or
    ("outside", k) a copy of a tensor from outside the step (the batch, the labels)."""

    def __init__(self, parameters):
        super().__init__()
        self.calls, self.outside = [], []
        self._made = {}
        self._parameters = {id(p): j for j, p in enumerate(parameters)}

    def _where(self, arg):
        if isinstance(arg, torch.Tensor):
            if id(arg) in self._made:
                return ("op", self._made[id(arg)])
            if id(arg) in self._parameters:
                return ("parameter", self._parameters[id(arg)])
            self.outside.append(arg.detach().clone())
            return ("outside", len(self.outside) - 1)
        if isinstance(arg, (list, tuple)):
            return type(arg)(map(self._where, arg))
        return arg

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if isinstance(result, torch.Tensor) and result.grad_fn is not None:
            self.calls.append((func, self._where(args),
                               {key: self._where(value) for key, value in kwargs.items()}))
            self._made[id(result)] = len(self.calls) - 1
        return result


def _given(arg, made: dict):
    if isinstance(arg, tuple) and len(arg) == 2 and arg[0] in made:
        return made[arg[0]][arg[1]]
    if isinstance(arg, (list, tuple)):
        return type(arg)(_given(item, made) for item in arg)
    return arg


def _run_again(program: _Program, parameters: list) -> tuple:
    """(each call's inputs and output, d loss / d each output, d loss / d each parameter,
    each call's input gradients): the program run again on `parameters` (leaves)."""
    made = {"op": [], "parameter": parameters, "outside": program.outside}
    inputs = []
    for func, args, kwargs in program.calls:
        args, kwargs = _given(args, made), _given(kwargs, made)
        inputs.append([a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)])
        made["op"].append(func(*args, **kwargs))
    outputs = made["op"]
    grads = torch.autograd.grad(outputs[-1], outputs + parameters, retain_graph=True)
    upstream, parameter_grads = grads[:len(outputs)], grads[len(outputs):]
    input_grads = [torch.autograd.grad(out, [t for t in ins if t.requires_grad], up,
                                       retain_graph=True)
                   for out, ins, up in zip(outputs, inputs, upstream)]
    return inputs, outputs, upstream, parameter_grads, input_grads


def _array(tensor) -> np.ndarray:
    return tensor.detach().numpy()


def _same(recorded, again) -> bool:
    recorded = np.asarray(getattr(recorded, "_value", recorded))
    return recorded.dtype == again.dtype and np.array_equal(recorded, again)


@pytest.fixture(params=[1, 2], ids=["one thread", "two threads"])
def threads(request):
    """Torch's intra-op threads for the test (a convolution's sums split across them), put
    back after."""
    was = torch.get_num_threads()
    torch.set_num_threads(request.param)
    yield request.param
    torch.set_num_threads(was)


def test_a_recorded_step_run_again_from_its_batch_and_parameters_is_the_same_bitwise(threads):
    model, optimizer, train_step = make_training()
    batches = digit_batches(count=4)
    for images, labels in batches[:3]:   # Adam's moments under way
        train_step(images, labels)
    images, labels = batches[3]
    twin = copy.deepcopy(model)   # the same state: the program its step runs
    program = _Program(list(twin.parameters()))
    with program:
        F.cross_entropy(twin(images), labels)
    before = [p.detach().clone() for p in model.parameters()]
    with Recorder() as rec:
        train_step(images, labels)
    step = rec.last_step
    inputs, outputs, upstream, parameter_grads, input_grads = _run_again(
        program, [p.clone().requires_grad_() for p in before])

    forward = [op for op in step.ops if op.phase == "forward" and op.kind != "update"]
    assert [op.op for op in forward] == ["conv2d", "relu", "conv2d", "relu", "mean", "linear",
                                         "cross_entropy"]
    for op, ins, out, up in zip(forward, inputs, outputs, upstream, strict=True):
        assert all(_same(a, _array(b)) for a, b in zip(op.inputs, ins, strict=True)), op.op
        assert _same(op.output, _array(out)), op.op
        assert _same(op.grad, _array(up)), op.op
    backward = {id(s.node): s for s in step.backward_steps}
    for op, ins, grads in zip(forward, inputs, input_grads):
        recorded = [g for g, t in zip(backward[id(op.node)].input_grads, ins) if t.requires_grad]
        assert all(_same(a, _array(b)) for a, b in zip(recorded, grads, strict=True)), op.op
    names = [name for name, _ in model.named_parameters()]
    for name, grad, start, now in zip(names, parameter_grads, before, model.parameters()):
        assert _same(step.variable_gradients[name], _array(grad)), name
        assert _same(step.variables[name], _array(start)), name
        assert _same(step.variables_after[name], _array(now)), name
