"""`torch.nn.utils.clip_grad_norm_` is one op on the tape, as an optimizer's update is: traced
call by call it was a dozen (`_foreach_norm`, `to`, `stack`, `linalg_vector_norm`, `add`,
`rdiv`, `clamp`, `_foreach_mul_`) between the backward pass and the step."""
import numpy as np
import torch
from torch import nn

import tapeviz.torch as tvt

TORCHS = torch.nn.utils.clip_grad.clip_grad_norm_   # taken while nobody listens


def test_clip_grad_norm_is_one_op_reading_the_parameters_and_making_the_norm():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    with tvt.record() as tape:
        (10 * model(torch.randn(3, 4))).sum().backward()
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    assert [n.op.name for n in tape.nodes] == ["linear", "mul", "sum", "clip_grad_norm_"]
    clip = tape.nodes[-1]
    assert [t.variable.name.rsplit("/", 1)[-1] for t in clip.inputs] == ["weight", "bias"]
    np.testing.assert_allclose(clip.output.numpy(), total.numpy(), rtol=1e-6)
    assert clip.params["max_norm"] == 1.0
    clipped = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
    assert abs(clipped.item() - 1.0) < 1e-4   # it still clips
    for owner in (torch.nn.utils, torch.nn.utils.clip_grad):   # torch's own once nobody listens
        assert owner.clip_grad_norm_ is TORCHS


TORCHS_VALUE = torch.nn.utils.clip_grad.clip_grad_value_


def test_clip_grad_value_is_one_op_reading_the_parameters_and_making_the_largest_gradient():
    """Traced call by call it was 8 `_foreach_clamp_min_`/`_foreach_clamp_max_` heads (one a
    parameter, twice); one op now, its output the largest |gradient| it was given (what
    says whether the clip bit), and torch's None still returned to the user."""
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    with tvt.record() as tape:
        (10 * model(torch.randn(3, 4))).sum().backward()
        largest = max(np.abs(p.grad.numpy()).max() for p in model.parameters())   # (no op)
        returned = torch.nn.utils.clip_grad_value_(model.parameters(), 0.1)
    assert returned is None
    assert [n.op.name for n in tape.nodes] == ["linear", "mul", "sum", "clip_grad_value_"]
    clip = tape.nodes[-1]
    assert [t.variable.name.rsplit("/", 1)[-1] for t in clip.inputs] == ["weight", "bias"]
    assert clip.output.numpy() == np.float32(largest)
    assert clip.params["clip_value"] == 0.1
    assert all(p.grad.abs().max().item() <= 0.1 + 1e-7 for p in model.parameters())
    for owner in (torch.nn.utils, torch.nn.utils.clip_grad):   # torch's own once nobody listens
        assert owner.clip_grad_value_ is TORCHS_VALUE
